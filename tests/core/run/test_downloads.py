"""Result downloads (core/run/downloads.py) against the local back-end: complete or not at all,
never twice, and a results folder that cannot be written does not stop the run."""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import shutil
import signal
import subprocess
import threading
from dataclasses import replace

import pytest
from helpers.runs import RequestLog, backend, make_runner, small_grid, wait_until
from openeo_grid_jobs.core.jobs.database import JobDatabase
from openeo_grid_jobs.core.run.runner import GridJobRunner
from openeo_grid_jobs.core.run.scheduler import RunPolicy

from tests.cli.test_run import make_grid, run_cli

DOWNLOADS_LOGGER = "openeo_grid_jobs.core.run.downloads"


def resume(runner, url, log):
    """A new runner over the saved table, as after a restart (QGIS reopened, CLI again),
    whose requests go to ``log``."""
    return GridJobRunner(
        runner.db,
        runner.db.read(),
        runner.template,
        [backend(url, parallel=3, log=log)],
        policy=RunPolicy(poll_interval=0.3),
        output_dir=runner.output_dir,
    )


def result_requests(log):
    return [url for _, _, url in log.entries if "/results" in url]


def files_state(folder):
    return {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def finished(local_backend, tmp_path):
    """A finished 3 x 1 run with every result downloaded."""
    local_backend.knobs(job_duration=0.3)
    runner = make_runner(tmp_path, [backend(local_backend.url, parallel=3)], small_grid(3, 1))
    assert runner.run(threading.Event()) == {"finished": 3}
    assert runner.frame["result"].notna().all()
    return runner


def test_restart_does_not_download_again(finished, local_backend):
    before = files_state(finished.output_dir)
    log = RequestLog()
    again = resume(finished, local_backend.url, log)
    assert again.run(threading.Event()) == {"finished": 3}
    assert result_requests(log) == []
    assert list(again.frame["result"]) == list(finished.frame["result"])
    assert files_state(finished.output_dir) == before


def test_restart_after_a_crash_before_the_table_was_saved_takes_the_complete_folder(
    finished, local_backend
):
    """Downloaded and renamed, then a crash before the table said so: the folder holds the
    job's complete results (its job-results.json names the job), so it is not fetched
    again; a folder of another job (an earlier attempt) is replaced."""
    saved = finished.db.read()
    saved.loc[[0, 1], "result"] = None
    finished.db.save(saved)
    other = finished.output_dir / str(saved.at[1, "tile_id"]) / "job-results.json"
    other.write_text(other.read_text().replace(str(saved.at[1, "id"]), "j-an-earlier-job"))
    kept = files_state(finished.output_dir / str(saved.at[0, "tile_id"]))

    log = RequestLog()
    again = resume(finished, local_backend.url, log)
    assert again.run(threading.Event()) == {"finished": 3}
    assert list(again.frame["result"]) == list(finished.frame["result"])
    fetched = result_requests(log)
    assert all(str(saved.at[1, "id"]) in url for url in fetched)
    assert any(url.endswith("openEO.nc") for url in fetched)
    assert files_state(finished.output_dir / str(saved.at[0, "tile_id"])) == kept
    assert str(saved.at[1, "id"]) in other.read_text()


@contextlib.contextmanager
def read_only(folder):
    """``folder`` cannot be written, even by root (the tests may run as root, for whom
    permission bits do not count): mode 555, and the immutable attribute when needed."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o555)
    immutable = False
    try:
        if writable(folder) and shutil.which("chattr"):
            immutable = subprocess.run(["chattr", "+i", str(folder)], check=False).returncode == 0
        if writable(folder):
            pytest.skip("cannot make a folder read-only here (root without chattr)")
        yield folder
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)


def writable(folder) -> bool:
    probe = folder / ".probe"
    try:
        probe.mkdir()
    except OSError:
        return False
    probe.rmdir()
    return True


def test_read_only_results_folder_one_message_and_the_downloads_wait(
    local_backend, tmp_path, caplog
):
    """A folder that cannot be written: every tile final, said once, no result lost: the
    downloads wait (the run does not end without them) and land once it is writable."""
    local_backend.knobs(job_duration=0.3)
    runner = make_runner(tmp_path, [backend(local_backend.url, parallel=4)], small_grid(4, 1))
    runner.policy = replace(runner.policy, disk_retry=0.3)
    tries = []
    results = runner.results
    on_download = results.on_download
    results.on_download = lambda i, path, failure: (tries.append(i), on_download(i, path, failure))
    result: dict = {}
    thread = threading.Thread(target=lambda: result.update(runner.run(threading.Event())))
    thread.daemon = True
    with read_only(runner.output_dir), caplog.at_level(logging.INFO, logger=DOWNLOADS_LOGGER):
        thread.start()
        wait_until(lambda: len(tries) >= 12, timeout=60)  # each result tried 3 times
        assert thread.is_alive(), "the run ended without its results"
        assert set(runner.frame["status"]) == {"finished"}
        assert runner.frame["result"].isna().all()
        reason = "Permission denied" if os.geteuid() else "Operation not permitted"
        expected = f"download failed: cannot write the result in {runner.output_dir}: {reason}"
        assert set(runner.frame["message"]) == {expected}
        warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(warnings) == 1, [r.getMessage() for r in warnings]
        assert f"Cannot write results in {runner.output_dir}" in warnings[0].getMessage()
        assert "downloads wait" in warnings[0].getMessage()
        assert list(runner.output_dir.iterdir()) == []
    # writable again: the run downloads them, once each, and ends
    thread.join(60)
    assert result == {"finished": 4}
    assert runner.frame["result"].notna().all()
    assert len(list(runner.output_dir.rglob("openEO.nc"))) == 4


def limit_file_size(limit: int):
    """In the child: files larger than ``limit`` bytes cannot be written (EFBIG, as a full
    disk gives ENOSPC; Python ignores SIGXFSZ, so write() fails instead of killing it)."""

    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_full_disk_cli_one_message_no_partial_file_and_next_run_fetches(local_backend, tmp_path):
    """Result files (~550 kB each) cannot be written in full: the CLI run tracks every
    tile to the end, leaves no truncated file, says it once, and waits for the disk;
    stopped, it says what is missing, and the next run downloads the results."""
    local_backend.knobs(job_duration=0.3)
    grid, db, out = make_grid(tmp_path), tmp_path / "jobs.csv", tmp_path / "out"
    args = ["--grid", str(grid), "--job-db", str(db), "--backend", local_backend.url]
    args += ["--username", "alice", "--parallel-jobs", "3", "--output-dir", str(out)]
    args += ["--start", "2024-05-01", "--end", "2024-08-01", "--poll-interval", "0.3"]
    proc = run_cli(*args, preexec_fn=limit_file_size(200_000))
    wait_until(lambda: db.exists() and set(JobDatabase(db).read()["status"]) == {"finished"}, 120)
    proc.send_signal(signal.SIGTERM)
    stdout, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    frame = JobDatabase(db).read()
    assert set(frame["status"]) == {"finished"}
    assert frame["result"].isna().all()
    assert (stdout + err).count("Cannot write results in") == 1, err  # said once
    assert "the downloads wait" in stdout
    assert "File too large" in stdout
    assert (
        f"warning: 6 finished tile(s) have no downloaded result (download failed: cannot "
        f"write the result in {out}: File too large); run again to download them." in stdout
    )
    assert not [p for p in out.rglob("*") if p.is_file()], "a partial download was left"
    assert stdout.splitlines()[-1].startswith("6 tiles: 6 finished · ")

    again = run_cli("--job-db", str(db))
    stdout, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert JobDatabase(db).read()["result"].notna().all()
    assert len(list(out.rglob("openEO.nc"))) == 6
    assert (out / "mosaic.vrt").exists()
    assert (out / "catalog.json").exists()
