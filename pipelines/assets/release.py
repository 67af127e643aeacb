"""The release: `<data_root>/release/`, the Hugging Face-loadable folder and its dataset card.

Downstream of the exports and the warehouse (which follows the statistics). Each materialisation
records a row snapshot of the lake (so the next one can say what changed), then writes the
release with the diff against the previous snapshot in its card; the card and the diff are the
materialisation's Markdown metadata.
"""

import dagster as dg

from pipelines.resources import DataRoot

RELEASE_FOLDER = "release"  # under the data root


@dg.asset(
    deps=["exports", "warehouse_db"], group_name="release", kinds={"parquet", "huggingface"},
    description="`<data_root>/release/`: one config per (variant, category) with train/validation/test "
                "Parquet splits, raw reviews and metadata per category, and a README.md dataset card "
                "(configs, features, Tables 1 and 3, provenance, changes since the previous release, terms).",
)
def release(context: dg.AssetExecutionContext, data_root: DataRoot) -> dg.MaterializeResult:
    from warehouse.diff import record_snapshot, to_markdown
    from warehouse.publish import new_build_id
    from warehouse.release import release as write_release

    root = data_root.root
    record_snapshot(root, f"{new_build_id()}-release-{context.run.run_id[:8]}")
    result = write_release(root, root / RELEASE_FOLDER)
    card = (root / RELEASE_FOLDER / "README.md").read_text(encoding="utf-8")
    body = card.split("\n---\n", 1)[-1]  # the Markdown after the YAML header
    context.log.info("release: %d configs in %s", len(result["configs"]), result["out"])
    metadata = {
        "path": dg.MetadataValue.path(result["out"]),
        "configs": len(result["configs"]),
        "card": dg.MetadataValue.md(body),
        "diff": dg.MetadataValue.md(to_markdown(result["diff"]) if result["diff"] else "_first release_"),
    }
    if result["diff"]:
        metadata["diff_json"] = dg.MetadataValue.json(result["diff"])
    return dg.MaterializeResult(metadata=metadata)


release_job = dg.define_asset_job(
    "release_job", selection=dg.AssetSelection.assets("warehouse_db", release),
    description="Refresh the warehouse, then write the release and its diff against the previous one.",
)


@dg.schedule(job=release_job, cron_schedule="0 12 * * 0", execution_timezone="UTC",
             default_status=dg.DefaultScheduleStatus.STOPPED)
def weekly_release(context: dg.ScheduleEvaluationContext):
    """Every Sunday 12:00 UTC, after the weekly lake rebuild (03:00): the week's release and diff."""
    return dg.RunRequest(run_key=context.scheduled_execution_time.strftime("%G-W%V"))


assets = [release]
jobs = [release_job]
schedules = [weekly_release]
