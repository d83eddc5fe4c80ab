"""Time limits: a job stuck waiting or running past its run's limit is canceled on the
back-end and its tile fails with the reason; Retry failed takes it like any failure."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from helpers.runs import (
    RequestLog,
    assert_one_job_per_tile,
    backend,
    make_runner,
    run_in_thread,
    small_grid,
    wait_until,
)
from openeo_grid_jobs.cli.main import build_parser
from openeo_grid_jobs.cli.run import run_request
from openeo_grid_jobs.core.engine.request import RunRequest
from openeo_grid_jobs.core.errors import RunError
from openeo_grid_jobs.core.jobs.rows import now_utc, parse_time, reset_failed
from openeo_grid_jobs.core.run.runner import GridJobRunner
from openeo_grid_jobs.core.run.scheduler import RunPolicy
from openeo_grid_jobs.core.run.time_limits import format_span, overdue_reason, parse_span

HOUR = 3600.0


class ShiftedClock:
    """The wall clock as the run sees it: real time plus what the test moves it on by
    (hours pass in a moment; the back-end keeps real time)."""

    def __init__(self) -> None:
        self.shift = 0.0

    def __call__(self) -> float:
        return time.time() + self.shift


def test_reasons_say_how_long_and_which_limit():
    assert overdue_reason("running", 6 * HOUR + 12 * 60 + 20, 4 * HOUR) == (
        "running for 6 h 12 min, more than the 4 h limit"
    )
    assert overdue_reason("queued", 50 * 60, 30 * 60) == (
        "queued for 50 min, more than the 30 min limit"
    )
    assert format_span(42) == "42 s"
    assert format_span(90 * 60) == "1 h 30 min"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("4h", 4 * HOUR), ("90min", 5400), ("1h30m", 5400), ("2d", 48 * HOUR), ("600", 600)],
)
def test_time_limits_as_people_write_them(text, seconds):
    assert parse_span(text) == seconds


@pytest.mark.parametrize("text", ["soon", "4 hours", "h", "0", "-2h", "4h soon", "inf"])
def test_what_is_not_a_time_limit_is_refused(text):
    with pytest.raises(RunError):
        parse_span(text)


@pytest.mark.parametrize("value", [0, -1.0, float("inf"), float("nan")])
def test_run_policy_refuses_a_limit_that_is_not_a_time(value):
    with pytest.raises(RunError, match="max running"):
        RunPolicy(max_running=value)
    with pytest.raises(RunError, match="max waiting"):
        RunPolicy(max_waiting=value)
    assert RunPolicy().max_running is None  # off by default


def limited_run(local_backend, tmp_path, clock, **limits):
    """A run over two tiles on the run's shifted ``clock`` with these time limits, in a
    thread: (runner, thread, stop, result)."""
    runner = make_runner(
        tmp_path,
        [backend(local_backend.url)],
        small_grid(2, 1),
        poll=0.2,
        policy=RunPolicy(poll_interval=0.2, **limits),
        wall_clock=clock,
    )
    return (runner, *run_in_thread(runner))


def test_a_job_running_past_its_limit_is_canceled_and_its_tile_says_why(local_backend, tmp_path):
    local_backend.knobs(job_duration=0.5, hang_running_titles=[small_grid(2, 1).tile_id[0]])
    clock = ShiftedClock()
    runner, thread, stop, result = limited_run(local_backend, tmp_path, clock, max_running=4 * HOUR)
    try:
        wait_until(lambda: list(runner.frame["status"]) == ["running", "finished"])
        assert runner.limits.overdue_now(0, clock() + 3 * HOUR) is None  # within the limit
        assert runner.limits.overdue_now(1, clock() + 9 * HOUR) is None  # finished: no limit
        clock.shift = 6 * HOUR + 12 * 60
        thread.join(10)
        assert not thread.is_alive()
    finally:
        stop.set()
    assert result == {"error": 1, "finished": 1}
    assert runner.frame.at[0, "message"] == "running for 6 h 12 min, more than the 4 h limit"
    statuses = {j["id"]: j["status"] for j in local_backend.all_jobs()}
    assert statuses[runner.frame.at[0, "id"]] == "canceled"
    on_disk = runner.db.read()
    assert on_disk.at[0, "status"] == "error"
    # Retry failed takes it; without the hang its new job finishes
    local_backend.knobs(hang_running_titles=[])
    clock.shift = 0.0
    assert reset_failed(runner.frame) == [0]
    assert runner.run(threading.Event()) == {"finished": 2}
    assert_one_job_per_tile([local_backend], runner.frame)


def test_a_job_stuck_in_created_after_its_start_is_canceled_at_its_limit(local_backend, tmp_path):
    local_backend.knobs(job_duration=0.5, hang_created_titles=[small_grid(2, 1).tile_id[1]])
    clock = ShiftedClock()
    runner, thread, stop, result = limited_run(
        local_backend, tmp_path, clock, max_waiting=2 * HOUR, max_running=HOUR
    )
    try:
        # the start was accepted: the table says queued, the back-end keeps it created
        wait_until(lambda: list(runner.frame["status"]) == ["finished", "queued"])
        clock.shift = 3 * HOUR
        thread.join(10)
        assert not thread.is_alive()
    finally:
        stop.set()
    assert result == {"finished": 1, "error": 1}
    assert runner.frame.at[1, "message"] == "queued for 3 h, more than the 2 h limit"
    statuses = {j["id"]: j["status"] for j in local_backend.all_jobs()}
    assert statuses[runner.frame.at[1, "id"]] == "canceled"
    assert runner.frame.at[0, "status"] == "finished"  # past both limits, left alone


def test_cli_run_passes_the_limits_to_the_engine(local_backend, tmp_path):
    small_grid(1, 1).to_file(tmp_path / "grid.gpkg")
    args = build_parser().parse_args(
        [
            "run",
            "--grid",
            str(tmp_path / "grid.gpkg"),
            "--job-db",
            str(tmp_path / "jobs.csv"),
            "--backend",
            local_backend.url,
            "--start",
            "2024-05-01",
            "--end",
            "2024-08-01",
            "--max-waiting",
            "90min",
            "--max-running",
            "4h",
        ]
    )
    request = run_request(args)
    assert request.policy == {"max_waiting": 5400.0, "max_running": 4 * HOUR}
    policy = RunRequest.from_wire(request.to_wire()).run_policy(5.0)  # as the engine gets it
    assert (policy.max_waiting, policy.max_running) == (5400.0, 4 * HOUR)


def test_the_dock_asks_for_the_limits_set_in_hours(jobs_panel, local_backend):
    from helpers.connections import add_connection

    add_connection(local_backend.url, "Local", parallel_jobs=2)
    jobs_panel.backends.reload()
    page = jobs_panel.run_page
    assert page.max_running.text() == "no limit"  # off by default
    request, _ = jobs_panel.inputs.request(jobs_panel.layer)
    assert request.policy == {}
    page.max_waiting.setValue(6)
    page.max_running.setValue(4.5)
    request, _ = jobs_panel.inputs.request(jobs_panel.layer)
    assert request.policy == {"max_waiting": 6 * HOUR, "max_running": 4.5 * HOUR}
    assert request.run_policy(5.0).max_running == 4.5 * HOUR


def test_processing_takes_the_limits_in_hours(qgis_processing):
    from openeo_grid_jobs.processing_provider.run_jobs import RunJobsAlgorithm
    from qgis.core import QgsProcessingContext

    algorithm = RunJobsAlgorithm()
    algorithm.initAlgorithm()
    context = QgsProcessingContext()
    assert algorithm.time_limits({}, context) == {}
    assert algorithm.time_limits({"MAX_WAITING": 0, "MAX_RUNNING": 4}, context) == {
        "max_running": 4 * HOUR
    }


def test_limits_suggested_by_the_finished_jobs_times(tmp_path):
    from openeo_grid_jobs.core.jobs.database import JobDatabase
    from openeo_grid_jobs.core.jobs.rows import now_utc
    from openeo_grid_jobs.core.jobs.table import frame_from_tiles
    from openeo_grid_jobs.core.run.time_limits import suggest_limits
    from openeo_grid_jobs.ui.adapters.saved_run import read_run

    frame = frame_from_tiles(small_grid(6, 1), "2024-05-01", "2024-08-01")
    t0 = 1_750_000_000.0
    for i in range(6):
        frame.loc[i, "status"] = "finished"
        frame.loc[i, "start_time"] = now_utc(t0)
        frame.loc[i, "running_start_time"] = now_utc(t0 + 60 * (i + 1))  # up to 6 min queued
        frame.loc[i, "end_time"] = now_utc(t0 + 60 * (i + 1) + 600 * (i + 1))  # up to 1 h
    frame.loc[5, "status"] = "running"  # only finished jobs count
    suggested = suggest_limits(frame)
    assert suggested is not None
    assert (suggested.longest_wait, suggested.longest_run) == (300, 3000)
    # three times the longest, in whole half hours
    assert (suggested.max_waiting, suggested.max_running) == (HOUR / 2, 2.5 * HOUR)
    assert suggested.text() == (
        "Finished jobs waited up to 5 min and ran up to 50 min: limits of 30 min waiting "
        "and 2 h 30 min running would catch a stuck one."
    )
    frame.loc[4, "status"] = "error"
    assert suggest_limits(frame) is None  # four finished: too few to say
    frame.loc[4, "status"] = "finished"
    JobDatabase(tmp_path / "jobs.csv").save(frame)
    assert read_run(str(tmp_path / "jobs.csv"), False).suggested == suggested  # the dock's


def test_a_resumed_run_judges_jobs_by_the_back_ends_statuses_not_the_saved_ones(
    local_backend, tmp_path
):
    """QGIS closed overnight: the table says a job has been running for 10 h, but it
    finished long ago. A limit is looked at only after this run's first listing, so the
    tile stays finished with its result (a cancel was sent on the saved status before)."""
    local_backend.knobs(job_duration=0.3)
    first = make_runner(tmp_path, [backend(local_backend.url)], small_grid(2, 1), poll=0.2)
    assert first.run(threading.Event()) == {"finished": 2}
    saved = first.db.read()
    saved.at[0, "status"] = "running"  # as saved mid-run last night
    saved.at[0, "running_start_time"] = now_utc(time.time() - 10 * HOUR)
    log = RequestLog()
    resumed = GridJobRunner(
        first.db,
        saved,
        first.template,
        [backend(local_backend.url, log=log)],
        output_dir=tmp_path / "results",
        policy=RunPolicy(poll_interval=0.2, max_running=4 * HOUR),
    )
    assert resumed.run(threading.Event()) == {"finished": 2}
    assert resumed.frame.at[0, "result"]
    cancels = [e for e in log.entries if e[1] == "DELETE" and e[2].endswith("/results")]
    assert cancels == [], "a job was canceled on last night's status"
    statuses = {j["id"]: j["status"] for j in local_backend.all_jobs()}
    assert statuses[resumed.frame.at[0, "id"]] == "finished"


def test_a_start_time_that_cannot_be_read_sets_no_limit(local_backend, tmp_path):
    """Another tool's time format is not "long ago": the job is not canceled at once."""
    clock = ShiftedClock()
    runner = make_runner(
        tmp_path,
        [backend(local_backend.url)],
        small_grid(1, 1),
        policy=RunPolicy(max_running=HOUR),
        wall_clock=clock,
    )
    runner.frame.at[0, "status"] = "running"
    runner.frame.at[0, "running_start_time"] = "yesterday evening"
    assert runner.limits.overdue_now(0, clock()) is None
    runner.frame.at[0, "running_start_time"] = now_utc(clock() - 2 * HOUR)
    assert runner.limits.overdue_now(0, clock()) == "running for 2 h, more than the 1 h limit"


