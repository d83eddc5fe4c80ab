"""The run engine in this process (as the CLI runs it), against the local back-end.

What every caller gets from one engine: the run's events, its outputs at the end, the
failed tiles grouped by reason, and the commands of a viewer (stop, refresh, retry
failed, cancel, the credit budget) acting on the run under way.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from helpers.engine import Viewer, run_request
from helpers.runs import assert_one_job_per_tile, small_grid, wait_until
from openeo_grid_jobs.core.engine.engine import RunEngine
from openeo_grid_jobs.core.engine.events import Command, EventKind, Outcome, updates_from_rows
from openeo_grid_jobs.core.engine.host import EngineHost
from openeo_grid_jobs.core.jobs.database import JobDatabase
from openeo_grid_jobs.core.jobs.db_lock import JobDatabaseLockedError


def run_in_thread(host: EngineHost) -> tuple[threading.Thread, dict]:
    result: dict = {}
    thread = threading.Thread(target=lambda: result.update(host.serve()), daemon=True)
    thread.start()
    return thread, result


def test_one_engine_reports_the_whole_run(local_backend, tmp_path):
    """Updates, summaries, the mosaic as tiles finish, and at the end every output."""
    events: list[dict] = []
    engine = RunEngine(run_request(tmp_path, local_backend.url), events.append)
    engine.open()
    try:
        hello = engine.hello()
        assert len(hello["rows"]) == 6
        assert hello["counts"] == {"not_started": 6}
        assert hello["backends"] == [
            {"name": "local", "url": local_backend.url, "auth_method": "basic"}
        ]
        ended = engine.run()
    finally:
        engine.close()
    kinds = {e["kind"] for e in events}
    assert {"updates", "summary", "mosaic", "ended"} <= kinds
    assert ended["outcome"] == Outcome.DONE
    assert ended["counts"] == {"finished": 6}
    assert ended["problems"] == []
    assert ended["summary"]["text"].startswith("6 tiles: 6 finished")
    assert Path(ended["outputs"]["mosaic"]).is_file()
    assert Path(ended["outputs"]["catalog"]).is_file()
    statuses = {}
    for e in events:
        if e["kind"] == EventKind.UPDATES:
            statuses.update({u.tile_id: u.status for u in updates_from_rows(e["rows"])})
    table = JobDatabase(tmp_path / "jobs.csv").read()
    assert statuses == dict(zip(table["tile_id"], table["status"]))
    assert_one_job_per_tile([local_backend], table)


def test_failures_are_grouped_by_reason(local_backend, tmp_path):
    """The same reasons for the dock, Processing and the CLI: ids and numbers aside."""
    local_backend.knobs(error_titles={"_119_1132": "Java heap space (job j-123)"})
    events: list[dict] = []
    engine = RunEngine(run_request(tmp_path, local_backend.url, small_grid(2, 1)), events.append)
    engine.open()
    try:
        ended = engine.run()
    finally:
        engine.close()
    assert ended["counts"] == {"finished": 1, "error": 1}
    assert [(p["reason"], p["count"]) for p in ended["problems"]] == [("out of memory", 1)]


def test_a_second_run_on_one_job_database_is_refused(local_backend, tmp_path):
    engine = RunEngine(run_request(tmp_path, local_backend.url), lambda e: None)
    engine.open()
    try:
        other = RunEngine(run_request(tmp_path, local_backend.url), lambda e: None)
        with pytest.raises(JobDatabaseLockedError, match="in use by another run"):
            other.open()
    finally:
        engine.close()


def test_a_viewer_stops_retries_and_cancels_the_run(local_backend, tmp_path):
    """Commands over the channel act on the run going on, as the dock's buttons do."""
    local_backend.knobs(job_duration=2.0, error_titles={"_119_1132": "no data found"})
    request = run_request(tmp_path, local_backend.url, small_grid(3, 2), parallel=2)
    host = EngineHost(request)
    host.open()
    thread, result = run_in_thread(host)
    try:
        viewer = Viewer(request.job_db)
        assert len(viewer.hello()["rows"]) == 6
        wait_until(lambda: viewer.statuses.get("31N_119_1132") == "error", timeout=60)
        # Retry failed: the tile gets a second job (the back-end now lets it through)
        local_backend.knobs(error_titles=[])
        viewer.send(Command.RETRY_FAILED)
        wait_until(lambda: viewer.statuses.get("31N_119_1132") != "error", timeout=10)
        assert any("Retrying 1 failed tile" in n for n in viewer.notices())
        # Cancel one tile's job while it runs
        wait_until(lambda: viewer.statuses.get("31N_121_1132") in ("queued", "running"), 60)
        viewer.send(Command.CANCEL, tiles=["31N_121_1132"])
        wait_until(lambda: viewer.statuses.get("31N_121_1132") == "canceled", timeout=30)
        wait_until(lambda: viewer.statuses.get("31N_119_1132") == "finished", timeout=60)
        viewer.send(Command.STOP)
        ended = viewer.wait_ended(30)
        thread.join(30)
    finally:
        host.stop()
        thread.join(30)
        host.close()
    assert ended["outcome"] in (Outcome.STOPPED, Outcome.DONE)
    table = JobDatabase(request.job_db).read().set_index("tile_id")
    assert table.at["31N_119_1132", "attempt"] == 2
    assert table.at["31N_121_1132", "status"] == "canceled"
    assert_one_job_per_tile([local_backend], table.reset_index())
    assert result["outcome"] == ended["outcome"]


