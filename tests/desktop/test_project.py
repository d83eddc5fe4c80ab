"""Close QGIS mid-run, reopen the project in a fresh QGIS, carry on: the real desktop.

Two QGIS processes one after the other under Xvfb, on one profile (the
back-end's login in its auth database) and the real local back-end:

1. create a grid over Antwerp, Run, Stop half-way, save the project, quit;
2. start QGIS on the saved project, open the dock: it finds the run by itself,
   shows every tile with its last status and says it is not tracking; Run
   resumes to the end without a second job for any tile; Export writes a
   Shapefile with the statuses.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from helpers.runs import assert_one_job_per_tile
from openeo_grid_jobs.core.jobs.database import JobDatabase

from devtools.launch_qgis import local_backend_login, locale_settings, run

pytestmark = pytest.mark.desktop


@pytest.fixture(scope="module")
def sessions(tmp_path_factory, _backend_process):
    _backend_process.knobs(job_duration=4.0, max_running=0, error_titles=[], reject_titles=[])
    out = tmp_path_factory.mktemp("project-desktop")
    profiles = out / "profiles"
    settings, env = local_backend_login(profiles, _backend_process.url, parallel_jobs=6)
    settings.update(locale_settings("en_US"))  # the tests read English
    project = out / "saved" / "antwerp-run.qgz"
    project.parent.mkdir()
    first = run(
        profiles,
        screenshot=out / "first" / "stopped.png",
        settings=settings,
        env={**env, "OGJ_DEMO_RUN": "1", "OGJ_SAVE_PROJECT": str(project)},
        timeout=240,
    )
    first_report = json.loads((out / "first" / "stopped.json").read_text())
    _backend_process.knobs(job_duration=1.0)
    second = run(
        profiles,
        screenshot=out / "second" / "resumed.png",
        settings=settings,
        env={**env, "OGJ_RESUME": "1"},
        timeout=240,
        project=project,
    )
    second_report = json.loads((out / "second" / "resumed.json").read_text())
    return first, first_report, second, second_report, _backend_process


def test_both_sessions_exit_cleanly(sessions):
    first, first_report, second, second_report, _ = sessions
    assert first_report["errors"] == []
    assert second_report["errors"] == []
    assert first.returncode == 0
    assert second.returncode == 0


def test_first_session_stops_half_way_and_saves(sessions):
    _, report, _, _, _ = sessions
    saved = report["saved"]
    assert saved["written"]
    statuses = set(saved["statuses"].values())
    assert "finished" in statuses
    assert statuses - {"finished"}, "stopped before the end"
    assert saved["tracking"].startswith("Not tracking since")
    # the Layers panel's counts match the tiles (no count left over from the run)
    assert saved["legend_counts"] == dict(Counter(saved["statuses"].values()))
    assert "last known" in saved["legend"]["running"]


def test_reopened_project_shows_the_run_as_it_was(sessions):
    _, first_report, _, report, _ = sessions
    saved, reopened = first_report["saved"], report["reopened"]
    assert reopened["provider"] == "ogr"  # the grid's GeoPackage beside the job database
    assert reopened["name"] == saved["name"]
    assert reopened["features"] == saved["features"]
    # every tile, with the status it had when QGIS closed (or newer: the job database wins)
    assert reopened["statuses"].keys() == saved["statuses"].keys()
    for tile, status in saved["statuses"].items():
        if status in {"finished", "not_started"}:
            assert reopened["statuses"][tile] == status
    assert reopened["job_db"] == saved["job_db"]
    assert reopened["legend_counts"] == dict(Counter(reopened["statuses"].values()))
    assert reopened["tracking"].startswith("Not tracking since")
    assert reopened["export_enabled"]
    assert reopened["run_enabled"]
    assert len(reopened["project_runs"]) == 1
    assert saved["name"] in reopened["project_runs"][0]


def test_run_resumes_to_the_end_without_duplicates(sessions):
    _, first_report, _, report, backend = sessions
    assert report["run_counts"] == {"finished": first_report["saved"]["features"]}
    assert report["run"]["final_statuses"] == ["finished"]
    assert_one_job_per_tile([backend], JobDatabase(report["reopened"]["job_db"]).read())
    assert "Not tracking" not in report["run"]["tracking"]


def test_export_after_reopening_keeps_the_statuses(sessions):
    _, first_report, _, report, _ = sessions
    assert report["exported"]["statuses"] == ["finished"]
    assert report["exported"]["features"] == first_report["saved"]["features"]
