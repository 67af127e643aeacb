"""Benchmark scripts behind `make perf`. Each `perf/bench_*.py` has `main(quick: bool) -> dict`."""
from __future__ import annotations

import resource


def peak_rss_mb() -> float:
    """This process's own peak resident set, in MiB: Linux's VmHWM. Not `ru_maxrss`, which Linux
    carries over fork and exec, so a measuring child reported its parent's peak when that was higher."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
