"""`python -m parsing product | reviews | batch` as a user runs them."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from parsing_archive_builder import ArchiveWriter, review, timeline_body

REPO = Path(__file__).resolve().parents[2]


def _run(*args):
    return subprocess.run([sys.executable, "-m", "parsing", *map(str, args)], capture_output=True, text=True, cwd=REPO)


def test_cli_product_and_reviews(shared_fixtures):
    page = shared_fixtures / "amazon_product_html" / "2024_amazon.es_B01MUGXRT9_window_robot.html"
    done = _run("product", page)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["average_rating"] == 4.1 and record["rating_number"] == 5182  # "4,1 de 5", "5.182 valoraciones"

    reviews = shared_fixtures / "amazon_review_html" / "2024_amazon.com_B01IPHVFUI_product-reviews.html"
    done = _run("reviews", reviews, "--url", "https://www.amazon.com/product-reviews/B01IPHVFUI")
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 0 and len(lines) == 10 and lines[0]["title"] == "Randomly cuts off"

    captcha = shared_fixtures / "amazon_misc_html" / "2014-2024_amazon.com_robot_check_captcha.html"
    done = _run("product", captcha)
    assert done.returncode == 2 and "BlockedPage" in done.stderr


def test_cli_batch(tmp_path):
    writer = ArchiveWriter(tmp_path / "crawl")
    user = "AGKHLEW2SOWHNMFQIJGBECAF7INQ"
    writer.add(f"http://x/profilewidget/timeline/visitor?profileId=amzn1.account.{user}", "timeline",
               timeline_body(user, [("R1", review(user, "B000000001", "B000000001", 5))]))
    done = _run("batch", writer.raw, tmp_path / "bronze")  # the raw/ folder itself
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["reviews"] == 1
    assert "1 pages, 1 parsed, 0 quarantined" in done.stderr
    assert (tmp_path / "bronze" / "reviews" / "category=Unknown" / "part-0.parquet").is_file()
