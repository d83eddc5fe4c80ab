"""``openeo-grid-jobs run`` against the local back-end: run, interrupt, resume."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time

from helpers.cli import COMMAND, run_cli
from helpers.rasters import bounds, union
from openeo_grid_jobs.core.jobs.database import JobDatabase

TEMPLATE = ["--start", "2024-05-01", "--end", "2024-08-01", "--poll-interval", "0.3"]


def make_grid(tmp_path, tiles_across=3):
    out = tmp_path / "grid.gpkg"
    east = 595000 + tiles_across * 5000
    subprocess.run(
        [
            COMMAND,
            "grid",
            "--bbox",
            "595000",
            "5660000",
            str(east),
            "5670000",
            "--crs",
            "EPSG:32631",
            "--tile-size",
            "5000",
            "--out",
            str(out),
        ],
        check=True,
    )
    return out


def test_run_to_the_end(local_backend, tmp_path):
    grid = make_grid(tmp_path)
    proc = run_cli(
        "--grid",
        str(grid),
        "--job-db",
        str(tmp_path / "jobs.parquet"),
        "--backend",
        local_backend.url,
        "--username",
        "alice",
        "--parallel-jobs",
        "3",
        "--output-dir",
        str(tmp_path / "out"),
        *TEMPLATE,
    )
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    lines = out.splitlines()
    assert "6 tiles: finished 6" in lines[-3]
    assert lines[-2] == f"Wrote mosaic {tmp_path / 'out' / 'mosaic.vrt'} and STAC catalog " + str(
        tmp_path / "out" / "catalog.json"
    )
    assert re.fullmatch(
        r"6 tiles: 6 finished · \d+ s · 138 credits · 0.003 CPU-hours · 0.007 GB-hours · 3.3 MB",
        lines[-1],
    ), lines
    frame = JobDatabase(tmp_path / "jobs.parquet").read()
    assert set(frame["status"]) == {"finished"}
    assert len(list((tmp_path / "out").rglob("openEO.nc"))) == 6
    assert "alice123" not in (tmp_path / "jobs.parquet.run.json").read_text()


def test_service_account_from_the_environment(local_backend, oidc_provider, tmp_path):
    """Client id and secret from the openeo client's variables; never saved."""
    from helpers.fake_oidc import SERVICE_CLIENT, SERVICE_SECRET

    args = ["--grid", str(make_grid(tmp_path, 1)), "--job-db", str(tmp_path / "jobs.csv")]
    args += ["--backend", local_backend.url, "--auth", "client-credentials", *TEMPLATE]
    proc = run_cli(*args, password=None)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "OPENEO_AUTH_CLIENT_ID" in err
    env = {"OPENEO_AUTH_CLIENT_ID": SERVICE_CLIENT, "OPENEO_AUTH_CLIENT_SECRET": SERVICE_SECRET}
    proc = run_cli(*args, password=None, env_extra=env)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "2 tiles: finished 2" in out.splitlines()[-2]
    assert out.splitlines()[-1].startswith("2 tiles: 2 finished · ")
    settings = (tmp_path / "jobs.csv.run.json").read_text()
    assert '"auth_method": "oidc_client_credentials"' in settings
    assert SERVICE_SECRET not in settings


def run_titles(local_backend, frame) -> int:
    """How many jobs of this run the back-end has, checking that no title repeats."""
    tag = frame["run_tag"][0]
    titles = [j["title"] for j in local_backend.all_jobs() if tag in (j["title"] or "")]
    assert len(titles) == len(set(titles)), "a tile was submitted twice"
    return len(titles)


def start_run_until(local_backend, grid, db, *statuses):
    """Start a 2-parallel run in a child process; return once a tile has one of
    ``statuses`` in the job database (saved at most once a second mid-run)."""
    proc = run_cli(
        "--grid",
        str(grid),
        "--job-db",
        str(db),
        "--backend",
        local_backend.url,
        "--username",
        "alice",
        "--parallel-jobs",
        "2",
        *TEMPLATE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if db.exists() and set(statuses) & set(JobDatabase(db).read()["status"]):
            return proc
        time.sleep(0.02)
    raise AssertionError(f"no tile reached {' or '.join(statuses)}")


def test_sigterm_stops_quickly_and_resume_finishes_without_duplicates(local_backend, tmp_path):
    local_backend.knobs(job_duration=2.0)
    grid = make_grid(tmp_path, tiles_across=4)
    db = tmp_path / "jobs.csv"
    proc = start_run_until(local_backend, grid, db, "running")
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=10)
    assert time.monotonic() - t0 < 2.0
    assert proc.returncode == 128 + signal.SIGTERM
    assert "resume with" in out
    frame = JobDatabase(db).read()
    assert "not_started" in set(frame["status"])

    resumed = run_cli("--job-db", str(db))
    out, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    frame = JobDatabase(db).read()
    assert set(frame["status"]) == {"finished"}
    assert run_titles(local_backend, frame) == 8


