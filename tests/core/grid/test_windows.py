"""Time windows (core/grid/windows.py): parsed from ISO 8601 intervals, one job-table row per
(unit, window) with an id that survives saves and resumes."""

from __future__ import annotations

import json
import threading

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from helpers.runs import DATES, assert_one_job_per_tile, backend, run_in_thread, wait_until
from helpers.units import fields
from openeo_grid_jobs.core.backends.backend import BackendConfig
from openeo_grid_jobs.core.engine.config import RunConfig
from openeo_grid_jobs.core.engine.refusals import SettingsMismatchError
from openeo_grid_jobs.core.engine.session import RunSession
from openeo_grid_jobs.core.grid.units import units_from_frame
from openeo_grid_jobs.core.grid.windows import WindowError, parse_windows, span
from openeo_grid_jobs.core.jobs.database import JobDatabase
from openeo_grid_jobs.core.jobs.row_extents import tile_extents
from openeo_grid_jobs.core.jobs.rows import reset_failed
from openeo_grid_jobs.core.jobs.split import split_rows
from openeo_grid_jobs.core.jobs.table import frame_from_tiles
from openeo_grid_jobs.core.jobs.template import JobTemplate
from openeo_grid_jobs.core.run.budget import BUDGET_REASON, budget_reason, tile_km2_days
from openeo_grid_jobs.core.run.runner import GridJobRunner
from openeo_grid_jobs.core.run.scheduler import RunPolicy

YEAR = "2024-01-01/2025-01-01/P1M"


def dates(specs):
    return [w.dates() for w in parse_windows(specs)]


def test_a_monthly_step_over_a_year_gives_twelve_half_open_months():
    months = dates(YEAR)
    assert len(months) == 12
    assert months[0] == ("2024-01-01", "2024-02-01")
    assert months[1] == ("2024-02-01", "2024-03-01")
    assert months[-1] == ("2024-12-01", "2025-01-01")
    assert all(a[1] == b[0] for a, b in zip(months, months[1:]))  # no gap, no overlap
    assert span(parse_windows(YEAR)) == ("2024-01-01", "2025-01-01")


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("2024-01-01/2025-01-01/P3M", ["2024-01-01", "2024-04-01", "2024-07-01", "2024-10-01"]),
        (
            "2024-01-01/2024-05-15/P1M",
            ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01", "2024-05-01"],
        ),
        ("2024-01-01/2024-01-25/P10D", ["2024-01-01", "2024-01-11", "2024-01-21"]),
        ("2024-01-31/2024-05-01/P1M", ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"]),
        ("2022-01-01/2024-06-01/p1y", ["2022-01-01", "2023-01-01", "2024-01-01"]),
    ],
)
def test_steps_count_from_the_start_and_the_last_is_clipped(spec, expected):
    windows = dates(spec)
    assert [w[0] for w in windows] == expected
    assert windows[-1][1] == spec.split("/")[1]  # clipped to the period's end


def test_seasons_start_on_the_first_of_december_march_june_and_september():
    """Meteorological seasons over 2024: the period begins in DJF and ends in the next
    DJF, so the first and the last windows are clipped seasons."""
    assert dates("2024-01-01/2025-01-01/season") == [
        ("2024-01-01", "2024-03-01"),  # DJF, from the period's start (2024 is a leap year)
        ("2024-03-01", "2024-06-01"),  # MAM
        ("2024-06-01", "2024-09-01"),  # JJA
        ("2024-09-01", "2024-12-01"),  # SON
        ("2024-12-01", "2025-01-01"),  # DJF, to the period's end
    ]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            "2023-12-01/2024-12-01/Season",
            [
                ("2023-12-01", "2024-03-01"),
                ("2024-03-01", "2024-06-01"),
                ("2024-06-01", "2024-09-01"),
                ("2024-09-01", "2024-12-01"),
            ],
        ),
        (
            "2024-02-15/2024-03-10/SEASON",
            [("2024-02-15", "2024-03-01"), ("2024-03-01", "2024-03-10")],
        ),
        ("2024-06-01/2024-09-01/season", [("2024-06-01", "2024-09-01")]),
        ("2024-07-04/2024-08-01/season", [("2024-07-04", "2024-08-01")]),
    ],
)
def test_seasons_across_a_new_year_and_clipped_inside_one(spec, expected):
    assert dates(spec) == expected


