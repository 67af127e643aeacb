"""The Celery app a GPU worker runs: `celery -A pipelines.gpu_worker worker -Q gpu --pool solo`.

It consumes dagster-celery's step tasks from the broker in `BLAIR_CELERY_BROKER` and runs each
step in this process (solo pool: one step at a time, one process owning the GPU). The worker
needs the same code, the same `BLAIR_DATA_ROOT` (shared storage) and a Dagster instance it can
write to (one DAGSTER_HOME on shared storage here; Postgres across machines).
"""
from __future__ import annotations

import os

from dagster_celery.make_app import make_app
from dagster_celery.tasks import create_task

from pipelines.executors import BROKER_ENV

if not os.environ.get(BROKER_ENV):
    raise SystemExit(f"error: set {BROKER_ENV} (e.g. redis://127.0.0.1:6379/0) before starting a GPU worker")

app = make_app({"broker": os.environ[BROKER_ENV], "backend": os.environ[BROKER_ENV]})
app.conf.worker_prefetch_multiplier = 1
execute_plan = create_task(app)
