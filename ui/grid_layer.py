"""A built grid as a QGIS memory layer, one feature per tile."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QVariant

from ..core.schema import GRID_FIELDS, TILE_FIELDS
from ..core.statuses import NOT_STARTED

if TYPE_CHECKING:
    from ..core.grid import Grid

QVARIANT_TYPES = {"str": QVariant.String, "int": QVariant.LongLong, "float": QVariant.Double}
#: Marks a layer as an openEO Grid Jobs grid (custom property), with its tile size.
GRID_PROPERTY = "openeo_grid_jobs/tile_size"
CHUNK = 50_000  # features handed to the provider at once (bounded memory)
STRING_WIDTH = 254  # the most a Shapefile (dBASE) text field holds


def grid_field(name: str, kind: str) -> QgsField:
    return QgsField(name, QVARIANT_TYPES[kind], len=STRING_WIDTH if kind == "str" else 0)


def qgis_crs(grid: Grid) -> QgsCoordinateReferenceSystem:
    epsg = grid.crs.to_epsg()
    if epsg:
        return QgsCoordinateReferenceSystem.fromEpsgId(epsg)
    return QgsCoordinateReferenceSystem.fromWkt(grid.crs.to_wkt())


def create_grid_layer(grid: Grid, name: str | None = None) -> QgsVectorLayer:
    """A memory layer with the grid's tiles, all ``not_started``.

    Tiles are exact squares in the grid CRS (the layer's CRS); QGIS reprojects
    them on the fly for display.
    """
    name = name or f"Grid {grid.tile_size:g} m ({grid.zone_label})"
    layer = QgsVectorLayer("Polygon", name, "memory")
    layer.setCrs(qgis_crs(grid))
    provider = layer.dataProvider()
    provider.addAttributes([grid_field(n, t) for n, t in GRID_FIELDS])
    layer.updateFields()
    layer.setCustomProperty(GRID_PROPERTY, grid.tile_size)

    tiles = grid.tiles
    fields = layer.fields()
    columns = [tiles[n].tolist() for n, _ in TILE_FIELDS]
    x0, y0, x1, y1 = (tiles.geometry.bounds[c].tolist() for c in ("minx", "miny", "maxx", "maxy"))
    empty_job = [NOT_STARTED] + [None] * (len(GRID_FIELDS) - len(TILE_FIELDS) - 1)
    for start in range(0, len(tiles), CHUNK):
        batch = []
        for i in range(start, min(start + CHUNK, len(tiles))):
            feature = QgsFeature(fields)
            feature.setGeometry(QgsGeometry.fromRect(QgsRectangle(x0[i], y0[i], x1[i], y1[i])))
            feature.setAttributes([c[i] for c in columns] + empty_job)
            batch.append(feature)
        provider.addFeatures(batch)
    layer.updateExtents()
    return layer
