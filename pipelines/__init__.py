"""The Dagster code location: a thin layer of assets over crawler, parsing, warehouse and benchmark."""