def test_killed_mid_run_resumes_without_duplicates(local_backend, tmp_path):
    local_backend.knobs(job_duration=1.5)
    grid = make_grid(tmp_path)
    db = tmp_path / "jobs.csv"
    proc = start_run_until(local_backend, grid, db, "queued", "running")  # jobs are out
    proc.kill()  # no chance to clean up: like QGIS being killed
    proc.communicate()
    resumed = run_cli("--job-db", str(db))
    _, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    frame = JobDatabase(db).read()
    assert set(frame["status"]) == {"finished"}
    assert run_titles(local_backend, frame) == 6


def test_missing_password_and_bad_input(local_backend, tmp_path):
    grid = make_grid(tmp_path)
    args = [
        "--grid",
        str(grid),
        "--job-db",
        str(tmp_path / "j.csv"),
        "--backend",
        local_backend.url,
        "--username",
        "alice",
        *TEMPLATE,
    ]
    proc = run_cli(*args, password=None)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "No password" in err
    assert "Traceback" not in err
    proc = run_cli("--job-db", str(tmp_path / "none.csv"))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "give --grid" in err
    assert not (tmp_path / "j.csv").exists(), "nothing is written before the input is checked"
    args[3] = str(tmp_path / "k.csv")
    bad = run_cli(*args[:-6], "--start", "2024-08-01", "--end", "2024-05-01")
    _, err = bad.communicate(timeout=60)
    assert bad.returncode == 2
    assert "must be after" in err


def test_stopped_run_writes_mosaic_catalog_and_summary(local_backend, tmp_path, monkeypatch):
    """SIGTERM after the first results: the mosaic and the STAC catalog cover the tiles
    downloaded so far, and the last line is the run summary; the resumed run completes
    them."""
    from helpers.stac_validation import offline_validation
    from osgeo import gdal

    local_backend.knobs(job_duration=1.0)
    grid, db, out = make_grid(tmp_path, tiles_across=4), tmp_path / "jobs.csv", tmp_path / "out"
    args = ["--grid", str(grid), "--job-db", str(db), "--backend", local_backend.url]
    args += ["--username", "alice", "--parallel-jobs", "2", "--output-dir", str(out), *TEMPLATE]
    proc = run_cli(*args)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if db.exists() and JobDatabase(db).read()["result"].notna().any():
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    stdout, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM, err
    frame = JobDatabase(db).read()
    done = frame[frame["result"].notna()]
    assert 1 <= len(done) < 8
    # a tile can be finished with its download still under way when the signal comes
    finished = int((frame["status"] == "finished").sum())
    assert len(done) <= finished
    summary = stdout.splitlines()[-1]
    assert re.fullmatch(
        rf"8 tiles: {finished} finished, .* · \d+ s · .+ credits · .+ (kB|MB)", summary
    )
    assert "waiting" in summary or "running" in summary or "queued" in summary
    assert "stopped; resume with" in stdout

    mosaic = gdal.Open(str(out / "mosaic.vrt"))
    assert bounds(mosaic) == union([bounds(gdal.Open(r)) for r in done["result"]])
    with offline_validation(monkeypatch):
        import pystac

        catalog = pystac.Catalog.from_file(str(out / "catalog.json"))
        assert catalog.validate_all() == len(done)

    resumed = run_cli("--job-db", str(db))
    stdout, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    assert stdout.splitlines()[-1].startswith("8 tiles: 8 finished · ")
    mosaic = gdal.Open(str(out / "mosaic.vrt"))
    assert (mosaic.RasterXSize, mosaic.RasterYSize) == (4 * 500, 2 * 500)
    catalog = json.loads((out / "catalog.json").read_text())
    assert sum(link["rel"] == "item" for link in catalog["links"]) == 8