def test_a_list_of_ranges_in_time_order():
    seasons = ["2024-09-01/2024-12-01", "2024-03-01/2024-06-01"]
    assert dates(seasons) == [("2024-03-01", "2024-06-01"), ("2024-09-01", "2024-12-01")]


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        ("2024-13-01/2025-01-01/P1M", "'2024-13-01' in time window 2024-13-01/2025-01-01/P1M"),
        ("2024-06-01/2024-03-01", "2024-06-01/2024-03-01: the end must be after the start"),
        ("2024-01-01/2025-01-01/P1H", "Step 'P1H' of 2024-01-01/2025-01-01/P1H"),
        ("2024-01-01/2025-01-01/P0M", "Step 'P0M'"),
        ("2024-01-01/2025-01-01/seasons", "Step 'seasons' of 2024-01-01/2025-01-01/seasons"),
        ("2024-01-01", "'2024-01-01' is not a range"),
        ([YEAR, "2024-03-01/2024-06-01"], "one step (2024-01-01/2025-01-01/P1M) or a list"),
        (["2024-03-01/2024-06-01"] * 2, "2024-03-01_2024-06-01 is given more than once"),
        ("2000-01-01/2024-01-01/P1D", "more than the limit of 1000"),
        ([], "No time windows"),
    ],
)
def test_bad_windows_are_refused_naming_them(specs, message):
    with pytest.raises(WindowError) as refused:
        parse_windows(specs)
    assert message in str(refused.value)


def four_units():
    return units_from_frame(fields(ids=["007", "A", "B", "C"]), "field_id")


def test_one_row_per_unit_and_window_with_ids_that_survive_the_file(tmp_path):
    windows = parse_windows("2024-01-01/2024-04-01/P1M")
    frame = frame_from_tiles(four_units(), *span(windows), windows)
    assert len(frame) == 12
    assert frame["tile_id"].is_unique
    assert list(frame["tile_id"][:5]) == [
        "007@2024-01-01_2024-02-01",
        "A@2024-01-01_2024-02-01",
        "B@2024-01-01_2024-02-01",
        "C@2024-01-01_2024-02-01",
        "007@2024-02-01_2024-03-01",
    ]
    template = JobTemplate(*span(windows), windows=["2024-01-01/2024-04-01/P1M"])
    titles = {template.job_title(t, "rtag") for t in frame["tile_id"]}
    assert len(titles) == 12
    for name in ("jobs.csv", "jobs.parquet"):  # numeric-looking unit ids stay text
        db = JobDatabase(tmp_path / name)
        db.save(frame)
        back = db.read()
        assert list(back["tile_id"]) == list(frame["tile_id"])
        assert list(back["unit_id"]) == ["007", "A", "B", "C"] * 3
        extents = {e.tile_id: e for e in tile_extents(back)}
        assert (
            extents["B@2024-03-01_2024-04-01"].start,
            extents["B@2024-03-01_2024-04-01"].end,
        ) == (
            "2024-03-01",
            "2024-04-01",
        )


def test_numeric_unit_ids_without_windows_survive_a_csv(tmp_path):
    db = JobDatabase(tmp_path / "jobs.csv")
    db.save(
        frame_from_tiles(
            units_from_frame(fields(ids=["007", "1.50", "3", "4", "5"]), "field_id"), *DATES
        )
    )
    assert list(db.read()["tile_id"]) == ["007", "1.50", "3", "4", "5"]


