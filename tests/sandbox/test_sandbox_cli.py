"""`python -m crawler.sandbox generate` then `serve` in a subprocess, as scripts use them."""
from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def test_generate_then_serve_with_faults_and_a_log(tmp_path):
    out = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "crawler.sandbox", "generate", "--profile", "tiny", "--seed", "4",
                           "--out", str(out), "--items", "60"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    manifest = json.loads(done.stdout)
    assert manifest["profile"] == "tiny" and manifest["seed"] == 4 and manifest["items"] == 60
    assert (out / "truth" / "meta_All_Beauty.jsonl").is_file() and (out / "site" / "manifest.json").is_file()

    log = tmp_path / "requests.jsonl"
    proc = subprocess.Popen([sys.executable, "-m", "crawler.sandbox", "serve", "--data", str(out), "--port", "0",
                             "--crawl-delay", "2", "--fault-p503", "0.5", "--fault-seed", "3", "--retry-after-s", "4",
                             "--log", str(log)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", line).group(0)
        with httpx.Client(base_url=url, timeout=5) as client:
            robots = client.get("/robots.txt")
            assert robots.status_code == 200 and "Crawl-delay: 2" in robots.text
            codes = [client.get("/").status_code for _ in range(30)]
        assert set(codes) == {200, 503}
    finally:
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 0, stderr
    assert "stopped after 31 requests" in stdout
    rows = [json.loads(x) for x in log.read_text().splitlines()]
    assert len(rows) == 31 and all(r["retry_after"] == 4 for r in rows if r["status"] == 503)
