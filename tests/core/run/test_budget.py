"""Credit budget: the bookkeeping on its own, then runs against the local back-end (whose
jobs cost 0.01 credits per km² per day: a 5 km tile over May-July, 92 days, costs 23)."""

from __future__ import annotations

import math
import threading
from dataclasses import replace

import pandas as pd
import pytest
from helpers.runs import DATES, assert_one_job_per_tile, backend, small_grid
from openeo_grid_jobs.core.backends.backend import BackendConfig
from openeo_grid_jobs.core.engine.config import RunConfig
from openeo_grid_jobs.core.engine.session import RunSession
from openeo_grid_jobs.core.errors import RunError
from openeo_grid_jobs.core.jobs.database import JobDatabase
from openeo_grid_jobs.core.jobs.table import frame_from_tiles
from openeo_grid_jobs.core.jobs.template import JobTemplate, TileExtent
from openeo_grid_jobs.core.run.budget import (
    BUDGET_REASON,
    CreditBudget,
    budget_reason,
    budget_skipped,
    check_budget,
    tile_km2_days,
)
from openeo_grid_jobs.core.run.runner import GridJobRunner
from openeo_grid_jobs.core.run.scheduler import RunPolicy

TILE_COSTS = 23.0  # 25 km² × 92 days × 0.01


@pytest.fixture
def estimates(local_backend):
    """The back-end's estimate knobs, back to their defaults after the test."""
    yield local_backend
    local_backend.knobs(estimates=True, estimate_factor=1.0)


def table(statuses, costs=None):
    return pd.DataFrame(
        {
            "tile_id": [f"t{i}" for i in range(len(statuses))],
            "status": statuses,
            "costs": costs if costs is not None else [math.nan] * len(statuses),
            "message": [None] * len(statuses),
        }
    )


def budget_for(frame, cap, size=100.0, earlier=0.0):
    return CreditBudget(cap, pd.Series([size] * len(frame), index=frame.index), earlier)


# --- bookkeeping ------------------------------------------------------------------------
def test_tile_size_is_area_times_days():
    template = JobTemplate(*DATES)
    tile = TileExtent("a", 595000, 5660000, 600000, 5665000, epsg=32631)
    assert tile_km2_days(tile, template) == pytest.approx(25 * 92)
    own_dates = TileExtent("b", 0, 0, 1000, 2000, epsg=32631, start="2024-05-01", end="2024-05-03")
    assert tile_km2_days(own_dates, template) == pytest.approx(2 * 2)
    lonlat = TileExtent("c", 4.0, 51.0, 4.1, 51.1, epsg=4326)
    assert tile_km2_days(lonlat, template) == pytest.approx(7.0 * 11.1 * 92, rel=0.02)


def test_budget_values_are_checked():
    assert check_budget(None) is None
    assert check_budget(5) == 5.0
    for bad in (0, -1, math.inf, math.nan, "5", True):
        with pytest.raises(RunError, match="credit budget"):
            check_budget(bad)  # type: ignore[arg-type]
    with pytest.raises(RunError):
        RunPolicy(budget=-2.0)


def test_nothing_known_yet_launches_one_job_at_a_time():
    frame = table(["not_started"] * 4)
    budget = budget_for(frame, 50)
    account = budget.account(frame)
    assert budget.launchable(frame, [0, 1, 2, 3], account) == [0]
    frame.loc[0, "status"] = "running"  # the probe is out: its costs are unknown
    account = budget.account(frame)
    assert account.unknown == 1
    assert account.in_flight == 1
    assert budget.launchable(frame, [1, 2, 3], account) == []
    assert not budget.exhausted(frame, [1, 2, 3], account)


def test_an_estimate_sets_the_rate_for_the_others():
    frame = table(["created", "not_started", "not_started", "not_started"])
    budget = budget_for(frame, 50)
    budget.estimated(0, 20.0)  # 0.2 credits per km²·day
    account = budget.account(frame)
    assert (account.spent, account.committed, account.unknown) == (0.0, 20.0, 0)
    assert budget.launchable(frame, [1, 2, 3], account) == [1]  # 20 + 20 <= 50 < 60


