"""The dock shares the CLI's run session: one owner per job database, resume rules."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers.connections import add_connection
from helpers.notebook import notebook_tracker
from openeo_grid_jobs.core.jobs.db_lock import JobDatabaseLock
from qgis.core import Qgis
from qgis.PyQt.QtCore import QDate, Qt

RUN_TIMEOUT_MS = 90_000


@pytest.fixture
def panel(jobs_panel, local_backend):
    add_connection(local_backend.url, "Local", parallel_jobs=3)
    jobs_panel.backends.reload()
    return jobs_panel


def click_and_wait(panel, qtbot):
    qtbot.waitUntil(panel.buttons.run.isEnabled, timeout=5000)  # back after the last run
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=5000)
    return blocker.args[0]


def test_a_job_database_in_use_by_the_cli_is_refused(panel, desktop, local_backend, qtbot):
    jobs_before = len(local_backend.all_jobs())
    lock = JobDatabaseLock(panel.job_db_path(), "openeo-grid-jobs run").acquire()
    try:
        assert click_and_wait(panel, qtbot) == {}
    finally:
        lock.release()
    messages = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Critical)
    assert any("in use by another run (openeo-grid-jobs run, process" in m for m in messages)
    assert len(local_backend.all_jobs()) == jobs_before


def test_resume_with_other_dates_is_refused(panel, desktop, grid_layer, local_backend, qtbot):
    panel.form.start.setDate(QDate(2024, 5, 1))  # the form starts from the last session's values
    assert click_and_wait(panel, qtbot) == {"finished": 6}
    jobs_before = len(local_backend.all_jobs())
    panel.form.start.setDate(QDate(2024, 6, 1))
    assert click_and_wait(panel, qtbot) == {}
    messages = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Critical)
    assert any("start: 2024-05-01 in the run, 2024-06-01 now" in m for m in messages)
    assert len(local_backend.all_jobs()) == jobs_before
    assert {f["status"] for f in grid_layer.getFeatures()} == {"finished"}


def test_notebook_tracker_continued_from_the_dock(
    jobs_panel, desktop, local_backend, connection, tmp_path, qtbot
):
    """Two back-ends ticked: the dock asks which one runs the tracker's ``cdse`` rows."""
    local_backend.knobs(job_duration=1)
    path = notebook_tracker(tmp_path, connection, started=2)
    notebook_ids = set(pd.read_csv(path)["id"].dropna())
    add_connection(local_backend.url, "Local", parallel_jobs=3)
    add_connection(local_backend.url, "Other", parallel_jobs=1)
    jobs_panel.backends.reload()
    with qtbot.waitSignal(jobs_panel.job_db_opened, timeout=20_000):
        jobs_panel.open_job_db(str(path))
    with qtbot.waitSignal(jobs_panel.run_finished, timeout=RUN_TIMEOUT_MS) as asked:
        qtbot.mouseClick(jobs_panel.buttons.run, Qt.MouseButton.LeftButton)
    assert asked.args[0] == {}
    dialog = jobs_panel.prompts.map_dialog
    assert dialog.isVisible()
    assert list(dialog.choices) == ["cdse"]
    dialog.choices["cdse"].setCurrentText("Local")
    with qtbot.waitSignal(jobs_panel.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        dialog.accept()
    assert blocker.args[0] == {"finished": 6}
    saved = pd.read_csv(path)
    assert notebook_ids <= set(saved["id"])  # the notebook's jobs tracked, not redone
    assert set(saved.loc[saved["id"].isin(notebook_ids), "backend_name"]) == {"Local"}
    layer = jobs_panel.layer
    assert {f["status"] for f in layer.getFeatures()} == {"finished"}
