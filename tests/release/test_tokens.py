"""The paper's token counter: cl100k_base from the bundled encoding file, nothing downloaded."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

# Counts published for cl100k_base (OpenAI's tiktoken README and cookbook examples).
KNOWN = [
    ("hello world", 2),
    ("tiktoken is great!", 6),
    ("antidisestablishmentarianism", 6),
    ("2 + 2 = 4", 7),
    ("お誕生日おめでとう", 9),
    ("", 0),
]


@pytest.mark.parametrize("text,count", KNOWN)
def test_cl100k_counts_match_known_values(text, count):
    from warehouse.stats import cl100k_tokens

    assert cl100k_tokens([text]) == [count]


def test_null_text_counts_zero_and_order_is_kept():
    from warehouse.stats import cl100k_tokens

    assert cl100k_tokens(["hello world", None, "tiktoken is great!"]) == [2, 0, 6]


def test_special_token_text_is_plain_text():
    from warehouse.stats import cl100k_tokens

    # A review may contain "<|endoftext|>": it is counted as ordinary characters, never refused.
    assert cl100k_tokens(["<|endoftext|>"])[0] > 1


def test_the_encoding_loads_without_network(tmp_path):
    """A fresh process with an empty tiktoken cache and no proxy reachable still counts tokens."""
    env = dict(os.environ, TIKTOKEN_CACHE_DIR=str(tmp_path / "cache"), HTTPS_PROXY="http://127.0.0.1:9",
               HTTP_PROXY="http://127.0.0.1:9", NO_PROXY="")
    run = subprocess.run([sys.executable, "-c", "from warehouse.stats import cl100k_tokens; "
                          "print(cl100k_tokens(['hello world'])[0])"], env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "2"
