"""Split and retry: a failed tile replaced by its four quarter tiles, then run."""

from __future__ import annotations

import json
import threading

import geopandas as gpd
import pytest
import shapely
from helpers.runs import DATES, assert_one_job_per_tile, backend, small_grid
from openeo_grid_jobs.core.backends.backend import BackendConfig
from openeo_grid_jobs.core.engine.config import RunConfig
from openeo_grid_jobs.core.engine.refusals import SettingsMismatchError
from openeo_grid_jobs.core.engine.session import RunSession, split_tiles
from openeo_grid_jobs.core.jobs.database import JobDatabase
from openeo_grid_jobs.core.jobs.db_lock import JobDatabaseLockedError
from openeo_grid_jobs.core.jobs.split import SplitError, fold, quarter_ids, split_rows
from openeo_grid_jobs.core.jobs.table import frame_from_tiles
from openeo_grid_jobs.core.jobs.template import JobTemplate

OOM = "java.lang.OutOfMemoryError: Java heap space"


def failed_table(cols=3, rows=1, failed=(1,)):
    frame = frame_from_tiles(small_grid(cols, rows), *DATES)
    for i in failed:
        frame.loc[i, ["status", "message", "id", "backend_name"]] = ["error", OOM, f"j-{i}", "x"]
        frame.loc[i, "costs"] = 4.0
        frame.loc[i, "attempt"] = 2
    return frame


def test_quarters_are_exact_halves_in_place_of_the_parent():
    frame = failed_table()
    parent = frame.loc[1]
    new, records = split_rows(frame, [parent["tile_id"]], "2024-06-01T00:00:00Z")
    ids = list(new["tile_id"])
    q = quarter_ids(parent["tile_id"])
    assert q == [f"{parent['tile_id']}_q{k}" for k in range(4)]
    assert ids == [frame.at[0, "tile_id"], *q, frame.at[2, "tile_id"]]  # order kept
    west, south, east, north = shapely.bounds(shapely.from_wkt(parent["geometry"]))
    bounds = [tuple(shapely.bounds(shapely.from_wkt(g))) for g in new["geometry"][1:5]]
    assert bounds == [
        (west, south, west + 2500, south + 2500),  # q0 south-west
        (west + 2500, south, east, south + 2500),  # q1 south-east
        (west, south + 2500, west + 2500, north),  # q2 north-west
        (west + 2500, south + 2500, east, north),  # q3 north-east
    ]
    assert all(b[0] % 2500 == 0 and b[1] % 2500 == 0 for b in bounds)  # same snapping
    quarters = new.iloc[1:5]
    assert set(quarters["status"]) == {"not_started"}
    assert quarters["id"].isna().all()
    assert quarters["costs"].isna().all()
    assert quarters["message"].isna().all()
    assert list(quarters["attempt"]) == [1] * 4
    assert set(quarters["col"]) == {parent["col"]}
    assert set(quarters["row"]) == {parent["row"]}
    assert set(quarters["crs"]) == {parent["crs"]}
    assert set(quarters["run_tag"]) == {parent["run_tag"]}
    assert set(quarters["start_date"]) == {DATES[0]}
    lonlat = [shapely.geometry.shape(json.loads(s)) for s in quarters["spatial_extent"]]
    whole = shapely.geometry.shape(json.loads(parent["spatial_extent"]))
    assert shapely.union_all(lonlat).area == pytest.approx(whole.area, rel=1e-9)
    assert new["attempt"].dtype == frame["attempt"].dtype
    (record,) = records
    assert record.tile_id == parent["tile_id"]
    assert record.into == q
    assert (record.status, record.message, record.job_id, record.attempt, record.costs) == (
        "error",
        OOM,
        "j-1",
        2,
        4.0,
    )


def test_only_failed_grid_tiles_can_be_split():
    frame = failed_table()
    with pytest.raises(SplitError, match="is not_started: only failed tiles"):
        split_rows(frame, [frame.at[0, "tile_id"]], "now")
    with pytest.raises(SplitError, match="No tile nope"):
        split_rows(frame, ["nope"], "now")
    notebook = frame.drop(columns=["geometry"]).assign(geometry=None)
    with pytest.raises(SplitError, match="no grid geometry"):
        split_rows(notebook, [frame.at[1, "tile_id"]], "now")
    once, _ = split_rows(frame, [frame.at[1, "tile_id"]], "now")
    assert len(once) == 6
    q0 = quarter_ids(frame.at[1, "tile_id"])[0]
    once.loc[once["tile_id"] == q0, "status"] = "error"
    twice, _ = split_rows(once, [q0], "now")  # a quarter splits again
    assert f"{q0}_q3" in set(twice["tile_id"])
    assert len(twice) == 9


