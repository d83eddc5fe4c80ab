"""A built grid as a QGIS memory layer, one feature per tile.

Filling the layer is the costly part of making a large grid: every feature
crosses from Python into QGIS. The squares are therefore handed over as one WKB
blob per chunk (QGIS splits it in C++), the empty job fields are left for the
memory provider to fill with NULL, and one reused feature goes to the provider
tile by tile (``addFeatures`` of a list returns a copy of every feature to
Python). See ``benchmarks/grid.py``.
"""

from __future__ import annotations

import gc
import struct
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import repeat
from typing import TYPE_CHECKING, Protocol

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP, QVariant

from ...core.definitions import NOT_STARTED
from ...core.grid.schema import GRID_FIELDS, TILE_FIELDS
from ..i18n import translate
from . import field_types
from .qgis_objects import present

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy.typing as npt
    import pandas as pd
    import pyproj

    from ...core.grid.grid import Grid

#: ``int`` is a 32-bit Integer of at most 9 digits, which a Shapefile keeps an integer
#: (GDAL reads 10 digits and more back as Integer64, and writes 64-bit fields as Real);
#: indices beyond that (absurdly small tiles) get a LongLong field instead.
FIELD_TYPES = {"str": field_types.STRING, "int": field_types.INT, "float": field_types.DOUBLE}
INT_WIDTH = 9
INT_RANGE = (-(10 ** (INT_WIDTH - 1)) + 1, 10**INT_WIDTH - 1)  # with a minus sign: one less
#: Features built and handed over at once: small enough that Cancel and the progress
#: bar react at once, and that the main thread never waits long for Python's GIL.
CHUNK = 2_000
STRING_WIDTH = 254  # the most a Shapefile (dBASE) text field holds
#: The lon/lat bounds sit in a metric (UTM) layer: say so wherever fields are shown
#: (in English here; :func:`field_aliases` in the user's language).
FIELD_ALIASES = {
    "west": QT_TRANSLATE_NOOP("GridLayer", "west (lon °, WGS 84)"),
    "south": QT_TRANSLATE_NOOP("GridLayer", "south (lat °, WGS 84)"),
    "east": QT_TRANSLATE_NOOP("GridLayer", "east (lon °, WGS 84)"),
    "north": QT_TRANSLATE_NOOP("GridLayer", "north (lat °, WGS 84)"),
}
_WKB_COLLECTION = struct.Struct("<BII")  # little endian, GeometryCollection, part count
#: Every new tile's status, converted to a QVariant once: PyQt converts a Python str
#: anew for every feature (a few % of the fill), a QVariant is merely copied.
_NOT_STARTED = QVariant(NOT_STARTED)
# A tile's values are its TILE_FIELDS and then its status; the provider pads the rest
# (tests/ui/widgets/test_grid_panel.py holds GRID_FIELDS to that order).


class Feedback(Protocol):
    """What filling a layer reports to: a QgsFeedback, or a QgsTask."""

    def setProgress(self, progress: float) -> None: ...  # noqa: N802 (Qt's name)

    def isCanceled(self) -> bool: ...  # noqa: N802 (Qt's name)


class FillCanceledError(Exception):
    """The feedback was canceled while the layer was being filled."""


def field_aliases() -> dict[str, str]:
    """The aliases of the lon/lat fields in the user's language."""
    return {name: translate("GridLayer", alias) for name, alias in FIELD_ALIASES.items()}


def grid_field(name: str, kind: str, wide_ints: bool = False) -> QgsField:
    if kind == "int" and wide_ints:
        return QgsField(name, field_types.LONG_LONG)
    width = {"str": STRING_WIDTH, "int": INT_WIDTH}.get(kind, 0)
    return QgsField(name, FIELD_TYPES[kind], len=width)


def ensure_job_fields(layer: QgsVectorLayer) -> list[str]:
    """Add the job fields a grid saved by an older version lacks (e.g. ``ended``).

    A project's grid or an exported grid outlives the plugin version that made
    it; rather than refusing it, give it the missing (empty) fields. Returns
    their names.
    """
    from ...core.grid.schema import JOB_FIELDS

    names = set(layer.fields().names())
    missing = [(n, kind) for n, kind in JOB_FIELDS if n not in names]
    if missing and present(layer.dataProvider(), "layer's data provider").addAttributes(
        [grid_field(n, k) for n, k in missing]
    ):
        layer.updateFields()
        if "progress" in dict(missing):  # a grid from before progress: label it now
            from .status_style import show_progress

            show_progress(layer)
    return [n for n, _ in missing]


