"""A run's results in the dock: the NDVI mosaic fills in on the map during the run.

Real QGIS layers, the real local back-end writing real NetCDF files, and the
dock's Jobs panel driving the run.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.connections import add_connection
from qgis.core import Qgis, QgsProject, QgsRasterLayer, QgsSingleBandPseudoColorRenderer
from qgis.PyQt.QtCore import Qt

RUN_TIMEOUT_MS = 90_000


@pytest.fixture
def panel(jobs_panel, local_backend):
    add_connection(local_backend.url, "Local", parallel_jobs=2)
    jobs_panel.backends.reload()
    return jobs_panel


def one_job_per_tile(panel, local_backend):
    from helpers.runs import assert_one_job_per_tile
    from openeo_grid_jobs.core.jobs.database import JobDatabase

    assert_one_job_per_tile([local_backend], JobDatabase(panel.job_db_path()).read())


def mosaics():
    from openeo_grid_jobs.ui.adapters.results import MOSAIC_PROPERTY

    return [
        layer
        for layer in QgsProject.instance().mapLayers().values()
        if isinstance(layer, QgsRasterLayer) and layer.customProperty(MOSAIC_PROPERTY)
    ]


def tiles_in(mosaic):
    """How many tile files the mosaic layer reads (its VRT's sources)."""
    from osgeo import gdal

    dataset = gdal.Open(mosaic.source())
    return len(dataset.GetFileList()) - 1


def drawn_share(layer) -> float:
    """The share of a 20×20 sample of ``layer`` rendered over its extent that is not blank."""
    from qgis.core import QgsMapRendererParallelJob, QgsMapSettings
    from qgis.PyQt.QtCore import QSize

    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(layer.crs())
    settings.setExtent(layer.extent())
    settings.setOutputSize(QSize(200, 200))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    samples = [(x, y) for x in range(5, 200, 10) for y in range(5, 200, 10)]
    return sum(image.pixelColor(x, y).alpha() > 0 for x, y in samples) / len(samples)


def tree_order():
    return [node.name() for node in QgsProject.instance().layerTreeRoot().children()]


def test_mosaic_fills_in_during_the_run(panel, grid_layer, local_backend, qtbot, monkeypatch):
    local_backend.knobs(job_duration=1.5)
    qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    # mid-run: one mosaic layer, over the tiles finished so far
    qtbot.waitUntil(lambda: len(mosaics()) == 1, timeout=30_000)
    assert panel.is_running(), "the mosaic should appear before the run ends"
    mosaic = mosaics()[0]
    first_tiles = tiles_in(mosaic)
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS):
        pass
    # it grows to all six 5 km tiles, still one layer, as soon as the run has ended
    # (not after the pause between the engine's rewrites during the run)
    six_tiles = 6 * 5000 * 5000

    def grown():
        return tiles_in(mosaic) == 6 and mosaic.extent().area() == pytest.approx(six_tiles)

    # the engine writes the last tiles before it says the run ended
    qtbot.waitUntil(grown, timeout=1500)
    one_job_per_tile(panel, local_backend)
    assert first_tiles < 6
    assert mosaics() == [mosaic]
    # the run in one line: counts, elapsed time, credits, downloaded size
    summary = panel.status.summary_label.text()
    assert summary.startswith("6 tiles: 6 finished · ")
    assert " credits · " in summary
    assert summary.endswith(("kB", "MB"))
    # NDVI colours over a fixed −1…1, below the grid, whose finished tiles are outlines
    renderer = mosaic.renderer()
    assert isinstance(renderer, QgsSingleBandPseudoColorRenderer)
    assert (renderer.classificationMin(), renderer.classificationMax()) == (-1.0, 1.0)
    assert drawn_share(mosaic) > 0.9  # really drawn over its whole extent
    order = tree_order()
    assert order.index(grid_layer.name()) < order.index(mosaic.name())
    finished = grid_layer.renderer().categories()[
        grid_layer.renderer().categoryIndexForValue("finished")
    ]
    assert finished.symbol().symbolLayer(0).brushStyle() == Qt.BrushStyle.NoBrush
    assert (panel.job_db_path().replace(".csv", "_results/mosaic.vrt")) == mosaic.source()
    # and a STAC catalog beside them, valid, one item per finished tile
    import pystac
    from helpers.stac_validation import offline_validation

    catalog_path = panel.job_db_path().replace(".csv", "_results/catalog.json")
    qtbot.waitUntil(lambda: Path(catalog_path).exists(), timeout=5000)
    with offline_validation(monkeypatch):
        assert pystac.Catalog.from_file(catalog_path).validate_all() == 6


def test_load_results_twice_adds_each_tile_once(panel, grid_layer, local_backend, qtbot):
    local_backend.knobs(job_duration=0.3)
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    one_job_per_tile(panel, local_backend)
    first = panel.load_results()
    assert len(first) == 6
    assert panel.load_results() == []  # already on the map: nothing added twice
    group = QgsProject.instance().layerTreeRoot().findGroup(f"{grid_layer.name()} — tiles")
    assert len(group.findLayers()) == 6
    assert not group.isExpanded()


