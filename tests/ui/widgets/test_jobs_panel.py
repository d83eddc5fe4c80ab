"""Runs driven through the dock's Jobs panel: an engine process, live layer, messages."""

from __future__ import annotations

import gc
import json
import sys
import time

import pytest
from helpers.connections import add_connection, clear_connections
from helpers.dialogs import answer_next_question
from helpers.runs import assert_one_job_per_tile
from openeo_grid_jobs.core.jobs.database import JobDatabase
from qgis.core import Qgis, QgsApplication, QgsProject, QgsSettings
from qgis.PyQt.QtCore import QDate, Qt, QThread, QTimer
from qgis.PyQt.QtWidgets import QMessageBox

from devtools.local_backend.launcher import PASSWORD

RUN_TIMEOUT_MS = 90_000


@pytest.fixture
def panel(jobs_panel, local_backend):
    add_connection(local_backend.url, "Local", parallel_jobs=3)
    jobs_panel.backends.reload()
    return jobs_panel


def statuses(layer):
    return sorted(f["status"] for f in layer.getFeatures())


def run_and_wait(panel, qtbot, button=None):
    button = button or panel.buttons.run
    # the buttons come back a moment after the thread ends (a queued signal): a click
    # on a still disabled button does nothing, as for a user
    qtbot.waitUntil(button.isEnabled, timeout=5000)
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=5000)
    return blocker.args[0]


def test_full_run_through_the_dock(panel, grid_layer, desktop, qtbot, tmp_path, local_backend):
    stalls = []
    last = [time.monotonic()]

    def tick():
        now = time.monotonic()
        stalls.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(10)
    counts = run_and_wait(panel, qtbot)
    timer.stop()
    assert counts == {"finished": 6}
    assert statuses(grid_layer) == ["finished"] * 6
    features = list(grid_layer.getFeatures())
    assert all(f["job_id"] and f["backend"] and f["result"] for f in features)
    # legend counts follow the statuses
    counting = grid_layer.countSymbolFeatures()  # None: a count is already under way
    if counting is not None:
        counting.waitForFinished()
    keys = {i.label(): i.ruleKey() for i in grid_layer.renderer().legendSymbolItems()}
    qtbot.waitUntil(lambda: grid_layer.featureCount(keys["finished"]) == 6, timeout=5000)
    assert grid_layer.featureCount(keys["not_started"]) == 0
    assert panel.status.progress.value() == panel.status.progress.maximum() == 6
    assert "finished 6" in panel.status.counts_label.text()
    messages = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Success)
    assert any("Run complete: 6 of 6 tiles finished" in m for m in messages)
    # the GUI thread never stalled on network or disk
    assert max(stalls) < 0.5, max(stalls)
    # the job database and the run settings are on disk, without the password
    saved = JobDatabase(tmp_path / "jobs.csv").read()
    assert set(saved["status"]) == {"finished"}
    assert_one_job_per_tile([local_backend], saved)
    settings = (tmp_path / "jobs.csv.run.json").read_text()
    assert PASSWORD not in settings
    assert json.loads(settings)["backends"][0]["auth_method"] == "basic"
    assert PASSWORD not in json.dumps(
        {k: str(QgsSettings().value(k)) for k in QgsSettings().allKeys()}
    )


def test_stop_is_immediate_and_run_resumes(panel, grid_layer, local_backend, desktop, qtbot):
    local_backend.knobs(job_duration=3.0)
    qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "running" in statuses(grid_layer), timeout=20_000)
    t0 = time.monotonic()
    qtbot.mouseClick(panel.buttons.stop, Qt.MouseButton.LeftButton)
    assert time.monotonic() - t0 < 0.1, "Stop must not block the GUI"
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=5000)
    assert time.monotonic() - t0 < 5.0
    qtbot.waitUntil(
        lambda: any(
            "Not tracking" in m
            for m in desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Info)
        ),
        timeout=2000,
    )
    assert panel.buttons.run.isEnabled()
    # the map no longer tracks: the dock and the legend say so, not for 8 s but until Run
    qtbot.waitUntil(
        lambda: "Not tracking since" in panel.status.tracking_label.text(), timeout=2000
    )
    labels = {c.value(): c.label() for c in grid_layer.renderer().categories()}
    assert labels["running"].startswith("running — last known ")
    assert labels["finished"] == "finished"
    jobs_before = len(local_backend.all_jobs())
    assert "not_started" in statuses(grid_layer)
    local_backend.knobs(job_duration=0.5)
    counts = run_and_wait(panel, qtbot)
    assert counts == {"finished": 6}
    assert statuses(grid_layer) == ["finished"] * 6
    assert "Not tracking" not in panel.status.tracking_label.text()
    labels = {c.value(): c.label() for c in grid_layer.renderer().categories()}
    assert labels["running"] == "running"
    assert_one_job_per_tile([local_backend], JobDatabase(panel.job_db_path()).read())
    submitted_before = jobs_before  # jobs created in the first part are tracked, not redone
    assert len(local_backend.all_jobs()) == submitted_before + (6 - 3)