def qgis_crs(crs: pyproj.CRS) -> QgsCoordinateReferenceSystem:
    epsg = crs.to_epsg()
    if epsg:
        return QgsCoordinateReferenceSystem.fromEpsgId(epsg)
    return QgsCoordinateReferenceSystem.fromWkt(crs.to_wkt())


def create_grid_layer(
    grid: Grid, name: str | None = None, feedback: Feedback | None = None
) -> QgsVectorLayer:
    """A memory layer with the grid's tiles, all ``not_started``.

    Tiles are exact squares in the grid CRS (the layer's CRS); QGIS reprojects
    them on the fly for display. ``feedback`` gets the progress (0-100) and may
    cancel (:class:`FillCanceledError`); the layer may be made in a worker thread.
    """
    name = name or translate("GridLayer", "Grid {size} m ({zone})").format(
        size=f"{grid.tile_size:g}", zone=grid.zone_label
    )
    x0, y0, x1, y1 = grid.box_bounds()
    columns = [grid.tile_ids, grid.cols.tolist(), grid.rows.tolist(), *grid.lonlat.T.tolist()]

    def geometries(start: int, stop: int) -> list[QgsGeometry]:
        return _split(_boxes_wkb(x0[start:stop], y0[start:stop], x1[start:stop], y1[start:stop]))

    return _filled_layer(
        name, qgis_crs(grid.crs), columns, geometries, _wide(grid.cols, grid.rows), feedback
    )


def tiles_layer(
    tiles: gpd.GeoDataFrame, name: str, feedback: Feedback | None = None
) -> QgsVectorLayer:
    """A memory layer of ``tiles`` (tile fields as in core.grid.schema, job fields empty)."""
    import shapely

    columns = [tiles[n].tolist() for n, _ in TILE_FIELDS]
    wkb = shapely.to_wkb(tiles.geometry.values).tolist()

    def geometries(start: int, stop: int) -> list[QgsGeometry]:
        return _geometries(wkb[start:stop])

    wide = _wide(tiles["col"].to_numpy(), tiles["row"].to_numpy())
    return _filled_layer(name, qgis_crs(tiles.crs), columns, geometries, wide, feedback)


def _filled_layer(
    name: str,
    crs: QgsCoordinateReferenceSystem,
    columns: Sequence[list],
    geometries: Callable[[int, int], list[QgsGeometry]],  # of the tiles start:stop
    wide_ints: bool,
    feedback: Feedback | None,
) -> QgsVectorLayer:
    """A memory layer of the tiles in ``columns`` (TILE_FIELDS order), chunk by chunk."""
    layer = QgsVectorLayer("Polygon", name, "memory")
    layer.setCrs(crs)
    provider = present(layer.dataProvider(), "layer's data provider")
    provider.addAttributes([grid_field(n, t, wide_ints) for n, t in GRID_FIELDS])
    layer.updateFields()
    fields = layer.fields()
    for field_name, alias in field_aliases().items():
        layer.setFieldAlias(fields.indexOf(field_name), alias)

    # One feature, refilled for every tile: the provider keeps a copy of what it is
    # given (Qt's implicit sharing: no deep copy until the next tile changes it), and
    # Python makes and frees no feature per tile.
    feature = QgsFeature()
    add, set_geometry, set_attributes = (
        provider.addFeature,
        feature.setGeometry,
        feature.setAttributes,
    )
    count = len(columns[0])
    with _no_gc():
        for start in range(0, count, CHUNK):
            stop = min(start + CHUNK, count)
            # The job fields after status are NULL: the memory provider pads the
            # attributes it is not given (fewer values to convert).
            for geometry, *values in zip(
                geometries(start, stop), *(c[start:stop] for c in columns), repeat(_NOT_STARTED)
            ):
                set_geometry(geometry)
                set_attributes(values)
                add(feature)
            if feedback is not None:
                if feedback.isCanceled():
                    raise FillCanceledError
                feedback.setProgress(100.0 * stop / count)
    layer.updateExtents()
    return layer


