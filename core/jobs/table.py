"""A job table as a frame: made from tiles, brought to the job-manager columns, in
lon/lat for maps.

:func:`frame_from_tiles` makes a new table (one row per tile, or per tile and time
window), :func:`normalize` gives any table (read from disk, a notebook's) every
column of :mod:`.columns`, :func:`lonlat_frame` puts its rows on a lon/lat map.
Reading and writing the file is :mod:`.database`'s.
"""

from __future__ import annotations

import json
import math
import uuid
from typing import TYPE_CHECKING, Any

from ..definitions import NOT_STARTED
from ..errors import JobDatabaseError
from ..grid.units import bound_values
from ..grid.windows import expand_rows
from .columns import EXTRA_COLUMNS, MANAGER_COLUMNS, TEXT_COLUMNS
from .parameters import plain
from .row_extents import frame_crs, geometries

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd
    import pandas as pd

    from ..grid.windows import TimeWindow


def new_run_tag() -> str:
    """Names this run in job titles. It starts with a letter: a tag of digits only
    (or like ``1e234567``) would come back from a CSV as a number, lose leading
    zeros, and no longer match the titles on resume."""
    return "r" + uuid.uuid4().hex[:8]


def frame_from_tiles(
    tiles: gpd.GeoDataFrame,
    start: str | None = None,
    end: str | None = None,
    windows: Sequence[TimeWindow] = (),
    columns: Sequence[str] = (),
) -> pd.DataFrame:
    """A new job table: one ``not_started`` row per tile (a grid's ``tiles``, a grid file
    or any polygons' units), or with ``windows`` one per (tile, window) (see
    :func:`~..grid.windows.expand_rows`: ``unit_id``, ``window`` and the row id in ``tile_id``).
    ``columns``: the fields bound to job parameters, each with a value in every tile."""
    import shapely

    if tiles.crs is None or "tile_id" not in tiles.columns:
        raise JobDatabaseError("A grid needs a CRS and a tile_id column (make it with 'grid').")
    lonlat = tiles.to_crs(4326).geometry
    if len(lonlat) and not _finite_lonlat(lonlat.total_bounds):
        raise JobDatabaseError(
            "Some tiles have no valid longitude/latitude (they reach beyond the area the grid's "
            "CRS covers): use a smaller tile size or area. Nothing was written."
        )
    frame = tiles[[c for c in ("tile_id", "col", "row") if c in tiles.columns]].copy()
    epsg = tiles.crs.to_epsg()
    frame["crs"] = f"EPSG:{epsg}" if epsg else tiles.crs.to_wkt()
    frame["geometry"] = shapely.to_wkt(tiles.geometry.values, rounding_precision=-1)
    frame["spatial_extent"] = [json.dumps(shapely.geometry.mapping(g)) for g in lonlat]
    ids = [str(i) for i in tiles["tile_id"]]
    source = str(tiles.attrs.get("source") or "the units")  # a layer's name, from QGIS
    for column in columns:  # as JSON text: a CSV gives back "007" as 7 otherwise
        frame[column] = [json_cell(v) for v in bound_values(tiles, column, ids, source)]
    for column, default in (("start_date", start), ("end_date", end)):
        own = tiles[column] if column in tiles.columns else None  # per-unit dates win
        frame[column] = default if own is None else own.where(own.notna(), default)
    if windows:
        frame = expand_rows(frame, windows)
    return normalize(frame, run_tag=new_run_tag())


def json_cell(value: Any) -> str:
    """A value bound to a job parameter as the job table keeps it: JSON text, so that a
    resumed run (the table read back from CSV or Parquet) sends each job the very value
    and type the first run did (see :func:`~.row_extents.cell_value`)."""
    return json.dumps(plain(value))


def _finite_lonlat(bounds: Any) -> bool:
    west, south, east, north = (float(b) for b in bounds)
    return (
        all(math.isfinite(v) for v in (west, south, east, north))
        and -180 <= west <= east <= 180
        and -90 <= south <= north <= 90
    )


def normalize(frame: pd.DataFrame, run_tag: str | None = None) -> pd.DataFrame:
    """Add missing job-manager and plugin columns (as the client's ``normalize_df`` does)."""
    import pandas as pd

    frame = pd.DataFrame(frame).copy()
    for column, default in {**MANAGER_COLUMNS, **EXTRA_COLUMNS}.items():
        if column not in frame.columns:
            frame[column] = default
    if run_tag is not None:
        frame["run_tag"] = run_tag
    elif frame["run_tag"].isna().all():
        frame["run_tag"] = new_run_tag()
    frame["run_tag"] = frame["run_tag"].astype(str)
    if "tile_id" not in frame.columns:  # a foreign tracker: its row number names the tile
        frame["tile_id"] = [str(i) for i in range(len(frame))]
    for column in TEXT_COLUMNS:
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    frame["status"] = frame["status"].fillna(NOT_STARTED).astype(str)
    frame["costs"] = pd.to_numeric(frame["costs"], errors="coerce")
    frame["duration_s"] = pd.to_numeric(frame["duration_s"], errors="coerce")
    frame["progress"] = pd.to_numeric(frame["progress"], errors="coerce")
    frame["attempt"] = pd.to_numeric(frame["attempt"], errors="coerce").fillna(1).astype(int)
    frame["tile_id"] = frame["tile_id"].astype(str)
    return frame.reset_index(drop=True)


def lonlat_frame(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """The rows with lon/lat polygons, for maps (a seed tracker has only spatial_extent)."""
    import geopandas as gpd
    import shapely

    if "spatial_extent" in frame.columns and frame["spatial_extent"].notna().all():
        shapes = [shapely.geometry.shape(json.loads(s)) for s in frame["spatial_extent"]]
        return gpd.GeoDataFrame(
            frame.drop(columns=["geometry"], errors="ignore"), geometry=shapes, crs=4326
        )
    return gpd.GeoDataFrame(frame, geometry=geometries(frame), crs=frame_crs(frame)).to_crs(4326)
