"""``openeo-grid-jobs run --units FILE --id-field NAME --windows SPEC`` against the local
back-end: one job per (unit, window), checked in the back-end's own job list."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

import geopandas as gpd
import pytest
import shapely
from helpers.cli import run_cli
from helpers.rasters import bounds, union
from helpers.stac_validation import offline_validation
from helpers.units import FIELDS, fields, load_collection_args, run_jobs
from openeo_grid_jobs.cli.main import main
from openeo_grid_jobs.core.jobs.database import JobDatabase

MONTHS = "2024-01-01/2024-04-01/P1M"
WINDOWS = [("2024-01-01", "2024-02-01"), ("2024-02-01", "2024-03-01"), ("2024-03-01", "2024-04-01")]
FOUR = ["F-01", "F-02", "F-03", "F-05"]


@pytest.fixture(autouse=True)
def _password(monkeypatch):
    """For the command run in this process (a child gets it from ``run_cli``)."""
    monkeypatch.setenv("OPENEO_PASSWORD", "alice123")


def units_file(tmp_path, ids=None, name="fields.gpkg"):
    path = tmp_path / name
    units = fields(ids=ids)
    if ids is None:
        units = units[units["field_id"].isin(FOUR)]
    units.to_file(path, engine="pyogrio")
    return path


def args(tmp_path, url, units, *extra):
    return [
        "--units",
        str(units),
        "--id-field",
        "field_id",
        "--job-db",
        str(tmp_path / "jobs.csv"),
        "--backend",
        url,
        "--username",
        "alice",
        "--parallel-jobs",
        "3",
        "--poll-interval",
        "0.3",
        *extra,
    ]


def assert_jobs_match_rows(connection, frame, windows=True):
    """Each row has one job on the back-end (its listing, by the run's titles); each job
    was asked for its unit's bbox and its row's window."""
    jobs = run_jobs(connection, frame["run_tag"][0])
    titles = Counter(j["title"] for j in jobs.values())
    assert len(jobs) == len(frame)
    assert set(titles.values()) == {1}
    by_id = {j["id"]: j for j in jobs.values()}
    asked = set()
    for row in frame.itertuples():
        assert f" {row.tile_id} [" in by_id[row.id]["title"]
        sent = load_collection_args(connection, row.id)
        unit = row.unit_id if windows else row.tile_id
        west, south, east, north = FIELDS[unit].bounds
        assert sent["spatial_extent"] == {
            "west": west,
            "south": south,
            "east": east,
            "north": north,
            "crs": 32631,
        }
        asked.add((unit, tuple(sent["temporal_extent"])))
    return asked


def test_four_units_three_months_twelve_jobs_and_results(
    local_backend, connection, tmp_path, monkeypatch
):
    units = units_file(tmp_path)
    out_dir = tmp_path / "out"
    given = args(
        tmp_path, local_backend.url, units, "--windows", MONTHS, "--output-dir", str(out_dir)
    )
    proc = run_cli(*given)
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    assert "12 jobs: finished 12" in out  # the rows are (unit, window) jobs, not tiles
    assert out.splitlines()[-1].startswith("12 jobs: 12 finished · ")
    frame = JobDatabase(tmp_path / "jobs.csv").read()
    assert len(frame) == 12
    assert set(frame["status"]) == {"finished"}
    asked = assert_jobs_match_rows(connection, frame)
    assert asked == {(u, w) for u in FOUR for w in WINDOWS}
    for row in frame.itertuples():  # 12 results, each in its row's own folder
        assert (out_dir / row.tile_id / row.result.split("/")[-1]).is_file(), row.result
    assert_window_mosaics_and_catalog(out_dir, frame, monkeypatch)
    assert out.splitlines()[-2].startswith("Wrote 3 mosaics, one per time window")


def assert_window_mosaics_and_catalog(out_dir, frame, monkeypatch):
    """One mosaic per window over that window's results only; a STAC item per (unit,
    window) with the window's dates, the catalog valid under pystac."""
    from osgeo import gdal

    assert not (out_dir / "mosaic.vrt").exists()
    for start, end in WINDOWS:
        window = f"{start}_{end}"
        mosaic = gdal.Open(str(out_dir / f"mosaic_{window}.vrt"))
        rows = frame[frame["window"] == window]
        assert bounds(mosaic) == union([bounds(gdal.Open(r)) for r in rows["result"]])
        assert len(mosaic.GetFileList()) == 1 + len(rows)  # the VRT and its 4 tiles
    with offline_validation(monkeypatch):
        import pystac

        catalog = pystac.Catalog.from_file(str(out_dir / "catalog.json"))
        assert catalog.validate_all() == 12
        items = list(catalog.get_items())
    seen = set()
    for item in items:
        window = item.properties["window"]
        start, end = window.split("_")
        midnight = dt.datetime.fromisoformat(f"{start}T00:00:00+00:00")
        assert item.common_metadata.start_datetime == midnight
        last_second = dt.datetime.fromisoformat(f"{end}T00:00:00+00:00") - dt.timedelta(seconds=1)
        assert item.common_metadata.end_datetime == last_second  # STAC's end is inclusive
        seen.add((item.properties["unit_id"], window))
    assert seen == {(u, f"{s}_{e}") for u in FOUR for s, e in WINDOWS}


