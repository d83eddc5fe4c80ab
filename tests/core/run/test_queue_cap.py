"""Queue caps: a back-end's queue (jobs started, not running yet) kept under a cap
beside its parallel jobs, and a back-end's "too many queued jobs" taken as a reason to
wait, never as a failure."""

from __future__ import annotations

import threading

from helpers.runs import assert_one_job_per_tile, make_runner, small_grid
from openeo_grid_jobs.core.run.gateway import Backend

from devtools.local_backend.launcher import PASSWORD, USERNAME


def capped_backend(url: str, parallel: int, queued: int) -> Backend:
    import openeo

    def connect():
        return openeo.connect(url).authenticate_basic(USERNAME, PASSWORD)

    return Backend("local", connect, parallel, queued)


def most_queued_while_running(local_backend, runner) -> tuple[dict[str, int], int]:
    """Run to the end, sampling the back-end's own job statuses on every report: the
    final counts and the most jobs of the run ever ``queued`` there at once."""
    tag = f"[{runner.frame['run_tag'].iloc[0]}"
    most = 0

    def sample(_updates) -> None:
        nonlocal most
        jobs = [j for j in local_backend.all_jobs() if tag in (j["title"] or "")]
        most = max(most, sum(1 for j in jobs if j["status"] == "queued"))

    runner.on_update = sample
    return runner.run(threading.Event()), most


def test_a_queue_cap_of_2_keeps_at_most_2_queued_while_parallel_is_5(local_backend, tmp_path):
    local_backend.knobs(max_running=1, job_duration=0.3, queue_time=0.1)
    backend = capped_backend(local_backend.url, parallel=5, queued=2)
    runner = make_runner(tmp_path, [backend], small_grid(3, 2), poll=0.1)
    counts, most = most_queued_while_running(local_backend, runner)
    assert counts == {"finished": 6}
    assert most == 2  # filled up to the cap, never past it
    assert_one_job_per_tile([local_backend], runner.frame)


def test_a_backends_queue_refusal_slows_launching_and_fails_no_tile(local_backend, tmp_path):
    local_backend.knobs(max_running=1, max_queued=2, job_duration=0.3, queue_time=0.1)
    events = []
    runner = make_runner(
        tmp_path,
        [capped_backend(local_backend.url, parallel=5, queued=0)],  # the cap is not known
        small_grid(3, 2),
        poll=0.1,
    )
    runner.on_event = events.append
    counts, most = most_queued_while_running(local_backend, runner)
    assert counts == {"finished": 6}  # no start_failed: the refusals were waited out
    assert most <= 2
    assert any("refused more jobs at once" in e.message for e in events)
    assert runner.frame["message"].isna().all()
    assert_one_job_per_tile([local_backend], runner.frame)
