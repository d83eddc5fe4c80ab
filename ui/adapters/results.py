"""A run's results on the map: one NDVI mosaic layer that fills in, tiles on demand.

The mosaic (a GDAL VRT over the finished tiles, rewritten as tiles finish) is
one raster layer per run, placed just below the status grid, whose finished
tiles turn to outlines so the NDVI shows through. The tiles' own files are
available in a collapsed group; loading them twice never adds them twice.
"""

from __future__ import annotations

import os
import tempfile
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsLayerTreeGroup,
    QgsProject,
    QgsRasterLayer,
    QgsVectorLayer,
)

from ...core.definitions import TileStatus
from ...core.jobs.rows import TileUpdate
from ...core.results.mosaic import NDVI_RANGE
from ..i18n import translate
from .qgis_objects import current_project, present

if TYPE_CHECKING:
    from qgis.core import QgsSingleBandPseudoColorRenderer

MOSAIC_PROPERTY = "openeo_grid_jobs/mosaic_of"  # the grid layer id a mosaic belongs to
_raster_opening_prepared = False


def add_results(
    grid: QgsVectorLayer, windows: dict[str, dict[str, TileUpdate]] | None = None
) -> tuple[list[QgsRasterLayer], list[str], int]:
    """Add the finished tiles' downloaded files not on the map yet, in one collapsed group.

    ``windows``: a windowed run's rows, unit -> window -> last update (each unit's
    polygon shows one window; every window's files are added, in a group per window).
    Returns the layers added, a message for each file that could not be opened,
    and how many results there are in all.
    """
    if windows:
        paths = [
            (unit, row.tile_id, str(row.result), window)
            for unit, rows in sorted(windows.items())
            for window, row in sorted(rows.items())
            if row.status == TileStatus.FINISHED and row.result and Path(str(row.result)).is_file()
        ]
    else:
        paths = [
            (str(f["tile_id"]), str(f["tile_id"]), str(f["result"]), "")
            for f in grid.getFeatures()
            if f["status"] == TileStatus.FINISHED
            and f["result"]
            and Path(str(f["result"])).is_file()
        ]
    if not paths:
        return [], [], 0
    project = current_project()
    group = _results_group(project, grid)
    shown = {
        Path(layer.source()) for node in group.findLayers() if (layer := node.layer()) is not None
    }
    layers, problems = [], []
    for name, row_id, path, window in paths:
        if Path(path) in shown:
            continue
        raster = QgsRasterLayer(path, name)
        if not raster.isValid():
            problems.append(
                translate("Results", "Cannot open the result of tile {tile}: {path}").format(
                    tile=row_id, path=path
                )
            )
            continue
        project.addMapLayer(raster, False)
        if window:
            window_group = group.findGroup(window) or group.addGroup(window)
            present(window_group, "results group").addLayer(raster)
        else:
            group.addLayer(raster)
        layers.append(raster)
    return layers, problems, len(paths)


def not_downloaded(
    grid: QgsVectorLayer, windows: dict[str, dict[str, TileUpdate]] | None = None
) -> bool:
    """Whether some finished tile of ``grid`` has no downloaded result (a run without
    downloads left it on the back-end, or its download failed); ``windows``: a windowed
    run's rows (every window's, not only the one each unit shows)."""
    if windows:
        return any(
            row.status == TileStatus.FINISHED and not row.result
            for rows in windows.values()
            for row in rows.values()
        )
    return any(f["status"] == TileStatus.FINISHED and not f["result"] for f in grid.getFeatures())


def not_submitted(
    grid: QgsVectorLayer, windows: dict[str, dict[str, TileUpdate]] | None = None
) -> int:
    """How many tiles (a windowed run's rows) have no job yet: a run started to fetch
    results would submit them, which *Load results* must never do."""
    if windows:
        return sum(
            row.status == TileStatus.NOT_STARTED
            for rows in windows.values()
            for row in rows.values()
        )
    return sum(f["status"] == TileStatus.NOT_STARTED for f in grid.getFeatures())


def _results_group(project: QgsProject, grid: QgsVectorLayer) -> QgsLayerTreeGroup:
    """The grid's results group (made once, below the grid, collapsed; one named in
    English, before a change of language, is found too)."""
    root = present(project.layerTreeRoot(), "layer tree")
    name = translate("Results", "{grid} — tiles").format(grid=grid.name())
    group = root.findGroup(name)
    if group is None:
        group = root.findGroup(f"{grid.name()} — tiles")
    if group is None:
        group = present(root.insertGroup(_below(project, grid), name), "results group")
        group.setExpanded(False)
    return group


