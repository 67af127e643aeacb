"""Issue 19: resource settings, CF variants and context baselines, noisy gating, the paper's
SASRec, sampled negatives that exclude the user's items, and the leaderboard's context table."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from benchmark import baselines, leaderboard, protocol, settings
from benchmark.models.alpharec import AlphaRec, AlphaRecConfig, normalised_graph
from benchmark.models.sasrec import SASRec, SASRecConfig
from benchmark.models.unisrec import IGNORE, MoEAdaptor
from benchmark.tasks import cf, seqrec, synthetic
from benchmark.training import fit


def test_settings_read_the_environment_and_bound_the_step(monkeypatch):
    monkeypatch.setenv("BLAIR_TORCH_THREADS", "3")
    assert settings._int_env("BLAIR_TORCH_THREADS", 1) == 3
    for bad in ("0", "two"):
        monkeypatch.setenv("BLAIR_TORCH_THREADS", bad)
        with pytest.raises(ValueError, match="BLAIR_TORCH_THREADS"):
            settings._int_env("BLAIR_TORCH_THREADS", 1)
    # 256 MB of 12-byte logits over 1,682 items and 50 positions: 266 rows fit; never fewer than one.
    assert settings.rows_per_step(1682, 50, memory_mb=256) == 256 * 2**20 // (12 * 1682 * 50)
    assert settings.rows_per_step(10**9, 50, memory_mb=1) == 1


def test_fit_micro_batches_give_the_same_update_as_the_whole_batch():
    x, y = torch.randn(12, 4), torch.randn(12, 1)

    class Mean(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(4, 1)

        def forward(self, x, y):
            return ((self.linear(x) - y) ** 2).mean()

    def split(batch):  # uneven parts, weighted by rows
        return [(tuple(t[:5] for t in batch), 5 / 12), (tuple(t[5:] for t in batch), 7 / 12)]

    weights = []
    for use_split in (False, True):
        torch.manual_seed(0)
        model = Mean()
        fit(model, lambda g: [(x, y)], lambda m: 0.0, lr=0.1, max_epochs=1, patience=1,
            generator=torch.Generator(), device=torch.device("cpu"), progress=False, split=split if use_split else None)
        weights.append(model.linear.weight.detach().clone())
    assert torch.allclose(weights[0], weights[1], atol=1e-6)


def test_context_baselines_rank_by_popularity_and_by_co_occurrence():
    train = [np.array([0, 1]), np.array([0, 1]), np.array([0, 2]), np.array([0])]
    users, items = baselines.most_popular_vectors(train, 4)
    assert (users @ items.T)[3].tolist() == [4, 2, 1, 0]
    x, bt = baselines.ease_vectors(train, 4, lam=0.5)
    scores = np.asarray(x @ bt.T)
    assert np.allclose(np.diag(bt), 0)  # an item never explains itself
    assert scores[3, 1] > scores[3, 2] > scores[3, 3]  # item 0 co-occurs with 1 twice, with 2 once, never with 3


def test_normalised_graph_is_symmetric_with_lightgcn_weights():
    graph = normalised_graph(torch.tensor([0, 0, 1]), torch.tensor([0, 1, 1]), 2, 2).to_dense()
    assert torch.allclose(graph, graph.T)
    # user 0 (degree 2) – item 1 (degree 2): 1/sqrt(2*2); user 1 (degree 1) – item 1: 1/sqrt(1*2)
    assert graph[0, 3] == pytest.approx(0.5) and graph[1, 3] == pytest.approx(2 ** -0.5) and graph[1, 2] == 0


@pytest.mark.parametrize("variant", sorted(protocol.CF_VARIANTS))
def test_cf_variants_train_and_report_the_context_baselines(variant):
    frames, vectors = synthetic.cf_frames(n_users=40, n_items=50, dim=16, seed=2)
    r = cf.run_cf(frames, vectors, seed=3, device="cpu", max_epochs=2, batch_size=64, progress=False, variant=variant)
    assert r["variant"] == variant and r["config"]["negatives"] == protocol.CF_VARIANTS[variant]["negatives"]
    assert set(r["context"]) == {"most_popular", "ease"}
    assert r["context"]["ease"]["lambda"] in protocol.EASE_LAMBDAS
    assert 0 <= r["context"]["most_popular"]["test"]["ndcg@20"] <= 1
    with pytest.raises(ValueError, match="unknown CF variant"):
        AlphaRecConfig.variant("nope")


def test_uniform_negatives_loss_uses_the_given_negatives():
    torch.manual_seed(0)
    model = AlphaRec(AlphaRecConfig.variant("uniform", input_dim=8), torch.randn(30, 8), torch.randn(5, 8))
    users, items = torch.tensor([0, 1]), torch.tensor([3, 4])
    easy, hard = torch.tensor([[10, 11], [12, 13]]), torch.tensor([[3, 3], [4, 4]])  # hard = the positive itself
    assert model(users, items, hard) > model(users, items, easy)
    assert model(users, items, hard).item() == pytest.approx(np.log(3), abs=1e-5)  # three equal logits


def test_noisy_gating_only_in_training():
    torch.manual_seed(0)
    x = torch.randn(6, 16)
    noisy = MoEAdaptor(16, 8, 4, dropout=0.0, noisy=True)
    plain = MoEAdaptor(16, 8, 4, dropout=0.0, noisy=False)
    plain.load_state_dict({k: v for k, v in noisy.state_dict().items() if k != "noise"})
    nn.init.normal_(noisy.gate)  # non-uniform gates, so that noise on the logits shows
    plain.gate.data.copy_(noisy.gate.data)
    noisy.train(), plain.train()
    assert not torch.allclose(noisy(x), noisy(x))  # a new draw every pass
    assert torch.allclose(plain(x), plain(x))
    noisy.eval()
    assert torch.allclose(noisy(x), plain(x))  # no noise at evaluation


def test_sasrec_positions_count_back_from_the_newest_item_and_respect_causality():
    torch.manual_seed(0)
    model = SASRec(SASRecConfig(n_items=30, max_len=6, loss="bce")).eval()
    seq = torch.tensor([[4, 5, 6, 0, 0, 0]])
    short, _ = model.ranking_vectors(seq[:, :3], torch.tensor([3]))
    padded, items = model.ranking_vectors(seq, torch.tensor([3]))
    assert torch.allclose(short, padded, atol=1e-6) and items.shape == (30, protocol.SASREC_HIDDEN)
    states = model.states(seq, torch.tensor([3]))
    changed = model.states(torch.tensor([[4, 5, 6, 9, 9, 9]]), torch.tensor([3]))
    assert torch.allclose(states[:, :3], changed[:, :3], atol=1e-6)  # padding after the row is never seen
    labels = torch.tensor([[5, 6, 7, IGNORE, IGNORE, IGNORE]])
    model.train()
    with pytest.raises(ValueError, match="negative"):
        model(seq, labels, torch.tensor([3]))
    loss = model(seq, labels, torch.tensor([3]), torch.tensor([[1, 2, 3, 0, 0, 0]]))
    assert torch.isfinite(loss) and loss > 0


def test_sampled_negatives_exclude_every_item_of_the_user():
    frames = {
        "train": pd.DataFrame({"user_id": ["a", "b"], "history": [["i1"], ["i4"]], "target": ["i2", "i5"], "timestamp": [1, 1]}),
        "valid": pd.DataFrame({"user_id": ["a"], "history": [["i1", "i2"]], "target": ["i3"], "timestamp": [2]}),
        "test": pd.DataFrame({"user_id": ["a", "b"], "history": [["i2", "i3"], ["zz"]], "target": ["i6", "i1"],
                              "timestamp": [3, 3]}),
    }
    index = {f"i{n}": n for n in range(1, 8)}
    exclude = seqrec._interacted(frames, index)
    assert len(exclude) == 1  # b's test row has no known history item: eval_pairs drops it too
    assert sorted(exclude[0].tolist()) == [1, 2, 3, 6]  # a's train, valid and test items


def test_sasrec_seqrec_run_with_sampled_protocol():
    frames, _ = synthetic.seqrec_frames(n_users=30, n_items=80, length=(4, 10), dim=8, seed=1)
    r = seqrec.run_seqrec(frames, None, id_only=True, seed=5, device="cpu", lr_grid=(1e-3,), max_epochs=2,
                          batch_size=16, progress=False, sampled_negatives=20)
    assert r["model"] == "sasrec" and r["config"]["loss"] == "bce" and r["config"]["hidden"] == protocol.SASREC_HIDDEN
    assert r["sampled"]["n_negatives"] == 20 and "never interacted" in r["sampled"]["label"]
    assert r["stopped"] == "max_epochs" and r["epochs"] == 2


def test_leaderboard_shows_context_baselines_apart(tmp_path):
    results = [{"task": "cf", "dataset": "ml-100k", "encoder": e, "test": {"ndcg@20": s},
                "context": {"most_popular": {"test": {"ndcg@20": 0.26}}, "ease": {"test": {"ndcg@20": 0.42}}}}
               for e, s in (("minilm", 0.3), ("random", 0.1))]
    report = leaderboard.write_report(results, tmp_path)
    assert list(report["table"].index) == ["minilm", "random"]  # baselines take no part in the ranking
    assert report["context"].loc["EASE", ("cf", "ml-100k")] == 0.42
    text = (tmp_path / "leaderboard.md").read_text()
    assert "Context baselines" in text and "| most-popular | 26.00 |" in text


def test_cli_sampled_is_for_seqrec_only(tmp_path, capsys):
    from benchmark.__main__ import main
    from parsing.cli import CliError, run_cli

    with pytest.raises(CliError, match="seqrec only"):
        main(["run", "--encoder", "random", "--task", "cf", "--dataset", "x", "--out", str(tmp_path), "--sampled", "100"])
    assert run_cli(main, ["run", "--encoder", "random", "--task", "seqrec", "--dataset", "x", "--out", str(tmp_path),
                          "--sampled", "0"]) != 0
    assert "at least 1" in capsys.readouterr().err