def test_finished_costs_give_the_rate_and_count_as_spent():
    frame = table(["finished", "finished", "not_started", "not_started"], [10.0, 14.0, None, None])
    budget = budget_for(frame, 40, earlier=3.0)
    account = budget.account(frame)
    assert account.spent == pytest.approx(27.0)  # 3 earlier + 24
    assert budget.rate(frame) == pytest.approx(24.0 / 200)
    assert budget.launchable(frame, [2, 3], account) == [2]  # 27 + 12 <= 40 < 51
    frame.loc[2, "status"] = "finished"
    frame.loc[2, "costs"] = 12.0
    account = budget.account(frame)
    assert budget.exhausted(frame, [3], account)
    assert budget.reason(account) == "credit budget of 40.0 reached: 39.0 spent or committed"


def test_smaller_tiles_still_fit_where_big_ones_do_not():
    frame = table(["finished", "not_started", "not_started"], [10.0, None, None])
    sizes = pd.Series([100.0, 100.0, 25.0], index=frame.index)
    budget = CreditBudget(15, sizes)
    assert budget.launchable(frame, [1, 2], budget.account(frame)) == [2]  # 2.5 fits, 10 not


def test_a_finished_job_without_costs_counts_at_its_expected_costs():
    frame = table(["finished", "finished", "not_started"], [10.0, None, None])
    budget = budget_for(frame, 25)
    account = budget.account(frame)
    assert account.committed == pytest.approx(10.0)  # the second, at the first's rate
    assert account.in_flight == 0  # nothing asks for its costs: they never come
    assert budget.exhausted(frame, [2], account)  # 20 + 10 > 25
    asking = budget.account(frame, settling={1})
    assert asking.in_flight == 1
    assert not budget.exhausted(frame, [2], asking)


def test_no_costs_and_no_estimates_at_all_stops_with_that_reason():
    frame = table(["finished", "not_started"])
    budget = budget_for(frame, 25)
    account = budget.account(frame)
    assert account.unknown == 1
    assert budget.exhausted(frame, [1], account)
    assert "cannot be kept" in budget.reason(account)


def test_budget_skipped_rows_are_found_by_their_message():
    frame = table(["skipped", "skipped", "error"])
    frame["message"] = [budget_reason(5, 4.6), "not submitted: the first jobs ...", "x"]
    assert list(budget_skipped(frame)) == [0]
    assert frame.at[0, "message"] == "credit budget of 5.0 reached: 4.6 spent or committed"


# --- against the local back-end ----------------------------------------------------------
def budget_runner(tmp_path, url, cap, parallel=2):
    """A runner of 3 x 2 tiles (23 credits each) with a budget; and the events it says."""
    frame = frame_from_tiles(small_grid(3, 2), *DATES)
    db = JobDatabase(tmp_path / "jobs.csv")
    db.save(frame)
    events = []
    runner = GridJobRunner(
        db,
        frame,
        JobTemplate(*DATES),
        [backend(url, parallel=parallel)],
        policy=RunPolicy(poll_interval=0.3, budget=cap),
        on_event=events.append,
    )
    return runner, events


def assert_budget_stop(frame, cap, finished):
    counts = frame["status"].value_counts().to_dict()
    assert counts == {"finished": finished, "skipped": len(frame) - finished}
    assert frame["costs"].sum() <= cap
    assert frame["costs"].sum() == pytest.approx(finished * TILE_COSTS)
    skipped = frame[frame["status"] == "skipped"]
    reason = budget_reason(cap, finished * TILE_COSTS)
    assert set(skipped["message"]) == {reason}
    assert skipped["id"].isna().all()  # never submitted


def test_budget_stops_launching_at_the_cap_with_estimates(estimates, tmp_path):
    runner, events = budget_runner(tmp_path, estimates.url, 50.0)
    assert runner.run(threading.Event()) == {"finished": 2, "skipped": 4}
    frame = JobDatabase(tmp_path / "jobs.csv").read()
    assert_budget_stop(frame, 50.0, finished=2)
    said = [e for e in events if BUDGET_REASON in e.message.lower()]
    assert len(said) == 1
    assert said[0].level == "warning"
    assert "4 tile(s) were not submitted" in said[0].message
    assert_one_job_per_tile([estimates], frame)
    tag = frame["run_tag"].iloc[0]
    titles = [j["title"] for j in estimates.all_jobs() if tag in (j["title"] or "")]
    assert len(titles) == 2  # no job was made for a skipped tile


