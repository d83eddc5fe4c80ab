"""A grid layer's tiles, taken on the main thread and read in another one.

Reading a thousand tiles costs ~7 ms of Python holding the interpreter's lock;
the Run click only takes a feature source (a snapshot of the layer's provider
that any thread may read) and the read happens where the run is started.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
        """The tiles (tile_id, col, row, square) as a GeoDataFrame for the run."""
        import geopandas as gpd
        import shapely
        from qgis.core import QgsFeatureRequest

        request = QgsFeatureRequest()
        request.setSubsetOfAttributes(["tile_id", "col", "row"], self.fields)
        ids, cols, rows, wkb = [], [], [], []
        for feature in self.source.getFeatures(request):
            ids.append(str(feature["tile_id"]))
            cols.append(feature["col"])
            rows.append(feature["row"])
            wkb.append(bytes(feature.geometry().asWkb()))
        authid = self.crs.authid()
        crs = authid if authid.upper().startswith("EPSG:") else self.crs.toWkt()
        return gpd.GeoDataFrame(
            {"tile_id": ids, "col": cols, "row": rows}, geometry=shapely.from_wkb(wkb), crs=crs
        )
