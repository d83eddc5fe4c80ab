"""The local openEO back-end, exercised with the plain openeo client over HTTP."""

from __future__ import annotations

import time
import urllib.error

import openeo
import pytest
import requests
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


def login(local_backend, user: str) -> openeo.Connection:
    """A connection of another basic-auth user (name starting with a vowel: <name>123),
    so that tests seeding many jobs leave alice's listing alone."""
    return openeo.connect(local_backend.url).authenticate_basic(user, f"{user}123")


def get_json(con: openeo.Connection, url: str) -> dict:
    answer = requests.get(url, headers={"Authorization": f"Bearer {con.auth.bearer}"}, timeout=10)
    answer.raise_for_status()
    return answer.json()


def test_job_listing_pages_with_next_links(local_backend):
    ids = local_backend.seed_jobs(250, user_id="olga", title_prefix="page test")
    con = login(local_backend, "olga")
    first = con.list_jobs(limit=100)
    assert [j["id"] for j in first] == ids[:100]  # newest first
    (link,) = first.links
    assert link.rel == "next"
    assert link.href == f"{local_backend.url}/openeo/1.2/jobs?limit=100&page=1"
    seen, pages, url = [j["id"] for j in first], 1, link.href
    while url:
        page = get_json(con, url)
        seen += [j["id"] for j in page["jobs"]]
        pages += 1
        url = next((li["href"] for li in page["links"] if li["rel"] == "next"), None)
    assert pages == 3
    assert seen == ids
    assert [j["id"] for j in con.list_jobs(limit=None)] == ids  # no limit: all, no link
    assert con.list_jobs(limit=None).links == []
    assert con.list_jobs(limit=250).links == []


def test_job_listing_page_cap_knob(local_backend):
    ids = local_backend.seed_jobs(30, user_id="ulla")
    con = login(local_backend, "ulla")
    local_backend.knobs(max_page_size=20)
    try:
        capped = con.list_jobs(limit=None)
        assert [j["id"] for j in capped] == ids[:20]
        assert capped.links[0].href.endswith("/jobs?limit=20&page=1")
        assert len(get_json(con, capped.links[0].href)["jobs"]) == 10
    finally:
        local_backend.knobs(max_page_size=0)


def test_job_listing_refuses_a_bad_page(local_backend):
    con = login(local_backend, "olga")
    answer = requests.get(
        f"{local_backend.url}/openeo/1.2/jobs?limit=5&page=-1",
        headers={"Authorization": f"Bearer {con.auth.bearer}"},
        timeout=10,
    )
    assert answer.status_code == 400


def test_seed_jobs(local_backend, tmp_path):
    started = time.monotonic()
    ids = local_backend.seed_jobs(1200, user_id="ida", title_prefix="old job")
    assert time.monotonic() - started < 5
    assert len(set(ids)) == 1200
    con = login(local_backend, "ida")
    listing = con.list_jobs(limit=None)
    assert len(listing) == 1200
    assert listing[0]["title"] == "old job 0"
    assert {j["status"] for j in listing} == {"finished"}
    assert listing[0]["created"] < listing[0]["updated"]
    job = con.job(ids[5])
    assert job.describe()["costs"] == 23.0  # a 5 km tile from May to August
    paths = job.get_results().download_files(tmp_path)  # written on first request
    (tif,) = [p for p in paths if p.suffix == ".tif"]
    assert gdal.Open(str(tif)).GetSpatialRef().GetAuthorityCode(None) == "32631"

    errors = local_backend.seed_jobs(2, user_id="ida", status="error", title_prefix="bad")
    assert con.job(errors[0]).status() == "error"
    assert any("Simulated failure" in e.message for e in con.job(errors[0]).logs(level="error"))
    with pytest.raises(urllib.error.HTTPError, match="400"):
        local_backend.seed_jobs(1, status="exploded")


def test_seeded_created_jobs_run_when_started(local_backend):
    (job_id,) = local_backend.seed_jobs(1, user_id="ida", status="created")
    job = login(local_backend, "ida").job(job_id)
    job.start()
    assert wait_for(job, {"finished", "error"})[-1] == "finished"


def test_delete_job_directly(local_backend, connection):
    job = seed_job(connection, title="deleted elsewhere")
    local_backend.delete_job_directly(job.job_id)
    assert job.job_id not in {j["id"] for j in local_backend.all_jobs()}
    with pytest.raises(OpenEoApiError) as info:
        job.describe()
    assert info.value.http_status_code == 404
    assert info.value.code == "JobNotFound"
    with pytest.raises(urllib.error.HTTPError, match="404"):
        local_backend.delete_job_directly(job.job_id)


def test_revoked_basic_tokens_get_401_until_the_next_login(local_backend):
    con = login(local_backend, "ugo")
    other = login(local_backend, "ugo")
    old_bearer = con.auth.bearer
    assert con.describe_account()["user_id"] == "ugo"
    local_backend.revoke_basic_tokens("ugo")
    for c in (con, other):
        with pytest.raises(OpenEoApiError) as info:
            c.describe_account()
        assert info.value.http_status_code == 401
        assert info.value.code == "TokenInvalid"
    con.authenticate_basic("ugo", "ugo123")
    assert con.auth.bearer != old_bearer
    assert con.describe_account()["user_id"] == "ugo"
    assert login(local_backend, "ida").describe_account()["user_id"] == "ida"  # others unharmed


