"""The lake (Parquet), Spark jobs, dataset loaders and the DuckDB warehouse. No Dagster."""
