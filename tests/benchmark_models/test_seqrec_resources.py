"""Issue 19: what bounds seqrec's memory must not change its results, and the reproduction
suite's arguments are checked before any work."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from benchmark import training
from benchmark.models.sasrec import SASRec, SASRecConfig
from benchmark.models.unisrec import UniSRec, UniSRecConfig
from benchmark.tasks import seqrec
from parsing.cli import run_cli
from perf import reproduce


@pytest.mark.parametrize("kind", ["text", "id"])
def test_evaluation_batch_size_does_not_change_the_ranks(monkeypatch, kind):
    torch.manual_seed(0)
    n_items, max_len, queries = 300, 20, 600
    if kind == "text":
        model = UniSRec(UniSRecConfig(input_dim=16, hidden=32, inner=32, max_len=max_len), torch.randn(n_items, 16))
    else:
        model = SASRec(SASRecConfig(n_items=n_items, hidden=16, max_len=max_len, loss="ce"))
    lengths = torch.randint(1, max_len + 1, (queries,))
    histories = torch.randint(0, n_items, (queries, max_len)) * (torch.arange(max_len) < lengths[:, None])
    targets = np.random.default_rng(0).integers(0, n_items, queries)
    ranks = {}
    for batch in (1024, 256, 7):
        monkeypatch.setattr(seqrec, "EVAL_BATCH", batch)
        ranks[batch] = seqrec.rank_targets(model, histories, lengths, targets, torch.device("cpu"))
    assert (ranks[1024] == ranks[256]).all() and (ranks[1024] == ranks[7]).all()
    assert len(set(ranks[1024].tolist())) > 50  # a real ranking, not all ties


def test_release_memory_is_safe_to_call_between_phases():
    kept = torch.randn(1000, 1000)
    training.release_memory()
    assert training._malloc_trim() is not None  # glibc here: the trim really runs
    assert float(kept.sum()) == pytest.approx(float(kept.double().sum()), rel=1e-4)  # live data untouched


def test_training_trims_the_heap_within_each_epoch_and_after_it(monkeypatch):
    calls = []
    monkeypatch.setattr(training, "release_memory", lambda: calls.append(len(steps)))
    class Tiny(torch.nn.Linear):
        def forward(self, x):
            return super().forward(x).square().mean()

    model, steps = Tiny(4, 1), []
    steps_per_epoch = 2 * training.TRIM_EVERY_STEPS + 3

    def batches(generator):
        for _ in range(steps_per_epoch):
            steps.append(1)
            yield (torch.randn(8, 4),)

    training.fit(model, batches, lambda m: 0.0, lr=1e-3, max_epochs=2, patience=5,
                 generator=torch.Generator(), device=torch.device("cpu"), progress=False)
    every = training.TRIM_EVERY_STEPS
    one_epoch = [every, 2 * every, steps_per_epoch]  # twice within it (after fetching those batches), once after
    assert calls == one_epoch + [steps_per_epoch + n for n in one_epoch]


@pytest.mark.parametrize("argv, message", [
    (["nope"], "unknown suite"),
    (["ml100k-seqrec", "--examples", "both"], "invalid choice"),
    (["video", "--minutes", "0"], "--minutes"),
    (["ml100k-seqrec", "--examples", "sequences"], "--model minilm"),
])
def test_reproduce_rejects_bad_arguments_in_one_line(capsys, argv, message):
    assert run_cli(reproduce.main, argv) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:") and message in err[0]


def test_valid_sample_picks_the_epoch_on_fixed_rows_and_reports_every_row():
    from benchmark.tasks import synthetic

    frames, _ = synthetic.seqrec_frames(n_users=60, n_items=80, length=(4, 10), dim=8, seed=1)
    # One epoch: both runs keep it, so the weights are the same and only the curve differs.
    common = dict(id_only=True, seed=5, device="cpu", lr_grid=(1e-3,), max_epochs=1, batch_size=16, progress=False)
    full = seqrec.run_seqrec(frames, None, **common)
    part = seqrec.run_seqrec(frames, None, valid_sample=25, **common)
    assert full["valid_curve_rows"] == full["counts"]["valid"] > 25 and part["valid_curve_rows"] == 25
    assert part["valid_curve"] != full["valid_curve"]  # the curve is on the 25 rows ...
    assert part["valid"] == full["valid"] and part["test"] == full["test"]  # ... the same weights, all rows reported
