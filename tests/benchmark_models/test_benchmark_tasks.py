"""The two training tasks: data preparation, masking, CPU determinism, and that a model learns."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from benchmark.models.alpharec import AlphaRec, AlphaRecConfig
from benchmark.models.unisrec import IGNORE
from benchmark.tasks import cf, seqrec, synthetic

TIMINGS = {"train_seconds", "sequences_per_second", "seconds_per_epoch", "pairs_per_second"}


def without_timings(result: dict) -> dict:
    return {k: v for k, v in result.items() if k not in TIMINGS}


def trained_histories(sequences, max_len, examples):
    """{(sequence, target position): the history the model reads for it} from the examples."""
    inputs, labels, lengths = seqrec.training_windows(sequences, max_len, examples)
    width = max(map(len, sequences)) - 1 if examples == "sequences" else max_len  # a whole user per row
    assert inputs.shape[1] == labels.shape[1] == width
    seen = {}
    for x, y, n in zip(inputs.tolist(), labels.tolist(), lengths.tolist()):
        assert all(t == IGNORE for t in y[n:]) and any(t != IGNORE for t in y[:n])  # right padding
        for pos, target in enumerate(y):
            if target != IGNORE:
                seen.setdefault(target, []).append(x[:pos + 1])
    return seen


@pytest.mark.parametrize("examples", seqrec.EXAMPLES)
def test_training_examples_label_every_target_once(examples):
    sequences = [list(range(1, 121)), [1007, 1008], [5]]
    seen = trained_histories(sequences, 50, examples)
    # every target exactly once (item ids are distinct); a 1-item sequence has none
    assert sorted(seen) == list(range(2, 121)) + [1008] and all(len(h) == 1 for h in seen.values())
    assert all(h[0][-1] == t - 1 for t, h in seen.items() if t < 1000)  # the history ends just before the target


def test_prefix_examples_give_every_target_its_full_history():
    max_len = 5
    sequences = [list(range(100, 123)), list(range(200, 204))]  # 23 items: 17 targets beyond the first window
    for examples, full in (("prefix", True), ("windows", False)):
        seen = trained_histories(sequences, max_len, examples)
        checked = 0
        for seq in sequences:
            for t in range(1, len(seq)):
                expected = seq[max(0, t - max_len):t]  # RecBole's prefix row: the last max_len items
                checked += 1
                assert (seen[seq[t]] == [expected]) is full or seen[seq[t]] == [expected]
        assert checked == 22 + 3
        short = [t for seq in sequences for t in range(1, len(seq)) if seen[seq[t]] != [seq[max(0, t - max_len):t]]]
        assert (short == []) is full  # the cheaper windows do shorten some histories
    # One row per user: every target's whole past is in its row; the relative-position model
    # reads its last max_len items from it (test_relative_positions_give_every_target_...).
    seen = trained_histories(sequences, max_len, "sequences")
    assert all(seen[seq[t]] == [seq[:t]] for seq in sequences for t in range(1, len(seq)))


def test_sequences_batches_hold_about_the_target_budget_with_little_padding():
    lengths = torch.tensor([3, 700, 40, 41, 39, 120, 650, 2, 45, 118] * 5)
    generator = torch.Generator().manual_seed(0)
    epochs = [seqrec.batch_rows(lengths, 300, "sequences", generator) for _ in range(2)]
    for batches in epochs:
        rows = torch.cat(batches)
        assert sorted(rows.tolist()) == list(range(len(lengths)))  # every row once per epoch
        assert all(int(lengths[b].sum()) < 300 + int(lengths[b].max()) for b in batches)  # the budget, one row past at most
        cells = sum(int(lengths[b].max()) * len(b) for b in batches)  # what the padded batches compute
        assert cells <= 1.25 * int(lengths.sum())  # similar lengths together: little padding
    assert [b.tolist() for b in epochs[0]] != [b.tolist() for b in epochs[1]]  # a new order each epoch
    rows = seqrec.batch_rows(lengths, 16, "windows", torch.Generator().manual_seed(0))
    assert [len(b) for b in rows] == [16, 16, 16, 2]  # the other schemes: batch_size rows


def test_sequences_need_the_relative_text_model():
    frames, vectors = synthetic.seqrec_frames(n_users=10, n_items=20, dim=8)
    for kwargs in ({"positions": "absolute"}, {"id_only": True}):
        with pytest.raises(ValueError, match="relative"):
            seqrec.run_seqrec(frames, vectors, examples="sequences", progress=False, **kwargs)


def test_user_sequences_chain_first_history_and_targets():
    train = pd.DataFrame({"user_id": ["b", "a", "a", "a"], "history": [["x"], ["p", "q"], ["p", "q", "r"], ["p", "q", "r", "zz"]],
                          "target": ["y", "r", "zz", "s"], "timestamp": [5, 1, 2, 3]})
    index = {k: i for i, k in enumerate(["p", "q", "r", "s", "x", "y"])}  # "zz" has no vector
    sequences, dropped = seqrec.user_sequences(train.iloc[::-1], index)  # input order must not matter
    assert sequences == [[0, 1, 2, 3], [4, 5]]
    assert dropped["unknown_items"] == 1
    histories, lengths, targets, dropped = seqrec.eval_pairs(
        pd.DataFrame({"history": [["p", "zz", "q"], ["zz"], ["p"]], "target": ["s", "s", "nope"]}), index, max_len=2)
    assert histories.tolist() == [[0, 1]] and lengths.tolist() == [2] and targets.tolist() == [3]
    assert dropped == {"unknown_target": 1, "empty_history": 1}


def test_cf_evaluation_masks_the_given_items():
    torch.manual_seed(0)
    vectors = torch.randn(30, 8)
    model = AlphaRec(AlphaRecConfig(input_dim=8), vectors, torch.randn(5, 8))
    rng = np.random.default_rng(0)
    owned = [rng.choice(30, size=6, replace=False) for _ in range(5)]
    none = [np.empty(0, dtype=np.int64)] * 5
    assert cf.evaluate(model, owned, none, torch.device("cpu"), k=20)["recall@20"] > 0
    assert cf.evaluate(model, owned, owned, torch.device("cpu"), k=20)["recall@20"] == 0  # masked: never recommended


def test_seqrec_is_deterministic_on_cpu_and_records_its_settings():
    frames, vectors = synthetic.seqrec_frames(n_users=40, n_items=60, length=(4, 12), dim=16, seed=1)
    runs = [seqrec.run_seqrec(frames, vectors, seed=5, device="cpu", lr_grid=(1e-3, 3e-4), max_epochs=2,
                              batch_size=16, progress=False, sampled_negatives=20) for _ in range(2)]
    assert without_timings(runs[0]) == without_timings(runs[1])
    r = runs[0]
    assert set(r["per_lr"]) == {"0.001", "0.0003"} and r["per_lr"][repr(r["lr"])] == max(r["per_lr"].values())
    assert r["seed"] == 5 and r["ranking"] == "full" and r["config"]["hidden"] == 300
    assert set(r["test"]) == {"ndcg@10", "recall@10", "recall@50"} and r["sampled"]["label"].startswith("sampled")
    assert r["counts"]["valid"] == r["counts"]["test"] == 40
    other = seqrec.run_seqrec(frames, vectors, seed=6, device="cpu", lr_grid=(1e-3,), max_epochs=2, batch_size=16,
                              progress=False)
    assert other["valid_curve"] != runs[0]["valid_curve"] or other["test"] != r["test"]  # the seed matters
    ids = seqrec.run_seqrec(frames, None, id_only=True, seed=5, device="cpu", lr_grid=(1e-3,), max_epochs=1,
                            batch_size=16, progress=False)
    assert ids["model"] == "sasrec" and 0 <= ids["test"]["ndcg@10"] <= 1


def test_cf_is_deterministic_on_cpu():
    frames, vectors = synthetic.cf_frames(n_users=60, n_items=80, dim=16, seed=2)
    runs = [cf.run_cf(frames, vectors, seed=3, device="cpu", max_epochs=3, batch_size=64, progress=False) for _ in range(2)]
    assert without_timings(runs[0]) == without_timings(runs[1])
    assert runs[0]["epochs"] == 3 and set(runs[0]["test"]) == {"ndcg@20", "recall@20"}


def test_inputs_that_do_not_fit_are_refused():
    frames, vectors = synthetic.seqrec_frames(n_users=10, n_items=20, dim=8)
    with pytest.raises(ValueError, match="item vectors"):
        seqrec.run_seqrec(frames, vectors[:5], progress=False)
    with pytest.raises(ValueError, match="sorted"):
        seqrec.run_seqrec(dict(frames, items=frames["items"].iloc[::-1]), vectors, progress=False)


# --- ML-100K from the shared fixtures: titles through MiniLM against random vectors --------------------

@pytest.fixture(scope="module")
def ml100k(shared_fixtures):
    from benchmark.adaptors import adapt
    from benchmark.encoders.registry import get_encoder
    from warehouse.loaders.recbole import load_recbole

    folder = shared_fixtures / "movielens_ml100k_recbole"
    frames = {task: load_recbole(folder, task=task) for task in ("seqrec", "cf")}
    titles = frames["seqrec"]["items"]["title"].tolist()
    assert titles == frames["cf"]["items"]["title"].tolist()
    text = adapt(get_encoder("minilm", device="cpu", progress=False).encode(titles), "pca").vectors
    noise = np.random.default_rng(0).standard_normal(text.shape).astype(np.float32)
    return frames, text, noise


@pytest.mark.slow
@pytest.mark.model
def test_ml100k_text_vectors_beat_random_vectors(ml100k):
    frames, text, noise = ml100k
    # The linear probe with uniform negatives (the graph of the "alpharec" variant does CF by itself), at
    # one learning rate: the grid picks 1e-3 here anyway (the grid's search has its own test).
    cf_text, cf_noise = (cf.run_cf(frames["cf"], v, lr_grid=(1e-3,), max_epochs=4, device="cpu", progress=False,
                                   variant="uniform", context=False) for v in (text, noise))
    assert cf_text["test"]["ndcg@20"] > 2 * cf_noise["test"]["ndcg@20"]
    # Sequential: the first 300 users, 2 epochs, one learning rate (the full protocol is perf's job).
    s = frames["seqrec"]
    users = sorted(s["train"]["user_id"].unique())[:300]
    small = {k: (s[k][s[k]["user_id"].isin(users)] if k != "items" else s[k]) for k in ("items", "train", "valid", "test")}
    runs = [seqrec.run_seqrec(small, v, lr_grid=(1e-3,), max_epochs=2, device="cpu", progress=False, examples="windows")
            for v in (text, noise)]  # the cheaper examples: this compares vectors, not example schemes
    score = [(r["valid"]["ndcg@10"] + r["test"]["ndcg@10"]) / 2 for r in runs]  # 600 queries
    assert score[0] > 2 * score[1] and score[0] - score[1] > 0.005, score
