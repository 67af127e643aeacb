"""How each asset is refreshed after a re-crawl, with no manual step (declarative automation).

Three rules, evaluated by the daemon that `make dev` starts (the default automation sensor):

- `ON_NEW_DATA` (the lake, per category): bronze, silver, gold, task inputs and exports run as soon
  as the same category's parent partitions are updated (Dagster's `eager`): a re-crawl of one
  category rebuilds that category only.
- `AFTER_ANY_PARENT` (unpartitioned roll-ups: the all-category stats, the DuckDB warehouse): run
  once any parent partition has been updated and none is still running.
- `ON_CADENCE` (embeddings → results → leaderboard, expensive): at most once per `BENCHMARK_CRON`
  tick, and only when a parent was updated since the asset last ran or the partition was never
  built. `ON_CADENCE_WITH_INPUTS` (the task dataset × encoder partitions) also waits until the
  partition's task inputs exist: a category or loader never built has nothing to embed.

The crawl itself (`raw_archive`) is started by the `daily_recrawl` schedule or by hand.
"""
from __future__ import annotations

import dagster as dg

AC = dg.AutomationCondition
BENCHMARK_CRON = "0 4 * * 0"  # Sundays 04:00 UTC
BENCHMARK_TIMEZONE = "UTC"

ON_NEW_DATA = AC.eager()

_QUIET = ~AC.any_deps_in_progress() & ~AC.in_progress()

AFTER_ANY_PARENT = (AC.any_deps_updated().since_last_handled() & _QUIET).with_label("after any parent update")

ON_CADENCE = (
    AC.cron_tick_passed(BENCHMARK_CRON, BENCHMARK_TIMEZONE).since_last_handled()
    & (AC.missing() | AC.any_deps_updated().since_last_handled())
    & _QUIET
).with_label(f"on cron {BENCHMARK_CRON} after a parent update")

ON_CADENCE_WITH_INPUTS = (ON_CADENCE & ~AC.any_deps_missing()).with_label(
    f"on cron {BENCHMARK_CRON} after a parent update, once its task inputs exist")
