"""The training loop shared by every model: seeded epochs, validation, early stopping.

A model is any `nn.Module` whose `forward(*batch)` returns the mean loss of a batch. The caller
supplies the batches of one epoch (given a seeded generator, so the shuffle is reproducible)
and a validation function (model → metric, higher is better). The loop keeps the weights of
the best epoch and restores them at the end. Resources follow `benchmark.settings`: torch's
thread count is set before training, and a caller may pass `split(batch)` → [(part, weight)]
to cut a batch into micro-batches (weights summing to 1) whose summed gradients equal the
batch's: memory per step is bounded without changing the update. After each epoch's steps, and
every `TRIM_EVERY_STEPS` steps within it, the heap's free pages go back to the OS
(`release_memory`), so validation does not stack its peak on the steps' freed blocks and steps
of varying shapes do not let freed blocks pile up.

Reproducibility: `seed_everything` seeds torch's global generator (init, dropout) and returns
a separate generator for shuffling, so the same inputs and seed give the same numbers on CPU
(the CPU kernels used here are deterministic; tests check it). We do not switch on
`torch.use_deterministic_algorithms`: it changes nothing on CPU for these models and its first
call imports torch's compiler stack (seconds). On CUDA the forward pass runs under bf16
autocast, which is fast but not bit-reproducible.
"""
from __future__ import annotations

import copy
import ctypes
import functools
import logging
import random
import time
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from tqdm.auto import tqdm

from benchmark import settings

log = logging.getLogger(__name__)


@functools.cache
def _malloc_trim():
    # The running process's own symbols hold libc's: no library search (find_library runs ldconfig).
    return getattr(ctypes.CDLL(None), "malloc_trim", None)  # glibc only


# Steps of many shapes (the text model's one-row-per-user batches: widths 2 to 736) fragment the
# heap, and its resident size crept across epochs (ML-100K: 814 → 976 MiB peak over 8 epochs).
# A trim every 16 steps held 5 epochs to 877 MiB (plain: 937) at no measurable CPU cost; after
# every step it held 786 MiB but cost 40 % more CPU (a trim walks the whole heap).
TRIM_EVERY_STEPS = 16


def release_memory() -> None:
    """Hand the heap's free pages back to the OS (glibc's malloc_trim; a no-op elsewhere).
    Freed step tensors otherwise stay resident: on ML-100K the text model's RSS kept ~0.3 GB
    of them, which the next phase (validation) stacked its own peak on."""
    if (trim := _malloc_trim()) is not None:
        trim(0)


def pick_device(device: str | None) -> torch.device:
    return torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))


def seed_everything(seed: int) -> torch.Generator:
    """Seed python, numpy and torch (dropout, init); return a CPU generator for shuffling."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


@dataclass
class FitResult:
    best_metric: float
    best_epoch: int  # 1-based; 0 when no epoch improved on -inf (e.g. max_epochs=0)
    epochs: int  # epochs run before early stopping
    fit_seconds: float  # wall time of training + validation
    step_seconds: float  # time inside optimisation steps only
    examples: int  # training examples seen in optimisation steps (all epochs)
    history: list[float] = field(default_factory=list)  # validation metric after each epoch
    stopped: str = "max_epochs"  # why training ended: "patience", "max_epochs" or "time budget"


def fit(model: nn.Module, epoch_batches: Callable[[torch.Generator], Iterable[tuple[torch.Tensor, ...]]],
        validate: Callable[[nn.Module], float], *, lr: float, max_epochs: int, patience: int,
        generator: torch.Generator, device: torch.device, progress: bool = True, desc: str = "train",
        split: Callable[[tuple[torch.Tensor, ...]], list[tuple[tuple[torch.Tensor, ...], float]]] | None = None,
        max_seconds: float | None = None) -> FitResult:
    """Adam on `model(*batch)`; validate after every epoch; stop after `patience` epochs without
    a strict improvement (or once `max_seconds` of wall time have passed, for reproduction runs
    on a budget: then `stopped` says so); restore the best epoch's weights."""
    settings.apply_threads()
    model.to(device)
    optimiser = torch.optim.Adam(model.parameters(), lr=lr)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else nullcontext()
    best_metric, best_epoch, best_state = float("-inf"), 0, copy.deepcopy(model.state_dict())
    history: list[float] = []
    stopped = "max_epochs"
    step_seconds, examples, started = 0.0, 0, time.perf_counter()
    bar = tqdm(range(1, max_epochs + 1), desc=desc, disable=not progress, leave=False)
    for epoch in bar:
        model.train()
        tick = time.perf_counter()
        for step, batch in enumerate(epoch_batches(generator), start=1):
            if step % TRIM_EVERY_STEPS == 0:
                release_memory()
            optimiser.zero_grad(set_to_none=True)
            for part, weight in (split(batch) if split else [(batch, 1.0)]):
                part = tuple(t.to(device, non_blocking=True) for t in part)
                with autocast:
                    loss = model(*part)
                (loss * weight).backward()
            optimiser.step()
            examples += batch[0].shape[0]
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        step_seconds += time.perf_counter() - tick
        release_memory()  # the steps' freed blocks, before validation allocates its own
        model.eval()
        metric = float(validate(model))
        history.append(metric)
        if metric > best_metric:
            best_metric, best_epoch = metric, epoch
            best_state = copy.deepcopy(model.state_dict())
        bar.set_postfix(loss=f"{loss.item():.4f}", valid=f"{metric:.4f}", best=f"{best_metric:.4f}@{best_epoch}")
        # One line per epoch for whoever watches a log (the Dagster run log captures this logger).
        elapsed = time.perf_counter() - started
        log.info("%s epoch %d/%d: loss %.4f, valid %.4f (best %.4f at epoch %d), %.0f s, ETA at most %.0f s",
                 desc, epoch, max_epochs, loss.item(), metric, best_metric, best_epoch, elapsed,
                 elapsed / epoch * (max_epochs - epoch))
        if epoch - best_epoch >= patience:
            stopped = "patience"
            break
        if max_seconds is not None and time.perf_counter() - started > max_seconds:
            stopped = "time budget"
            break
    model.load_state_dict(best_state)
    model.eval()
    return FitResult(best_metric=best_metric, best_epoch=best_epoch, epochs=len(history),
                     fit_seconds=time.perf_counter() - started, step_seconds=step_seconds,
                     examples=examples, history=history, stopped=stopped)

