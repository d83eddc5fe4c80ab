"""Closing QGIS during a run: asked once (remembered), the run kept going or stopped.

The plugin with its dock in a real QMainWindow (pytest-qgis), a real run's engine
process on the local back-end; closing is the window's real close event.
"""

from __future__ import annotations

import pytest
from helpers.connections import add_connection, clear_connections
from helpers.dialogs import press_in_next_box
from helpers.runs import assert_one_job_per_tile, wait_until
from openeo_grid_jobs import classFactory
from openeo_grid_jobs.core.engine.launch import engine_state
from openeo_grid_jobs.core.jobs.database import JobDatabase
from openeo_grid_jobs.ui.adapters.settings import ON_CLOSE
from openeo_grid_jobs.ui.widgets.close_prompt import STOP
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QCloseEvent
from qgis.PyQt.QtWidgets import QApplication


@pytest.fixture
def running(desktop, auth_manager, grid_layer, local_backend, tmp_path, qtbot):
    """The plugin, its dock on ``grid_layer``, and a run of 3 s jobs going on."""
    ON_CLOSE.remove()
    clear_connections()
    add_connection(local_backend.url, "Local", parallel_jobs=2)
    local_backend.knobs(job_duration=3.0)
    plugin = classFactory(desktop.iface)
    plugin.initGui()
    plugin.action.trigger()
    panel = plugin.dock.jobs_panel
    panel.run_page.poll_interval.setValue(0.3)
    panel.set_grid_layer(grid_layer)
    panel.run_page.job_db.setFilePath(str(tmp_path / "jobs.csv"))
    qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: "running" in {f["status"] for f in grid_layer.getFeatures()}, timeout=30_000
    )
    yield plugin, panel
    ON_CLOSE.remove()
    if plugin.dock is not None:
        plugin.unload()


def close_qgis(desktop) -> None:
    """The main window is asked to close (the event QGIS gets from the window manager)."""
    QApplication.sendEvent(desktop.window, QCloseEvent())


def test_keep_running_leaves_the_run_going(running, desktop, local_backend, qtbot):
    plugin, panel = running
    job_db = panel.job_db_path()
    asked = press_in_next_box("Keep running")
    close_qgis(desktop)
    assert asked
    assert "A run is going on" in asked[0]
    assert "of 6 tiles left" in asked[0]
    plugin.unload()  # QGIS quits
    assert engine_state(job_db).live, "the run goes on without QGIS"
    wait_until(lambda: not engine_state(job_db).live, timeout=120)
    table = JobDatabase(job_db).read()
    assert set(table["status"]) == {"finished"}
    assert_one_job_per_tile([local_backend], table)
    assert ON_CLOSE.read() == ""  # not remembered: asked next time


def test_stop_remembered_stops_without_asking(running, desktop, grid_layer, local_backend, qtbot):
    plugin, panel = running
    job_db = panel.job_db_path()
    asked = press_in_next_box("Stop the run", check="Remember my choice")
    close_qgis(desktop)
    assert asked
    assert ON_CLOSE.read() == STOP
    plugin.unload()
    wait_until(lambda: not engine_state(job_db).live, timeout=30)
    table = JobDatabase(job_db).read()
    assert "not_started" in set(table["status"]), "stopped: nothing more was submitted"
    assert_one_job_per_tile([local_backend], table)
    # next time: the remembered answer, no question
    plugin.initGui()
    plugin.action.trigger()
    panel = plugin.dock.jobs_panel
    panel.set_grid_layer(grid_layer)
    panel.run_page.job_db.setFilePath(job_db)
    panel.start_run()
    qtbot.waitUntil(panel.is_running, timeout=5000)
    close_qgis(desktop)  # a question would block here: the test would time out
    assert plugin.close_prompt.choice == STOP