def test_costs_once_finished(connection):
    job = seed_job(connection)
    assert "costs" not in job.describe()
    job.start()
    assert wait_for(job, {"finished", "error"})[-1] == "finished"
    # 5 km x 5 km, 2024-05-01 to 2024-08-01 (92 days), 0.01 per km² per day
    assert job.describe()["costs"] == 23.0
    listed = {j["id"]: j for j in connection.list_jobs(limit=None)}
    assert listed[job.job_id]["costs"] == 23.0


def test_progress_grows_while_running_and_is_100_once_finished(local_backend, connection):
    local_backend.knobs(job_duration=2.0)
    job = seed_job(connection)
    assert job.describe()["progress"] == 0  # created
    job.start()
    wait_for(job, {"running"})
    seen: list[float] = []
    while (info := job.describe())["status"] == "running":
        seen.append(info["progress"])
        time.sleep(0.1)
    assert info["status"] == "finished"
    assert info["progress"] == 100
    assert any(0 < p < 99 for p in seen), seen
    assert seen == sorted(seen)
    assert max(seen) <= 99


def test_usage_once_ended_in_the_job_not_the_listing(local_backend, connection):
    local_backend.knobs(job_duration=2.0, error_titles=["tile 9"])
    good, bad = seed_job(connection), seed_job(connection, title="tile 9")
    assert "usage" not in good.describe()
    good.start()
    bad.start()
    assert wait_for(good, {"finished", "error"})[-1] == "finished"
    assert wait_for(bad, {"finished", "error"})[-1] == "error"
    usage = good.describe()["usage"]
    assert usage["cpu"] == {"value": 4, "unit": "cpu-seconds"}
    assert usage["memory"] == {"value": 8192, "unit": "mb-seconds"}
    assert usage["duration"]["unit"] == "seconds"
    assert usage["duration"]["value"] in (2, 3)  # the job's real time, whole seconds
    assert usage["network"]["unit"] == "kb"
    assert usage["network"]["value"] > 0
    assert bad.describe()["usage"]["cpu"]["value"] == 4  # a failed job used resources too
    listed = {j["id"]: j for j in connection.list_jobs(limit=None)}
    assert "usage" not in listed[good.job_id]


def test_queue_cap_refuses_a_start_while_full(local_backend, connection):
    local_backend.knobs(max_queued=2, queue_time=60)
    jobs = [seed_job(connection, title=f"tile {i}") for i in range(3)]
    jobs[0].start()
    jobs[1].start()
    with pytest.raises(OpenEoApiError) as info:
        jobs[2].start()
    assert (info.value.http_status_code, info.value.code) == (400, "TooManyQueuedJobs")
    assert [j.status() for j in jobs] == ["queued", "queued", "created"]
    jobs[0].stop()
    jobs[2].start()  # room in the queue again
    assert jobs[2].status() == "queued"


def test_a_job_can_hang_in_created_after_an_accepted_start(local_backend, connection):
    local_backend.knobs(hang_created_titles=["tile 3"])
    stuck, other = seed_job(connection, title="tile 3"), seed_job(connection, title="tile 4")
    stuck.start()  # accepted
    other.start()
    assert wait_for(other, {"finished", "error"})[-1] == "finished"
    assert stuck.status() == "created"  # past queue time and duration, never moved
    stuck.stop()
    assert stuck.status() == "canceled"


def test_a_job_can_hang_in_running_for_ever(local_backend, connection):
    local_backend.knobs(job_duration=0.3, hang_running_titles=["tile 5"])
    stuck, other = seed_job(connection, title="tile 5"), seed_job(connection, title="tile 6")
    stuck.start()
    other.start()
    wait_for(stuck, {"running"})
    assert wait_for(other, {"finished", "error"})[-1] == "finished"
    while stuck.describe()["progress"] < 99:  # past its duration: progress stops short
        time.sleep(0.05)
    assert stuck.describe()["status"] == "running"
    stuck.stop()
    assert stuck.status() == "canceled"


@pytest.mark.parametrize("keep_alive", [False, True], ids=["werkzeug", "keep-alive"])
def test_keep_alive_serves_many_requests_on_one_connection(keep_alive):
    """The benchmarks' server (``--keep-alive``) answers a session's calls on one TCP
    connection, as real back-ends do; the default one closes it after each answer."""
    import http.client
    from urllib.parse import urlsplit

    with LocalBackend(keep_alive=keep_alive) as backend:
        connection = http.client.HTTPConnection(urlsplit(backend.url).netloc, timeout=10)
        answers = []
        for _ in range(3):
            connection.request("GET", "/_local/knobs")
            response = connection.getresponse()
            response.read()
            answers.append((response.status, response.getheader("Connection")))
            if response.getheader("Connection") == "close":
                connection.close()  # http.client opens a new one for the next request
        connection.close()
        # the full client over it: a login and a job, as the engine makes them
        con = openeo.connect(backend.url).authenticate_basic("alice", "alice123")
        job = seed_job(con)
        job.start()
        assert wait_for(job, {"finished", "error"})[-1] == "finished"
    assert [status for status, _ in answers] == [200] * 3
    closed = [header == "close" for _, header in answers]
    assert closed == [not keep_alive] * 3