def backend_status(local_backend, job_id: str) -> str:
    return {j["id"]: j["status"] for j in local_backend.all_jobs()}[job_id]


def test_a_job_that_finished_just_before_its_cancel_past_the_limit_keeps_its_end(
    local_backend, tmp_path
):
    """The last poll saw the job running; it finishes on the back-end, and its limit
    passes before the next poll comes back. The cancel sent past the limit finds it
    finished: asked again, the back-end says so, and the tile keeps its finished end
    (the back-end's) and its result, not the limit's error."""
    local_backend.knobs(job_duration=1.5)
    clock = ShiftedClock()
    log = RequestLog()
    runner = make_runner(
        tmp_path,
        [backend(local_backend.url, log=log)],
        small_grid(1, 1),
        poll=0.2,
        policy=RunPolicy(poll_interval=0.2, max_running=HOUR),
        wall_clock=clock,
    )
    # the poll after the one that saw it running is slow: it comes back after the cancel
    gateway = runner.gateways["local"]
    poll, hold, release, held = gateway.poll, threading.Event(), threading.Event(), []

    def slow_poll(*args):
        if hold.is_set():
            held.append(args)
            release.wait(30)
        return poll(*args)

    gateway.poll = slow_poll
    thread, stop, result = run_in_thread(runner)
    try:
        wait_until(lambda: runner.frame.at[0, "status"] == "running")
        hold.set()
        wait_until(lambda: held)  # no poll on its way back any more
        job_id = runner.frame.at[0, "id"]
        wait_until(lambda: backend_status(local_backend, job_id) == "finished")
        assert runner.frame.at[0, "status"] == "running"  # as the run last saw it
        clock.shift = 2 * HOUR  # past the 1 h limit
        wait_until(lambda: runner.frame.at[0, "status"] != "running")
        release.set()
        thread.join(15)
        assert not thread.is_alive()
    finally:
        release.set()
        stop.set()
    cancels = [e for e in log.entries if e[1] == "DELETE" and e[2].endswith("/results")]
    assert len(cancels) == 1, "no cancel was sent past the limit"
    assert result == {"finished": 1}
    row = runner.frame.loc[0]
    assert row["status"] == "finished"
    assert "limit" not in str(row["message"])
    assert Path(row["result"]).exists()
    # its end is the back-end's, not when the run canceled it two (shifted) hours later
    assert parse_time(row["end_time"]) < clock() - HOUR
    assert runner.db.read().at[0, "status"] == "finished"
    assert_one_job_per_tile([local_backend], runner.db.read())