def test_problems_say_why_tiles_failed(desktop, panel, grid_layer, local_backend, qtbot):
    """Two tiles run out of memory, one finds no data: the Problems list groups them by
    the back-end's own log line; picking a reason selects and zooms to its tiles; Show
    logs opens the failed job's full logs."""
    tiles = [str(f["tile_id"]) for f in grid_layer.getFeatures()]
    local_backend.knobs(
        job_duration=0.3,
        error_titles={
            tiles[0]: "OOM: Java heap space while processing",
            tiles[1]: "OOM: Java heap space while processing",
            tiles[2]: "NoDataAvailable: no data in extent",
        },
    )
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    one_job_per_tile(panel, local_backend)
    page = panel.problems_page
    reasons = {
        page.tree.topLevelItem(i).text(0): int(page.tree.topLevelItem(i).text(1))
        for i in range(page.tree.topLevelItemCount())
    }
    assert reasons == {"out of memory": 2, "no data in extent": 1}
    assert "3 tiles did not finish: out of memory: 2, no data in extent: 1" in page.summary.text()
    oom = page.tree.topLevelItem(0)
    assert "Java heap space" in oom.toolTip(0)  # the back-end's wording, in full

    oom.setSelected(True)
    assert sorted(str(f["tile_id"]) for f in grid_layer.selectedFeatures()) == sorted(tiles[:2])
    assert page.split_button.isEnabled()
    assert not page.logs_button.isEnabled()  # logs: one tile at a time
    oom.setSelected(False)
    oom.child(0).setSelected(True)
    assert page.logs_button.isEnabled()
    qtbot.mouseClick(page.logs_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.logs_dialog is not None, timeout=20_000)
    text = page.logs_dialog.text.toPlainText()
    assert "ERROR" in text
    assert "Java heap space" in text
    page.logs_dialog.close()


def test_split_and_retry_turns_a_failed_tile_into_four_finished(
    panel, grid_layer, local_backend, qtbot
):
    from helpers.runs import assert_one_job_per_tile
    from openeo_grid_jobs.core.jobs.database import JobDatabase

    big = str(next(iter(grid_layer.getFeatures()))["tile_id"])
    local_backend.knobs(job_duration=0.3, error_titles={big: "OOM: Java heap space"})
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    assert blocker.args[0] == {"finished": 5, "error": 1}
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=5000)
    local_backend.knobs(error_titles={})

    page = panel.problems_page
    page.tree.topLevelItem(0).child(0).setSelected(True)
    assert page.split_button.isEnabled()
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(page.split_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0] == {"finished": 9}
    tiles = {str(f["tile_id"]): f for f in grid_layer.getFeatures()}
    quarters = sorted(t for t in tiles if t.startswith(big + "_q"))
    assert quarters == [f"{big}_q{i}" for i in range(4)]
    assert big not in tiles
    assert {f["status"] for f in tiles.values()} == {"finished"}
    area = sum(tiles[q].geometry().area() for q in quarters)
    assert area == pytest.approx(5000 * 5000)  # the parent's square, in four
    assert_one_job_per_tile([local_backend], JobDatabase(panel.job_db_path()).read())
    assert page.tree.topLevelItemCount() == 0  # no problems left


def test_a_credit_budget_stops_launching_and_says_why(
    desktop, panel, grid_layer, local_backend, qtbot
):
    """Each 5 km tile over May–July costs 23 credits on the local back-end (0.01 per
    km² per day): a cap of 50 lets two jobs run, the rest are skipped with the reason."""
    from qgis.PyQt.QtCore import QDate

    local_backend.knobs(job_duration=0.3)
    panel.form.start.setDate(QDate(2024, 5, 1))  # the form keeps the last session's values
    panel.form.end.setDate(QDate(2024, 8, 1))
    panel.run_page.budget.setValue(50)
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    counts = blocker.args[0]
    assert counts == {"finished": 2, "skipped": 4}
    skipped = [f for f in grid_layer.getFeatures() if f["status"] == "skipped"]
    assert all("credit budget" in f["message"] for f in skipped)
    costs = [f["costs"] for f in grid_layer.getFeatures() if f["costs"]]
    assert costs == [pytest.approx(23.0)] * 2
    assert sum(costs) <= 50
    warnings = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Warning)
    assert any("budget" in m for m in warnings)
    assert "credit budget" in panel.problems_page.tree.topLevelItem(0).text(0)
    # "no cap" lifts the run's cap: the skipped tiles run, the others are not redone
    jobs = len(local_backend.all_jobs())
    panel.run_page.budget.setValue(0)
    qtbot.waitUntil(panel.buttons.run.isEnabled, timeout=5000)
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    bar = desktop.iface.messageBar()
    said = [bar.get_messages(level) for level in range(4)]
    assert blocker.args[0] == {"finished": 6}, said  # empty: the end not seen (and why)
    assert len(local_backend.all_jobs()) == jobs + 4
    one_job_per_tile(panel, local_backend)


def test_raster_opening_is_prepared_once_and_leaves_no_file(tmp_path, monkeypatch):
    """Before a run's first mosaic, QGIS's raster machinery is opened once in a session
    (a one-pixel raster in the grid's CRS), and the file it took is gone."""
    import tempfile

    from openeo_grid_jobs.ui.adapters import results
    from qgis.core import QgsCoordinateReferenceSystem

    monkeypatch.setattr(results, "_raster_opening_prepared", False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    crs = QgsCoordinateReferenceSystem("EPSG:32631")
    assert results.prepare_raster_opening(crs)  # a raster QGIS opened
    assert not results.prepare_raster_opening(crs)  # once is enough
    assert list(tmp_path.iterdir()) == []
