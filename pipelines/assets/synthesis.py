"""Complex-query synthesis (the Amazon-C4 recipe) from the lake, and its search set for the benchmark.

Thin: `benchmark.synthesis.recipe` samples 5-star reviews from silver, asks the LLM (answers
cached under `<root>/synthesis/<dataset>/answers.sqlite`, so a re-run resumes and a larger `n`
asks only for the new reviews), filters and writes the Amazon-C4 files; the pool asset writes the
item pool and loads both through the Amazon-C4 loader into `gold/tasks/search/<dataset>/`, where
the benchmark partitions `search.<dataset>:<encoder>` read it (a complex-query column of the
leaderboard). Both assets are partitioned by the set's name (`partitions.SYNTHESIS_DATASETS`, its
one home), partition to partition, so a new set marks only its own benchmark partitions stale.
"""
# No `from __future__ import annotations`: Dagster reads the Config annotations at run time.

import json

import dagster as dg

from pipelines import metadata as md
from pipelines.partitions import synthesis_partitions
from pipelines.resources import DataRoot

PREVIEW_COLUMNS = ["qid", "item_id", "query"]
SILVER = [dg.AssetDep(name, partition_mapping=dg.AllPartitionMapping()) for name in ("silver_reviews", "silver_meta")]


class ComplexQueriesConfig(dg.Config):
    categories: list[str] = []  # empty: every category of the lake's silver reviews
    n: int = 100  # reviews to sample and rephrase
    llm: str = "smollm2"  # smollm2 (offline) or api:<model> (BLAIR_LLM_URL, key in the env var BLAIR_LLM_KEY_ENV names)
    seed: int = 2024
    period: str = "test"  # timestamp-split period to sample from (Amazon-C4: test, ts >= t2)
    max_new_tokens: int = 0  # 0: the back end's default


def synthesis_dir(data_root: DataRoot, dataset: str):
    from warehouse import layout

    return layout.synthesis(data_root.root) / dataset


@dg.asset(
    deps=SILVER,
    partitions_def=synthesis_partitions,
    group_name="synthesis",
    kinds={"python", "csv"},
    pool="gpu",
    description="Complex queries: sampled 5-star test-period reviews rephrased by an LLM with the paper's prompt, "
                "failed conversions quarantined by reason, in the Amazon-C4 format (test.csv + synthesis.json).",
)
def complex_queries(context: dg.AssetExecutionContext, config: ComplexQueriesConfig,
                    data_root: DataRoot) -> dg.MaterializeResult:
    import pandas as pd

    from benchmark.synthesis.llm import get_llm
    from benchmark.synthesis.recipe import QUERIES_FILE, synthesize_queries
    from warehouse.layout import categories_in, silver

    categories = list(config.categories) or categories_in(silver(data_root.root, "reviews"))
    if not categories:
        raise dg.Failure("no silver reviews in the lake: materialise the lake first")
    overrides = {}
    if config.max_new_tokens:
        overrides["max_new_tokens" if config.llm == "smollm2" else "max_tokens"] = config.max_new_tokens
    llm = get_llm(config.llm, **overrides)
    steps = set()

    def progress(done: int, total: int) -> None:
        step = 4 * done // total  # log at every quarter
        if step not in steps:
            steps.add(step)
            context.log.info(f"{llm.name}: {done} of {total} answers")

    out = synthesis_dir(data_root, context.partition_key)
    sidecar = synthesize_queries(data_root.root, categories, config.n, llm, out, seed=config.seed,
                                 period=config.period, progress=progress)
    preview = pd.read_csv(out / QUERIES_FILE, nrows=md.PREVIEW_ROWS, dtype=str)[PREVIEW_COLUMNS]
    metadata = {"sampled": sidecar["n_sampled"], "kept": sidecar["n_kept"], "model": sidecar["model"],
                "asked_this_run": sidecar["asked_this_run"], "from_cache": sidecar["from_cache"],
                "quarantine": dg.MetadataValue.json(sidecar["quarantine"]),
                "prompt_tokens": sidecar["tokens"]["prompt"], "completion_tokens": sidecar["tokens"]["completion"],
                "preview": dg.MetadataValue.md(md.table(PREVIEW_COLUMNS, preview.to_dict("records"))
                                               if len(preview) else "(none kept)"),
                "path": dg.MetadataValue.path(str(out))}
    if sidecar["cost_usd"] is not None:
        metadata["cost_usd"] = sidecar["cost_usd"]
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    deps=[complex_queries],  # the same partitions: each set's pool reads that set's queries
    partitions_def=synthesis_partitions,
    group_name="synthesis",
    kinds={"python", "parquet"},
    description="The item pool of the synthesised queries (sampled_item_metadata lines: every item of their "
                "categories) and the complex-query search set read through the Amazon-C4 loader into the lake.",
)
def complex_query_pool(context: dg.AssetExecutionContext, data_root: DataRoot) -> dg.MaterializeResult:
    from benchmark.synthesis.recipe import SIDECAR_FILE, write_pool
    from warehouse.loaders.amazon_c4 import load_amazon_c4

    dataset = context.partition_key  # what the same partition of complex_queries wrote
    out = synthesis_dir(data_root, dataset)
    if not (out / SIDECAR_FILE).is_file():
        raise dg.Failure(f"no synthesised queries in {out}: materialise complex_queries first")
    sidecar = json.loads((out / SIDECAR_FILE).read_text())
    pool_items = write_pool(data_root.root, sidecar["categories"], out)
    if not sidecar["n_kept"]:  # every answer failed: an empty search set would only fail downstream
        context.log.warning(f"{dataset}: no query passed the filters ({sidecar['quarantine']}); no search set")
        return dg.MaterializeResult(metadata={"pool_file_items": pool_items, "queries": 0, "skipped": "no queries"})
    frames = load_amazon_c4(out, root=data_root.root, dataset=dataset)
    context.log.info(f"{dataset}: {len(frames['queries'])} queries over {len(frames['items'])} items")
    return dg.MaterializeResult(metadata={"pool_file_items": pool_items, "queries": len(frames["queries"]),
                                          "items": len(frames["items"]), "quarantined": len(frames["quarantine"]),
                                          "dataset": f"search.{dataset}"})


assets = [complex_queries, complex_query_pool]
