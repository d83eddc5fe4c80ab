"""The run session: one owner per job database, resume rules, notebook trackers, crashes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from helpers.notebook import notebook_tracker
from helpers.runs import DATES, small_grid
from openeo_grid_jobs.core.backends.backend import BackendConfig
from openeo_grid_jobs.core.engine.config import RunConfig
from openeo_grid_jobs.core.engine.refusals import SettingsMismatchError
from openeo_grid_jobs.core.engine.session import RunSession
from openeo_grid_jobs.core.errors import RunError
from openeo_grid_jobs.core.jobs.db_lock import JobDatabaseLockedError
from openeo_grid_jobs.core.jobs.template import JobTemplate

from devtools.fault_proxy import FaultProxy
from devtools.faults import Faults
from devtools.local_backend.launcher import PASSWORD, USERNAME

CLI = [str(Path(sys.executable).with_name("openeo-grid-jobs")), "run"]


#: what a new run from the command line needs besides the grid, job DB and back-end
NEW_RUN = ("--username", USERNAME, "--start", DATES[0], "--end", DATES[1], "--poll-interval", "0.3")


def config(url: str, start: str = DATES[0]) -> RunConfig:
    return RunConfig(JobTemplate(start, DATES[1]), [BackendConfig(url, USERNAME, name="local")])


def cli(*args: str, **popen) -> subprocess.Popen:
    env = dict(os.environ, OPENEO_PASSWORD=PASSWORD)
    return subprocess.Popen(
        [*CLI, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen
    )


def grid_file(tmp_path: Path, cols: int = 3, rows: int = 3) -> str:
    path = tmp_path / "grid.gpkg"
    small_grid(cols, rows).to_file(path)
    return str(path)


def jobs_by_title(local_backend, tag: str) -> Counter:
    return Counter(j["title"] for j in local_backend.all_jobs() if tag in (j["title"] or ""))


# --- one owner per job database ---------------------------------------------------------
def test_a_second_session_is_refused_in_process_and_from_the_cli(local_backend, tmp_path):
    job_db = tmp_path / "jobs.csv"
    jobs_before = local_backend.all_jobs()
    with RunSession.open(
        job_db, holder="QGIS (test)", config=config(local_backend.url), tiles=small_grid(2, 1)
    ):
        with pytest.raises(JobDatabaseLockedError, match=r"in use by another run \(QGIS"):
            RunSession.open(job_db, holder="second")
        before = job_db.read_bytes()
        done = cli("--job-db", str(job_db)).communicate(timeout=60)
        assert "in use by another run (QGIS (test), process" in done[1]
        assert job_db.read_bytes() == before
    # nothing submitted (compared by id: earlier tests' jobs may change status meanwhile)
    assert {j["id"] for j in local_backend.all_jobs()} == {j["id"] for j in jobs_before}
    with RunSession.open(job_db, holder="after"):  # released: the next run may go
        pass


def test_two_clis_on_one_job_database(local_backend, tmp_path):
    local_backend.knobs(job_duration=30)
    before = len(local_backend.all_jobs())
    job_db = str(tmp_path / "jobs.csv")
    args = ["--grid", grid_file(tmp_path, 2, 2), "--job-db", job_db, "--backend"]
    first = cli(
        *args,
        local_backend.url,
        *NEW_RUN,
    )
    deadline = time.monotonic() + 30
    while len(local_backend.all_jobs()) < before + 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    second = cli("--job-db", job_db).communicate(timeout=60)
    assert "in use by another run (openeo-grid-jobs run, process" in second[1]
    first.send_signal(signal.SIGTERM)
    assert first.wait(10) == 128 + signal.SIGTERM
    assert len(local_backend.all_jobs()) == before + 2  # two at once: the first run's only


# --- resume rules -----------------------------------------------------------------------
def test_resume_with_other_settings_is_refused_and_says_what_differs(local_backend, tmp_path):
    job_db = tmp_path / "jobs.csv"
    RunSession.open(
        job_db, holder="t", config=config(local_backend.url), tiles=small_grid(2, 1)
    ).close()
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    with pytest.raises(SettingsMismatchError, match="start: 2024-05-01 in the run, 2024-06-01 now"):
        RunSession.open(job_db, holder="t", config=config(local_backend.url, "2024-06-01"))
    with pytest.raises(SettingsMismatchError, match="other tiles"):
        RunSession.open(job_db, holder="t", tiles=small_grid(3, 1))
    after = {
        p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file() and p.suffix != ".lock"
    }
    assert after == {k: v for k, v in before.items() if not k.endswith(".lock")}
    # the same settings resume
    with RunSession.open(job_db, holder="t", config=config(local_backend.url)) as session:
        assert session.config.template.start == DATES[0]


def test_cli_resume_with_other_dates_is_refused(local_backend, tmp_path):
    job_db = str(tmp_path / "jobs.csv")
    done = cli(
        "--grid",
        grid_file(tmp_path, 1, 1),
        "--job-db",
        job_db,
        "--backend",
        local_backend.url,
        *NEW_RUN,
    ).communicate(timeout=120)
    assert "1 tiles: finished 1" in done[0]
    before = Path(job_db).read_bytes()
    proc = cli("--job-db", job_db, "--start", "2024-06-01")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "start: 2024-05-01 in the run, 2024-06-01 now" in err
    assert "new job database" in err
    assert Path(job_db).read_bytes() == before


# --- a notebook's tracker ---------------------------------------------------------------
def test_notebook_tracker_continued_by_the_cli(local_backend, connection, tmp_path):
    local_backend.knobs(job_duration=2)
    path = notebook_tracker(tmp_path, connection, started=2)
    notebook_ids = set(pd.read_csv(path)["id"].dropna())
    assert len(notebook_ids) == 2
    # several back-ends and none named like the tracker's rows: said at once
    proc = cli(
        "--job-db",
        str(path),
        "--backend",
        f"a={local_backend.url}",
        "--backend",
        f"b={local_backend.url}",
        "--username",
        USERNAME,
        "--start",
        DATES[0],
        "--end",
        DATES[1],
    )
    assert proc.wait(60) == 2
    assert "cdse" in proc.stderr.read()
    # one back-end: the rows are tracked on it, said once
    proc = cli(
        "--job-db",
        str(path),
        "--backend",
        local_backend.url,
        *NEW_RUN,
    )
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "Rows of back-end cdse are tracked on" in out
    saved = pd.read_csv(path)
    assert set(saved["status"]) == {"finished"}
    assert notebook_ids <= set(saved["id"])  # the notebook's jobs tracked, not redone
    tag = str(saved["run_tag"].iloc[0])
    assert sum(jobs_by_title(local_backend, tag).values()) == 4  # the 4 not started yet
    own = connection.job(saved.loc[5, "id"]).describe()["process"]["process_graph"]
    (load,) = [n for n in own.values() if n["process_id"] == "load_collection"]
    assert load["arguments"]["temporal_extent"] == [DATES[0], "2024-07-01"]


def test_a_notebook_tracker_needs_a_template(local_backend, connection, tmp_path):
    path = notebook_tracker(tmp_path, connection, started=1)
    with pytest.raises(RunError, match="no run settings"):
        RunSession.open(path, holder="t")


# --- crashes ----------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [11, 12])
def test_kill_9_at_random_moments_never_makes_a_second_job(local_backend, tmp_path, seed):
    """Creates are slow (held up to 1.5 s by the proxy, which still delivers them after
    the client died); the CLI is killed 3 times, then resumed to the end."""
    local_backend.knobs(job_duration=1.0)
    rng = random.Random(seed)
    job_db = str(tmp_path / "jobs.csv")
    faults = Faults(delay=1.0, max_delay=1.5, methods={"POST"})
    with FaultProxy(local_backend.url, faults, seed=seed) as proxy:
        args = ["--job-db", job_db, "--lookup-grace", "3", "--request-timeout", "5"]
        first = [
            "--grid",
            grid_file(tmp_path, 3, 3),
            "--backend",
            proxy.url,
            "--username",
            USERNAME,
            "--start",
            DATES[0],
            "--end",
            DATES[1],
            "--parallel-jobs",
            "3",
            "--poll-interval",
            "0.3",
        ]
        for round_ in range(3):
            proc = cli(*args, *(first if round_ == 0 else []))
            time.sleep(rng.uniform(2.0, 5.0))
            proc.kill()
            proc.wait(10)
        out, err = cli(*args).communicate(timeout=180)
    assert "9 tiles: finished 9" in out, err
    saved = pd.read_csv(job_db)
    tag = str(saved["run_tag"].iloc[0])
    per_title = jobs_by_title(local_backend, tag)
    assert len(per_title) == 9
    assert set(per_title.values()) == {1}, per_title
    assert set(saved["status"]) == {"finished"}
