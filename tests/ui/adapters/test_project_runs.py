"""Runs live in the QGIS project: saved with it, reopened as they were, resumed.

The whole dock (grid and jobs panels) on a real QGIS project, a real local
openEO back-end and real files. The fresh-process version of this story (two
QGIS desktops one after the other) is in test_desktop_project.py.
"""

from __future__ import annotations

from collections import Counter

import pytest
from helpers.connections import add_connection
from helpers.runs import assert_one_job_per_tile
from openeo_grid_jobs.core.jobs.database import JobDatabase
from qgis.core import Qgis, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import Qt

RUN_TIMEOUT_MS = 90_000


@pytest.fixture
def dock(desktop, auth_manager, local_backend, grid_layer, tmp_path, qtbot):
    from helpers.connections import clear_connections
    from openeo_grid_jobs.ui.widgets.dock import GridJobsDock

    desktop.iface.messageBar().clear_messages()
    clear_connections()
    add_connection(local_backend.url, "Local", parallel_jobs=2)
    dock = GridJobsDock(desktop.iface)
    qtbot.addWidget(dock)
    dock.jobs_panel.backends.reload()
    dock.jobs_panel.run_page.poll_interval.setValue(0.3)
    dock.grid_panel.set_grid_layer(grid_layer)
    dock.jobs_panel.run_page.job_db.setFilePath(str(tmp_path / "antwerp.jobs.csv"))
    yield dock
    dock.shutdown()


def statuses(layer):
    return {str(f["tile_id"]): f["status"] for f in layer.getFeatures()}


def legend_counts(layer):
    """What the Layers panel shows per status ("finished [6]"), as a real legend model
    (the one QGIS's layer tree uses) computes it; statuses with tiles only."""
    from qgis.core import QgsLayerTreeModel

    model = getattr(layer, "_test_legend", None)
    if model is None:  # one model per layer: it counts in the background, then updates
        model = QgsLayerTreeModel(QgsProject.instance().layerTreeRoot())
        layer._test_legend = model
    node = QgsProject.instance().layerTreeRoot().findLayer(layer.id())
    counts = {}
    for legend_node in model.layerLegendNodes(node):
        text = legend_node.data(Qt.ItemDataRole.DisplayRole)
        label, _, count = text.rpartition(" [")
        if count.rstrip("]").isdigit() and int(count.rstrip("]")):
            counts[label.split(" — ")[0]] = int(count.rstrip("]"))
    return counts


def status_counts(layer):
    return dict(Counter(statuses(layer).values()))


def run_part_and_stop(panel, layer, qtbot):
    """Run until some tiles are finished and others still out, then Stop."""
    qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)

    def some_finished_some_out():
        shown = set(statuses(layer).values())
        return "finished" in shown and bool(shown & {"queued", "running"})

    # not at the first finish: the next tiles' jobs may still be being made then
    qtbot.waitUntil(some_finished_some_out, timeout=30_000)
    with qtbot.waitSignal(panel.run_finished, timeout=10_000):
        qtbot.mouseClick(panel.buttons.stop, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=5000)
    # the legend's counts end right, whatever the counts in flight during the run
    qtbot.waitUntil(lambda: legend_counts(layer) == status_counts(layer), timeout=5000)


def reopen(path, dock, qtbot):
    """Close the project and open the saved file, as File > Open does."""
    project = QgsProject.instance()
    project.clear()
    assert dock.jobs_panel.layer is None
    with qtbot.waitSignal(dock.jobs_panel.job_db_opened, timeout=20_000):
        assert project.read(str(path))
    return dock.jobs_panel.layer


def test_save_reopen_resume_and_export(dock, grid_layer, local_backend, desktop, tmp_path, qtbot):
    local_backend.knobs(job_duration=1.5)
    panel = dock.jobs_panel
    name = grid_layer.name()
    run_part_and_stop(panel, grid_layer, qtbot)
    before = statuses(grid_layer)
    assert set(before.values()) - {"finished"}, "the run should be stopped half-way"

    project_path = tmp_path / "project" / "antwerp.qgz"
    project_path.parent.mkdir()
    assert QgsProject.instance().write(str(project_path))
    snapshot = tmp_path / "antwerp.jobs.gpkg"
    assert statuses(QgsVectorLayer(str(snapshot), "saved", "ogr")) == before

    layer = reopen(project_path, dock, qtbot)
    # the same layer, from its file, with every tile and its last statuses, at once
    assert layer.providerType() == "ogr"
    assert layer.name() == name
    assert layer.featureCount() == 6
    assert statuses(layer) == before
    qtbot.waitUntil(lambda: legend_counts(layer) == status_counts(layer), timeout=5000)
    assert panel.job_db_path() == str(tmp_path / "antwerp.jobs.csv")
    assert dock.grid_panel.grid_layer is layer
    assert dock.grid_panel.export_button.isEnabled()
    assert panel.buttons.run.isEnabled()
    assert panel.buttons.refresh.isEnabled()
    # the dock says the map is not tracked, and the legend marks what may be stale
    assert "Not tracking since" in panel.status.tracking_label.text()
    labels = {c.value(): c.label() for c in layer.renderer().categories()}
    assert "last known" in labels["running"]
    finished_before = list(before.values()).count("finished")
    assert f"finished {finished_before}" in panel.status.counts_label.text()
    # the project's runs list shows this run
    assert panel.run_page.runs.count() == 1
    assert name in panel.run_page.runs.itemText(0)

    jobs_before = len(local_backend.all_jobs())
    qtbot.waitUntil(panel.buttons.run.isEnabled, timeout=5000)
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    assert blocker.args[0] == {"finished": 6}
    assert set(statuses(layer).values()) == {"finished"}
    frame = JobDatabase(tmp_path / "antwerp.jobs.csv").read()
    assert_one_job_per_tile([local_backend], frame)
    unsubmitted = list(before.values()).count("not_started")
    assert len(local_backend.all_jobs()) == jobs_before + unsubmitted
    # written into the grid's file as the run went: a crash loses nothing on the map
    assert set(statuses(QgsVectorLayer(str(snapshot), "saved", "ogr")).values()) == {"finished"}
    assert "Not tracking" not in panel.status.tracking_label.text()

    shapefile = tmp_path / "export" / "antwerp.shp"
    shapefile.parent.mkdir()
    dock.grid_panel.export(str(shapefile))
    exported = QgsVectorLayer(str(shapefile), "exported", "ogr")
    assert set(statuses(exported).values()) == {"finished"}
    messages = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Success)
    assert any("Grid exported" in m for m in messages)


