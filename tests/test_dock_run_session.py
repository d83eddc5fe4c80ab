"""The dock shares the CLI's run session: one owner per job database, resume rules."""

from __future__ import annotations

import pytest
from helpers.connections import add_connection
from openeo_grid_jobs.core.db_lock import JobDatabaseLock
from qgis.core import Qgis
from qgis.PyQt.QtCore import QDate, Qt

RUN_TIMEOUT_MS = 90_000


@pytest.fixture
def panel(jobs_panel, local_backend):
    add_connection(local_backend.url, "Local", parallel_jobs=3)
    jobs_panel.backends.reload()
    return jobs_panel


def click_and_wait(panel, qtbot):
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(panel.run_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=5000)
    return blocker.args[0]


def test_a_job_database_in_use_by_the_cli_is_refused(panel, desktop, local_backend, qtbot):
    jobs_before = len(local_backend.all_jobs())
    lock = JobDatabaseLock(panel.job_db.filePath(), "openeo-grid-jobs run").acquire()
    try:
        assert click_and_wait(panel, qtbot) == {}
    finally:
        lock.release()
    messages = desktop.iface.messageBar().get_messages(Qgis.Critical)
    assert any("in use by another run (openeo-grid-jobs run, process" in m for m in messages)
    assert len(local_backend.all_jobs()) == jobs_before


def test_resume_with_other_dates_is_refused(panel, desktop, grid_layer, local_backend, qtbot):
    assert click_and_wait(panel, qtbot) == {"finished": 6}
    jobs_before = len(local_backend.all_jobs())
    panel.start.setDate(QDate(2024, 6, 1))
    assert click_and_wait(panel, qtbot) == {}
    messages = desktop.iface.messageBar().get_messages(Qgis.Critical)
    assert any("start: 2024-05-01 in the run, 2024-06-01 now" in m for m in messages)
    assert len(local_backend.all_jobs()) == jobs_before
    assert {f["status"] for f in grid_layer.getFeatures()} == {"finished"}
