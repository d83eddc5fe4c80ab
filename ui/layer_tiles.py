"""A grid layer's tiles, taken on the main thread and read in another one.

Reading the tiles is Python holding the interpreter's lock, in proportion to them;
the Run click only takes a feature source (a snapshot of the layer's provider
that any thread may read) and the read happens where the run is started.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.units import DATE_COLUMNS


@dataclass
class LayerTiles:
    """A layer's (or a Processing source's) tiles: feature source, fields, CRS."""

    source: Any  # QgsAbstractFeatureSource, or a Processing QgsFeatureSource
    fields: Any  # QgsFields
    crs: Any  # QgsCoordinateReferenceSystem

    @classmethod
    def of(cls, layer: Any) -> LayerTiles:
        from qgis.core import QgsVectorLayerFeatureSource

        return cls(QgsVectorLayerFeatureSource(layer), layer.fields(), layer.crs())

    def frame(self) -> Any:
        """The tiles (tile_id, col, row, square) as a GeoDataFrame for the run; a unit
        layer's (:mod:`.units_source`) without col/row, which its units do not have, and
        with their own start_date/end_date when it has them (each unit's window)."""
        import geopandas as gpd
        import shapely
        from qgis.core import QgsFeatureRequest

        dated = [c for c in DATE_COLUMNS if self.fields.indexOf(c) >= 0]  # units' own
        request = QgsFeatureRequest()
        request.setSubsetOfAttributes(["tile_id", "col", "row", *dated], self.fields)
        ids, cols, rows, wkb = [], [], [], []
        dates: dict[str, list] = {c: [] for c in dated}
        for feature in self.source.getFeatures(request):
            ids.append(str(feature["tile_id"]))
            cols.append(_value(feature["col"]))
            rows.append(_value(feature["row"]))
            for column in dated:
                dates[column].append(_value(feature[column]))
            wkb.append(bytes(feature.geometry().asWkb()))
        authid = self.crs.authid()
        crs = authid if authid.upper().startswith("EPSG:") else self.crs.toWkt()
        columns: dict[str, list] = {"tile_id": ids}
        if any(c is not None for c in cols):
            columns.update(col=cols, row=rows)
        columns.update(dates)
        return gpd.GeoDataFrame(columns, geometry=shapely.from_wkb(wkb), crs=crs)


def _value(value: Any) -> Any:
    """QGIS's NULL as None."""
    from qgis.PyQt.QtCore import QVariant

    return None if isinstance(value, QVariant) and value.isNull() else value