def _below(project: QgsProject, grid: QgsVectorLayer) -> int:
    """The root position just below ``grid`` (or the end when it is in a group)."""
    root = present(project.layerTreeRoot(), "layer tree")
    node = root.findLayer(grid.id())
    children = root.children()
    return children.index(node) + 1 if node is not None and node in children else len(children)


def show_mosaic(grid: QgsVectorLayer, vrt: Path) -> QgsRasterLayer | None:
    """Show (or refresh) the run's mosaic below ``grid``, styled as NDVI; None if unreadable."""
    from .status_style import see_results_through

    project = current_project()
    layer = mosaic_of(project, grid)
    if layer is not None:
        provider = present(layer.dataProvider(), "mosaic's data provider")
        provider.reloadData()
        layer.setExtent(provider.extent())
        layer.triggerRepaint()
        return layer
    layer = QgsRasterLayer(str(vrt), translate("Results", "{grid} — NDVI").format(grid=grid.name()))
    if not layer.isValid():
        return None
    layer.setCustomProperty(MOSAIC_PROPERTY, grid.id())
    layer.setRenderer(ndvi_renderer(layer))
    project.addMapLayer(layer, False)
    present(project.layerTreeRoot(), "layer tree").insertLayer(_below(project, grid), layer)
    see_results_through(grid)
    return layer


def mosaic_of(project: QgsProject, grid: QgsVectorLayer) -> QgsRasterLayer | None:
    for layer in project.mapLayers().values():
        if isinstance(layer, QgsRasterLayer) and layer.customProperty(MOSAIC_PROPERTY) == grid.id():
            return layer
    return None


def ndvi_renderer(layer: QgsRasterLayer) -> QgsSingleBandPseudoColorRenderer:
    """Red (bare) → yellow → green (dense vegetation) over NDVI's fixed −1…1.

    A fixed range, not each tile's min/max: the same colour means the same NDVI
    in every tile, and the mosaic does not change colours as tiles arrive.
    """
    from qgis.core import (
        QgsColorRampShader,
        QgsRasterShader,
        QgsSingleBandPseudoColorRenderer,
        QgsStyle,
    )

    low, high = NDVI_RANGE
    ramp = present(QgsStyle.defaultStyle(), "default style").colorRamp("RdYlGn")
    shader = QgsColorRampShader(low, high, ramp)
    shader.classifyColorRamp(11, -1)
    raster_shader = QgsRasterShader(low, high)
    raster_shader.setRasterShaderFunction(shader)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, raster_shader)
    renderer.setClassificationMin(low)
    renderer.setClassificationMax(high)
    return renderer


def prepare_raster_opening(crs: QgsCoordinateReferenceSystem) -> bool:
    """Open (and drop) a one-pixel raster in ``crs``, once in QGIS's session, before a
    run's first mosaic comes; whether it was done now.

    The first raster layer of a session pays for QGIS's raster machinery (GDAL's drivers,
    the provider, the CRS's first look-up in this thread) on top of its own opening. The
    mosaic is opened on the main thread (the desktop's canvas does not draw a raster
    layer opened in another thread and handed over), so that cost is paid here, at a
    quiet moment after Run, as a stall of its own instead of one added to the first
    mosaic's (a run may finish its first tile while the map is being panned)."""
    global _raster_opening_prepared
    if _raster_opening_prepared:
        return False
    _raster_opening_prepared = True
    vrt = (
        '<VRTDataset rasterXSize="1" rasterYSize="1">'
        f"<SRS>{escape(crs.toWkt(), quote=False)}</SRS><GeoTransform>0,1,0,0,0,-1</GeoTransform>"
        '<VRTRasterBand dataType="Float32" band="1"/></VRTDataset>'
    )
    handle, path = tempfile.mkstemp(prefix="openeo-grid-jobs-", suffix=".vrt")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(vrt)
        layer = QgsRasterLayer(path, "prepare")
        opened = layer.isValid()
        del layer  # closes the file before it goes
    finally:
        Path(path).unlink(missing_ok=True)
    return opened
