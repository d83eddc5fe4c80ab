"""The local back-end's estimates and logs, a job's full logs on demand, and failure
reasons from the back-end's error log lines grouped as the Problems list shows them."""

from __future__ import annotations

import threading

import pytest
from helpers.runs import DATES, backend, make_runner, small_grid
from openeo_grid_jobs.core.jobs.template import JobTemplate, TileExtent
from openeo_grid_jobs.core.results.problems import problems, problems_text
from openeo_grid_jobs.core.run.gateway import BackendGateway
from openeo_grid_jobs.core.run.logs import LogsUnavailableError, fetch_job_logs

OOM = "java.lang.OutOfMemoryError: Java heap space (executor 3 lost)"
NO_DATA = "NoDataAvailable: no data in extent for SENTINEL2_L2A between 2024-05-01 and 2024-08-01"
TILE = TileExtent("t", 595000, 5660000, 600000, 5665000, epsg=32631)


@pytest.fixture
def knobs(local_backend):
    yield local_backend
    local_backend.knobs(estimates=True, estimate_factor=1.0)


def wait_final(job, timeout=30.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = job.status()
        if status in ("finished", "error", "canceled"):
            return status
        time.sleep(0.2)
    raise AssertionError(f"job {job.job_id} still {status}")


# --- the local back-end ------------------------------------------------------------------
def test_estimate_answers_with_the_costs_the_job_will_report(knobs, connection):
    job = JobTemplate(*DATES).create_job(connection, TILE, "estimate me")
    estimate = job.estimate()  # the openeo client's own call
    assert estimate["costs"] == 23.0
    assert estimate["duration"].startswith("PT")
    assert estimate["size"] > 0
    assert "expires" in estimate
    endpoints = connection.capabilities().capabilities["endpoints"]
    assert {"path": "/jobs/{job_id}/estimate", "methods": ["GET"]} in endpoints
    job.start()
    assert wait_final(job) == "finished"
    assert job.describe()["costs"] == estimate["costs"]
    knobs.knobs(estimate_factor=1.5)
    assert job.estimate()["costs"] == 34.5
    knobs.knobs(estimates=False)
    with pytest.raises(Exception, match="FeatureUnsupported") as info:
        job.estimate()
    assert info.value.http_status_code == 501


def test_logs_have_every_level_and_the_chosen_error_line(knobs, connection):
    knobs.knobs(error_titles={"tile oom": OOM, "tile empty": NO_DATA})
    template = JobTemplate(*DATES)
    oom = template.create_job(connection, TILE, "tile oom")
    empty = template.create_job(connection, TILE, "tile empty")
    good = template.create_job(connection, TILE, "tile good")
    for job in (oom, empty, good):
        job.start()
    assert [wait_final(j) for j in (oom, empty, good)] == ["error", "error", "finished"]
    assert [e.message for e in oom.logs(level="error")] == [OOM]
    assert [e.message for e in empty.logs(level="error")] == [NO_DATA]
    entries = oom.logs()
    assert [e.level for e in entries] == ["info", "info", "debug", "warning", "error"]
    assert all(e.get("time", "").endswith("Z") for e in entries)
    assert entries[-1]["code"] == "Internal"
    assert "load_collection SENTINEL2_L2A" in entries[2].message
    assert good.logs(level="error") == []
    assert [e.message for e in good.logs(level="info")][-2:] == [
        "wrote openEO.nc",
        "usage: 23.0 credits",
    ]


# --- logs on demand --------------------------------------------------------------------------
def test_fetch_job_logs_gives_every_entry(knobs, connection):
    knobs.knobs(error_titles={"tile oom": OOM})
    job = JobTemplate(*DATES).create_job(connection, TILE, "tile oom")
    job.start()
    assert wait_final(job) == "error"
    lines = fetch_job_logs(backend(knobs.url), job.job_id)
    assert [line.level for line in lines] == ["info", "info", "debug", "warning", "error"]
    assert lines[-1].message == OOM
    assert lines[-1].code == "Internal"
    assert lines[-1].text().endswith(f"ERROR  {OOM}  [Internal]")
    errors = fetch_job_logs(backend(knobs.url), job.job_id, level="error")
    assert [line.message for line in errors] == [OOM]
    with pytest.raises(ValueError, match="level"):
        fetch_job_logs(backend(knobs.url), job.job_id, level="loud")


def test_fetch_job_logs_of_a_deleted_job_says_so(knobs, connection):
    job = JobTemplate(*DATES).create_job(connection, TILE, "gone soon")
    knobs.delete_job_directly(job.job_id)
    with pytest.raises(LogsUnavailableError, match="no longer exists on back-end local"):
        fetch_job_logs(backend(knobs.url), job.job_id)


def test_fetch_job_logs_retries_a_transient_failure_then_says_why(knobs):
    from openeo_grid_jobs.core.run.failures import Failure, FailureKind
    from openeo_grid_jobs.core.run.gateway import CallFailed

    calls = []

    class Flaky(BackendGateway):
        def logs(self, job_id, level=None):
            calls.append(job_id)
            if len(calls) < 3:
                raise CallFailed(Failure(FailureKind.TRANSIENT, "HTTP 503: busy", 503, 2.0))
            return [{"id": "1", "level": "error", "message": "boom"}]

    pauses = []
    gateway = Flaky(backend(knobs.url))
    lines = fetch_job_logs(gateway, "j-1", sleep=pauses.append)
    assert [line.message for line in lines] == ["boom"]
    assert pauses == [2.0, 2.0]  # Retry-After honoured (backoff 1 s, then 2 s)
    calls.clear()
    with pytest.raises(LogsUnavailableError, match="HTTP 503: busy"):
        fetch_job_logs(gateway, "j-1", attempts=2, sleep=pauses.append)


# --- failure reasons in a run ------------------------------------------------------------------
def test_error_tiles_keep_the_back_ends_error_line_and_group_by_reason(local_backend, tmp_path):
    tiles = small_grid(3, 2)
    ids = list(tiles["tile_id"])
    # two tiles out of memory (worded with their own executor numbers), one without data
    local_backend.knobs(
        error_titles={
            f"{ids[0]} [": OOM,
            f"{ids[1]} [": OOM.replace("executor 3", "executor 17"),
            f"{ids[2]} [": NO_DATA,
        }
    )
    runner = make_runner(tmp_path, [backend(local_backend.url, parallel=3)], tiles, output=False)
    counts = runner.run(threading.Event())
    assert counts == {"error": 3, "finished": 3}
    frame = runner.frame.set_index("tile_id")
    assert frame.at[ids[0], "message"] == OOM
    assert frame.at[ids[2], "message"] == NO_DATA
    found = problems(runner.frame)
    assert problems_text(found) == "out of memory: 2, no data in extent: 1"
    assert found[0].tile_ids == (ids[0], ids[1])
    assert found[0].statuses == {"error": 2}
    assert found[0].example == OOM
