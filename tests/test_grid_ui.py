"""The grid in QGIS: memory layer, status renderer, legend counts, export, dock panel."""

from __future__ import annotations

import pytest
from openeo_grid_jobs.core.grid import build_grid
from openeo_grid_jobs.core.schema import GRID_FIELDS
from openeo_grid_jobs.core.statuses import STATUSES
from openeo_grid_jobs.ui.export import ExportError, export_layer
from openeo_grid_jobs.ui.grid_layer import create_grid_layer
from openeo_grid_jobs.ui.grid_panel import SOURCE_LAYER, SOURCE_SELECTION, GridPanel
from openeo_grid_jobs.ui.status_style import apply_status_style
from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsGeometry,
    QgsLayerTreeLayer,
    QgsPointXY,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import Qt, QVariant
from qgis.PyQt.QtGui import QColor

ANTWERP = (4.2, 51.1, 4.6, 51.35)
SEED_COLOURS = {
    "not_started": "lightgrey",
    "created": "gold",
    "queued": "lightsteelblue",
    "running": "navy",
    "finished": "lime",
    "error": "darkred",
    "skipped": "darkorange",
}


@pytest.fixture
def grid_layer(qgis_new_project):
    layer = create_grid_layer(build_grid(ANTWERP, "EPSG:4326", 5000))
    QgsProject.instance().addMapLayer(layer)
    apply_status_style(layer)
    return layer


def test_memory_layer_fields_and_features(grid_layer):
    assert grid_layer.providerType() == "memory"
    assert grid_layer.crs().authid() == "EPSG:32631"
    assert [f.name() for f in grid_layer.fields()] == [n for n, _ in GRID_FIELDS]
    assert all(len(f.name()) <= 10 for f in grid_layer.fields())
    assert grid_layer.fields().field("status").type() == QVariant.String
    assert grid_layer.featureCount() == 42
    features = list(grid_layer.getFeatures())
    assert {f["status"] for f in features} == {"not_started"}
    first = features[0]
    assert first["tile_id"] == f"31N_{first['col']}_{first['row']}"
    assert first.geometry().boundingBox() == QgsRectangle(
        first["col"] * 5000,
        first["row"] * 5000,
        first["col"] * 5000 + 5000,
        first["row"] * 5000 + 5000,
    )


def test_renderer_has_a_category_per_status_with_seed_colours(grid_layer):
    renderer = grid_layer.renderer()
    assert renderer.type() == "categorizedSymbol"
    assert renderer.classAttribute() == "status"
    colours = {c.value(): c.symbol().color() for c in renderer.categories()}
    assert set(STATUSES) <= set(colours)
    for status, name in SEED_COLOURS.items():
        expected = QColor(name)
        assert colours[status].rgb() == expected.rgb(), status


def symbol_counts(layer) -> dict[str, int]:
    counter = layer.countSymbolFeatures()
    if counter is not None:
        counter.waitForFinished()
    keys = {item.label(): item.ruleKey() for item in layer.renderer().legendSymbolItems()}
    return {label: layer.featureCount(key) for label, key in keys.items()}


def test_legend_counts_follow_statuses(grid_layer):
    from openeo_grid_jobs.core.runner import TileUpdate
    from openeo_grid_jobs.ui.layer_updates import GridLayerUpdater

    node = QgsProject.instance().layerTreeRoot().findLayer(grid_layer.id())
    assert isinstance(node, QgsLayerTreeLayer)
    assert node.customProperty("showFeatureCount") in (True, "true", 1)
    assert node.isExpanded()
    assert symbol_counts(grid_layer)["not_started"] == 42  # counted (and cached) once
    tiles = [f["tile_id"] for f in grid_layer.getFeatures()]
    updater = GridLayerUpdater(grid_layer)

    def update(tile_id, status):
        return TileUpdate(0, tile_id, status, "j-1", "local", None, None, None, None, None)

    updater.apply([update(t, "finished") for t in tiles[:5]])
    assert symbol_counts(grid_layer)["finished"] == 5
    updater.apply([update(t, "running") for t in tiles[5:8]])
    counts = symbol_counts(grid_layer)
    assert (counts["finished"], counts["running"], counts["not_started"]) == (5, 3, 34)
    assert updater.counts() == {"finished": 5, "running": 3, "not_started": 34}


@pytest.mark.parametrize("suffix", [".shp", ".gpkg", ".geojson"])
def test_export_round_trip(grid_layer, tmp_path, suffix):
    status = grid_layer.fields().indexOf("status")
    first = next(grid_layer.getFeatures())
    grid_layer.dataProvider().changeAttributeValues({first.id(): {status: "error"}})
    path = export_layer(grid_layer, tmp_path / f"grid{suffix}")
    back = QgsVectorLayer(str(path), "back", "ogr")
    assert back.isValid()
    assert back.featureCount() == grid_layer.featureCount()
    names = [f.name() for f in back.fields()]
    for name, _ in GRID_FIELDS:  # every field kept under its own name (Shapefile too)
        assert name in names
    rows = {f["tile_id"]: f for f in back.getFeatures()}
    assert rows[first["tile_id"]]["status"] == "error"
    assert {f["status"] for f in back.getFeatures()} == {"error", "not_started"}
    if suffix == ".geojson":
        assert back.crs().authid() == "EPSG:4326"
        assert back.extent().xMinimum() == pytest.approx(4.2, abs=0.1)
    else:
        assert back.crs().authid() == "EPSG:32631"
        assert back.extent() == grid_layer.extent()


