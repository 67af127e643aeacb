"""Drives the project's Dagster automation in-process, as the daemon would, for the flow tests.

`Driver.tick()` evaluates every automation condition (`dg.evaluate_automation_conditions`, the
same evaluation the `blair_automation` sensor runs), then executes what it requested: one run per
(graph level, partition), parents first, as the daemon's backfill would order them. `settle()`
ticks until nothing more is requested. The schedule is evaluated with Dagster's test
context and its requests executed the same way.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import dagster as dg

MAX_TICKS = 12


class Driver:
    def __init__(self, defs: dg.Definitions, instance: dg.DagsterInstance, resources: dict,
                 run_config: dict | None = None):
        self.defs, self.instance, self.resources = defs, instance, resources
        self.graph = defs.resolve_asset_graph()
        self.assets = list(defs.assets)
        self.run_config = run_config or {}
        self.cursor = None
        self.executed: list[tuple[str, tuple[str, ...]]] = []  # (partition or "", asset keys) per run

    def _level(self, key: dg.AssetKey) -> int:
        parents = self.graph.get(key).parent_keys
        return 1 + max((self._level(p) for p in parents if self.graph.has(p)), default=0)

    def tick(self, when: datetime) -> int:
        result = dg.evaluate_automation_conditions(defs=self.defs, instance=self.instance, cursor=self.cursor,
                                                   evaluation_time=when)
        self.cursor = result.cursor
        runs: dict[tuple[int, str | None], set[dg.AssetKey]] = defaultdict(set)
        for evaluation in result.results:
            for partition in result.get_requested_partitions(evaluation.key) if evaluation.true_subset.size else ():
                runs[(self._level(evaluation.key), partition)].add(evaluation.key)
        for (_, partition), keys in sorted(runs.items(), key=lambda item: (item[0][0], item[0][1] or "")):
            self.materialize(keys, partition)
        return result.total_requested

    def settle(self, when: datetime) -> int:
        """Tick until a tick requests nothing; returns how many asset partitions were requested."""
        total = 0
        for _ in range(MAX_TICKS):
            requested = self.tick(when)
            if not requested:
                return total
            total += requested
        raise AssertionError(f"automation still requesting after {MAX_TICKS} ticks")

    def materialize(self, keys, partition: str | None, run_config: dict | None = None) -> None:
        selection = sorted(keys, key=lambda k: k.to_user_string())
        config = {**self.run_config, **(run_config or {})}
        wanted = {k.to_user_string() for k in selection}
        config = {"ops": {op: c for op, c in config.get("ops", {}).items() if op in wanted}} if config else None
        result = dg.materialize(self.assets, selection=selection, partition_key=partition, instance=self.instance,
                                resources=self.resources, run_config=config or None)
        assert result.success
        self.executed.append((partition or "", tuple(k.to_user_string() for k in selection)))

    def run_schedule(self, name: str, when: datetime) -> list[str]:
        """Evaluate the schedule at `when` and run each request through its job; returns the partitions."""
        schedule = self.defs.resolve_schedule_def(name)
        with dg.build_schedule_context(instance=self.instance, resources=self.resources,
                                       scheduled_execution_time=when,
                                       repository_def=self.defs.get_repository_def()) as context:
            data = schedule.evaluate_tick(context)
        job = self.defs.resolve_job_def(schedule.job_name)
        for request in data.run_requests or []:
            assert job.execute_in_process(instance=self.instance, partition_key=request.partition_key,
                                          tags=request.tags).success
        return [r.partition_key for r in data.run_requests or []]
