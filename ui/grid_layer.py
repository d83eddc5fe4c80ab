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
    import geopandas as gpd
    import pandas as pd
    import pyproj

    from ..core.grid import Grid

QVARIANT_TYPES = {"str": QVariant.String, "int": QVariant.LongLong, "float": QVariant.Double}
CHUNK = 50_000  # features handed to the provider at once (bounded memory)
STRING_WIDTH = 254  # the most a Shapefile (dBASE) text field holds


def grid_field(name: str, kind: str) -> QgsField:
    return QgsField(name, QVARIANT_TYPES[kind], len=STRING_WIDTH if kind == "str" else 0)


def qgis_crs(crs: pyproj.CRS) -> QgsCoordinateReferenceSystem:
    epsg = crs.to_epsg()
    if epsg:
        return QgsCoordinateReferenceSystem.fromEpsgId(epsg)
    return QgsCoordinateReferenceSystem.fromWkt(crs.to_wkt())


def create_grid_layer(grid: Grid, name: str | None = None) -> QgsVectorLayer:
    """A memory layer with the grid's tiles, all ``not_started``.

    Tiles are exact squares in the grid CRS (the layer's CRS); QGIS reprojects
    them on the fly for display.
    """
    name = name or f"Grid {grid.tile_size:g} m ({grid.zone_label})"
    return tiles_layer(grid.tiles, name)


def tiles_layer(tiles: gpd.GeoDataFrame, name: str) -> QgsVectorLayer:
    """A memory layer of ``tiles`` (tile fields as in core.schema, job fields empty)."""
    layer = QgsVectorLayer("Polygon", name, "memory")
    layer.setCrs(qgis_crs(tiles.crs))
    provider = layer.dataProvider()
    provider.addAttributes([grid_field(n, t) for n, t in GRID_FIELDS])
    layer.updateFields()

    fields = layer.fields()
    columns = [tiles[n].tolist() for n, _ in TILE_FIELDS]
    x0, y0, x1, y1 = (tiles.geometry.bounds[c].tolist() for c in ("minx", "miny", "maxx", "maxy"))
    rectangles = bool(tiles.geometry.geom_type.eq("Polygon").all()) and _are_boxes(tiles)
    wkb = None if rectangles else tiles.geometry.to_wkb().tolist()
    empty_job = [NOT_STARTED] + [None] * (len(GRID_FIELDS) - len(TILE_FIELDS) - 1)
    for start in range(0, len(tiles), CHUNK):
        batch = []
        for i in range(start, min(start + CHUNK, len(tiles))):
            feature = QgsFeature(fields)
            if wkb is None:
                geometry = QgsGeometry.fromRect(QgsRectangle(x0[i], y0[i], x1[i], y1[i]))
            else:
                geometry = QgsGeometry()
                geometry.fromWkb(wkb[i])
            feature.setGeometry(geometry)
            feature.setAttributes([c[i] for c in columns] + empty_job)
            batch.append(feature)
        provider.addFeatures(batch)
    layer.updateExtents()
    return layer


def _are_boxes(tiles: gpd.GeoDataFrame) -> bool:
    import numpy as np
    import shapely

    values = tiles.geometry.values
    return bool(np.allclose(shapely.area(values), shapely.area(shapely.envelope(values))))


def table_tiles(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Tiles of a job table (ours or a seed notebook's tracker) for :func:`tiles_layer`."""
    import geopandas as gpd
    import shapely

    from ..core.job_db import lonlat_frame

    lonlat = lonlat_frame(frame)
    bounds = shapely.bounds(lonlat.geometry.values)
    if "crs" in frame.columns and frame["crs"].notna().all() and "geometry" in frame.columns:
        geometry = gpd.GeoSeries(
            frame["geometry"]
            if frame["geometry"].dtype.name == "geometry"
            else shapely.from_wkt(frame["geometry"]),
            crs=frame["crs"].iloc[0],
        )
    else:
        geometry = lonlat.geometry
    return gpd.GeoDataFrame(
        {
            "tile_id": frame["tile_id"].astype(str),
            "col": frame["col"] if "col" in frame.columns else -1,
            "row": frame["row"] if "row" in frame.columns else -1,
            "west": bounds[:, 0],
            "south": bounds[:, 1],
            "east": bounds[:, 2],
            "north": bounds[:, 3],
        },
        geometry=geometry.values,
        crs=geometry.crs,
    )
