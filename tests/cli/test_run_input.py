"""Bad input to ``openeo-grid-jobs run``: one line, exit 2, nothing written or submitted.

Rows over the template, the connection, the job database and the options; the grid
command has its own table in test_cli_grid.py.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from helpers.runs import DATES, small_grid
from openeo_grid_jobs.cli.main import main
from openeo_grid_jobs.core.jobs.db_lock import JobDatabaseLock

GOOD = ["--start", DATES[0], "--end", DATES[1], "--username", "alice"]


def folder_state(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix != ".lock"
    }


@pytest.fixture
def setup(tmp_path, local_backend, monkeypatch):
    """A grid, an unreadable job DB, a finished-looking run's DB, a graph file, a text file."""
    monkeypatch.setenv("OPENEO_PASSWORD", "alice123")
    small_grid(2, 1).to_file(tmp_path / "grid.gpkg")
    (tmp_path / "broken.csv").write_text('id,status\n"unclosed,queued\n' + "\x00" * 10)
    (tmp_path / "notes.txt").write_text("not a grid")
    (tmp_path / "nograph.json").write_text(json.dumps({"a": {"process_id": "add"}}))
    (tmp_path / "bad.json").write_text("{not json")
    assert (
        main(
            [
                "run",
                "--grid",
                str(tmp_path / "grid.gpkg"),
                "--job-db",
                str(tmp_path / "old.csv"),
                "--backend",
                local_backend.url,
                *GOOD,
                "--poll-interval",
                "0.3",
            ]
        )
        == 0
    )
    return tmp_path


def args_for(tmp: Path, url: str, case: str) -> list[str]:
    grid, new, old = str(tmp / "grid.gpkg"), str(tmp / "new.csv"), str(tmp / "old.csv")
    base = ["run", "--grid", grid, "--job-db", new, "--backend", url, *GOOD]
    return {
        "poll negative": [*base, "--poll-interval", "-1"],
        "poll nan": [*base, "--poll-interval", "nan"],
        "poll inf": [*base, "--poll-interval", "inf"],
        "poll zero": [*base, "--poll-interval", "0"],
        "poll text": [*base, "--poll-interval", "soon"],
        "parallel zero": [*base, "--parallel-jobs", "0"],
        "parallel negative": [*base, "--parallel-jobs", "-3"],
        "parallel text": [*base, "--parallel-jobs", "many"],
        "timeout zero": [*base, "--request-timeout", "0"],
        "max running text": [*base, "--max-running", "soon"],
        "max waiting zero": [*base, "--max-waiting", "0h"],
        "on-event unknown program": [*base, "--on-event", "no-such-program-here --flag"],
        "db extension": [
            "run",
            "--grid",
            grid,
            "--job-db",
            str(tmp / "jobs.txt"),
            "--backend",
            url,
            *GOOD,
        ],
        "db missing, no grid": ["run", "--job-db", new, "--backend", url, *GOOD],
        "db unreadable": ["run", "--job-db", str(tmp / "broken.csv"), "--backend", url, *GOOD],
        "grid missing": [
            "run",
            "--grid",
            str(tmp / "nope.gpkg"),
            "--job-db",
            new,
            "--backend",
            url,
            *GOOD,
        ],
        "grid not a grid": [
            "run",
            "--grid",
            str(tmp / "notes.txt"),
            "--job-db",
            new,
            "--backend",
            url,
            *GOOD,
        ],
        "new run without start": [
            "run",
            "--grid",
            grid,
            "--job-db",
            new,
            "--backend",
            url,
            "--end",
            DATES[1],
        ],
        "new run without back-end": ["run", "--grid", grid, "--job-db", new, *GOOD],
        "bad date": [
            "run",
            "--grid",
            grid,
            "--job-db",
            new,
            "--backend",
            url,
            "--start",
            "2024-13-01",
            "--end",
            DATES[1],
            "--username",
            "alice",
        ],
        "end before start": [
            "run",
            "--grid",
            grid,
            "--job-db",
            new,
            "--backend",
            url,
            "--start",
            DATES[1],
            "--end",
            DATES[0],
            "--username",
            "alice",
        ],
        "one band": [*base, "--bands", "B04"],
        "unknown format": [*base, "--format", "JPEG"],
        "graph file missing": [*base, "--process-graph", str(tmp / "none.json")],
        "graph not json": [*base, "--process-graph", str(tmp / "bad.json")],
        "graph without load_collection": [*base, "--process-graph", str(tmp / "nograph.json")],
        "graph and udp": [*base, "--process-graph", str(tmp / "nograph.json"), "--udp", "x"],
        "job options not json": [*base, "--job-options", "{memory: 2G}"],
        "job options a list": [*base, "--job-options", "[1, 2]"],
        "bad url": ["run", "--grid", grid, "--job-db", new, "--backend", "openeo example", *GOOD],
        "same back-end twice": [*base, "--backend", url],
        "no password": [*base, "--auth", "basic"],
        "service account without env": [*base, "--auth", "client-credentials"],
        "unknown auth": [*base, "--auth", "kerberos"],
        "resume with other dates": ["run", "--job-db", old, "--start", "2023-05-01"],
        "resume with another grid": ["run", "--job-db", old, "--grid", str(tmp / "grid3.gpkg")],
        "locked": ["run", "--job-db", old],
    }[case]


