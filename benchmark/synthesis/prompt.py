"""The Amazon-C4 rephrasing prompt, verbatim from the paper; the review follows it."""
from __future__ import annotations

import hashlib

PROMPT = (
    "Given a review from Amazon, can you rephrase it with a first-person tone as if you are the customer "
    "looking for a product? Give me the rephrased output without saying anything else. Note that the name of "
    "the product must not show in the output since you are looking for it. You should ignore irrelevant "
    "information that doesn't help with the rewriting."
)
SEPARATOR = "\n\n"  # between the instruction and the review


def build_prompt(review: str) -> str:
    return PROMPT + SEPARATOR + review


def prompt_hash() -> str:
    """Identifies the prompt in cache keys: a changed prompt asks everything again."""
    return hashlib.sha256((PROMPT + SEPARATOR).encode("utf-8")).hexdigest()[:16]
