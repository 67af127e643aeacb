"""User-centric crawler: engine (frontier, politeness, fetch, archive) and the site adapter. No Dagster."""
