"""Where a crawl keeps its frontier, and the read-only question the schedules ask of it."""
from __future__ import annotations

from crawler.frontier import COMPLETED, Frontier, completed_jobs, frontier_path


def test_completed_jobs_reads_the_finished_categories(tmp_path):
    assert completed_jobs(tmp_path) == []  # no crawl yet
    assert frontier_path(tmp_path) == tmp_path / "raw" / "crawl.sqlite"
    frontier_path(tmp_path).parent.mkdir(parents=True)
    frontier = Frontier(frontier_path(tmp_path))
    frontier.put(COMPLETED + "All_Beauty", 1.0)
    frontier.put("last_run", {"pages": 3})  # other keys are not jobs
    frontier.close()
    assert completed_jobs(tmp_path) == ["All_Beauty"]