def test_refresh_polls_once_and_launches_nothing(
    dock, grid_layer, local_backend, qtbot, qgis_iface
):
    local_backend.knobs(job_duration=2.0)
    panel = dock.jobs_panel
    earlier = {j["id"] for j in local_backend.all_jobs()}  # other tests' (canceled) jobs
    run_part_and_stop(panel, grid_layer, qtbot)
    stale = statuses(grid_layer)
    assert "running" in stale.values() or "queued" in stale.values()

    def ours():
        return [j for j in local_backend.all_jobs() if j["id"] not in earlier]

    def settled():
        # this run's jobs, with those of launches cut by Stop (not in the job table yet:
        # the refresh adopts them by title); a launch cut between its create and its
        # start leaves a job that stays "created"
        return all(j["status"] in ("finished", "created") for j in ours())

    qtbot.waitUntil(settled, timeout=30_000)
    jobs = len(local_backend.all_jobs())
    qtbot.waitUntil(panel.buttons.refresh.isEnabled, timeout=5000)
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS) as refreshed:
        qtbot.mouseClick(panel.buttons.refresh, Qt.MouseButton.LeftButton)
    # an empty count means the refresh failed (e.g. could not connect): say why
    assert refreshed.args[0], qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Critical)
    fresh = statuses(grid_layer)
    assert len(local_backend.all_jobs()) == jobs, "Refresh must not submit anything"
    # each tile shows what the back-end holds for its job (found by its title); a tile
    # with no job keeps what it showed
    on_backend = {tile: j["status"] for j in ours() for tile in stale if f" {tile} [" in j["title"]}
    assert "finished" in on_backend.values()
    for tile, status in stale.items():
        assert fresh[tile] == on_backend.get(tile, status), tile
    assert "Not tracking since" in panel.status.tracking_label.text()
    assert_one_job_per_tile([local_backend], JobDatabase(panel.job_db_path()).read())


def test_open_job_database_reuses_the_layer_and_zooms(dock, grid_layer, local_backend, qtbot):
    local_backend.knobs(job_duration=0.3)
    panel = dock.jobs_panel
    qtbot.waitUntil(panel.buttons.run.isEnabled, timeout=5000)
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=5000)
    layers = len(QgsProject.instance().mapLayers())
    with qtbot.waitSignal(panel.job_db_opened, timeout=20_000):
        panel.open_job_db(panel.job_db_path())
    assert len(QgsProject.instance().mapLayers()) == layers, "opened twice, shown once"
    assert panel.layer is grid_layer
    assert "Not tracking" not in panel.status.tracking_label.text()  # nothing left to track
    assert panel.status.progress.value() == 6
    assert_one_job_per_tile([local_backend], JobDatabase(panel.job_db_path()).read())


def test_a_grid_saved_by_an_older_version_opens_and_resumes(
    dock, grid_layer, local_backend, tmp_path, qtbot
):
    """A project's grid written before the ``ended``/``duration`` fields existed still
    opens and runs: the missing fields are added, nothing is refused."""
    from openeo_grid_jobs.ui.adapters.project_runs import snapshot_path, write_snapshot

    local_backend.knobs(job_duration=0.3)
    panel = dock.jobs_panel
    job_db = tmp_path / "antwerp.jobs.csv"
    run_part_and_stop(panel, grid_layer, qtbot)
    old = write_snapshot(grid_layer, snapshot_path(job_db))
    saved = QgsVectorLayer(str(old), "old", "ogr")
    fields = saved.fields()
    assert saved.dataProvider().deleteAttributes(
        [fields.indexOf("ended"), fields.indexOf("duration")]
    )
    del saved
    project = QgsProject.instance()
    project.removeAllMapLayers()
    with qtbot.waitSignal(panel.job_db_opened, timeout=20_000):
        panel.open_job_db(str(job_db))
    layer = panel.layer
    assert layer.providerType() == "ogr"
    assert {"ended", "duration"} <= set(layer.fields().names())
    qtbot.waitUntil(panel.buttons.run.isEnabled, timeout=5000)
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    assert blocker.args[0] == {"finished": 6}
    # on the map too; a write the GeoPackage refused (held by another reader for an
    # instant) is written again a moment later (test_layer_updates.py)
    qtbot.waitUntil(lambda: all(f["ended"] for f in layer.getFeatures()), timeout=5000)
    assert_one_job_per_tile([local_backend], JobDatabase(job_db).read())
