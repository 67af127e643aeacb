"""The parser's limits, in one place: what a hostile page may cost before it is quarantined.

Defaults are the safe ones. Real pages (2012–2026) nest at most ~350 tags deep by the pre-scan's
count (which overcounts unclosed `<p>`/`<li>`), and parse in well under a second.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ParseSettings:
    # Deeper markup is refused before the HTML parser sees it: Lexbor's tree building costs
    # O(depth) per block tag (200k nested <div>: minutes), libxml2 silently drops all below 256.
    max_depth: int = 1024
    # Wall-clock seconds one page may take in `parsing batch` (its parse runs in a worker process
    # that is killed when the budget runs out, so even C-level parsing is interrupted). None:
    # parse in the calling process, guarded by the depth pre-scan only.
    page_time_budget_s: float | None = 10.0
    # A page file larger than this is refused by the command line (the crawler caps bodies at 8 MiB).
    max_page_bytes: int = 64 << 20
    # Bytes of a page without a declared charset that the detection library looks at.
    detect_bytes: int = 64 * 1024


DEFAULT_SETTINGS = ParseSettings()
