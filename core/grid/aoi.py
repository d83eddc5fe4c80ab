"""The area of interest as one shapely geometry, in the grid CRS, and the tiles it meets.

Whatever the caller gives (an extent, a geometry, a layer's geometries) becomes
one valid geometry, reprojected with densified edges; which snapped tiles its
interior meets is then decided in bulk (corners first, squares only along the
edge). These are questions about the AOI's shape, apart from how the grid is laid
out and counted in :mod:`.grid`. (The QGIS side, reading the AOI from the canvas
or a layer, is ``ui/adapters/aoi.py``.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real
from typing import TYPE_CHECKING, Any

from ..errors import GridError
from .crs import transformer

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pyproj
    import shapely

#: Vertices per AOI edge when reprojecting: a bare 4-corner reprojection of a large
#: extent leaves uncovered strips along its (curved) edges.
DENSIFY_POINTS = 64


def aoi_geometry(aoi: Any) -> shapely.Geometry:
    """One shapely geometry from bounds, a geometry, or an iterable of geometries."""
    import shapely

    if isinstance(aoi, shapely.Geometry):
        geom = aoi
    elif isinstance(aoi, Sequence) and len(aoi) == 4 and all(_is_number(v) for v in aoi):
        xmin, ymin, xmax, ymax = (float(v) for v in aoi)
        if not all(math.isfinite(v) for v in (xmin, ymin, xmax, ymax)):
            raise GridError(f"The extent has a coordinate that is not a finite number: {aoi!r}.")
        if xmin > xmax:
            raise GridError(
                f"The extent's west ({xmin:g}) is east of its east ({xmax:g}). If it crosses the "
                "antimeridian, split it into parts east and west of 180°."
            )
        if xmin == xmax or ymin >= ymax:
            raise GridError(f"The extent is empty or has no area: {aoi!r}.")
        geom = shapely.box(xmin, ymin, xmax, ymax)
    else:
        try:
            parts = [g for g in aoi if g is not None]
        except TypeError:
            raise GridError(f"Cannot make an area of interest from {aoi!r}.") from None
        if not all(isinstance(g, shapely.Geometry) for g in parts):
            raise GridError("The area of interest must be an extent or shapely geometries.")
        geom = shapely.union_all(shapely.make_valid(parts)) if parts else shapely.Polygon()
    if geom.is_empty:
        raise GridError("The area of interest is empty (no features, or none selected).")
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return geom


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def reproject(geom: shapely.Geometry, src: pyproj.CRS, dst: pyproj.CRS) -> shapely.Geometry:
    """Reproject with densified edges, so that straight edges may curve as they should."""
    import numpy as np
    import shapely

    if src == dst:
        return geom
    xmin, ymin, xmax, ymax = geom.bounds
    span = max(xmax - xmin, ymax - ymin)
    dense = shapely.segmentize(geom, span / DENSIFY_POINTS) if span > 0 else geom
    forward = transformer(src, dst)

    def transform(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        x, y = forward.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    out = shapely.transform(dense, transform)
    coords = shapely.get_coordinates(out)
    # A projection's inverse happily returns finite nonsense for points beyond the
    # Earth (e.g. a northing of 56,730,000 m): go back and compare.
    back_x, back_y = transformer(dst, src).transform(coords[:, 0], coords[:, 1])
    original = shapely.get_coordinates(dense)
    tolerance = 1e-6 if src.is_geographic else 0.01
    roundtrip_ok = np.allclose(np.column_stack([back_x, back_y]), original, atol=tolerance)
    if not (np.isfinite(coords).all() and roundtrip_ok):
        raise GridError(
            f"The area {tuple(round(v, 6) for v in geom.bounds)} in {src.name} cannot be "
            f"expressed in {dst.name}: it lies outside the Earth or that CRS's valid area. "
            "Check the coordinates (a typo?) and the CRS."
        )
    if not out.is_valid:
        out = shapely.make_valid(out)
    return out


def is_rectangle(geom: shapely.Geometry) -> bool:
    """True when ``geom`` is its own axis-aligned bounding box."""
    import shapely

    return geom.area > 0 and math.isclose(geom.area, shapely.box(*geom.bounds).area, rel_tol=1e-9)


def overlapping(
    aoi: shapely.Geometry, cols: npt.NDArray[np.int64], rows: npt.NDArray[np.int64], size: float
) -> npt.NDArray[np.bool_]:
    """Mask of the tiles whose interior meets the AOI (touching an edge is not enough).

    A tile with a corner strictly inside the AOI meets it for sure; only the others
    (along the AOI's edge, or outside it) are tested as squares, which are costly
    to make and test, so a large grid makes few of them.
    """
    import numpy as np
    import shapely

    with np.errstate(over="ignore", invalid="ignore"):
        if aoi.area == 0:  # a point or line AOI: any box it touches
            touching: npt.NDArray[np.bool_] = shapely.intersects(aoi, _boxes(cols, rows, size))
            return touching
        shapely.prepare(aoi)
        c0, r0 = int(cols.min()), int(rows.min())
        nx, ny = int(cols.max()) - c0 + 2, int(rows.max()) - r0 + 2
        gx, gy = np.meshgrid((c0 + np.arange(nx)) * size, (r0 + np.arange(ny)) * size)
        corner_in = shapely.contains_xy(aoi, gx, gy)
        i, j = cols - c0, rows - r0
        hits = corner_in[j, i] | corner_in[j, i + 1] | corner_in[j + 1, i] | corner_in[j + 1, i + 1]
        rest = np.flatnonzero(~hits)
        if len(rest):
            hits[rest] = _interiors_meet(aoi, _boxes(cols[rest], rows[rest], size))
        if not hits.any():  # the AOI is inside one box's boundary? keep the box it touches
            hits = shapely.intersects(aoi, _boxes(cols, rows, size))
    return hits


def _interiors_meet(aoi: shapely.Geometry, boxes: npt.NDArray[np.object_]) -> npt.NDArray[np.bool_]:
    """Mask of the boxes whose interior meets the (prepared, areal) AOI's."""
    import numpy as np
    import shapely

    hits: npt.NDArray[np.bool_] = shapely.intersects(aoi, boxes)
    inside = np.zeros(len(boxes), dtype=bool)
    inside[hits] = shapely.contains_properly(aoi, boxes[hits])
    edge = hits & ~inside
    # Boxes on the AOI's boundary: keep those sharing area, not just an edge.
    hits[edge] = ~shapely.touches(aoi, boxes[edge])
    return hits


def _boxes(
    cols: npt.NDArray[np.int64], rows: npt.NDArray[np.int64], size: float
) -> npt.NDArray[np.object_]:
    """The tiles as shapely squares (absurd sizes overflow: refused later, by their corners)."""
    import shapely

    boxes: npt.NDArray[np.object_] = shapely.box(
        cols * size, rows * size, (cols + 1) * size, (rows + 1) * size
    )
    return boxes
