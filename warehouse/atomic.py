"""The atomic writer lives in `parsing.atomic` (every room may import parsing). This name stays only
for callers in files under parallel work (benchmark results/leaderboard, the datasets asset)."""
from parsing.atomic import atomic_path, replace_dir, write_parquet, write_text  # noqa: F401
