"""Failed conversions, each with one reason (the first that applies, in this order):

1. `request rejected`: the endpoint refused the prompt (a 4xx other than 429);
2. `empty or too short`: fewer than MIN_QUERY_WORDS words;
3. `refusal or meta-talk`: the model talks about itself or the task ("As an AI", "Sure, here is");
4. `names the product`: the item's title, its brand (as a word), or any LEAK_NGRAM consecutive
   words of its title appear in the query (case and punctuation ignored);
5. `copy of the review`: at least COPY_OVERLAP of the query's word trigrams occur in the review.
"""
from __future__ import annotations

import re

MIN_QUERY_WORDS = 5
LEAK_NGRAM = 4
COPY_OVERLAP = 0.6
REASONS = ("request rejected", "empty or too short", "refusal or meta-talk", "names the product", "copy of the review")
META_TALK = re.compile(
    r"\bas an ai\b|\blanguage model\b|^\s*(sure|certainly|of course|okay|ok)\b[\s,!.:]|\bhere(?: i|')s\b|"
    r"\bhere are\b|\brephrased (?:output|version|review|text)\b|\bi(?: a|')m sorry\b|"
    r"\bi (?:cannot|can't|can not|am unable to|won't) (?:help|assist|provide|comply|do that|rephrase)\b",
    re.IGNORECASE)
_WORD = re.compile(r"[a-z0-9]+(?:['-][a-z0-9]+)*")
GENERIC_BRANDS = {"", "generic", "unknown", "n/a", "none", "amazon"}


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def clean_answer(text: str) -> str:
    """Whitespace collapsed and wrapping quotes removed (models like to quote their answer)."""
    text = " ".join(str(text).split())
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'“”":
        text = text[1:-1].strip()
    return text.strip("“”").strip()


def _ngrams(tokens: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}


def _contains(haystack: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return n > 0 and any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


def leaks_product(query: str, title: str, brand: str | None) -> bool:
    q, t = words(query), words(title)
    if t and (_contains(q, t) or (_ngrams(q, LEAK_NGRAM) & _ngrams(t, LEAK_NGRAM))):
        return True
    b = words(brand or "")
    return bool(b) and " ".join(b) not in GENERIC_BRANDS and _contains(q, b)


def copies_review(query: str, review: str) -> bool:
    grams = _ngrams(words(query), 3)
    return bool(grams) and len(grams & _ngrams(words(review), 3)) / len(grams) >= COPY_OVERLAP


def failure_reason(query: str, review: str, title: str, brand: str | None, error: str | None = None) -> str | None:
    """The reason this answer is not a usable query, or None when it is."""
    if error:
        return "request rejected"
    if len(words(query)) < MIN_QUERY_WORDS:
        return "empty or too short"
    if META_TALK.search(query):
        return "refusal or meta-talk"
    if leaks_product(query, title, brand):
        return "names the product"
    if copies_review(query, review):
        return "copy of the review"
    return None