def windowed_config(url: str, windows: list[str]) -> RunConfig:
    start, end = span(parse_windows(windows))
    return RunConfig(JobTemplate(start, end, windows=windows), [BackendConfig(url=url, name="b")])


def test_resume_keeps_rows_and_refuses_other_windows(tmp_path):
    job_db = tmp_path / "jobs.csv"
    asked = windowed_config("http://127.0.0.1:9", [YEAR])
    with RunSession.open(job_db, holder="t", config=asked, tiles=four_units()) as session:
        ids = list(session.frame["tile_id"])
    assert len(ids) == 48
    # resumed with the same units and windows: the same rows, not another grid
    with RunSession.open(job_db, holder="t", config=asked, tiles=four_units()) as session:
        assert list(session.frame["tile_id"]) == ids
    other = windowed_config("http://127.0.0.1:9", ["2024-01-01/2025-01-01/P3M"])
    with pytest.raises(SettingsMismatchError, match="windows: "):
        RunSession.open(job_db, holder="t", config=other)
    with pytest.raises(SettingsMismatchError, match="other tiles"):
        RunSession.open(job_db, holder="t", tiles=units_from_frame(fields(), "field_id"))


def test_retry_and_split_act_per_row(tmp_path):
    """A failed (unit, window) row is retried or split alone; its quarters keep its window."""
    job_db = tmp_path / "jobs.csv"
    config = windowed_config("http://127.0.0.1:9", ["2024-01-01/2024-03-01/P1M"])
    units = units_from_frame(fields(ids=["A", "B"]), "field_id")
    with RunSession.open(job_db, holder="t", config=config, tiles=units) as session:
        frame = session.frame
        frame["status"] = "finished"
        failed = ["A@2024-02-01_2024-03-01", "B@2024-01-01_2024-02-01"]
        frame.loc[frame["tile_id"].isin(failed), ["status", "id"]] = ["error", "j-1"]
        assert sorted(frame.loc[reset_failed(frame), "tile_id"]) == sorted(failed)
        assert list(frame.loc[frame["tile_id"].isin(failed), "attempt"]) == [2, 2]
        frame.loc[frame["tile_id"].isin(failed), "status"] = "error"
        session.split([failed[0]])
        session.save()
    frame = JobDatabase(job_db).read()
    quarters = frame[frame["tile_id"].str.startswith("A_q")]
    assert len(quarters) == 4
    assert len(frame) == 7
    # each piece a unit of its own with the row's window, the window last in its id
    assert list(quarters["tile_id"]) == [f"A_q{k}@2024-02-01_2024-03-01" for k in range(4)]
    assert set(quarters["window"]) == {"2024-02-01_2024-03-01"}
    assert list(quarters["unit_id"]) == [f"A_q{k}" for k in range(4)]
    assert "A@2024-01-01_2024-02-01" in set(frame["tile_id"])  # A's other window untouched
    # resumed with the units the run started with, or with the pieces as units of their
    # own beside them (the dock's layer after the split): the same run, the table as it was
    pieces = units.iloc[[0] * 4].assign(tile_id=[f"A_q{k}" for k in range(4)])
    for grid in (units, gpd.GeoDataFrame(pd.concat([units, pieces]), crs=units.crs)):
        with RunSession.open(job_db, holder="t", config=config, tiles=grid) as session:
            assert list(session.frame["tile_id"]) == list(frame["tile_id"])
    with pytest.raises(SettingsMismatchError, match="other tiles"):
        RunSession.open(job_db, holder="t", config=config, tiles=units.iloc[[0]])
    assert {(e.start, e.end) for e in tile_extents(quarters)} == {("2024-02-01", "2024-03-01")}


