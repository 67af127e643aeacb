"""HTML/JSON → records in the official Amazon Reviews 2023 schema. No Dagster, no I/O in extractors."""