def test_fold_undoes_splits():
    splits = [
        {"tile_id": "A", "into": ["A_q0", "A_q1", "A_q2", "A_q3"]},
        {"tile_id": "A_q0", "into": ["A_q0_q0", "A_q0_q1", "A_q0_q2", "A_q0_q3"]},
    ]
    table = {"B", "A_q1", "A_q2", "A_q3", "A_q0_q0", "A_q0_q1", "A_q0_q2", "A_q0_q3"}
    assert fold(table, splits) == {"A", "B"}
    assert fold({"A", "B"}, splits) == {"A", "B"}


def config(url):
    return RunConfig(JobTemplate(*DATES), [BackendConfig(url, "alice", name="local")], 0.3)


def test_split_and_retry_turns_a_failed_tile_into_four_finished_ones(local_backend, tmp_path):
    from tests.cli.test_run import make_grid, run_cli

    grid_file = make_grid(tmp_path)  # 3 x 2 tiles of 5 km
    grid = gpd.read_file(grid_file)
    job_db = tmp_path / "jobs.csv"
    bad = str(grid["tile_id"].iloc[0])
    # the whole tile runs out of memory; its quarters (other titles) do not
    local_backend.knobs(error_titles={f"{bad} [": OOM})
    with RunSession.open(job_db, holder="t", config=config(local_backend.url), tiles=grid) as s:
        assert s.runner([backend(local_backend.url)]).run(threading.Event()) == {
            "error": 1,
            "finished": 5,
        }
        first_job = s.frame.loc[s.frame["tile_id"] == bad, "id"].iloc[0]
    records = split_tiles(job_db, [bad], holder="t")
    assert [r.tile_id for r in records] == [bad]
    saved = RunConfig.load(job_db)
    assert saved.splits[0]["tile_id"] == bad
    assert saved.splits[0]["job_id"] == first_job
    assert saved.splits[0]["message"] == OOM
    assert saved.splits[0]["into"] == quarter_ids(bad)
    table = JobDatabase(job_db).read()
    assert len(table) == 9
    assert bad not in set(table["tile_id"])

    # resumed with the grid the run started with (the dock's layer, a --grid file)
    with RunSession.open(job_db, holder="t", config=config(local_backend.url), tiles=grid) as s:
        assert s.runner([backend(local_backend.url)]).run(threading.Event()) == {"finished": 9}
        frame = s.frame
    quarters = frame[frame["tile_id"].str.startswith(f"{bad}_q")]
    assert len(quarters) == 4
    assert set(quarters["status"]) == {"finished"}
    assert quarters["id"].notna().all()
    assert_one_job_per_tile([local_backend], frame)
    mine = [j for j in local_backend.all_jobs() if frame["run_tag"].iloc[0] in (j["title"] or "")]
    assert len(mine) == 6 + 4  # the parent's failed job, and one per quarter
    assert frame["costs"].sum() == pytest.approx(5 * 23.0 + 4 * 23.0 / 4)

    # a grid that shows the quarters is the run's too; another grid is not
    with RunSession.open(job_db, holder="t", tiles=gpd.GeoDataFrame(frame[["tile_id"]])):
        pass
    with pytest.raises(SettingsMismatchError, match="other tiles"):
        RunSession.open(job_db, holder="t", tiles=small_grid(2, 1))

    # the CLI resumes it with the original grid file: nothing to do, not refused
    proc = run_cli("--job-db", str(job_db), "--grid", str(grid_file))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, out + err
    assert "9 tiles: finished 9" in out


def test_split_needs_failed_tiles_and_a_free_job_database(local_backend, tmp_path):
    job_db = tmp_path / "jobs.csv"
    tiles = small_grid(2, 1)
    with RunSession.open(job_db, holder="t", config=config(local_backend.url), tiles=tiles) as s:
        assert s.runner([backend(local_backend.url)]).run(threading.Event()) == {"finished": 2}
        with pytest.raises(JobDatabaseLockedError):
            split_tiles(job_db, [tiles["tile_id"].iloc[0]], holder="second")
    with pytest.raises(SplitError, match="is finished"):
        split_tiles(job_db, [tiles["tile_id"].iloc[0]], holder="t")
    assert len(JobDatabase(job_db).read()) == 2  # nothing changed
    assert RunConfig.load(job_db).splits == []


def test_open_with_split_then_retry(local_backend, tmp_path):
    job_db = tmp_path / "jobs.csv"
    tiles = small_grid(2, 1)
    a, b = map(str, tiles["tile_id"])
    local_backend.knobs(error_titles={f"{a} [": OOM, f"{b} [": "No data in extent"})
    with RunSession.open(job_db, holder="t", config=config(local_backend.url), tiles=tiles) as s:
        assert s.runner([backend(local_backend.url)]).run(threading.Event()) == {"error": 2}
    local_backend.knobs(error_titles={f"{a} [": OOM})
    with RunSession.open(job_db, holder="t", split=[a], retry_failed=True) as s:
        assert s.notes == [f"Split {a} into quarters (4 new tiles)."]
        assert list(s.frame["status"]) == ["not_started"] * 5
        assert s.frame.set_index("tile_id").at[b, "attempt"] == 2  # retried, not split
        assert s.runner([backend(local_backend.url)]).run(threading.Event()) == {"finished": 5}
