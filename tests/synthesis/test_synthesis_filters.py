"""The quarantine rules on their own: what fails, with which reason, and what must pass."""
from __future__ import annotations

import pytest

from benchmark.synthesis.filters import clean_answer, failure_reason

REVIEW = "I bought this shampoo and my hair is great now, very soft and shiny after two weeks of daily use."
TITLE, BRAND = "Lunaria Argan Oil Repair Shampoo for Dry Hair", "Lunaria"
CASES = [
    ("I can't find a shampoo that keeps my curls soft without weighing them down.", None),  # first person, not a refusal
    ("I need something gentle that leaves my dry hair soft and shiny every day.", None),
    ("", "empty or too short"),
    ("Soft hair please.", "empty or too short"),
    ("As an AI, I do not shop, but here is a query about hair care products.", "refusal or meta-talk"),
    ("Sure! I am looking for a product that makes my hair soft.", "refusal or meta-talk"),
    ("I'm sorry, but I cannot help with rewriting this review for you.", "refusal or meta-talk"),
    ("I want an argan oil repair shampoo that works on my frizzy hair.", "names the product"),  # a 4-gram of the title
    ("Is there a Lunaria product that softens my dry hair quickly?", "names the product"),  # the brand
    (REVIEW, "copy of the review"),
]


@pytest.mark.parametrize("query, reason", CASES)
def test_failure_reason(query, reason):
    assert failure_reason(query, REVIEW, TITLE, BRAND) == reason


def test_rejected_request_and_cleaning():
    assert failure_reason("a perfectly good query about soft hair", REVIEW, TITLE, BRAND, error="HTTP 400") == "request rejected"
    assert clean_answer('  "I need   a gentle wash for dry hair."  ') == "I need a gentle wash for dry hair."
    assert failure_reason("I need something", REVIEW, TITLE, "Generic") == "empty or too short"
    assert failure_reason("I need something for generic dry hair care at home", REVIEW, "X", "Generic") is None