def test_a_run_leaves_the_interpreter_of_qgis_alone(
    panel, grid_layer, local_backend, qtbot, monkeypatch
):
    """The run is a process of its own: QGIS's interpreter keeps its own settings (GIL
    switch interval, garbage collector) all along, and the grid's tiles are read off
    the main thread, not in the Run click."""
    import os

    from openeo_grid_jobs.core.engine.launch import engine_state
    from openeo_grid_jobs.ui.adapters.layer_tiles import LayerTiles

    read_in = []
    read = LayerTiles.wire
    monkeypatch.setattr(
        LayerTiles, "wire", lambda self: read_in.append(QThread.currentThread()) or read(self)
    )
    interval, frozen, thresholds = (
        sys.getswitchinterval(),
        gc.get_freeze_count(),
        gc.get_threshold(),
    )
    local_backend.knobs(job_duration=1.0)
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "running" in statuses(grid_layer), timeout=20_000)
        state = engine_state(panel.job_db_path())
        assert state.live
        assert f"process {os.getpid()} " not in state.holder  # another process runs it
        assert sys.getswitchinterval() == interval
        assert gc.get_freeze_count() == frozen
        assert gc.get_threshold() == thresholds
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=5000)
    assert sys.getswitchinterval() == interval
    assert_one_job_per_tile([local_backend], JobDatabase(panel.job_db_path()).read())
    assert len(read_in) == 1
    assert read_in[0] is not QgsApplication.instance().thread()


def test_retry_failed_through_the_dock(panel, grid_layer, local_backend, qtbot):
    first = next(grid_layer.getFeatures())["tile_id"]
    local_backend.knobs(error_titles=[first])
    assert run_and_wait(panel, qtbot) == {"finished": 5, "error": 1}
    errored = [f for f in grid_layer.getFeatures() if f["status"] == "error"]
    assert [f["tile_id"] for f in errored] == [first]
    assert "Simulated failure" in errored[0]["message"]
    local_backend.knobs(error_titles=[])
    before = len(local_backend.all_jobs())
    assert run_and_wait(panel, qtbot, panel.buttons.retry) == {"finished": 6}
    assert len(local_backend.all_jobs()) == before + 1


def test_cancel_selected_tiles_while_running(panel, grid_layer, local_backend, desktop, qtbot):
    local_backend.knobs(job_duration=30)
    panel.backends.table.cellWidget(0, 1).setValue(6)
    qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: statuses(grid_layer) == ["running"] * 6, timeout=20_000)
    chosen = [f.id() for f in grid_layer.getFeatures()][:2]
    grid_layer.selectByIds(chosen)
    qtbot.mouseClick(panel.buttons.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: statuses(grid_layer).count("canceled") == 2, timeout=10_000)
    assert {grid_layer.getFeature(fid)["status"] for fid in chosen} == {"canceled"}
    grid_layer.removeSelection()
    # nothing selected: all of them, but only once the user has said yes to the count
    asked = answer_next_question(QMessageBox.StandardButton.No)
    qtbot.mouseClick(panel.buttons.cancel, Qt.MouseButton.LeftButton)
    assert asked
    assert "Cancel all 4 unfinished jobs" in asked[0]
    assert any(
        "Nothing canceled" in m
        for m in desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Info)
    )
    assert statuses(grid_layer).count("running") == 4
    asked = answer_next_question(QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(panel.buttons.cancel, Qt.MouseButton.LeftButton)
    assert asked
    qtbot.waitUntil(lambda: statuses(grid_layer) == ["canceled"] * 6, timeout=10_000)
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=5000)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.backends.set_enabled("Local", False), "Tick at least one back-end"),
        (lambda p: p.form.end.setDate(QDate(2024, 1, 1)), "must be after"),
        (lambda p: p.form.job_options.setText("{nope"), "not valid JSON"),
        (lambda p: p.form.bands.setText("B04"), "exactly two bands"),
        (lambda p: p.run_page.job_db.setFilePath("/tmp/jobs.xlsx"), ".csv or .parquet"),
    ],
)
def test_bad_input_is_reported_and_nothing_starts(panel, desktop, qtbot, change, message):
    change(panel)
    qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    assert panel.viewer is None
    warnings = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Warning)
    assert any(message in m for m in warnings), warnings