def _wide(*indices: npt.ArrayLike) -> bool:
    """Whether tile indices need 64-bit fields (absurdly small tiles: never in practice)."""
    import numpy as np

    lo, hi = INT_RANGE
    for values in indices:
        known = np.asarray(values, dtype=float)  # a table's missing index: NaN
        known = known[np.isfinite(known)]
        if len(known) and (known.min() < lo or known.max() > hi):
            return True
    return False


def _boxes_wkb(x0, y0, x1, y1) -> bytes:
    """WKB of a GeometryCollection of the squares (numpy, no Python per square)."""
    import numpy as np

    record = np.dtype(
        [("order", "u1"), ("type", "<u4"), ("rings", "<u4"), ("points", "<u4"), ("xy", "<f8", 10)]
    )
    parts = np.zeros(len(x0), dtype=record)
    parts["order"], parts["type"], parts["rings"], parts["points"] = 1, 3, 1, 5
    # The ring as shapely.box draws it (counter-clockwise from the lower right corner).
    xy = parts["xy"]
    for k, (x, y) in enumerate(((x1, y0), (x1, y1), (x0, y1), (x0, y0), (x1, y0))):
        xy[:, 2 * k], xy[:, 2 * k + 1] = x, y
    return _WKB_COLLECTION.pack(1, 7, len(parts)) + parts.tobytes()


def _split(collection_wkb: bytes) -> list[QgsGeometry]:
    collection = QgsGeometry()
    collection.fromWkb(collection_wkb)
    return collection.asGeometryCollection()


def _geometries(wkb: list[bytes | None]) -> list[QgsGeometry]:
    """QGIS geometries of WKB items (None: no geometry), split from one blob in C++."""
    parts = [b for b in wkb if b is not None]
    split = _split(_WKB_COLLECTION.pack(1, 7, len(parts)) + b"".join(parts)) if parts else []
    if len(split) != len(parts):  # an empty part QGIS skips: one by one, then
        split = []
        for part in parts:
            geometry = QgsGeometry()
            geometry.fromWkb(part)
            split.append(geometry)
    it = iter(split)
    return [next(it) if b is not None else QgsGeometry() for b in wkb]


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector: the fill makes a few objects per tile,
    none of them cyclic, and the collector would otherwise scan the heap again and
    again while it grows."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def table_tiles(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Tiles of a job table (ours or a seed notebook's tracker) for :func:`tiles_layer`;
    a run with time windows gives one per unit (its rows are shown on it)."""
    import geopandas as gpd
    import shapely

    from ...core.jobs.table import lonlat_frame

    if "unit_id" in frame.columns:
        frame = frame.drop_duplicates("unit_id")
        frame = frame.assign(tile_id=frame["unit_id"].astype(str))

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


def replace_tiles(layer: QgsVectorLayer, parents: list[str], quarters: gpd.GeoDataFrame) -> int:
    """Put ``quarters`` (tiles as :func:`table_tiles` gives) in place of ``parents``.

    Split and retry changes the run's grid: the layer, a view of the job table,
    follows. Works on memory and file-backed layers (by field name). A tile the layer
    has already is not added again (a windowed run's piece unit split in another
    window, a run attached to again). Returns how many tiles were added.
    """
    from qgis.core import QgsFeatureRequest

    drop = set(parents)
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.Flag.NoGeometry)
    request.setSubsetOfAttributes(["tile_id"], layer.fields())
    ids = {f.id(): str(f["tile_id"]) for f in layer.getFeatures(request)}
    fids = [fid for fid, tile_id in ids.items() if tile_id in drop]
    kept = set(ids.values()) - drop
    made = tiles_layer(quarters, "quarters")
    fields = layer.fields()
    features = []
    for source in made.getFeatures():
        if str(source["tile_id"]) in kept:
            continue
        feature = QgsFeature(fields)
        for name in made.fields().names():
            if fields.indexOf(name) >= 0:
                feature[name] = source[name]
        feature.setGeometry(source.geometry())
        features.append(feature)
    provider = present(layer.dataProvider(), "layer's data provider")
    provider.deleteFeatures(fids)
    ok, _ = provider.addFeatures(features)
    layer.updateExtents()
    layer.triggerRepaint()
    return len(features) if ok else 0