def test_a_run_of_todays_format_resumes_unchanged(tmp_path):
    """Settings saved before windows and extents existed, and a table without unit_id or
    window columns: resumed as they are, the table's columns left alone."""
    job_db = tmp_path / "jobs.csv"
    config = RunConfig(JobTemplate(*DATES), [BackendConfig(url="http://127.0.0.1:9", name="b")])
    units = units_from_frame(fields(), "field_id")
    with RunSession.open(job_db, holder="t", config=config, tiles=units):
        pass
    settings = json.loads(RunConfig.path_for(job_db).read_text())
    for key in ("windows", "extent"):
        del settings["template"][key]
    RunConfig.path_for(job_db).write_text(json.dumps(settings))
    columns = list(JobDatabase(job_db).read().columns)
    assert "unit_id" not in columns
    assert "window" not in columns
    with RunSession.open(job_db, holder="t", config=config, tiles=units) as session:
        assert list(session.frame["tile_id"]) == list(units["tile_id"])
        assert list(session.frame.columns) == columns


def test_an_irregular_unit_splits_into_its_own_parts():
    """The L-shaped field F-03 cut by the quarters of its bbox: three parts (its bbox's
    north-east quarter holds none of it), which together are the field."""
    units = units_from_frame(fields(), "field_id")
    windows = parse_windows("2024-01-01/2024-03-01/P1M")
    frame = frame_from_tiles(units, *span(windows), windows)
    row = "F-03@2024-02-01_2024-03-01"
    frame.loc[frame["tile_id"] == row, "status"] = "error"
    split, (record,) = split_rows(frame, [row], "2024-03-02T00:00:00Z")
    assert record.into == [f"F-03_q{k}@2024-02-01_2024-03-01" for k in range(3)]
    parts = split[split["tile_id"].isin(record.into)]
    pieces = shapely.from_wkt(list(parts["geometry"]))
    assert shapely.union_all(pieces).symmetric_difference(units.geometry[2]).area < 1e-6
    assert sum(p.area for p in pieces) == pytest.approx(units.geometry[2].area)
    assert list(parts["unit_id"]) == ["F-03_q0", "F-03_q1", "F-03_q2"]
    assert {(e.start, e.end) for e in tile_extents(parts)} == {("2024-02-01", "2024-03-01")}


def windowed_runner(tmp_path, url, parallel=4, budget=None, on_event=None):
    """A run of units A and B over two months (4 rows) on the local back-end (with a
    credit ``budget``, its events to ``on_event``)."""
    windows = parse_windows("2024-01-01/2024-03-01/P1M")
    units = units_from_frame(fields(ids=["A", "B"]), "field_id")
    frame = frame_from_tiles(units, *span(windows), windows)
    db = JobDatabase(tmp_path / "jobs.csv")
    db.save(frame)
    template = JobTemplate(*span(windows), windows=["2024-01-01/2024-03-01/P1M"])
    return GridJobRunner(
        db,
        frame,
        template,
        [backend(url, parallel=parallel)],
        policy=RunPolicy(poll_interval=0.3, budget=budget),
        on_event=on_event,
    )


def test_retry_failed_resubmits_only_the_failed_window(local_backend, tmp_path):
    failing = "A@2024-02-01_2024-03-01"
    local_backend.knobs(error_titles=[failing])
    runner = windowed_runner(tmp_path, local_backend.url)
    assert runner.run(threading.Event()) == {"error": 1, "finished": 3}
    assert list(runner.frame.loc[runner.frame["status"] == "error", "tile_id"]) == [failing]
    kept = dict(zip(runner.frame["tile_id"], runner.frame["id"]))
    local_backend.knobs(error_titles=[])
    assert reset_failed(runner.frame) == [2]
    assert runner.run(threading.Event()) == {"finished": 4}
    changed = [t for t, i in zip(runner.frame["tile_id"], runner.frame["id"]) if kept[t] != i]
    assert changed == [failing]
    assert_one_job_per_tile([local_backend], runner.frame)


