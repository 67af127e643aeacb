"""Where steps run: embedding and training steps go to GPU workers, every other step stays put.

GPU steps carry `GPU_OP_TAGS`: the Celery queue `gpu` (dagster-celery) and a one-GPU limit for
Kubernetes (dagster-k8s reads `dagster-k8s/config`), so the same assets run on either. The
`gpu_benchmark` job sends them through Celery (broker and result backend: `BLAIR_CELERY_BROKER`,
e.g. `redis://gpu-head:6379/0`) to workers started with `celery -A pipelines.gpu_worker worker -Q gpu`
(README, "Scaling out"). Jobs without that executor (the lake, the crawl, the warehouse) keep the
default executor on the Dagster host.
"""
from __future__ import annotations

import os
import socket
import warnings

import dagster as dg

with warnings.catch_warnings():
    # dagster-celery 0.29.27 is the newest release and runs on dagster 1.13.28; its import warns so.
    warnings.filterwarnings("ignore", message="Found version mismatch", category=UserWarning)
    from dagster_celery import celery_executor

GPU_QUEUE = "gpu"
BROKER_ENV = "BLAIR_CELERY_BROKER"
GPU_JOB = "gpu_benchmark"

GPU_OP_TAGS = {
    "dagster-celery/queue": GPU_QUEUE,
    # dagster-k8s (k8s_job_executor / celery_k8s): the step's pod asks for one GPU.
    "dagster-k8s/config": {"container_config": {"resources": {"limits": {"nvidia.com/gpu": "1"}}}},
}

# Read when a run starts (not at import), so the launcher and each worker may set it differently.
gpu_executor = celery_executor.configured(
    {"broker": {"env": BROKER_ENV}, "backend": {"env": BROKER_ENV},
     "config_source": {"worker_prefetch_multiplier": 1}},
    name="gpu_celery",
)


def where_it_ran() -> dict[str, dg.MetadataValue]:
    """The host and process that ran a step, for its materialisation metadata."""
    return {"worker_host": dg.MetadataValue.text(socket.gethostname()), "worker_pid": dg.MetadataValue.int(os.getpid())}


def gpu_job(selection) -> dg.UnresolvedAssetJobDefinition:
    """The embedding and benchmark steps of one task dataset × encoder partition, on the GPU workers."""
    return dg.define_asset_job(GPU_JOB, selection=selection, executor_def=gpu_executor,
                               description="item_embeddings → benchmark_results through Celery's `gpu` queue.")