def test_budget_without_estimates_learns_from_the_first_finished_job(estimates, tmp_path):
    estimates.knobs(estimates=False)
    runner, _ = budget_runner(tmp_path, estimates.url, 50.0, parallel=3)
    most = []
    runner.on_update = lambda _: most.append(
        runner.frame["status"].isin(["queued", "running"]).sum()
    )
    assert runner.run(threading.Event()) == {"finished": 2, "skipped": 4}
    assert_budget_stop(JobDatabase(tmp_path / "jobs.csv").read(), 50.0, finished=2)
    assert max(most) == 1  # the first job alone, then one that fits next to nothing


def test_an_estimate_over_the_budget_is_never_started(estimates, tmp_path):
    estimates.knobs(estimate_factor=3.0)  # 69 estimated: over a budget of 50 on its own
    runner, events = budget_runner(tmp_path, estimates.url, 50.0)
    assert runner.run(threading.Event()) == {"skipped": 6}
    frame = runner.frame
    assert frame["costs"].isna().all()
    first = frame[frame["id"].notna()]
    assert len(first) == 1  # the one job made, then deleted unstarted
    assert "69.0 estimated" in first["message"].iloc[0]
    assert first["message"].iloc[0].startswith("credit budget of 50.0 reached: 0.0 spent")
    mine = [j for j in estimates.all_jobs() if frame["run_tag"].iloc[0] in (j["title"] or "")]
    assert mine == []  # deleted
    assert sum(BUDGET_REASON in e.message.lower() for e in events) == 1


def test_resume_with_a_raised_budget_continues(local_backend, tmp_path):
    job_db = tmp_path / "jobs.csv"
    config = RunConfig(
        JobTemplate(*DATES),
        [_local_config(local_backend.url)],
        poll_interval=0.3,
        budget=50.0,
    )
    with RunSession.open(job_db, holder="t", config=config, tiles=small_grid(3, 2)) as session:
        runner = session.runner([backend(local_backend.url)])
        assert runner.policy.budget == 50.0
        assert runner.run(threading.Event()) == {"finished": 2, "skipped": 4}
    assert RunConfig.load(job_db).budget == 50.0
    with RunSession.open(job_db, holder="t") as session:  # same budget: nothing to do
        assert session.notes == []
        assert (session.frame["status"] == "skipped").sum() == 4
    raised = RunConfig(config.template, config.backends, 0.3, budget=100.0)
    with RunSession.open(job_db, holder="t", config=raised) as session:
        assert session.notes == [
            "Credit budget raised to 100.0 (was 50.0): 4 tile(s) it had skipped will be submitted."
        ]
        assert session.runner([backend(local_backend.url)]).run(threading.Event()) == {
            "finished": 4,
            "skipped": 2,
        }
        frame = session.frame
    assert frame["costs"].sum() == pytest.approx(4 * TILE_COSTS)
    assert frame["costs"].sum() <= 100
    assert set(frame.loc[frame["status"] == "skipped", "message"]) == {
        budget_reason(100.0, 4 * TILE_COSTS)
    }
    assert_one_job_per_tile([local_backend], frame)


