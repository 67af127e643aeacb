"""Staging folders of killed builds are removed by the next build; a running build's are kept."""
import fcntl
import subprocess
import sys

from warehouse import layout
from warehouse.publish import claim_staging


def test_stale_staging_is_removed_but_a_locked_one_is_kept(tmp_path):
    staging = layout.staging(tmp_path)
    killed = staging / "20260101T000000-11" / "gold" / "5" / "rating_only"
    killed.mkdir(parents=True)
    (killed / "part-00000.parquet").write_bytes(b"x")
    (staging / "20260101T000000-11.lock").write_text("")  # its lock file, nobody holds it
    running = staging / "20260101T000001-12"
    (running / "silver_reviews").mkdir(parents=True)
    # A real second process holds the running build's lock.
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, sys, time; h = open(sys.argv[1], 'a'); fcntl.flock(h, fcntl.LOCK_EX); "
        "print('locked', flush=True); time.sleep(60)"), str(staging / "20260101T000001-12.lock")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with claim_staging(tmp_path, "20260102T000000-13") as mine:
            assert not (staging / "20260101T000000-11").exists()
            assert not (staging / "20260101T000000-11.lock").exists()
            assert (running / "silver_reviews").is_dir()
            mine.mkdir(parents=True, exist_ok=True)
            with open(staging / "20260102T000000-13.lock") as handle:  # held while the build runs
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    held = False
                except BlockingIOError:
                    held = True
            assert held
        assert not mine.exists() and not (staging / "20260102T000000-13.lock").exists()
        assert (running / "silver_reviews").is_dir()
    finally:
        holder.kill()
        holder.wait()