def test_export_unknown_extension(grid_layer, tmp_path):
    with pytest.raises(ExportError, match=r"\.gpkg, \.shp or \.geojson"):
        export_layer(grid_layer, tmp_path / "grid.txt")


# --- the dock's grid panel -----------------------------------------------------------------


@pytest.fixture
def panel(desktop, qgis_canvas, qgis_new_project, qtbot):
    qgis_canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    qgis_canvas.setExtent(QgsRectangle(*ANTWERP))
    desktop.iface.messageBar().clear_messages()
    panel = GridPanel(desktop.iface)
    qtbot.addWidget(panel)
    return panel


def bar_messages(desktop, level):
    return desktop.iface.messageBar().get_messages(level)


def test_create_grid_from_canvas_extent(panel, desktop, qgis_canvas, qtbot):
    canvas_extent = qgis_canvas.extent()
    with qtbot.waitSignal(panel.grid_created) as blocker:
        qtbot.mouseClick(panel.create_button, Qt.LeftButton)
    layer = blocker.args[0]
    assert layer.id() in QgsProject.instance().mapLayers()
    expected = build_grid(
        (
            canvas_extent.xMinimum(),
            canvas_extent.yMinimum(),
            canvas_extent.xMaximum(),
            canvas_extent.yMaximum(),
        ),
        "EPSG:4326",
        5000,
    )
    assert layer.featureCount() == len(expected.tiles)
    assert layer.renderer().type() == "categorizedSymbol"
    (message,) = bar_messages(desktop, Qgis.Success)
    assert f"{len(expected.tiles)} tiles of 5000 m" in message
    assert "EPSG:32631" in message
    assert "zone 31N" in message
    assert qgis_canvas.extent().contains(QgsRectangle(*ANTWERP))  # zoomed to the grid
    assert panel.export_button.isEnabled()


def polygon_layer() -> QgsVectorLayer:
    layer = QgsVectorLayer("Polygon?crs=EPSG:4326", "aoi", "memory")
    features = []
    for west in (4.3, 4.8):
        f = QgsFeature()
        ring = [QgsPointXY(west, 51.2), QgsPointXY(west + 0.1, 51.2), QgsPointXY(west, 51.25)]
        f.setGeometry(QgsGeometry.fromPolygonXY([ring]))
        features.append(f)
    layer.dataProvider().addFeatures(features)
    QgsProject.instance().addMapLayer(layer)
    return layer


def test_create_grid_from_layer_and_selection(panel):
    aoi = polygon_layer()
    panel.aoi_layer.setLayer(aoi)
    panel.source.setCurrentIndex(SOURCE_LAYER)
    both = panel.create_grid()
    aoi.selectByIds([next(aoi.getFeatures()).id()])
    panel.source.setCurrentIndex(SOURCE_SELECTION)
    one = panel.create_grid()
    assert 0 < one.featureCount() < both.featureCount()
    assert max(f["east"] for f in one.getFeatures()) < 4.6


def test_no_selection_is_reported(panel, desktop):
    panel.aoi_layer.setLayer(polygon_layer())
    panel.source.setCurrentIndex(SOURCE_SELECTION)
    assert panel.create_grid() is None
    (message,) = bar_messages(desktop, Qgis.Warning)
    assert "No features are selected" in message


def test_tile_limit_is_reported_and_nothing_added(panel, desktop):
    panel.tile_size.setValue(100)
    before = len(QgsProject.instance().mapLayers())
    assert panel.create_grid() is None
    (message,) = bar_messages(desktop, Qgis.Warning)
    assert "more than the limit of 10,000" in message
    assert len(QgsProject.instance().mapLayers()) == before


def test_geographic_grid_crs_is_reported(panel, desktop):
    panel.grid_crs.setCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
    assert panel.create_grid() is None
    assert "projected" in bar_messages(desktop, Qgis.Warning)[0]


def test_chosen_grid_crs_is_used(panel):
    panel.grid_crs.setCrs(QgsCoordinateReferenceSystem("EPSG:3035"))
    panel.tile_size.setValue(10_000)
    assert panel.create_grid().crs().authid() == "EPSG:3035"


def test_export_from_panel(panel, desktop, tmp_path):
    panel.create_grid()
    panel.export(str(tmp_path / "grid.shp"))
    assert (tmp_path / "grid.shp").exists()
    assert any("exported" in m for m in bar_messages(desktop, Qgis.Success))
    panel.export(str(tmp_path / "grid.csv"))
    assert "use .gpkg" in bar_messages(desktop, Qgis.Critical)[0]


def test_removing_the_layer_disables_export(panel):
    layer = panel.create_grid()
    QgsProject.instance().removeMapLayer(layer.id())
    assert panel.grid_layer is None
    assert not panel.export_button.isEnabled()