def test_cli_budget_then_resume_with_a_higher_one(local_backend, tmp_path):
    from tests.cli.test_run import TEMPLATE, make_grid, run_cli

    grid = make_grid(tmp_path)
    job_db = tmp_path / "jobs.csv"
    first = run_cli(
        "--grid",
        str(grid),
        "--job-db",
        str(job_db),
        "--backend",
        local_backend.url,
        "--username",
        "alice",
        "--budget",
        "50",
        *TEMPLATE,
    )
    out, err = first.communicate(timeout=120)
    assert first.returncode == 3, err
    assert "warning: Credit budget of 50.0 reached: 46.0 spent or committed" in out
    assert "4 × credit budget of 50.0 reached: 46.0 spent or committed" in out
    assert RunConfig.load(job_db).budget == 50.0
    again = run_cli("--job-db", str(job_db), "--budget", "200")
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, out + err
    assert "Credit budget raised to 200.0 (was 50.0): 4 tile(s)" in out
    frame = JobDatabase(job_db).read()
    assert set(frame["status"]) == {"finished"}
    assert frame["costs"].sum() == pytest.approx(6 * TILE_COSTS)
    assert RunConfig.load(job_db).budget == 200.0
    assert_one_job_per_tile([local_backend], frame)
    refused = run_cli("--job-db", str(job_db), "--budget", "0")
    out, err = refused.communicate(timeout=60)
    assert refused.returncode == 2
    assert "must be a finite number of credits > 0" in err


def _local_config(url):
    return BackendConfig(url, "alice", name="local")


def test_a_caller_without_a_budget_keeps_the_runs_and_inf_lifts_it(tmp_path):
    job_db = tmp_path / "jobs.csv"
    frame = frame_from_tiles(small_grid(3, 1), *DATES)
    frame["status"] = ["finished", "skipped", "error"]
    frame["costs"] = [23.0, math.nan, 7.0]
    frame["id"] = ["j-1", None, "j-3"]
    frame.loc[1, "message"] = budget_reason(30.0, 23.0)
    JobDatabase(job_db).save(frame)
    template = JobTemplate(*DATES)
    backends = [_local_config("http://127.0.0.1:9")]
    RunConfig(template, backends, budget=30.0).save(job_db)
    with RunSession.open(job_db, holder="t", config=RunConfig(template, backends)) as session:
        assert session.config.budget == 30.0  # the dock's form without a budget field
        assert session.notes == []
        assert session.runner([backend("http://127.0.0.1:9")]).policy.budget == 30.0
    lifted = RunConfig(template, backends, budget=math.inf)
    with RunSession.open(job_db, holder="t", config=lifted, retry_failed=True) as session:
        assert session.config.budget is None
        assert session.notes == [
            "Credit budget lifted (was 30.0): 1 tile(s) it had skipped will be submitted."
        ]
        assert list(session.frame["status"]) == ["finished", "not_started", "not_started"]
        assert list(session.frame["attempt"]) == [1, 1, 2]
        # the retried tile's earlier job cost 7: still the run's, no longer its row's
        assert session.config.earlier_costs == 7.0
        assert session.frame["costs"].isna().tolist() == [False, True, True]
        assert session.runner([backend("http://127.0.0.1:9")]).policy.budget is None
    saved = RunConfig.load(job_db)
    assert (saved.budget, saved.earlier_costs) == (None, 7.0)


@pytest.mark.parametrize("seed", [5, 6])
def test_budget_through_a_flaky_network_keeps_the_cap_and_one_job_per_tile(
    estimates, tmp_path, seed
):
    from devtools.fault_proxy import FaultProxy
    from devtools.faults import Faults
    from tests.faults.test_fault_suite import FAST

    estimates.knobs(job_duration=0.5, queue_time=0.1)
    faults = Faults(
        error_5xx=0.10, rate_429=0.05, reset=0.02, lost_answer=0.05, delay=0.05, max_delay=0.5
    )
    cap = 6 * TILE_COSTS
    with FaultProxy(estimates.url, faults, seed=seed) as proxy:
        frame = frame_from_tiles(small_grid(4, 3), *DATES)
        db = JobDatabase(tmp_path / "jobs.csv")
        db.save(frame)
        runner = GridJobRunner(
            db,
            frame,
            JobTemplate(*DATES),
            [backend(proxy.url, parallel=4)],
            policy=replace(FAST, budget=cap),
        )
        counts = runner.run(threading.Event())
        stats = proxy.stats()
    assert counts == {"finished": 6, "skipped": 6}
    assert runner.frame["costs"].sum() <= cap
    assert_one_job_per_tile([estimates], runner.frame)
    assert stats["lost_answer"] > 0, stats
    mine = [j for j in estimates.all_jobs() if runner.run_tag in (j["title"] or "")]
    assert len(mine) == 6
