"""Text normalisation shared by the extractors and by item-text building."""
from __future__ import annotations

import html
import re

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
# Invisible direction marks and zero-width characters that real pages sprinkle into text.
_INVISIBLE = dict.fromkeys(map(ord, "\u200e\u200f\u200b\u200c\u200d\ufeff\u00ad"), None)


def normalize_space(text: str | None) -> str:
    """Strip invisible marks, turn NBSP and runs of whitespace into one space, trim."""
    if not text:
        return ""
    return _SPACE.sub(" ", text.translate(_INVISIBLE).replace("\xa0", " ")).strip()


def clean_item_text(text: str | None) -> str:
    """DESIGN §4 item text cleaning: HTML unescaped, tags removed, whitespace collapsed."""
    if not text:
        return ""
    return normalize_space(_TAG.sub(" ", html.unescape(text)))
