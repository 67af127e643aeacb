"""Why a page gave no record: blocked by the site, or not parseable as the expected kind."""
from __future__ import annotations


class PageError(Exception):
    """A page that yields no record; `reason` is a short machine-friendly word or phrase."""

    def __init__(self, reason: str, detail: str = ""):
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


class BlockedPage(PageError):
    """A Robot Check / captcha interstitial: the fetch worked, the site refused the content."""

    def __init__(self, reason: str = "captcha", detail: str = ""):
        super().__init__(reason, detail)


class UnparsablePage(PageError):
    """Empty, binary, truncated, or missing what makes it the expected kind of page."""
