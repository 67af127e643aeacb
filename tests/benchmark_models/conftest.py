"""One torch thread for these tests: the models are small, and on a shared 2-core runner torch's
OpenMP threads spin-wait against other processes (a tiny run took 37 s with 2 threads, 5 s with 1)."""
from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
