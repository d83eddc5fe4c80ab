"""The run engine against a flaky back-end: faults injected by a real proxy on 127.0.0.1.

Invariants checked in every test: every tile ends final (finished here), and the
back-end holds exactly one job per tile of the run, counted by title on the
back-end itself.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import Counter

import pytest
from helpers.runs import DATES, backend, small_grid
from openeo_grid_jobs.core.jobs.database import JobDatabase
from openeo_grid_jobs.core.jobs.table import frame_from_tiles
from openeo_grid_jobs.core.jobs.template import JobTemplate
from openeo_grid_jobs.core.run.runner import GridJobRunner
from openeo_grid_jobs.core.run.scheduler import RunPolicy

from devtools.fault_proxy import FaultProxy
from devtools.faults import Faults

FAST = RunPolicy(
    poll_interval=0.3,
    request_timeout=5.0,
    lookup_grace=2.0,
    backoff_base=0.2,
    backoff_max=2.0,
    recover_after=2.0,
    outage_after=2,
    outage_seconds=0.5,
)


def jobs_per_tile(local_backend, runner) -> Counter:
    tag = f"[{runner.run_tag}"
    return Counter(
        j["title"].split(" [")[0] for j in local_backend.all_jobs() if tag in (j["title"] or "")
    )


def assert_one_job_per_tile(local_backend, runner):
    per_tile = jobs_per_tile(local_backend, runner)
    title = runner.template.title
    assert set(per_tile) == {f"{title} {t}" for t in runner.frame["tile_id"]}
    assert set(per_tile.values()) == {1}, {t: n for t, n in per_tile.items() if n != 1}


def start(runner, until, timeout=10.0):
    """Run ``runner`` on a thread; return once ``until(frame)`` holds (or time is up)."""
    thread = threading.Thread(target=runner.run, args=(threading.Event(),), daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not until(runner.frame) and time.monotonic() < deadline:
        time.sleep(0.05)
    return thread


def make(tmp_path, url, tiles, *, parallel=4, policy=FAST, events=None):
    frame = frame_from_tiles(tiles, *DATES)
    db = JobDatabase(tmp_path / "jobs.csv")
    db.save(frame)
    return GridJobRunner(
        db,
        frame,
        JobTemplate(*DATES),
        [backend(url, parallel=parallel)],
        policy=policy,
        output_dir=tmp_path / "results",
        on_event=events.append if events is not None else None,
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_hundred_tiles_through_a_flaky_network(local_backend, tmp_path, caplog, seed):
    local_backend.knobs(job_duration=0.5, queue_time=0.1)
    faults = Faults(
        error_5xx=0.10, rate_429=0.05, reset=0.02, lost_answer=0.05, delay=0.05, max_delay=1.0
    )
    with FaultProxy(local_backend.url, faults, seed=seed) as proxy:
        runner = make(tmp_path, proxy.url, small_grid(10, 10), parallel=10)
        with caplog.at_level(logging.WARNING):
            counts = runner.run(threading.Event())
        stats = proxy.stats()
    assert counts == {"finished": 100}
    assert runner.frame["result"].notna().all()
    assert_one_job_per_tile(local_backend, runner)
    # the faults really happened, on creates too
    for kind in ("error_5xx", "rate_429", "reset", "lost_answer"):
        assert stats[kind] > 0, (kind, stats)
    assert stats["by_method"]["POST"]["lost_answer"] > 0, stats
    assert "Traceback" not in caplog.text


def test_outages_mid_run_never_fail_a_tile(local_backend, tmp_path):
    local_backend.knobs(job_duration=0.5, queue_time=0.1)
    events = []
    with FaultProxy(local_backend.url, Faults(), seed=3) as proxy:
        runner = make(tmp_path, proxy.url, small_grid(6, 4), parallel=4, events=events)
        thread = start(runner, lambda frame: frame["status"].eq("finished").sum() >= 3, 20)
        proxy.outage(2.5, methods={"POST"})  # a deploy: new jobs refused, tracking goes on
        time.sleep(3.0)
        proxy.outage(2.5)  # everything down
        thread.join(60)
    assert not thread.is_alive()
    assert set(runner.frame["status"]) == {"finished"}
    assert_one_job_per_tile(local_backend, runner)
    text = " | ".join(e.message for e in events)
    assert "refuses new jobs since" in text or "unreachable since" in text, text
    assert "again" in text, text


def test_lost_answers_to_every_create_make_no_duplicates(local_backend, tmp_path):
    """Each job-creating POST acts on the back-end but its answer is lost: the runner
    finds the jobs by title instead of creating them again."""
    faults = Faults(lost_answer=1.0, methods={"POST"}, paths=r"/jobs$")
    with FaultProxy(local_backend.url, faults, seed=4) as proxy:
        runner = make(tmp_path, proxy.url, small_grid(3, 2))
        assert runner.run(threading.Event()) == {"finished": 6}
    assert_one_job_per_tile(local_backend, runner)


def test_a_duplicate_job_is_removed_and_said(local_backend, tmp_path, connection):
    events = []
    runner = make(tmp_path, local_backend.url, small_grid(2, 1), events=events)
    tile = runner.frame.at[0, "tile_id"]
    title = runner.template.job_title(tile, runner.run_tag)
    extra = [runner.template.create_job(connection, runner.extents[tile], title) for _ in (1, 2)]
    assert runner.run(threading.Event()) == {"finished": 2}
    assert_one_job_per_tile(local_backend, runner)
    assert runner.frame.at[0, "id"] in {j.job_id for j in extra}
    assert any("had 2 jobs" in e.message for e in events), events


def test_resume_finds_its_job_among_more_than_a_thousand(local_backend, tmp_path, connection):
    """An intent left by a crash, its job older than 1200 others: found on a later page."""
    runner = make(tmp_path, local_backend.url, small_grid(2, 1))
    tile = runner.frame.at[0, "tile_id"]
    job = runner.template.create_job(
        connection, runner.extents[tile], runner.template.job_title(tile, runner.run_tag)
    )
    local_backend.seed_jobs(1200, title_prefix="older run")  # newer than ours, listed first
    runner.frame.at[0, "status"] = "queued_for_start"
    runner.frame.at[0, "backend_name"] = "local"
    runner.frame.at[0, "intent_at"] = "2020-01-01T00:00:00Z"
    assert runner.run(threading.Event()) == {"finished": 2}
    assert runner.frame.at[0, "id"] == job.job_id
    assert_one_job_per_tile(local_backend, runner)


def test_a_job_deleted_on_the_back_end_ends_its_tile(local_backend, tmp_path):
    local_backend.knobs(job_duration=30)
    runner = make(tmp_path, local_backend.url, small_grid(1, 1))
    thread = start(runner, lambda frame: frame.at[0, "status"] == "running")
    local_backend.delete_job_directly(runner.frame.at[0, "id"])
    thread.join(10)
    assert not thread.is_alive(), "the run never ended"
    assert runner.frame.at[0, "status"] == "error"
    assert runner.frame.at[0, "message"] == "job deleted on the back-end"


def test_revoked_basic_token_is_renewed_mid_run(local_backend, tmp_path):
    local_backend.knobs(job_duration=1.5)
    runner = make(tmp_path, local_backend.url, small_grid(2, 2))
    thread = start(runner, lambda frame: frame["status"].eq("running").any())
    local_backend.revoke_basic_tokens()
    thread.join(30)
    assert set(runner.frame["status"]) == {"finished"}
    assert_one_job_per_tile(local_backend, runner)


def test_revoked_oidc_login_mid_run_pauses_the_back_end_until_a_new_login(
    local_backend, oidc_provider, tmp_path
):
    """A login the provider revoked mid-run: the run does not end, nor fail the tile; it
    says so once and waits for that back-end; a new login and it goes on to the end.
    (The fake OpenID Connect provider is a stand-in: no real one can run here.)"""
    from helpers.fake_oidc import approve_when_shown
    from openeo_grid_jobs.core.backends.backend import BackendConfig, Secrets
    from openeo_grid_jobs.core.engine.logins import RunLogins

    local_backend.knobs(job_duration=3)
    config = BackendConfig(local_backend.url, auth_method="oidc_device", name="oidc")
    on_device_code, _ = approve_when_shown(oidc_provider)
    tokens = []
    config.connect(on_device_code=on_device_code, on_refresh_token=tokens.append)
    secrets = Secrets(refresh_token=tokens[0].refresh_token, client_id=tokens[0].client_id)
    logins = RunLogins([config], {"oidc": secrets})
    frame = frame_from_tiles(small_grid(2, 1), *DATES)
    db = JobDatabase(tmp_path / "jobs.csv")
    said: list[tuple[str, str | None]] = []
    runner = GridJobRunner(
        db,
        frame,
        JobTemplate(*DATES),
        logins.backends(),
        policy=FAST,
        on_login=lambda name, why: said.append((name, why)),
    )
    stop = threading.Event()
    result: dict = {}
    thread = threading.Thread(target=lambda: result.update(runner.run(stop)), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while runner.frame.at[0, "status"] != "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    oidc_provider.revoke_refresh_tokens()
    oidc_provider.expire_access_tokens()
    deadline = time.monotonic() + 20
    while not said and time.monotonic() < deadline:
        time.sleep(0.05)
    assert said
    assert said[0][0] == "oidc"
    assert "log in again" in said[0][1]
    tag = str(runner.frame["run_tag"].iloc[0])
    deadline = time.monotonic() + 30  # the jobs end on the back-end, unseen by the run
    while time.monotonic() < deadline and not all(
        j["status"] == "finished" for j in local_backend.all_jobs() if tag in (j["title"] or "")
    ):
        time.sleep(0.1)
    assert thread.is_alive(), "the run waits for the login"
    assert not set(runner.frame["status"]) & {"error", "start_failed", "skipped"}
    saved = db.read()  # the table is consistent and the run resumable
    assert saved["id"].notna().any()
    # the user logs in again: the run goes on with the new login, to the end
    tokens.clear()
    on_device_code, _ = approve_when_shown(oidc_provider)
    config.connect(on_device_code=on_device_code, on_refresh_token=tokens.append)
    fresh = Secrets(refresh_token=tokens[0].refresh_token, client_id=tokens[0].client_id)
    logins.renew("oidc", fresh)
    runner.call_soon(lambda: runner.login_renewed("oidc"))
    thread.join(60)
    assert not thread.is_alive()
    assert result == {"finished": 2}
    assert said[-1] == ("oidc", None)


def test_stop_returns_quickly_while_backoffs_are_pending(local_backend, tmp_path):
    with FaultProxy(local_backend.url, Faults(error_5xx=1.0, methods={"POST"}), seed=5) as proxy:
        runner = make(tmp_path, proxy.url, small_grid(3, 1))
        stop = threading.Event()
        thread = threading.Thread(target=runner.run, args=(stop,), daemon=True)
        thread.start()
        time.sleep(1.5)  # creates are failing and backing off now
        t0 = time.monotonic()
        stop.set()
        thread.join(2.0)
        assert not thread.is_alive()
        assert time.monotonic() - t0 < 2.0
    assert not runner.frame["status"].isin(["start_failed", "error"]).any()


def test_a_concurrency_limit_lowers_jobs_at_once_and_says_so(local_backend, tmp_path):
    """The back-end refuses a third running job: the run settles on two, none fails."""
    local_backend.knobs(job_duration=0.5, max_active=2)
    events = []
    runner = make(tmp_path, local_backend.url, small_grid(4, 2), parallel=4, events=events)
    assert runner.run(threading.Event()) == {"finished": 8}
    assert_one_job_per_tile(local_backend, runner)
    assert runner.scheduler.limit("local") < 4  # it tries one more each 2 s
    # lowered to what it saw running when refused: 2, or 1 when the other start of the
    # same burst had not come back yet
    assert any(re.search(r"[12] at once now \(of 4\)", e.message) for e in events), events


def test_a_back_end_answering_503_at_start_is_waited_for(local_backend, tmp_path):
    """A deploy while the run logs in: the run waits for it instead of giving up."""
    from openeo_grid_jobs.core.backends.backend import BackendConfig, Secrets
    from openeo_grid_jobs.core.run.gateway import Backend

    with FaultProxy(local_backend.url, Faults(), seed=6) as proxy:
        config = BackendConfig(proxy.url, "alice", name="local")
        runner = make(tmp_path, proxy.url, small_grid(2, 1))
        runner.gateways["local"].backend = Backend(
            "local", lambda: config.connect(Secrets(password="alice123")), 2
        )
        proxy.outage(2.0)
        assert runner.run(threading.Event()) == {"finished": 2}
        assert proxy.stats()["outage"] > 0
    assert_one_job_per_tile(local_backend, runner)


def test_one_back_end_unreachable_at_start_the_run_goes_on(local_backend, tmp_path):
    from openeo_grid_jobs.core.backends.backend import BackendConfig
    from openeo_grid_jobs.core.run.gateway import Backend

    gone = BackendConfig("http://127.0.0.1:9", name="gone")  # nothing listens there
    events = []
    frame = frame_from_tiles(small_grid(2, 1), *DATES)
    db = JobDatabase(tmp_path / "jobs.csv")
    runner = GridJobRunner(
        db,
        frame,
        JobTemplate(*DATES),
        [Backend("gone", gone.connect), backend(local_backend.url, "local")],
        policy=FAST,
        on_event=events.append,
    )
    assert runner.run(threading.Event()) == {"finished": 2}
    assert set(runner.frame["backend_name"]) == {"local"}
    assert any("gone is unreachable" in e.message and "goes on" in e.message for e in events)
