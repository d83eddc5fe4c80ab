"""A static STAC catalog of a run's results, so that any STAC tool opens them.

:func:`write_catalog` writes ``catalog.json`` in the results folder and one STAC
Item per finished tile whose result was downloaded (or, without downloads, whose
result's address is known), beside that result:
``<output_dir>/<tile_id>/<tile_id>.json`` (pystac's usual layout, every href
relative: the folder can be moved or shared as a whole). Each Item has

- the tile's footprint in longitude/latitude (``geometry``, ``bbox``): the tile's
  square in the grid CRS, its edges densified before reprojection;
- its dates: ``start_datetime`` = the row's ``start_date`` at 00:00 UTC and
  ``end_datetime`` = the last second before its ``end_date`` (openEO's end date is
  exclusive, STAC's end is the last instant covered); ``datetime`` is null;
- ``tile_id`` (and in a run with time windows ``unit_id`` and ``window``: one item per
  unit and window, its dates the window's), ``openeo:job_id``, ``openeo:backend``
  and, when the back-end reported them, ``openeo:costs`` (credits) and
  ``openeo:usage`` (the job's usage: ``cpu``, ``memory``, ``duration``... each
  ``{"value", "unit"}``);
- the result file(s) as assets (``roles: ["data"]``), media type by extension; for a
  run without downloads, the back-end's URLs of the result files (``result_url``; a
  back-end's signed URLs expire after a while: a later run with downloads fetches
  the files).

Only core STAC fields are used (no extension schemas), so the catalog validates
against the schemas that pystac bundles, without network. Files are written
atomically, the items first and ``catalog.json`` last, so a reader of the catalog
always finds its items.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..definitions import TileStatus
from ..errors import GridJobsError
from ..jobs.usage import usage_stats

if TYPE_CHECKING:
    import pandas as pd
    import pystac

CATALOG_NAME = "catalog.json"
DEFAULT_TITLE = "openEO Grid Jobs results"
DEFAULT_DESCRIPTION = (
    "One item per finished tile of an openEO Grid Jobs run: its result, footprint, dates, "
    "job and costs."
)
MEDIA_TYPES = {
    ".nc": "application/x-netcdf",
    ".tif": "image/tiff; application=geotiff",
    ".tiff": "image/tiff; application=geotiff",
    ".json": "application/json",
    ".geojson": "application/geo+json",
    ".gpkg": "application/geopackage+sqlite3",
    ".parquet": "application/vnd.apache.parquet",
    ".csv": "text/csv",
    ".vrt": "application/xml",
}
#: files in a result folder that are not the tile's data
NOT_DATA = ("job-results.json",)
#: points added along each tile edge before reprojecting it to lon/lat
EDGE_POINTS = 4
#: decimals of longitude/latitude kept (1e-7 degrees: about a centimetre)
DECIMALS = 7


class CatalogError(GridJobsError):
    """The STAC catalog cannot be written (e.g. a read-only results folder)."""


def write_catalog(
    frame: pd.DataFrame,
    output_dir: str | os.PathLike[str],
    *,
    title: str = DEFAULT_TITLE,
    catalog_id: str | None = None,
    description: str | None = None,
) -> Path:
    """Write ``<output_dir>/catalog.json`` and an Item per finished, downloaded tile of
    the job table ``frame``; returns the catalog's path. A tile whose result file is
    missing on disk is left out. Raises :class:`CatalogError` when it cannot be written.
    """
    import pystac

    root = Path(output_dir).absolute()
    catalog = pystac.Catalog(
        id=catalog_id or _slug(root.name) or "results",
        title=title,
        description=description or DEFAULT_DESCRIPTION,
        catalog_type=pystac.CatalogType.SELF_CONTAINED,
    )
    target = root / CATALOG_NAME
    catalog.set_self_href(str(target))
    used: set[str] = set()
    try:
        # One item at a time, written and let go, in the layout normalize_hrefs gives:
        # the catalog never holds its items (pystac objects linked both ways, freed by
        # the garbage collector in one go), which made a large run's catalog hold the
        # GIL for long stretches, the map's main thread waiting that long
        for i in _finished_with_results(frame):
            item = _item(frame.loc[i], _unique(_item_id(frame, i), used))
            if item is None:
                continue
            href = root / item.id / f"{item.id}.json"
            item.set_self_href(str(href))
            item.set_root(catalog)
            item.set_parent(catalog)
            item.make_asset_hrefs_relative()
            _write_json(href, item.to_dict(include_self_link=False))
            catalog.add_link(
                pystac.Link(pystac.RelType.ITEM, str(href), media_type=pystac.MediaType.GEOJSON)
            )
        _write_json(target, catalog.to_dict(include_self_link=False))
    except OSError as exc:
        raise CatalogError(
            f"Could not write the STAC catalog in {root}: {exc.strerror or exc}."
        ) from exc
    return target


# --- rows and items ---------------------------------------------------------------------
def _finished_with_results(frame: pd.DataFrame) -> Iterator[Any]:
    """Finished rows with their result on disk, or (not downloaded) its address."""
    for i in frame.index[frame["status"] == TileStatus.FINISHED.value]:
        result = frame.at[i, "result"] if "result" in frame.columns else None
        local = _present(result) and Path(str(result)).exists()
        if local or ("result_url" in frame.columns and _present(frame.at[i, "result_url"])):
            yield i


def _remote_assets(row: pd.Series) -> list[pystac.Asset]:
    """The result files on the back-end (``result_url``) of a tile not downloaded."""
    import pystac

    try:
        links = json.loads(str(row.get("result_url")))
    except ValueError:
        return []
    return [
        pystac.Asset(
            href=str(link["href"]),
            media_type=link.get("type") or None,
            roles=["data"],
            title=str(link.get("name") or ""),
        )
        for link in links
        if isinstance(link, dict) and link.get("href")
    ]


def _item(row: pd.Series, item_id: str) -> pystac.Item | None:
    import pystac

    result = row.get("result")
    files = _data_files(Path(str(result)).absolute()) if _present(result) else []
    remote = [] if files else _remote_assets(row)
    if not files and not remote:
        return None
    geometry = _footprint(row)
    start, end = _dates(row)
    tile_id = str(row["tile_id"]) if _present(row.get("tile_id")) else item_id
    properties: dict[str, Any] = {"title": tile_id, "tile_id": tile_id}
    for column in ("unit_id", "window"):  # a (unit, time window) row
        if _present(row.get(column)):
            properties[column] = str(row[column])
    if _present(row.get("id")):
        properties["openeo:job_id"] = str(row["id"])
    if _present(row.get("backend_name")):
        properties["openeo:backend"] = str(row["backend_name"])
    costs = _number(row.get("costs"))
    if costs is not None:
        properties["openeo:costs"] = costs
    usage = usage_stats(row)
    if usage:  # the openEO API's usage object, as the job reported it
        properties["openeo:usage"] = usage
    item = pystac.Item(
        id=item_id,
        geometry=geometry,
        bbox=_bbox(geometry),
        datetime=None if start else _fallback_datetime(row),
        properties=properties,
        start_datetime=start,
        end_datetime=end if start else None,
    )
    for n, asset in enumerate(remote):
        item.add_asset(asset.title or f"result_{n}", asset)
    for path in files:
        item.add_asset(
            path.name,
            pystac.Asset(
                href=str(path),
                media_type=MEDIA_TYPES.get(path.suffix.lower()),
                roles=["data"],
                title=path.name,
            ),
        )
    return item


def _data_files(result: Path) -> list[Path]:
    if result.is_file():
        return [result]
    return sorted(
        p
        for p in result.rglob("*")
        if p.is_file()
        and p.name not in NOT_DATA
        and not p.name.endswith(".aux.xml")
        and p.name != f"{result.name}.json"  # this catalog's own item
    )


def _item_id(frame: pd.DataFrame, i: Any) -> str:
    for column in ("tile_id", "id"):
        if column in frame.columns and _present(frame.at[i, column]):
            return str(frame.at[i, column])
    return f"row-{i}"


def _unique(item_id: str, used: set[str]) -> str:
    candidate, n = item_id, 1
    while candidate in used:
        n += 1
        candidate = f"{item_id}-{n}"
    used.add(candidate)
    return candidate


def _footprint(row: pd.Series) -> dict[str, Any] | None:
    """The tile in lon/lat (GeoJSON): from its grid geometry, else ``spatial_extent``."""
    import shapely
    import shapely.geometry

    wkt, crs = row.get("geometry"), row.get("crs")
    if _present(wkt) and _present(crs):
        footprint = _grid_footprint(str(wkt), str(crs))
        if footprint is not None:
            return footprint
    extent = row.get("spatial_extent")  # (an unreadable cell: the notebook's extent)
    if _present(extent):
        try:
            value = json.loads(str(extent)) if isinstance(extent, str) else extent
            if isinstance(value, dict) and "west" in value:
                box = shapely.geometry.box(
                    value["west"], value["south"], value["east"], value["north"]
                )
                return dict(shapely.geometry.mapping(box))
            if isinstance(value, dict) and "type" in value:
                return dict(shapely.geometry.mapping(shapely.geometry.shape(value)))
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
    return None


def _grid_footprint(wkt: str, crs: str) -> dict[str, Any] | None:
    """The tile's grid geometry in lon/lat, its edges densified; None if unreadable."""
    import numpy
    import shapely
    import shapely.geometry

    try:
        geometry = shapely.from_wkt(wkt)
        x0, y0, x1, y1 = geometry.bounds
        step = max(x1 - x0, y1 - y0) / EDGE_POINTS
        dense = shapely.segmentize(geometry, step) if step > 0 else geometry
        transformer = _to_lonlat(crs)

        def lonlat(xy: Any) -> Any:
            lon, lat = transformer.transform(xy[:, 0], xy[:, 1])
            return numpy.column_stack([lon, lat]).round(DECIMALS)

        return dict(shapely.geometry.mapping(shapely.transform(dense, lonlat)))
    except Exception:  # shapely and pyproj raise many kinds for one bad cell
        return None


