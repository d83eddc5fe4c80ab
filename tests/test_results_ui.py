"""A run's results in the dock: the NDVI mosaic fills in on the map during the run.

Real QGIS layers, the real local back-end writing real NetCDF files, and the
dock's Jobs panel driving the run.
"""

from __future__ import annotations

import pytest
from helpers.connections import add_connection
from qgis.core import QgsProject, QgsRasterLayer, QgsSingleBandPseudoColorRenderer
from qgis.PyQt.QtCore import Qt

RUN_TIMEOUT_MS = 90_000


@pytest.fixture
def panel(jobs_panel, local_backend):
    add_connection(local_backend.url, "Local", parallel_jobs=2)
    jobs_panel.backends.reload()
    return jobs_panel


def mosaics():
    from openeo_grid_jobs.ui.results import MOSAIC_PROPERTY

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


def tree_order():
    return [node.name() for node in QgsProject.instance().layerTreeRoot().children()]


def test_mosaic_fills_in_during_the_run(panel, grid_layer, local_backend, qtbot):
    local_backend.knobs(job_duration=1.5)
    qtbot.mouseClick(panel.run_button, Qt.LeftButton)
    # mid-run: one mosaic layer, over the tiles finished so far
    qtbot.waitUntil(lambda: len(mosaics()) == 1, timeout=30_000)
    assert panel.is_running(), "the mosaic should appear before the run ends"
    mosaic = mosaics()[0]
    first_tiles = tiles_in(mosaic)
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS):
        pass
    # it grows to all six 5 km tiles, still one layer
    six_tiles = 6 * 5000 * 5000

    def grown():
        return tiles_in(mosaic) == 6 and mosaic.extent().area() == pytest.approx(six_tiles)

    qtbot.waitUntil(grown, timeout=10_000)
    assert first_tiles < 6
    assert mosaics() == [mosaic]
    # the run in one line: counts, elapsed time, credits, downloaded size
    summary = panel.summary_label.text()
    assert summary.startswith("6 tiles: 6 finished · ")
    assert " credits · " in summary
    assert summary.endswith(("kB", "MB"))
    # NDVI colours over a fixed −1…1, below the grid, whose finished tiles are outlines
    renderer = mosaic.renderer()
    assert isinstance(renderer, QgsSingleBandPseudoColorRenderer)
    assert (renderer.classificationMin(), renderer.classificationMax()) == (-1.0, 1.0)
    order = tree_order()
    assert order.index(grid_layer.name()) < order.index(mosaic.name())
    finished = grid_layer.renderer().categories()[
        grid_layer.renderer().categoryIndexForValue("finished")
    ]
    assert finished.symbol().symbolLayer(0).brushStyle() == Qt.NoBrush
    assert (panel.job_db.filePath().replace(".csv", "_results/mosaic.vrt")) == mosaic.source()


def test_load_results_twice_adds_each_tile_once(panel, grid_layer, local_backend, qtbot):
    local_backend.knobs(job_duration=0.3)
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(panel.run_button, Qt.LeftButton)
    first = panel.load_results()
    assert len(first) == 6
    assert panel.load_results() == []  # already on the map: nothing added twice
    group = QgsProject.instance().layerTreeRoot().findGroup(f"{grid_layer.name()} — tiles")
    assert len(group.findLayers()) == 6
    assert not group.isExpanded()
