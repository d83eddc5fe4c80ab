"""QGIS killed mid-run, the run goes on, a new QGIS attaches to it: the real desktop.

Two QGIS processes under Xvfb on one profile and the real local back-end:

1. create a grid over Antwerp, Run, save the project half-way with the run going on,
   then QGIS is killed (SIGKILL: no goodbye, no close prompt);
2. the run's engine, a process of its own, carries on; QGIS started again on the saved
   project attaches to the live run by itself, shows it live and sees it to its end,
   every tile with exactly one job.
"""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
from helpers.runs import assert_one_job_per_tile
from openeo_grid_jobs.core.engine.launch import engine_state
from openeo_grid_jobs.core.jobs.database import JobDatabase

from devtools.launch_qgis import local_backend_login, locale_settings, run, start

pytestmark = pytest.mark.desktop


@pytest.fixture(scope="module")
def sessions(tmp_path_factory, _backend_process):
    _backend_process.knobs(job_duration=3.0, max_running=0, error_titles=[], reject_titles=[])
    out = tmp_path_factory.mktemp("reattach-desktop")
    profiles = out / "profiles"
    settings, env = local_backend_login(profiles, _backend_process.url, parallel_jobs=4)
    settings.update(locale_settings("en_US"))  # the tests read English
    project = out / "saved" / "antwerp-live.qgz"
    project.parent.mkdir()
    report_path = out / "first" / "live.json"
    first = start(
        profiles,
        screenshot=out / "first" / "live.png",
        settings=settings,
        env={**env, "OGJ_DEMO_RUN": "1", "OGJ_SAVE_LIVE": str(project)},
    )
    deadline = time.monotonic() + 180
    while not report_path.exists() and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.2)
    first_report = json.loads(report_path.read_text())
    os.kill(first_report["pid"], signal.SIGKILL)  # QGIS dies; xvfb-run then ends
    first.wait(30)
    job_db = first_report["saved"]["job_db"]
    alive_after_kill = engine_state(job_db).live
    second = run(
        profiles,
        screenshot=out / "second" / "attached.png",
        settings=settings,
        env={**env, "OGJ_ATTACH": "1"},
        timeout=240,
        project=project,
    )
    second_report = json.loads((out / "second" / "attached.json").read_text())
    return first_report, alive_after_kill, second, second_report, _backend_process, out


def test_the_first_qgis_saved_the_project_with_the_run_going_on(sessions):
    first_report, *_ = sessions
    assert first_report["errors"] == []
    assert first_report["saved"]["written"]
    assert first_report["saved"]["running"]
    assert first_report["saved"]["tracking"].startswith("Tracking the run")


def test_the_run_outlives_the_killed_qgis(sessions):
    _, alive_after_kill, *_ = sessions
    assert alive_after_kill


def test_a_new_qgis_attaches_to_the_live_run_within_seconds(sessions):
    _, _, second, report, _, out = sessions
    assert report["errors"] == []
    assert second.returncode == 0
    attached = report["attached"]
    assert attached["seconds"] < 15
    assert attached["tracking"].startswith("Tracking the run")
    assert not attached["run_enabled"]  # it runs: Run is for a run that does not
    statuses = set(attached["statuses"].values())
    assert statuses - {"finished"}, "attached before the end"
    assert (out / "second" / "reattached.png").stat().st_size > 20_000


def test_the_attached_run_ends_with_one_job_per_tile(sessions):
    first_report, _, _, report, backend, _ = sessions
    assert report["run_counts"] == {"finished": first_report["saved"]["features"]}
    assert report["run"]["final_statuses"] == ["finished"]
    assert report["run"]["tracking"].startswith("Run complete")
    assert_one_job_per_tile([backend], JobDatabase(report["run"]["job_db"]).read())
