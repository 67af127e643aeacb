"""Benchmark scripts behind `make perf`. Each `perf/bench_*.py` has `main(quick: bool) -> dict`."""
