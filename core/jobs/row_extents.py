"""What each row of a job table sends as its extent and dates (:class:`~.template.TileExtent`).

A row's polygon comes from one of three places, in this order:

- the plugin's own columns: ``geometry`` (WKT) in the CRS of ``crs``: a grid tile or a
  unit of any polygon layer (:mod:`..grid.units`), sent as a bbox in that CRS (or as its
  lon/lat polygon, the ``spatial_extent`` column, when the template asks);
- a notebook's ``geometry`` column without ``crs`` (a GeoDataFrame the openeo client's
  job database wrote): the GeoParquet's own CRS, else lon/lat as the client assumes;
  sent as GeoJSON when it is lon/lat, as a bbox in its CRS otherwise;
- the seed notebook's ``spatial_extent`` (GeoJSON, lon/lat), sent as it is.

Each row's own ``start_date``/``end_date`` win over the template's: they are how a
row holds its time window (:mod:`..grid.windows`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..definitions import TileStatus
from ..errors import JobDatabaseError
from ..grid.units import bound_values
from .parameters import plain
from .template import TileExtent

if TYPE_CHECKING:
    import pandas as pd


LONLAT = "EPSG:4326"


def tile_extents(frame: pd.DataFrame, columns: Sequence[str] = ()) -> list[TileExtent]:
    """The extent to send for each row: its bbox in its CRS, or GeoJSON in lon/lat; and
    the row's values of ``columns`` (those bound to job parameters)."""
    extents = _extents(frame)
    for column, values in bound_cells(frame, columns).items():
        for extent, value in zip(extents, values):
            extent.values[column] = value
    return extents


def bound_cells(
    frame: pd.DataFrame, columns: Sequence[str], source: str = "the job table"
) -> dict[str, list[Any]]:
    """Each bound column's value in every row, checked as a units file's fields are
    (:func:`~..grid.units.bound_values`: a notebook's table may lack the field or leave cells
    empty, which would send its jobs null). A finished row's job is done: its cell may
    be empty (a tracker continued after a field was added), as no job is sent for it."""
    if not columns:
        return {}
    ids = [str(i) for i in frame["tile_id"]]
    needed = None
    if "status" in frame.columns:
        needed = list(frame["status"].astype(str) != TileStatus.FINISHED.value)
    return {
        c: [cell_value(v) for v in bound_values(frame, c, ids, source, needed)] for c in columns
    }


def cell_value(value: Any) -> Any:
    """A bound column's value: the JSON text the table keeps (:func:`~.table.json_cell`),
    or a number a CSV reader already made of it; other text as it is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return plain(value)


def _extents(frame: pd.DataFrame) -> list[TileExtent]:
    import pyproj
    import shapely

    extents = []
    shapes = geometries(frame)
    default_crs = None if "crs" in frame.columns else frame_crs(frame)
    epsg_of: dict[str, int | None] = {}  # a CRS lookup is slow: once per distinct CRS
    for i, row in enumerate(frame.itertuples(index=False)):
        geom = shapes[i]
        crs = getattr(row, "crs", None) if default_crs is None else default_crs
        start, end = date_text(row, "start_date"), date_text(row, "end_date")
        spatial = getattr(row, "spatial_extent", None)
        spatial = spatial if isinstance(spatial, str) and spatial else None
        if geom is not None and isinstance(crs, str) and crs:
            if crs not in epsg_of:
                epsg_of[crs] = pyproj.CRS.from_user_input(crs).to_epsg()
            west, south, east, north = (float(v) for v in shapely.bounds(geom))
            if default_crs is not None and epsg_of[crs] == 4326:  # a notebook's lon/lat shape
                spatial = spatial or shapely.to_geojson(geom)
                geojson = json.loads(spatial)
                extents.append(
                    TileExtent(row.tile_id, west, south, east, north, None, geojson, start, end)
                )
                continue
            extents.append(
                TileExtent(
                    row.tile_id,
                    west,
                    south,
                    east,
                    north,
                    epsg=epsg_of[crs],
                    start=start,
                    end=end,
                    lonlat=spatial,
                )
            )
            continue
        if spatial:
            geojson = json.loads(spatial)
            west, south, east, north = shapely.geometry.shape(geojson).bounds
            extents.append(
                TileExtent(row.tile_id, west, south, east, north, None, geojson, start, end)
            )
            continue
        raise JobDatabaseError(f"Row {i} (tile {row.tile_id}) has no geometry or spatial_extent.")
    return extents


def frame_crs(frame: pd.DataFrame) -> str | None:
    """The CRS of a table's ``geometry``: its ``crs`` column, else the geometry column's own
    (GeoParquet), else lon/lat (the openeo client's assumption for a notebook's shapes)."""
    if "crs" in frame.columns and frame["crs"].notna().any():
        return str(frame["crs"].dropna().iloc[0])
    if "geometry" not in frame.columns:
        return None
    own = getattr(frame["geometry"].values, "crs", None)
    if own is not None:
        epsg = own.to_epsg()
        return f"EPSG:{epsg}" if epsg else own.to_wkt()
    return LONLAT


def date_text(row: Any, column: str) -> str | None:
    """A row's own date (a seed tracker's ``start_date``), as ``YYYY-MM-DD`` text."""
    value = getattr(row, column, None)
    if value is None or value != value or str(value).strip() in ("", "None", "NaT"):
        return None
    return str(value).strip()[:10]


def geometries(frame: pd.DataFrame) -> list[Any]:
    """The rows' shapes (None where a row has none), from shapes or WKT."""
    import shapely

    if "geometry" not in frame.columns:
        return [None] * len(frame)
    column = frame["geometry"]
    if column.dtype.name == "geometry":
        return list(column.values)
    return [shapely.from_wkt(v) if isinstance(v, str) and v else None for v in column]