CASES = {
    "poll negative": "finite number of seconds > 0",
    "poll nan": "finite number of seconds > 0",
    "poll inf": "finite number of seconds > 0",
    "poll zero": "finite number of seconds > 0",
    "poll text": "is not a number of seconds",
    "parallel zero": "must be at least 1",
    "parallel negative": "must be at least 1",
    "parallel text": "is not a whole number",
    "timeout zero": "finite number of seconds > 0",
    "max running text": "is not a time: write e.g. 4h",
    "max waiting zero": "must be a number of seconds > 0",
    "on-event unknown program": "no such program",
    "db extension": "use .csv or .parquet",
    "db missing, no grid": "give --grid",
    "db unreadable": "The file was left as it is",
    "grid missing": "does not exist",
    "grid not a grid": "grid",
    "new run without start": "needs --start",
    "new run without back-end": "needs --backend",
    "bad date": "is not a date like 2024-05-01",
    "end before start": "must be after the start date",
    "one band": "exactly two bands",
    "unknown format": "invalid choice",
    "graph file missing": "does not exist",
    "graph not json": "not valid JSON",
    "graph without load_collection": "no load_collection",
    "graph and udp": "not both",
    "job options not json": "not valid JSON",
    "job options a list": "must be a JSON object",
    "bad url": "is not a back-end URL",
    "same back-end twice": "names must differ",
    "no password": "set $OPENEO_PASSWORD",
    "service account without env": "set $OPENEO_AUTH_CLIENT_ID",
    "unknown auth": "invalid choice",
    "resume with other dates": "start: 2024-05-01 in the run, 2023-05-01 now",
    "resume with another grid": "other tiles",
    "locked": "in use by another run (someone else",
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_run_input(setup, local_backend, capsys, monkeypatch, case):
    if case in ("no password", "service account without env"):
        monkeypatch.delenv("OPENEO_PASSWORD")
        monkeypatch.delenv("OPENEO_AUTH_CLIENT_SECRET", raising=False)
    if case == "resume with another grid":
        small_grid(3, 1).to_file(setup / "grid3.gpkg")
    lock = (
        JobDatabaseLock(setup / "old.csv", "someone else").acquire() if case == "locked" else None
    )
    before = folder_state(setup)
    jobs_before = len(local_backend.all_jobs())
    capsys.readouterr()
    try:
        code = main(args_for(setup, local_backend.url, case))
    finally:
        if lock is not None:
            lock.release()
    _, err = capsys.readouterr()
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert CASES[case] in lines[0], lines[0]
    assert "Traceback" not in err
    assert folder_state(setup) == before
    assert len(local_backend.all_jobs()) == jobs_before
    assert not (setup / "new.csv").exists()
