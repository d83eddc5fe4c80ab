"""The engine in a process of its own: it outlives whoever started it, viewers come and go,
and a dead engine is found out and resumed. Real processes, the local back-end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from helpers.engine import Viewer, run_request
from helpers.runs import assert_one_job_per_tile, small_grid, wait_until
from openeo_grid_jobs.core.backends.backend import Secrets
from openeo_grid_jobs.core.engine.events import Command, Outcome
from openeo_grid_jobs.core.engine.launch import engine_state, launch_engine
from openeo_grid_jobs.core.engine.request import RunRequest
from openeo_grid_jobs.core.errors import LoginRequiredError
from openeo_grid_jobs.core.jobs.database import JobDatabase
from openeo_grid_jobs.core.jobs.db_lock import JobDatabaseLockedError

from devtools.local_backend.launcher import PASSWORD


def test_the_engine_outlives_its_launcher(local_backend, tmp_path):
    """The process that started the run is killed (as QGIS may be): the run goes on, and
    a viewer that comes later sees it live, then ended, one job per tile."""
    local_backend.knobs(job_duration=1.0)
    request = run_request(tmp_path, local_backend.url, small_grid(3, 2), wait_for_viewer=10)
    launcher = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import sys, time
                from openeo_grid_jobs.core.engine.channel import ChannelClient
                from openeo_grid_jobs.core.engine.launch import launch_engine
                from openeo_grid_jobs.core.engine.request import RunRequest
                request = RunRequest.from_wire(sys.stdin.buffer.read())
                launch_engine(request)
                ChannelClient.attach(request.job_db, lambda e: None)
                print('attached', flush=True)
                time.sleep(600)
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    launcher.stdin.write(request.to_wire())
    launcher.stdin.close()
    assert launcher.stdout.readline().strip() == b"attached"
    launcher.kill()  # kill -9: no goodbye
    launcher.wait(10)
    assert engine_state(request.job_db).live
    viewer = Viewer(request.job_db)
    ended = viewer.wait_ended(120)
    assert ended["outcome"] == Outcome.DONE
    assert ended["counts"] == {"finished": 6}
    table = JobDatabase(request.job_db).read()
    assert_one_job_per_tile([local_backend], table)
    wait_until(lambda: not engine_state(request.job_db).live, timeout=10)


def test_viewers_come_and_go_and_see_what_the_table_holds(local_backend, tmp_path):
    """Attached and detached ten times during a run; a viewer's tiles equal the job table
    at the end (a late viewer's hello holds everything it missed)."""
    local_backend.knobs(job_duration=1.0)
    request = run_request(tmp_path, local_backend.url, small_grid(4, 3), parallel=3)
    launch_engine(request)
    for _ in range(10):
        viewer = Viewer(request.job_db)
        assert len(viewer.hello()["rows"]) == 12
        time.sleep(0.3)  # a moment of watching, as a user would
        viewer.detach()
    last = Viewer(request.job_db)
    ended = last.wait_ended(180)
    assert ended["counts"] == {"finished": 12}
    table = JobDatabase(request.job_db).read()
    assert last.statuses == dict(zip(table["tile_id"], table["status"]))
    assert_one_job_per_tile([local_backend], table)


def test_a_killed_engine_is_found_out_and_resumed(local_backend, tmp_path):
    """kill -9 mid-run: the viewer learns it at once, the job database says since when,
    and Run resumes it (the saved settings) with one job per tile."""
    local_backend.knobs(job_duration=2.0)
    request = run_request(tmp_path, local_backend.url, small_grid(3, 2))
    engine = launch_engine(request)
    viewer = Viewer(request.job_db)
    wait_until(lambda: "running" in viewer.statuses.values(), timeout=60)
    os.kill(engine.pid, signal.SIGKILL)
    assert viewer.lost.wait(10)
    # the channel closes as the kernel tears the process down; its lock goes in the same
    # exit, a moment later on a busy machine
    wait_until(lambda: not engine_state(request.job_db).live, timeout=10)
    state = engine_state(request.job_db)
    assert state.died_at is not None
    assert time.time() - state.died_at < 30
    assert "tests, process" in state.holder
    resumed = RunRequest(
        request.job_db, secrets={"local": Secrets(username="alice", password=PASSWORD)}
    )
    launch_engine(resumed)
    ended = Viewer(request.job_db).wait_ended(120)
    assert ended["counts"] == {"finished": 6}
    assert_one_job_per_tile([local_backend], JobDatabase(request.job_db).read())
    assert not engine_state(request.job_db).died_at


def test_refusals_come_back_as_typed_errors(local_backend, oidc_provider, tmp_path):
    """Why the engine cannot run, raised in the launcher as the engine raised it."""
    request = run_request(tmp_path, local_backend.url)
    launch_engine(request)
    viewer = Viewer(request.job_db)
    with pytest.raises(JobDatabaseLockedError, match=r"in use by another run .*tests"):
        launch_engine(run_request(tmp_path, local_backend.url))
    viewer.send(Command.STOP)
    viewer.wait_ended(30)

    oidc = run_request(tmp_path, local_backend.url, db_name="oidc.csv")
    oidc.config.backends[0].auth_method = "oidc_device"
    oidc.secrets = {}
    with pytest.raises(LoginRequiredError) as refused:
        launch_engine(oidc)
    assert refused.value.backend == "local"
    assert not (tmp_path / "oidc.csv").exists(), "nothing is written when refused"


def test_the_cli_run_is_watched_and_stopped_from_a_viewer(local_backend, tmp_path):
    """A run started in a terminal: a viewer sees it live and stops it (exit code 5)."""
    from tests.cli.test_run import TEMPLATE, make_grid, run_cli

    local_backend.knobs(job_duration=2.0)
    db = tmp_path / "jobs.csv"
    proc = run_cli(
        *("--grid", str(make_grid(tmp_path)), "--job-db", str(db)),
        *("--backend", local_backend.url, "--username", "alice", *TEMPLATE),
    )
    wait_until(lambda: engine_state(db).live, timeout=60)
    viewer = Viewer(db)
    assert viewer.hello()["holder"] == "openeo-grid-jobs run"
    wait_until(lambda: "running" in viewer.statuses.values(), timeout=60)
    viewer.send(Command.STOP)
    ended = viewer.wait_ended(30)
    out, err = proc.communicate(timeout=30)
    assert ended["outcome"] == Outcome.STOPPED
    assert proc.returncode == 5, err
    assert "stopped; resume with" in out
    assert not engine_state(db).live


def test_the_engine_starts_from_qgiss_python_which_sees_no_editable_install(
    local_backend, tmp_path, monkeypatch
):
    """QGIS's Python gets the venv's packages on PYTHONPATH, where a .pth file (the
    editable install of the plugin) is not read, and the plugin's folder need not be
    called as its package (a checkout, a zip's folder): the engine loads the package from
    its folder under its name, and runs."""
    import sysconfig

    interpreter = "/usr/bin/python3"
    if not Path(interpreter).exists():
        pytest.skip("QGIS's Python is Debian's /usr/bin/python3 here")
    # as QGIS's environment (devtools/launch_qgis.py): with the dev venv's editable
    # install, `import openeo_grid_jobs` fails in that interpreter
    monkeypatch.setenv("PYTHONPATH", sysconfig.get_paths()["purelib"])
    local_backend.knobs(job_duration=0.5)
    request = run_request(tmp_path, local_backend.url, small_grid(2, 1))
    launch_engine(request, python=interpreter)
    ended = Viewer(request.job_db).wait_ended(120)
    assert ended["counts"] == {"finished": 2}
    assert_one_job_per_tile([local_backend], JobDatabase(request.job_db).read())
