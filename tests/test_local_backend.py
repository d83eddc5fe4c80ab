"""The local openEO back-end, exercised with the plain openeo client over HTTP."""

from __future__ import annotations

import time

import openeo
import pytest
from openeo.rest import OpenEoApiError
from osgeo import gdal

from devtools.local_backend.launcher import LocalBackend

gdal.UseExceptions()

# A 5 km tile of the seed notebook's Antwerp grid, in UTM 31N.
TILE = {"west": 595000, "south": 5660000, "east": 600000, "north": 5665000, "crs": 32631}
DATES = ["2024-05-01", "2024-08-01"]


def seed_job(
    connection,
    *,
    title="tile 0",
    fmt="NetCDF",
    collection="SENTINEL2_L2A",
    extent=None,
    bands=("B04", "B08"),
):
    """The seed notebook's job: NDVI of B04/B08, mean over time."""
    cube = connection.load_collection(
        collection,
        spatial_extent=extent or TILE,
        temporal_extent=DATES,
        bands=list(bands),
        fetch_metadata=False,
    )
    return cube.ndvi().mean_time().create_job(title=title, out_format=fmt)


def wait_for(job, statuses, timeout=20.0) -> list[str]:
    """Poll ``job`` until its status is one of ``statuses``; return the statuses seen."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = job.status()
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in statuses:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"job stuck, statuses seen: {seen}")


def test_capabilities_and_basic_auth(local_backend):
    con = openeo.connect(local_backend.url)
    assert con.capabilities().api_version() == "1.2.0"
    con.authenticate_basic("alice", "alice123")
    assert con.describe_account()["user_id"] == "alice"


def test_wrong_password_is_refused(local_backend):
    con = openeo.connect(local_backend.url)
    with pytest.raises(OpenEoApiError) as info:
        con.authenticate_basic("alice", "wrong")
    assert info.value.http_status_code in (401, 403)


def test_sentinel2_collection_with_red_and_nir(connection):
    assert "SENTINEL2_L2A" in connection.list_collection_ids()
    bands = connection.describe_collection("SENTINEL2_L2A")["cube:dimensions"]["bands"]["values"]
    assert {"B04", "B08"} <= set(bands)
    assert "netCDF" in connection.list_output_formats()
    assert "GTiff" in connection.list_output_formats()


def test_seed_job_runs_and_result_matches_tile(connection, tmp_path):
    job = seed_job(connection)
    assert job.status() == "created"
    job.start()
    seen = wait_for(job, {"finished", "error"})
    assert seen[-1] == "finished", job.logs()
    assert "running" in seen
    paths = job.get_results().download_files(tmp_path)
    (nc,) = [p for p in paths if p.suffix == ".nc"]
    ds = gdal.Open(f"NETCDF:{nc}:NDVI")
    x0, dx, _, y0, _, dy = ds.GetGeoTransform()
    bounds = (x0, y0 + dy * ds.RasterYSize, x0 + dx * ds.RasterXSize, y0)
    assert bounds == pytest.approx((595000, 5660000, 600000, 5665000))
    assert ds.GetSpatialRef().GetAuthorityCode(None) == "32631"
    stats = ds.GetRasterBand(1).ComputeStatistics(False)
    assert -1 <= stats[0] < stats[1] <= 1  # NDVI range, not constant


def test_gtiff_from_geojson_polygon_extent(connection, tmp_path):
    """The seed sends tiles as GeoJSON polygons in lon/lat."""
    polygon = {
        "type": "Polygon",
        "coordinates": [
            [[4.40, 51.10], [4.45, 51.10], [4.45, 51.13], [4.40, 51.13], [4.40, 51.10]]
        ],
    }
    job = seed_job(connection, fmt="GTiff", extent=polygon)
    job.start()
    assert wait_for(job, {"finished", "error"})[-1] == "finished"
    (tif,) = [p for p in job.get_results().download_files(tmp_path) if p.suffix == ".tif"]
    ds = gdal.Open(str(tif))
    x0, dx, _, y0, _, dy = ds.GetGeoTransform()
    assert (x0, y0) == pytest.approx((4.40, 51.13))
    assert (x0 + dx * ds.RasterXSize, y0 + dy * ds.RasterYSize) == pytest.approx((4.45, 51.10))
    assert ds.GetSpatialRef().GetAuthorityCode(None) == "4326"


def test_unknown_collection_ends_in_error_with_log(connection):
    job = seed_job(connection, collection="NO_SUCH_COLLECTION")
    job.start()
    assert wait_for(job, {"finished", "error"})[-1] == "error"
    messages = [entry.message for entry in job.logs(level="error")]
    assert any("NO_SUCH_COLLECTION" in m and "does not exist" in m for m in messages)


def test_unknown_band_ends_in_error(connection):
    job = seed_job(connection, bands=("B04", "B99"))
    job.start()
    assert wait_for(job, {"finished", "error"})[-1] == "error"
    assert any("B99" in entry.message for entry in job.logs(level="error"))


def test_error_knob_by_title(local_backend, connection):
    local_backend.knobs(error_titles=["tile 7"])
    bad, good = seed_job(connection, title="tile 7"), seed_job(connection, title="tile 8")
    bad.start()
    good.start()
    assert wait_for(bad, {"finished", "error"})[-1] == "error"
    assert wait_for(good, {"finished", "error"})[-1] == "finished"


def test_cancel(local_backend, connection):
    local_backend.knobs(job_duration=60)
    job = seed_job(connection)
    job.start()
    wait_for(job, {"running"})
    job.stop()
    assert job.status() == "canceled"
    time.sleep(0.3)
    assert job.status() == "canceled"


def test_delete(connection):
    job = seed_job(connection)
    job.delete()
    assert job.job_id not in [j["id"] for j in connection.list_jobs()]


def test_running_limit_keeps_extra_jobs_queued(local_backend, connection):
    local_backend.knobs(max_running=2, job_duration=1.0)
    jobs = [seed_job(connection, title=f"tile {i}") for i in range(4)]
    for job in jobs:
        job.start()
    most_running, saw_queued_while_full = 0, False
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        statuses = [j.status() for j in jobs]
        most_running = max(most_running, statuses.count("running"))
        if statuses.count("running") == 2 and "queued" in statuses:
            saw_queued_while_full = True
        if all(s == "finished" for s in statuses):
            break
        time.sleep(0.05)
    assert most_running == 2
    assert saw_queued_while_full
    assert [j.status() for j in jobs] == ["finished"] * 4


def test_restart_keeps_jobs_when_state_is_on_disk(tmp_path):
    state = tmp_path / "state"
    with LocalBackend(state_dir=state, job_duration=0.5) as first:
        con = openeo.connect(first.url).authenticate_basic("alice", "alice123")
        done, running = seed_job(con, title="done"), seed_job(con, title="still running")
        done.start()
        wait_for(done, {"finished"})
        first.knobs(job_duration=3)
        running.start()
        wait_for(running, {"running"})
    with LocalBackend(state_dir=state) as second:
        con = openeo.connect(second.url).authenticate_basic("alice", "alice123")
        ids = {j["id"] for j in con.list_jobs()}
        assert {done.job_id, running.job_id} <= ids
        assert con.job(done.job_id).status() == "finished"
        assert con.job(done.job_id).get_results().download_files(tmp_path / "out")
        # The job that was running when the back-end stopped goes on and finishes.
        assert wait_for(con.job(running.job_id), {"finished", "error"})[-1] == "finished"


def test_state_on_disk_survives_concurrent_creates(tmp_path):
    """Found by the demo: simultaneous writes of the state file collided (HTTP 500)."""
    from concurrent.futures import ThreadPoolExecutor

    with LocalBackend(state_dir=tmp_path / "state") as backend:
        con = openeo.connect(backend.url).authenticate_basic("alice", "alice123")
        with ThreadPoolExecutor(8) as pool:
            jobs = list(pool.map(lambda i: seed_job(con, title=f"t{i}"), range(40)))
        assert len({j.job_id for j in jobs}) == 40


def test_error_fraction_knob(local_backend, connection):
    local_backend.knobs(error_fraction=1.0)
    job = seed_job(connection)
    job.start()
    assert wait_for(job, {"finished", "error"})[-1] == "error"
    assert any("Simulated failure" in entry.message for entry in job.logs(level="error"))


def test_unknown_knob_is_refused(local_backend):
    with pytest.raises(Exception, match="400"):
        local_backend.knobs(no_such_knob=1)


def test_request_counter(local_backend, connection):
    before = local_backend.requests_served()
    connection.list_jobs()
    connection.list_jobs()
    assert local_backend.requests_served() == before + 2