def test_cancel_one_window_of_one_unit(local_backend, tmp_path):
    local_backend.knobs(job_duration=30)
    runner = windowed_runner(tmp_path, local_backend.url)
    thread, _, _ = run_in_thread(runner)
    wait_until(lambda: runner.frame["status"].eq("running").all())
    runner.request_cancel(runner.indices_of(["B@2024-01-01_2024-02-01"]))
    wait_until(lambda: (runner.frame["status"] == "canceled").any(), timeout=5)
    statuses = dict(zip(runner.frame["tile_id"], runner.frame["status"]))
    assert statuses == {
        "A@2024-01-01_2024-02-01": "running",
        "B@2024-01-01_2024-02-01": "canceled",
        "A@2024-02-01_2024-03-01": "running",
        "B@2024-02-01_2024-03-01": "running",
    }
    runner.request_cancel(None)
    thread.join(5)
    assert not thread.is_alive()
    assert_one_job_per_tile([local_backend], runner.frame)


def test_the_credit_budget_sizes_each_row_by_its_window():
    """Expected costs grow with a row's area and days: a January row of a unit counts 31
    days, its February row 29 (2024), whatever the run's whole period."""
    windows = parse_windows("2024-01-01/2024-03-01/P1M")
    units = units_from_frame(fields(ids=["A"]), "field_id")
    template = JobTemplate(*span(windows), windows=["2024-01-01/2024-03-01/P1M"])
    west, south, east, north = units.geometry[0].bounds
    km2 = (east - west) * (north - south) / 1e6
    sizes = [
        tile_km2_days(e, template) for e in tile_extents(frame_from_tiles(units, windows=windows))
    ]
    assert sizes == [pytest.approx(km2 * 31), pytest.approx(km2 * 29)]


def test_the_credit_budget_stops_launching_rows_at_the_cap(local_backend, tmp_path):
    """A budget that holds January's rows of A and B but not a February row beside them
    (the local back-end charges 0.01 credits per km² and day, and estimates as much): the
    January jobs run and finish, the February rows are skipped unsubmitted with the
    budget's reason, said once; one back-end job per launched row, none for the others."""
    windows = parse_windows("2024-01-01/2024-03-01/P1M")
    units = units_from_frame(fields(ids=["A", "B"]), "field_id")
    template = JobTemplate(*span(windows), windows=["2024-01-01/2024-03-01/P1M"])
    costs = {
        e.tile_id: 0.01 * tile_km2_days(e, template)
        for e in tile_extents(frame_from_tiles(units, windows=windows))
    }
    january = ["A@2024-01-01_2024-02-01", "B@2024-01-01_2024-02-01"]
    february = ["A@2024-02-01_2024-03-01", "B@2024-02-01_2024-03-01"]
    cap = round(sum(costs[r] for r in january) + 0.5 * min(costs[r] for r in february), 2)
    events = []
    runner = windowed_runner(tmp_path, local_backend.url, budget=cap, on_event=events.append)
    assert runner.run(threading.Event()) == {"finished": 2, "skipped": 2}

    frame = JobDatabase(tmp_path / "jobs.csv").read().set_index("tile_id")
    assert list(frame.loc[january, "status"]) == ["finished", "finished"]
    assert list(frame.loc[january, "costs"]) == pytest.approx([costs[r] for r in january], abs=0.01)
    spent = frame["costs"].sum()
    assert spent <= cap
    skipped = frame.loc[february]
    assert set(skipped["status"]) == {"skipped"}
    assert skipped["id"].isna().all()  # never submitted
    assert set(skipped["message"]) == {budget_reason(cap, spent)}
    said = [e for e in events if BUDGET_REASON in e.message.lower()]
    assert len(said) == 1
    assert said[0].level == "warning"
    assert "2 job(s) were not submitted" in said[0].message
    table = frame.reset_index()
    assert_one_job_per_tile([local_backend], table)
    run_tag = table["run_tag"].iloc[0]
    titles = [j["title"] for j in local_backend.all_jobs() if f"[{run_tag}" in (j["title"] or "")]
    assert sorted(titles) == sorted(template.job_title(r, run_tag) for r in january)
