"""Metric tile grids over an area of interest, snapped to multiples of the tile size.

A grid lives in one projected CRS (by default the UTM zone of the AOI's centre,
like the seed notebook's EPSG:32631 for Antwerp). Tile corners are multiples of
the tile size in that CRS, so grids made on different days, or over different
AOIs, line up tile for tile, and tiles follow Sentinel-2's 10/20/60 m pixel edges.

Each tile's ``col``/``row`` are its absolute indices (``x_min / tile_size``,
``y_min / tile_size``), which makes ``tile_id`` stable across runs and extents.

AOIs wider than one UTM zone get one grid in the zone of their centre and a
warning (``Grid.warnings``): a batch of jobs should share one CRS so results
align; pass ``grid_crs`` to choose another projected CRS.

Everything is vectorized (numpy / shapely 2): no Python loop per tile.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from numbers import Real
from typing import TYPE_CHECKING, Any, Union

from .errors import GridError, TooManyTilesError

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    import numpy.typing as npt
    import pyproj
    import shapely

DEFAULT_MAX_TILES = 10_000
#: Candidate tiles (bounding box of the AOI) beyond which nothing is built, whatever
#: ``max_tiles`` says: a guard on memory, not on the user's intent.
HARD_CANDIDATE_LIMIT = 20_000_000
UTM_LATITUDES = (-80.0, 84.0)
#: Vertices per AOI edge when reprojecting: a bare 4-corner reprojection of a large
#: extent leaves uncovered strips along its (curved) edges.
DENSIFY_POINTS = 64
#: Tile corners whose lon/lat projects back further than this (metres) are not on
#: the Earth as the grid CRS sees it (its valid area ends before them). Sound points
#: come back within millimetres; nonsense is kilometres off.
ROUNDTRIP_TOLERANCE_M = 1.0

Bounds = tuple[float, float, float, float]
CrsLike = Union[str, int, "pyproj.CRS"]


@dataclass
class Grid:
    """A built grid: the tiles and what a user should know about how they were made.

    The tiles are kept as arrays (indices, ids, lon/lat bounds): a QGIS layer is
    filled from them directly, and the shapely squares of :attr:`tiles` are only
    made when someone asks (they cost more than the rest of the grid together).
    """

    crs: pyproj.CRS
    tile_size: float
    zone_label: str
    cols: npt.NDArray[np.int64]
    rows: npt.NDArray[np.int64]
    tile_ids: list[str]
    #: (n, 4) WGS 84 bounds of each tile: west, south, east, north
    lonlat: npt.NDArray[np.float64]
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.cols)

    @property
    def epsg(self) -> int | None:
        return self.crs.to_epsg()

    def box_bounds(self) -> tuple[npt.NDArray[np.float64], ...]:
        """``x_min, y_min, x_max, y_max`` of every tile in the grid CRS (exact multiples)."""
        import numpy as np

        size = self.tile_size
        with np.errstate(over="ignore", invalid="ignore"):
            return (
                self.cols * size,
                self.rows * size,
                (self.cols + 1) * size,
                (self.rows + 1) * size,
            )

    @cached_property
    def tiles(self) -> gpd.GeoDataFrame:
        """The tiles as a GeoDataFrame: id, indices, lon/lat bounds and the square."""
        import geopandas as gpd
        import numpy as np
        import shapely

        with np.errstate(over="ignore", invalid="ignore"):
            boxes = shapely.box(*self.box_bounds())
        return gpd.GeoDataFrame(
            {
                "tile_id": np.array(self.tile_ids, dtype=object),
                "col": self.cols,
                "row": self.rows,
                "west": self.lonlat[:, 0],
                "south": self.lonlat[:, 1],
                "east": self.lonlat[:, 2],
                "north": self.lonlat[:, 3],
            },
            geometry=gpd.GeoSeries(boxes, crs=self.crs),
        )

    def summary(self) -> str:
        return f"{len(self):,} tiles of {self.tile_size:g} m in {self.crs.name}"


def validate_tile_size(tile_size: Any) -> float:
    """Return ``tile_size`` as a float, or raise :class:`GridError` saying what is wrong."""
    if isinstance(tile_size, bool) or not isinstance(tile_size, (Real, str)):
        raise GridError(f"Tile size must be a number of metres, got {tile_size!r}.")
    try:
        size = float(tile_size)
    except ValueError:
        raise GridError(f"Tile size must be a number of metres, got {tile_size!r}.") from None
    if not math.isfinite(size):
        raise GridError(f"Tile size must be a finite number of metres, got {tile_size!r}.")
    if size <= 0:
        raise GridError(f"Tile size must be greater than 0 m, got {size:g}.")
    return size


def utm_crs_for(lon: float, lat: float) -> pyproj.CRS:
    """The WGS 84 / UTM zone CRS (north or south) that contains ``lon``, ``lat``."""
    import pyproj

    lo, hi = UTM_LATITUDES
    if not lo <= lat <= hi:
        raise GridError(
            f"Latitude {lat:.2f}° is outside the UTM range ({lo:g}° to {hi:g}°). "
            "Choose a polar projected grid CRS, e.g. EPSG:3413 (Arctic) or EPSG:3031 (Antarctic)."
        )
    return pyproj.CRS.from_epsg((32600 if lat >= 0 else 32700) + utm_zone_of(lon))


def utm_zone_of(lon: float) -> int:
    """The standard UTM zone number (1-60) of a longitude."""
    return min(60, int((lon + 180.0) // 6.0) + 1)


def build_grid(
    aoi: Bounds | Any | Iterable[Any],
    aoi_crs: CrsLike,
    tile_size: Any,
    *,
    grid_crs: CrsLike | None = None,
    max_tiles: int = DEFAULT_MAX_TILES,
) -> Grid:
    """Tiles of ``tile_size`` metres covering ``aoi``.

    :param aoi: an extent ``(xmin, ymin, xmax, ymax)``, a shapely geometry, or an
        iterable of geometries (e.g. a GeoSeries), in ``aoi_crs``.
    :param aoi_crs: CRS of ``aoi`` (anything pyproj understands: ``"EPSG:4326"``, 4326, WKT).
    :param tile_size: tile edge in metres (units of the grid CRS).
    :param grid_crs: a projected CRS in metres; default: the UTM zone of the AOI's centre.
    :param max_tiles: refuse (with :class:`TooManyTilesError`) to build more tiles than this.
    :raises GridError: for any input that cannot make a sensible grid.
    """
    import numpy as np

    size = validate_tile_size(tile_size)
    if isinstance(max_tiles, bool) or not isinstance(max_tiles, int) or max_tiles < 1:
        raise GridError(f"The tile limit must be a whole number ≥ 1, got {max_tiles!r}.")
    src = _crs(aoi_crs, "AOI CRS")
    geom = _aoi_geometry(aoi)
    lonlat = _reproject(geom, src, _crs(4326, "EPSG:4326"))
    west, south, east, north = lonlat.bounds
    if not (west >= -180 and east <= 180 and south >= -90 and north <= 90):
        raise GridError(
            f"The area {tuple(round(v, 6) for v in geom.bounds)} in {src.name} lies outside "
            "the Earth (longitude -180° to 180°, latitude -90° to 90°). Check the coordinates "
            "(a typo?) and the CRS."
        )
    warnings: list[str] = []
    if east - west > 180:
        raise GridError(
            "The area crosses the antimeridian (180° longitude) or spans more than half the "
            "globe; split it into parts east and west of 180°."
        )
    if grid_crs is None:
        dst = utm_crs_for((west + east) / 2, (south + north) / 2)
        lo, hi = UTM_LATITUDES
        if south < lo or north > hi:
            raise GridError(
                f"The area reaches latitude {south if south < lo else north:.2f}°, outside the "
                f"UTM range ({lo:g}° to {hi:g}°). Choose a polar projected grid CRS."
            )
        zones = sorted({utm_zone_of(west), utm_zone_of(east)})
        zone = utm_zone_of((west + east) / 2)
        hemisphere = "N" if (dst.to_epsg() or 0) < 32700 else "S"
        label = f"{zone}{hemisphere}"
        if zones[0] != zones[-1]:
            warnings.append(
                f"The area spans UTM zones {zones[0]}–{zones[-1]}; all tiles use zone {label} "
                f"(EPSG:{dst.to_epsg()}, its centre) so that results align. Tiles far from "
                "that zone are slightly distorted; pick a grid CRS to choose another."
            )
    else:
        dst = _crs(grid_crs, "grid CRS")
        _require_metric(dst)
        label = f"EPSG{dst.to_epsg()}" if dst.to_epsg() else "GRID"

    projected = _reproject(geom, src, dst)
    xmin, ymin, xmax, ymax = projected.bounds
    # Divided twice, not by size**2: that overflows for absurd sizes (1e300).
    ratio = projected.area / size / size if projected.area > 0 else 1.0
    spans = (xmin / size, ymin / size, xmax / size, ymax / size)
    if not all(math.isfinite(v) and abs(v) < 2**53 for v in spans) or not math.isfinite(ratio):
        raise GridError(f"A tile size of {size:g} m is too small to count; use a larger one.")
    col0, col1 = math.floor(xmin / size), math.ceil(xmax / size)
    row0, row1 = math.floor(ymin / size), math.ceil(ymax / size)
    ncols, nrows = max(1, col1 - col0), max(1, row1 - row0)
    candidates = ncols * nrows

    # The guard, before anything is built: the AOI's area is a lower bound of the
    # count, the snapped bounding box an upper bound.
    at_least = math.ceil(ratio)
    if at_least > max_tiles:
        exact = candidates if _is_rectangle(projected) else None
        raise TooManyTilesError(exact or at_least, max_tiles, size, at_least=exact is None)
    if candidates > HARD_CANDIDATE_LIMIT:
        raise GridError(
            f"The area's bounding box holds {candidates:,} tiles of {size:g} m, too many to "
            "check one by one; use a larger tile size or split the area."
        )

    cols = np.arange(col0, col0 + ncols, dtype=np.int64)
    rows = np.arange(row0, row0 + nrows, dtype=np.int64)
    cc, rr = np.meshgrid(cols, rows[::-1])  # north to south, west to east
    cc, rr = cc.ravel(), rr.ravel()
    keep = _overlapping(projected, cc, rr, size)
    cc, rr = cc[keep], rr[keep]
    if len(cc) > max_tiles:
        raise TooManyTilesError(len(cc), max_tiles, size)

    lonlat = _lonlat_bounds(cc, rr, size, dst)
    ids = [f"{label}_{c}_{r}" for c, r in zip(cc.tolist(), rr.tolist())]
    return Grid(
        crs=dst,
        tile_size=size,
        zone_label=label,
        cols=cc,
        rows=rr,
        tile_ids=ids,
        lonlat=lonlat,
        warnings=warnings,
    )


def _lonlat_bounds(
    cols: npt.NDArray[np.int64], rows: npt.NDArray[np.int64], size: float, crs: pyproj.CRS
) -> npt.NDArray[np.float64]:
    """(n, 4) WGS 84 bounds (west, south, east, north) of the tiles ``cols``, ``rows``."""
    import numpy as np

    # Lon/lat bounds from the transformed grid nodes: each node is shared by up
    # to four tiles, so this transforms ~1 point per tile instead of 4+.
    c0, r0 = (int(cols.min()), int(rows.min())) if len(cols) else (0, 0)
    nx, ny = (int(cols.max()) - c0 + 2, int(rows.max()) - r0 + 2) if len(cols) else (1, 1)
    with np.errstate(over="ignore", invalid="ignore"):
        gx, gy = np.meshgrid((c0 + np.arange(nx)) * size, (r0 + np.arange(ny)) * size)
    lon, lat = _transformer(crs, _WGS84).transform(gx, gy)
    i, j = cols - c0, rows - r0
    node_ok = _on_earth(gx, gy, lon, lat, crs)
    tile_ok = node_ok[j, i] & node_ok[j, i + 1] & node_ok[j + 1, i] & node_ok[j + 1, i + 1]
    if not tile_ok.all():
        raise GridError(
            f"{int((~tile_ok).sum()):,} of {len(tile_ok):,} tiles of {size:g} m reach beyond the "
            f"valid area of {crs.name} (their corners have no longitude/latitude on the "
            "Earth). Use a smaller tile size."
        )
    corners_lon = np.stack([lon[j, i], lon[j, i + 1], lon[j + 1, i], lon[j + 1, i + 1]])
    corners_lat = np.stack([lat[j, i], lat[j, i + 1], lat[j + 1, i], lat[j + 1, i + 1]])
    bounds: npt.NDArray[np.float64] = np.column_stack(
        [
            corners_lon.min(axis=0),
            corners_lat.min(axis=0),
            corners_lon.max(axis=0),
            corners_lat.max(axis=0),
        ]
    )
    return bounds


_WGS84 = "EPSG:4326"


@lru_cache(maxsize=32)
def _transformer(src: CrsLike, dst: CrsLike) -> pyproj.Transformer:
    """A cached transformer (making one costs milliseconds, a small grid's whole budget)."""
    import pyproj

    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def _on_earth(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    crs: pyproj.CRS,
) -> npt.NDArray[np.bool_]:
    """Mask of the points ``x``, ``y`` of ``crs`` whose ``lon``, ``lat`` are real places.

    Beyond a projection's valid area the inverse gives infinities, or finite nonsense
    (a wrapped longitude, a transverse Mercator far from its meridian): projecting
    the lon/lat back must give the point again.
    """
    import numpy as np

    ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
    bx, by = _transformer(_WGS84, crs).transform(np.where(ok, lon, 0.0), np.where(ok, lat, 0.0))
    with np.errstate(invalid="ignore"):
        close = np.hypot(bx - x, by - y) <= ROUNDTRIP_TOLERANCE_M
    mask: npt.NDArray[np.bool_] = np.asarray(ok & close, dtype=bool)
    return mask


def _overlapping(
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


def _is_rectangle(geom: shapely.Geometry) -> bool:
    """True when ``geom`` is its own axis-aligned bounding box."""
    import shapely

    return geom.area > 0 and math.isclose(geom.area, shapely.box(*geom.bounds).area, rel_tol=1e-9)


def _crs(value: CrsLike, what: str) -> pyproj.CRS:
    import pyproj

    hint = "Give a code such as EPSG:4326, or the CRS's exact name."
    bare_name = isinstance(value, str) and _is_bare_name(value)
    try:
        crs = pyproj.CRS.from_user_input(value)
    except pyproj.exceptions.CRSError as exc:
        # PROJ 9.6 refuses a name it does not know; PROJ 9.1 guessed (below)
        raise GridError(f"Unknown {what} {value!r}: {hint if bare_name else exc}") from None
    # PROJ matches bare names loosely ("foo" gives Amersfoort): a name must be the CRS's own.
    if bare_name and _simple(crs.name) != _simple(str(value)):
        code = f" (EPSG:{crs.to_epsg()})" if crs.to_epsg() else ""
        raise GridError(
            f"Unknown {what} {value!r}: PROJ can only guess it means {crs.name}{code}. {hint}"
        )
    return crs


def _is_bare_name(text: str) -> bool:
    """Not a code (``EPSG:4326``, ``4326``, a URN), PROJ string, WKT or PROJJSON."""
    text = text.strip()
    return not (text.isdigit() or ":" in text or "[" in text or text.startswith(("+", "{")))


def _simple(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def _require_metric(crs: pyproj.CRS) -> None:
    if crs.is_geographic or not crs.is_projected:
        raise GridError(
            f"The grid CRS must be projected, in metres; {crs.name} is geographic "
            "(degrees). Leave it empty for the automatic UTM zone."
        )
    units = {a.unit_name for a in crs.axis_info[:2]}
    if not units <= {"metre", "meter", "m"}:
        raise GridError(f"The grid CRS must be in metres; {crs.name} uses {', '.join(units)}.")


def _aoi_geometry(aoi: Any) -> shapely.Geometry:
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


def _reproject(geom: shapely.Geometry, src: pyproj.CRS, dst: pyproj.CRS) -> shapely.Geometry:
    """Reproject with densified edges, so that straight edges may curve as they should."""
    import numpy as np
    import shapely

    if src == dst:
        return geom
    xmin, ymin, xmax, ymax = geom.bounds
    span = max(xmax - xmin, ymax - ymin)
    dense = shapely.segmentize(geom, span / DENSIFY_POINTS) if span > 0 else geom
    transformer = _transformer(src, dst)

    def transform(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    out = shapely.transform(dense, transform)
    coords = shapely.get_coordinates(out)
    # A projection's inverse happily returns finite nonsense for points beyond the
    # Earth (e.g. a northing of 56,730,000 m): go back and compare.
    back_x, back_y = _transformer(dst, src).transform(coords[:, 0], coords[:, 1])
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
