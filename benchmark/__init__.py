"""The BLAIR benchmark: encoders, adaptors, tasks, metrics, leaderboard. No Dagster."""
