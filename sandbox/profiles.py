"""Generator sizes: the `default` marketplace for the demo and a `tiny` one for tests."""
from __future__ import annotations

from dataclasses import dataclass, replace

# The official benchmark cut-offs (DESIGN §4); the generator spreads time so each part is non-empty.
from warehouse.settings import T1_MS, T2_MS  # noqa: F401  (re-exported by the sandbox package)


@dataclass(frozen=True)
class Profile:
    name: str
    categories: tuple[str, ...]
    n_items: int
    n_users: int
    n_reviews: int
    n_queries: int
    gone_rate: float = 0.03        # reviewed items whose page is gone (404)
    malformed_rate: float = 0.02   # pages cut off before #productTitle
    duplicate_rate: float = 0.03   # users who review the same item twice
    start_ms: int = 1420070400000  # 2015-01-01
    end_ms: int = 1696118400000    # 2023-10-01

    def with_sizes(self, **sizes: int) -> "Profile":
        """A copy with some sizes overridden (None values are ignored)."""
        return replace(self, **{k: v for k, v in sizes.items() if v is not None})


PROFILES: dict[str, Profile] = {
    "default": Profile(
        name="default",
        categories=("All_Beauty", "Video_Games", "Baby_Products", "Toys_and_Games", "Sports_and_Outdoors"),
        n_items=3000, n_users=5000, n_reviews=60000, n_queries=200,
    ),
    "tiny": Profile(
        name="tiny",
        categories=("All_Beauty", "Sports_and_Outdoors"),
        n_items=80, n_users=60, n_reviews=600, n_queries=20,
        gone_rate=0.04, malformed_rate=0.03, duplicate_rate=0.08,
    ),
}