def test_unreachable_backend_is_reported(panel, desktop, qtbot):
    clear_connections()
    add_connection("http://127.0.0.1:9", "Nowhere")
    panel.backends.reload()
    assert run_and_wait(panel, qtbot) == {}
    errors = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Critical)
    assert any("Cannot reach 127.0.0.1:9" in m for m in errors), errors


def test_a_layer_that_refuses_the_statuses_is_named_in_the_bar(panel, grid_layer, desktop):
    """What the feed says when the grid's file refuses writes (the refusal itself, with
    a real locked GeoPackage: test_layer_updates.py) reaches the user, naming the layer."""
    desktop.iface.messageBar().clear_messages()
    panel.layer_feed.refused.emit("database is locked")
    warnings = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Warning)
    assert any(grid_layer.name() in m and "database is locked" in m for m in warnings), warnings


def test_open_seed_tracker_shows_statuses_on_the_map(panel, desktop, qtbot, tmp_path):
    from tests.core.jobs.test_database import SEED_TRACKER

    path = tmp_path / "job_tracker.csv"
    path.write_text(SEED_TRACKER)
    with qtbot.waitSignal(panel.job_db_opened, timeout=20_000) as blocker:
        panel.open_job_db(str(path))
    layer = blocker.args[0]
    assert layer.crs().authid() == "EPSG:4326"
    assert sorted(f["status"] for f in layer.getFeatures()) == ["finished", "not_started"]
    assert layer.renderer().classAttribute() == "status"
    assert panel.layer is layer
    assert panel.job_db_path() == str(path)


def test_open_corrupt_job_db_is_reported(panel, desktop, qtbot, tmp_path):
    path = tmp_path / "broken.csv"
    path.write_bytes(b"\x00\xff" * 100)
    panel.open_job_db(str(path))
    qtbot.waitUntil(
        lambda: bool(desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Critical)),
        timeout=10_000,
    )
    assert "Cannot read" in desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Critical)[0]
    assert path.read_bytes() == b"\x00\xff" * 100


def test_load_results_adds_one_raster_per_tile(panel, grid_layer, qtbot):
    assert run_and_wait(panel, qtbot) == {"finished": 6}
    layers = panel.load_results()
    assert len(layers) == 6
    assert all(r.isValid() and r.crs().authid() == "EPSG:32631" for r in layers)
    tile = next(grid_layer.getFeatures())
    raster = next(r for r in layers if r.name() == tile["tile_id"])
    assert raster.extent() == tile.geometry().boundingBox()


def test_job_db_of_another_grid_is_refused(panel, desktop, qtbot, tmp_path):
    from tests.core.jobs.test_database import SEED_TRACKER

    (tmp_path / "jobs.csv").write_text(SEED_TRACKER)
    assert run_and_wait(panel, qtbot) == {}
    errors = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Critical)
    assert any("holds other tiles" in m for m in errors), errors
    assert (tmp_path / "jobs.csv").read_text() == SEED_TRACKER


def test_default_job_db_is_always_a_new_file(tmp_path, qgis_new_project):
    from openeo_grid_jobs.ui.adapters.project_runs import default_job_db

    QgsProject.instance().setFileName(str(tmp_path / "project.qgz"))
    first = default_job_db("Grid 5000 m (31N)")
    assert first == tmp_path / "Grid_5000_m_31N.jobs.csv"
    first.write_text("status\n")
    assert default_job_db("Grid 5000 m (31N)") == tmp_path / "Grid_5000_m_31N-2.jobs.csv"
