"""The trained recommenders: one file per model (config dataclass + a forward you can follow)."""
