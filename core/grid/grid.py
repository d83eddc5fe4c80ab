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

Everything is vectorized (numpy / shapely 2): no Python loop per tile. The CRS
rules are in :mod:`.crs`, the AOI's geometry and which tiles it meets in :mod:`.aoi`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from numbers import Real
from typing import TYPE_CHECKING, Any

from ..errors import GridError, TooManyTilesError
from .aoi import aoi_geometry, is_rectangle, overlapping, reproject
from .crs import (
    UTM_LATITUDES,
    WGS84,
    CrsLike,
    on_earth,
    parse_crs,
    require_metric,
    transformer,
    utm_crs_for,
    utm_zone_of,
)

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np
    import numpy.typing as npt
    import pyproj

DEFAULT_MAX_TILES = 10_000
#: Candidate tiles (bounding box of the AOI) beyond which nothing is built, whatever
#: ``max_tiles`` says: a guard on memory, not on the user's intent.
HARD_CANDIDATE_LIMIT = 20_000_000

Bounds = tuple[float, float, float, float]


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
    src = parse_crs(aoi_crs, "AOI CRS")
    geom = aoi_geometry(aoi)
    lonlat = reproject(geom, src, parse_crs(4326, "EPSG:4326"))
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
        dst = parse_crs(grid_crs, "grid CRS")
        require_metric(dst)
        label = f"EPSG{dst.to_epsg()}" if dst.to_epsg() else "GRID"

    projected = reproject(geom, src, dst)
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
        exact = candidates if is_rectangle(projected) else None
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
    keep = overlapping(projected, cc, rr, size)
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
    lon, lat = transformer(crs, WGS84).transform(gx, gy)
    i, j = cols - c0, rows - r0
    node_ok = on_earth(gx, gy, lon, lat, crs)
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
