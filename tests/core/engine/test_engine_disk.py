"""A full disk does not end a days-long run.

The job table lives on a small tmpfs that is filled mid-run and freed again: the
engine keeps tracking in memory, submits nothing whose intent is not on disk, says
so once, saves as soon as it can, and the run finishes with one job per tile.
"""

from __future__ import annotations

import os
import subprocess
import threading

import pytest
from helpers.engine import run_request
from helpers.runs import assert_one_job_per_tile, small_grid, wait_until
from openeo_grid_jobs.core.engine.events import EventKind, Outcome
from openeo_grid_jobs.core.engine.host import EngineHost
from openeo_grid_jobs.core.jobs.database import JobDatabase
from openeo_grid_jobs.core.run.intent_journal import replay


@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder) -> None:
    """Write a file until the disk has no byte left."""
    with open(folder / "filler", "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass


class Events:
    def __init__(self) -> None:
        self.seen: list[dict] = []
        self.counts: dict[str, int] = {}
        self.lock = threading.Lock()

    def __call__(self, message: dict) -> None:
        with self.lock:
            self.seen.append(message)
            if message["kind"] == EventKind.UPDATES:
                self.counts = message["counts"]

    def notices(self) -> list[str]:
        with self.lock:
            return [m["message"] for m in self.seen if m["kind"] == EventKind.NOTICE]

    def count(self, *statuses: str) -> int:
        with self.lock:
            return sum(self.counts.get(s, 0) for s in statuses)


def run_titles(local_backend, tag: str) -> set[str]:
    return {j["title"] for j in local_backend.all_jobs() if tag in (j["title"] or "")}


def test_a_full_disk_pauses_launching_until_the_table_can_be_saved(
    local_backend, small_disk, tmp_path
):
    local_backend.knobs(job_duration=1.0)
    request = run_request(tmp_path, local_backend.url, small_grid(4, 3), output=False)
    request.job_db = str(small_disk / "jobs.csv")
    request.policy = {"save_retry": 0.5}
    events = Events()
    host = EngineHost(request, on_event=events)
    host.open()
    ended: dict = {}
    thread = threading.Thread(target=lambda: ended.update(host.serve()), daemon=True)
    thread.start()
    try:
        wait_until(lambda: events.count("finished") >= 2, timeout=60)
        fill(small_disk)
        wait_until(lambda: any("Cannot write the job database" in n for n in events.notices()), 30)
        # tracking goes on: the jobs out finish; nothing new is submitted meanwhile
        wait_until(lambda: events.count("created", "queued", "running") == 0, timeout=60)
        on_disk = JobDatabase(request.job_db).read()  # what a resume would read
        replay(on_disk, request.job_db)
        tag = str(on_disk["run_tag"].iloc[0])
        known = {
            request.config.template.job_title(str(t), tag, int(a))
            for t, a, s in zip(on_disk["tile_id"], on_disk["attempt"], on_disk["status"])
            if s != "not_started"
        }
        made = run_titles(local_backend, tag)
        assert made <= known, "a job whose intent was not on disk"
        assert events.count("not_started") > 0, "launching paused"
        said = [n for n in events.notices() if "Cannot write the job database" in n]
        assert len(said) == 1
        (small_disk / "filler").unlink()  # the disk has room again
        thread.join(120)
    finally:
        host.stop()
        thread.join(30)
        host.close()
    assert ended["outcome"] == Outcome.DONE
    assert ended["counts"] == {"finished": 12}
    assert any("saved again" in n for n in events.notices())
    table = JobDatabase(request.job_db).read()
    assert set(table["status"]) == {"finished"}
    assert_one_job_per_tile([local_backend], table)
