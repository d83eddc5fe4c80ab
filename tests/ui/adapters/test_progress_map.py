"""Job progress: kept in the job table, and shown on running tiles ("63 %"), checked on
the rendered map's labels."""

from __future__ import annotations

import threading

import pytest
from helpers.runs import backend, make_runner, small_grid, wait_until
from openeo_grid_jobs.ui.adapters.layer_updates import GridLayerUpdater
from openeo_grid_jobs.ui.adapters.status_style import (
    LABEL_MM,
    is_progress_labeling,
    label_scale,
    show_progress,
)
from qgis.core import (
    QgsFeature,
    QgsGeometry,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsPalLayerSettings,
    QgsRectangle,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtCore import QSize

from tests.ui.adapters.test_layer_updates import tile_ids, update


def rendered_labels(layer, size: tuple[int, int] = (600, 400)) -> dict[str, str]:
    """tile_id -> label text, as the map renders ``layer`` over its extent."""
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(layer.crs())
    settings.setExtent(layer.extent())
    settings.setOutputSize(QSize(*size))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    results = job.takeLabelingResults()
    tile_of = {f.id(): f["tile_id"] for f in layer.getFeatures()}
    return {tile_of[label.featureId]: label.labelText for label in results.allLabels()}


def test_running_tiles_show_their_progress_and_nothing_else_is_labelled(grid_layer):
    ids = tile_ids(grid_layer)
    GridLayerUpdater(grid_layer).apply(
        [
            update(ids[0], status="running", progress=63.4),
            update(ids[1], status="running"),  # a back-end that reports no progress
            update(ids[2], status="queued", progress=0.0),
            update(ids[3], status="finished", progress=100.0),
            update(ids[4], status="running", progress=7.0),
        ]
    )
    assert rendered_labels(grid_layer) == {ids[0]: "63 %", ids[4]: "7 %"}
    # zoomed out until a tile is a few pixels wide: colours only, no carpet of numbers
    assert rendered_labels(grid_layer, (24, 16)) == {}


def test_labels_are_placed_only_at_scales_where_one_can_fit_in_a_tile(grid_layer):
    """Zoomed out past a label's width per tile, QGIS would still evaluate and try to
    place a label on every running tile to show none (85 ms of a 10,000-tile map's
    120): the rule stops at the scale where the widest tile is LABEL_MM wide."""
    rule = grid_layer.labeling().rootRule().children()[0]
    assert rule.minimumScale() == pytest.approx(5000 * 1000 / LABEL_MM)  # 5 km tiles: 1:625,000
    ids = tile_ids(grid_layer)
    GridLayerUpdater(grid_layer).apply([update(ids[0], status="running", progress=63.4)])
    # the 3 tiles across 136 px (96 dpi): 12 mm a tile, 1:417,000: the label still fits
    assert rendered_labels(grid_layer, (136, 91)) == {ids[0]: "63 %"}
    # a units layer in degrees: measured in metres all the same
    fields = QgsVectorLayer("Polygon?crs=EPSG:4326", "units", "memory")
    feature = QgsFeature()
    feature.setGeometry(QgsGeometry.fromRect(QgsRectangle(4.0, 51.0, 4.1, 51.05)))
    fields.dataProvider().addFeatures([feature])
    assert label_scale(fields) == pytest.approx(0.1 * 111_319.5 * 1000 / LABEL_MM, rel=0.01)
    assert label_scale(QgsVectorLayer("Polygon?crs=EPSG:4326", "empty", "memory")) == 0


def test_labels_the_user_set_are_kept(grid_layer):
    own = QgsPalLayerSettings()
    own.fieldName = "tile_id"
    own.setFormat(QgsTextFormat())
    grid_layer.setLabeling(QgsVectorLayerSimpleLabeling(own))
    grid_layer.setLabelsEnabled(True)
    show_progress(grid_layer)
    assert not is_progress_labeling(grid_layer)
    assert grid_layer.labeling().settings().fieldName == "tile_id"


def test_progress_of_a_real_run_appears_on_the_map_mid_run(grid_layer, local_backend, tmp_path):
    local_backend.knobs(job_duration=4.0)
    updates: list = []
    runner = make_runner(
        tmp_path, [backend(local_backend.url, parallel=6)], small_grid(3, 2), poll=0.2
    )
    runner.on_update = updates.extend
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,), daemon=True)
    thread.start()
    try:

        def some_progress() -> bool:
            return any(
                u.status == "running" and u.progress and 0 < u.progress < 100 for u in list(updates)
            )

        wait_until(some_progress, timeout=20)
        GridLayerUpdater(grid_layer).apply(list(updates))  # as the dock does, main thread
        labels = rendered_labels(grid_layer)
        assert labels
        percents = [int(text.removesuffix(" %")) for text in labels.values()]
        assert all(0 <= p < 100 for p in percents), labels
        assert all(text.endswith(" %") for text in labels.values())
        thread.join(30)
        assert not thread.is_alive()
    finally:
        stop.set()
    on_disk = runner.db.read()
    assert list(on_disk["progress"]) == [100.0] * 6  # finished jobs report 100
