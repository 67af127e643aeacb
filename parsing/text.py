"""Text normalisation shared by the extractors and by item-text building."""
from __future__ import annotations

import html
import re

_TAG = re.compile(r"<[^>]+>")
# Invisible direction marks and zero-width characters that real pages sprinkle into text.
_INVISIBLE = ("\u200e", "\u200f", "\u200b", "\u200c", "\u200d", "\ufeff", "\u00ad")


def normalize_space(text: str | None) -> str:
    """Strip invisible marks, turn NBSP and runs of whitespace into one space, trim."""
    if not text:
        return ""
    if not text.isascii():
        for mark in _INVISIBLE:  # `in` + replace: a few C scans, cheaper than a regex on short texts
            if mark in text:
                text = text.replace(mark, "")
    # str.split() splits on the same Unicode whitespace as `\s` (NBSP included), in C
    return " ".join(text.split())


def clean_item_text(text: str | None) -> str:
    """DESIGN §4 item text cleaning: HTML unescaped, tags removed, whitespace collapsed."""
    if not text:
        return ""
    return normalize_space(_TAG.sub(" ", html.unescape(text)))


# --- numbers, ratings, counts and dates in the local forms the storefronts print ---------

_NUMBER = re.compile(r"\d[\d.,\u00a0\u202f' ]*")
_GROUPING = re.compile(r"[\u00a0\u202f' ]")
_SEPARATORS = re.compile(r"[.,]")


def parse_number(text: str | None) -> float | None:
    """'1,234.56', '1.234,56', '1 234,56', '4,5', '12' → float; None when no digits.

    The decimal separator is the last '.' or ',' when it is followed by exactly one or
    two digits (or by three digits only when the other separator also occurs before it);
    any other separator groups thousands.
    """
    if not text:
        return None
    match = _NUMBER.search(normalize_space(text).replace(" ", "\u00a0"))
    if not match:
        return None
    raw = _GROUPING.sub("", match.group()).rstrip(".,")
    last = max(raw.rfind("."), raw.rfind(","))
    if last < 0:
        return float(raw)
    tail = raw[last + 1:]
    head = raw[:last]
    other = "," if raw[last] == "." else "."
    decimal = len(tail) in (1, 2) or (len(tail) == 3 and other in head) or (len(tail) > 3)
    if raw.count(raw[last]) > 1:  # '1.234.567' / '1,234,567': the repeated one groups
        decimal = False
    if decimal:
        return float(_SEPARATORS.sub("", head) + "." + tail)
    return float(_SEPARATORS.sub("", raw))


# "1,234", "1.234", "1 234" (NBSP, narrow NBSP or space): groups of three after the first
_GROUPED_INT = re.compile(r"\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+(?!\d)|\d+")


_ONE_PERSON = re.compile(
    r"\b(?:one|a|une|un|una|uno|eine|einer|ein)\s+(?:person|customer|personne|persona|cliente|kunde)", re.I)
_SHORT_COUNT = re.compile(r"(\d+(?:[.,]\d+)?)\s*([KkM])\b")
_NON_DIGIT = re.compile(r"\D")
_RATING = re.compile(r"(\d(?:[.,]\d+)?)")


def parse_count(text: str | None) -> int | None:
    """'1,234 ratings', '1.234 valoraciones', '(12)', 'One person' → int."""
    if not text:
        return None
    match = _GROUPED_INT.search(text)
    if not match:
        return 1 if _ONE_PERSON.search(text) else None
    if "K" in text or "k" in text or "M" in text:
        short = _SHORT_COUNT.search(text)  # "(1.2K)", "3,4 M"
        if short:
            return int(round(float(short.group(1).replace(",", ".")) * (1000 if short.group(2) in "Kk" else 1_000_000)))
    return int(_NON_DIGIT.sub("", match.group()))


def parse_rating(text: str | None) -> float | None:
    """'4.5 out of 5 stars', '4,5 de 5 estrellas', '4.5 von 5 Sternen' → 4.5."""
    if not text:
        return None
    match = _RATING.search(normalize_space(text))
    if not match:
        return None
    value = float(match.group(1).replace(",", "."))
    return value if 0 <= value <= 5 else None


def parse_price(text: str | None) -> float | None:
    """'$1,299.00', '1.234,56 €', '£12.99', 'EUR 12,99' → float; None without digits.

    A range ('$10.99 - $24.99') gives its low end, which is what the listing shows first.
    """
    if not text:
        return None
    return parse_number(text)


_MONTHS = {
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
    # Spanish
    "enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
    # German
    "januar": 1, "jänner": 1, "februar": 2, "märz": 3, "mai": 5, "juni": 6, "juli": 7,
    "oktober": 10, "dezember": 12,
    # French
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "juin": 6, "juillet": 7,
    "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "décembre": 12, "decembre": 12,
    # Italian
    "gennaio": 1, "febbraio": 2, "aprile": 4, "maggio": 5, "giugno": 6, "luglio": 7,
    "settembre": 9, "ottobre": 10, "dicembre": 12,
    # Portuguese / Dutch
    "janeiro": 1, "fevereiro": 2, "março": 3, "maio": 5, "junho": 6, "julho": 7, "setembro": 9,
    "outubro": 10, "dezembro": 12, "januari": 1, "februari": 2, "maart": 3, "mei": 5,
    "augustus": 8,
}
_WORD = re.compile(r"[^\W\d_]+")


def parse_day(text: str | None) -> int | None:
    """A day-level date in any of the storefronts' languages → ms at 00:00 UTC of that day.

    'Reviewed in the United States on January 6, 2024', '7 April 2013',
    'Revisado en España el 6 de enero de 2024', 'vom 6. Januar 2024', '2024-01-06'.
    """
    import datetime as dt

    if not text:
        return None
    text = normalize_space(text)
    iso = re.search(r"\b(\d{4})-(\d{2})-(\d{2})\b", text) or re.search(r"(\d{4})年(\d{1,2})月(\d{1,2})日", text)
    if iso:
        year, month, day = map(int, iso.groups())
    else:
        month = None
        for word in _WORD.findall(text):
            month = _MONTHS.get(word.lower().rstrip("."))
            if month and len(word) >= 3:
                break
            month = None
        year_match = re.search(r"\b(1[89]\d\d|2\d\d\d)\b", text)
        days = [int(d) for d in re.findall(r"\b(\d{1,2})\b", text) if 1 <= int(d) <= 31]
        if month is None or not year_match or not days:
            return None
        year, day = int(year_match.group(1)), days[0]
    try:
        moment = dt.datetime(year, month, day, tzinfo=dt.timezone.utc)
    except ValueError:
        return None
    return int(moment.timestamp() * 1000)
