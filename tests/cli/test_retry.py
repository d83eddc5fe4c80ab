"""``run`` exit codes and ``--retry-failed`` from the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
from helpers.runs import DATES, small_grid

CLI = [str(Path(sys.executable).with_name("openeo-grid-jobs")), "run"]


def run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, OPENEO_PASSWORD="alice123")
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=180)


def test_failed_tiles_exit_3_with_reasons_then_retry_failed(local_backend, tmp_path):
    tiles = small_grid(3, 1)
    tiles.to_file(tmp_path / "grid.gpkg")
    local_backend.knobs(error_titles=[tiles.tile_id.iloc[0]])
    job_db = str(tmp_path / "jobs.csv")
    done = run(
        "--grid",
        str(tmp_path / "grid.gpkg"),
        "--job-db",
        job_db,
        "--backend",
        local_backend.url,
        "--username",
        "alice",
        "--start",
        DATES[0],
        "--end",
        DATES[1],
        "--poll-interval",
        "0.3",
    )
    assert done.returncode == 3, done.stderr
    assert "1 tile(s) failed:" in done.stdout
    assert "1 × Simulated failure" in done.stdout
    local_backend.knobs(error_titles=[])
    before = len(local_backend.all_jobs())
    again = run("--job-db", job_db, "--retry-failed")
    assert again.returncode == 0, again.stderr
    saved = pd.read_csv(job_db)
    assert set(saved["status"]) == {"finished"}
    assert len(local_backend.all_jobs()) == before + 1  # only the failed tile again
    assert saved.loc[0, "attempt"] == 2