def test_the_end_is_said_once_the_job_database_is_free(local_backend, tmp_path):
    """A viewer that hears the run end may start the next run on its job database at
    once (the dock's Run clicked right after a run ended starts a run; it must not find
    the ending engine and watch it end again)."""
    from openeo_grid_jobs.core.engine.launch import engine_state

    local_backend.knobs(job_duration=0.3, queue_time=0.1)
    request = run_request(tmp_path, local_backend.url, small_grid(1, 1))
    host = EngineHost(request)
    host.open()
    live_at_end: list[bool] = []

    class EndWatcher(Viewer):
        def _on_event(self, message: dict) -> None:
            if message.get("kind") == EventKind.ENDED:
                live_at_end.append(engine_state(request.job_db).live)
            super()._on_event(message)

    viewer = EndWatcher(request.job_db)
    thread, _ = run_in_thread(host)
    try:
        ended = viewer.wait_ended(60)
    finally:
        host.stop()
        thread.join(30)
        host.close()
    assert ended["counts"] == {"finished": 1}
    assert live_at_end == [False]
    assert_one_job_per_tile([local_backend], JobDatabase(request.job_db).read())


def test_refresh_polls_at_once(local_backend, tmp_path):
    """With a poll every 60 s, Refresh brings a finished job's status within a moment."""
    local_backend.knobs(job_duration=0.5, queue_time=0.1)
    request = run_request(tmp_path, local_backend.url, small_grid(1, 1), poll=60.0)
    host = EngineHost(request)
    host.open()
    thread, _ = run_in_thread(host)
    try:
        viewer = Viewer(request.job_db)
        wait_until(lambda: viewer.statuses.get("31N_119_1132") == "queued", timeout=30)
        # the first poll comes after the launch; the next one only a minute later
        wait_until(lambda: local_backend.all_jobs()[-1]["status"] == "finished", timeout=30)
        assert viewer.statuses["31N_119_1132"] != "finished"
        viewer.send(Command.REFRESH)
        wait_until(lambda: viewer.statuses.get("31N_119_1132") == "finished", timeout=5)
    finally:
        host.stop()
        thread.join(30)
        host.close()


def test_the_budget_changes_while_the_run_goes_on(local_backend, tmp_path):
    """The budget acts on the run going on. Each job costs 23 credits on the local
    back-end: under a cap of 30 one job runs, and the others would be skipped; the cap
    lifted while it runs, the other three run too."""
    from openeo_grid_jobs.core.engine.config import RunConfig

    local_backend.knobs(job_duration=4.0)  # time to lift the budget before the run ends
    request = run_request(tmp_path, local_backend.url, small_grid(2, 2))
    config: RunConfig = request.config
    config.budget = 30.0
    host = EngineHost(request)
    host.open()
    thread, _ = run_in_thread(host)
    try:
        viewer = Viewer(request.job_db)
        wait_until(lambda: "running" in viewer.statuses.values(), timeout=60)
        viewer.send(Command.BUDGET, credits=None)  # no cap any more
        ended = viewer.wait_ended(120)
    finally:
        host.stop()
        thread.join(30)
        host.close()
    assert ended["counts"] == {"finished": 4}, viewer.notices()
    assert any("Credit budget lifted for this run (was 30" in n for n in viewer.notices())
    saved = RunConfig.load(request.job_db)
    assert saved.budget is None  # kept for a resume