def test_five_fields_five_jobs_whose_extents_match(local_backend, connection, tmp_path):
    units = units_file(tmp_path, ids=list(FIELDS), name="fields.shp")
    assert (
        main(
            [
                "run",
                *args(
                    tmp_path,
                    local_backend.url,
                    units,
                    "--start",
                    "2024-05-01",
                    "--end",
                    "2024-08-01",
                ),
            ]
        )
        == 0
    )
    frame = JobDatabase(tmp_path / "jobs.csv").read()
    asked = assert_jobs_match_rows(connection, frame, windows=False)
    assert asked == {(u, ("2024-05-01", "2024-08-01")) for u in FIELDS}


def test_per_unit_dates_from_the_units_own_columns(local_backend, connection, tmp_path):
    path = tmp_path / "dated.gpkg"
    starts = ["2024-03-01", "2024-04-01", "2024-05-01", "2024-06-01", "2024-07-01"]
    ends = ["2024-06-01", "2024-07-01", "2024-08-01", "2024-09-01", "2024-10-01"]
    fields(start_date=starts, end_date=ends).to_file(path, engine="pyogrio")
    assert main(["run", *args(tmp_path, local_backend.url, path)]) == 0
    frame = JobDatabase(tmp_path / "jobs.csv").read()
    asked = assert_jobs_match_rows(connection, frame, windows=False)
    assert asked == {(u, (s, e)) for u, s, e in zip(FIELDS, starts, ends)}


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("duplicate", "duplicate ids: 'F-02'"),
        ("no id field", "--units needs --id-field"),
        ("unknown field", "no field 'name'"),
        ("bad step", "Step 'P1Q'"),
        ("windows and dates", "Give --windows or --start/--end, not both"),
        ("grid and units", "Give --grid or --units, not both"),
    ],
)
def test_bad_units_and_windows_one_line_exit_2(local_backend, tmp_path, capsys, case, message):
    ids = ["F-01", "F-02", "F-03", "F-02", "F-05"] if case == "duplicate" else None
    units = units_file(tmp_path, ids=ids)
    given = args(tmp_path, local_backend.url, units, "--windows", MONTHS)
    if case == "no id field":
        given = given[:2] + given[4:]
    if case == "unknown field":
        given[3] = "name"
    if case == "bad step":
        given[-1] = "2024-01-01/2025-01-01/P1Q"
    if case == "windows and dates":
        given += ["--start", "2024-01-01"]
    if case == "grid and units":
        given += ["--grid", str(units)]
    jobs_before = len(local_backend.all_jobs())
    capsys.readouterr()
    assert main(["run", *given]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert message in lines[0]
    assert not (tmp_path / "jobs.csv").exists()
    assert len(local_backend.all_jobs()) == jobs_before


def test_killed_mid_run_resumes_with_one_job_per_row(local_backend, connection, tmp_path):
    local_backend.knobs(job_duration=1.5)
    units = units_file(tmp_path)
    db = tmp_path / "jobs.csv"
    proc = run_cli(*args(tmp_path, local_backend.url, units, "--windows", MONTHS))
    deadline = time.monotonic() + 60
    while not (db.exists() and {"queued", "running"} & set(JobDatabase(db).read()["status"])):
        assert time.monotonic() < deadline, "no job went out"
        time.sleep(0.05)
    proc.kill()  # SIGKILL: no chance to save or clean up
    proc.communicate()
    assert "not_started" in set(JobDatabase(db).read()["status"])
    resumed = run_cli("--job-db", str(db))
    _, err = resumed.communicate(timeout=180)
    assert resumed.returncode == 0, err
    frame = JobDatabase(db).read()
    assert set(frame["status"]) == {"finished"}
    asked = assert_jobs_match_rows(connection, frame)
    assert asked == {(u, w) for u in FOUR for w in WINDOWS}


def test_units_in_lon_lat_sent_as_geojson(local_backend, connection, tmp_path):
    path = tmp_path / "fields.geojson"
    fields().to_crs(4326).to_file(path, engine="pyogrio")
    assert (
        main(
            [
                "run",
                *args(
                    tmp_path,
                    local_backend.url,
                    path,
                    "--windows",
                    "2024-01-01/2024-03-01",
                    "--extent",
                    "geojson",
                ),
            ]
        )
        == 0
    )
    frame = JobDatabase(tmp_path / "jobs.csv").read()
    lonlat = gpd.read_file(path).set_index("field_id").geometry
    for row in frame.itertuples():
        sent = load_collection_args(connection, row.id)
        assert shapely.geometry.shape(sent["spatial_extent"]).equals_exact(
            lonlat[row.unit_id], 1e-9
        )
        assert sent["temporal_extent"] == ["2024-01-01", "2024-03-01"]