@lru_cache(maxsize=16)
def _to_lonlat(crs: str) -> Any:
    import pyproj

    return pyproj.Transformer.from_crs(crs, 4326, always_xy=True)


def _bbox(geometry: dict[str, Any] | None) -> list[float] | None:
    if geometry is None:
        return None
    import shapely.geometry

    return [float(v) for v in shapely.geometry.shape(geometry).bounds]


def _dates(row: pd.Series) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(start, end) of the row's dates; the end date is exclusive, so the range ends
    a second before it."""
    start, end = _date(row.get("start_date")), _date(row.get("end_date"))
    if start is None or end is None:
        return None, None
    last = max(start, end - dt.timedelta(seconds=1))
    return start, last


def _date(value: Any) -> dt.datetime | None:
    if not _present(value):
        return None
    try:
        stamp = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.timezone.utc)


def _fallback_datetime(row: pd.Series) -> dt.datetime:
    """Without dates on the row: when the tile's job ended (else now)."""
    for column in ("end_time", "start_time"):
        stamp = _date(row.get(column))
        if stamp is not None:
            return stamp
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


# --- small helpers ----------------------------------------------------------------------
def _present(value: Any) -> bool:
    return value is not None and value == value and str(value) != ""


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in text).strip("-")


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        temporary.write_text(json.dumps(data, indent=2), encoding="utf-8")
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
