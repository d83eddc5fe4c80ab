"""A grid layer's tiles, taken on the main thread and read in another one.

Reading the tiles is Python holding the interpreter's lock, in proportion to them;
the Run click only takes a feature source (a snapshot of the layer's provider
that any thread may read) and the read happens where the run is started, into the
plain values the run request carries (no pandas in QGIS's process).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ...core.engine.request import WireTiles, wire_tiles
from ...core.grid.units import DATE_COLUMNS


@dataclass
class LayerTiles:
    """A layer's (or a Processing source's) tiles: feature source, fields, CRS."""

    source: Any  # QgsAbstractFeatureSource, or a Processing QgsFeatureSource
    fields: Any  # QgsFields
    crs: Any  # QgsCoordinateReferenceSystem
    #: the fields bound to job parameters (:mod:`...core.jobs.parameters`), read too
    keep: list[str] = field(default_factory=list)
    #: the layer's name, for the message naming units without a bound value
    name: str = ""

    @classmethod
    def of(cls, layer: Any, keep: Sequence[str] = ()) -> LayerTiles:
        from qgis.core import QgsVectorLayerFeatureSource

        source = QgsVectorLayerFeatureSource(layer)
        return cls(source, layer.fields(), layer.crs(), list(keep), layer.name())

    def wire(self) -> WireTiles:
        """The tiles (tile_id, col, row, shape) as the run request carries them to the
        engine; a unit layer's (:mod:`.units_source`) without col/row, which its units do
        not have, and with their own start_date/end_date when it has them (each unit's
        window), and the fields bound to job parameters that it has.

        Read into plain lists, without pandas, shapely or geopandas (see
        :func:`~...core.engine.request.wire_tiles`): the engine, a process of its own,
        makes its table of them and checks each unit's bound values, naming the layer."""
        from qgis.core import QgsFeatureRequest

        dated = [c for c in DATE_COLUMNS if self.fields.indexOf(c) >= 0]  # units' own
        # a field missing here is refused when a new table is made from the tiles; a
        # resumed run's table has its values already
        kept = [c for c in self.keep if self.fields.indexOf(c) >= 0]
        request = QgsFeatureRequest()
        request.setSubsetOfAttributes(["tile_id", "col", "row", *dated, *kept], self.fields)
        ids, wkb = [], []
        columns: dict[str, list] = {c: [] for c in ("col", "row", *dated)}
        values: dict[str, list] = {c: [] for c in kept}
        for feature in self.source.getFeatures(request):
            ids.append(str(feature["tile_id"]))
            for column, cells in columns.items():
                cells.append(_value(feature[column]))
            for column, cells in values.items():
                cells.append(_value(feature[column]))
            wkb.append(bytes(feature.geometry().asWkb()))
        if all(c is None for c in columns["col"]):  # units: no col/row
            del columns["col"], columns["row"]
        authid = self.crs.authid()
        crs = authid if authid.upper().startswith("EPSG:") else self.crs.toWkt()
        return wire_tiles(crs, ids, wkb, columns, values, self.name)


def _value(value: Any) -> Any:
    """QGIS's NULL as None."""
    from qgis.PyQt.QtCore import QVariant

    return None if isinstance(value, QVariant) and value.isNull() else value
