"""A run's units from any polygons: fields, admin areas, Sentinel-2 tiles, a grid of
``native:creategrid``, one job row per feature.

The plugin's own grid (:mod:`.grid`) is one source of units; this module makes the
same thing from any polygon layer or file pyogrio reads (GeoPackage, GeoJSON,
Shapefile...): a GeoDataFrame with ``tile_id`` (the unit's id, from a field the user
picks), the polygon in the source's CRS, and the unit's own ``start_date`` /
``end_date`` when the source has those columns (per-unit time windows). It is what
:func:`~..jobs.table.frame_from_tiles` turns into a job table, as for a grid.

The ids are checked here, once, because everything downstream relies on them: a
job's title (how a lost job is found again, so a duplicate id would make two rows
share a job), the results folder (``<results>/<id>/``) and resume. Every problem is
a :class:`UnitsError` that names the offending ids or features.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import GridJobsError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

#: characters an id may not hold: it names the unit's results folder
FORBIDDEN = set('/\\:*?"<>|')
#: at most this many offending ids are named in a message
SHOWN = 5
DATE_COLUMNS = ("start_date", "end_date")


class UnitsError(GridJobsError, ValueError):
    """The polygons cannot be a run's units (no such id field, empty or duplicate ids,
    no CRS, not polygons...); nothing was written."""


def read_units(
    path: str | Path, id_field: str, layer: str | None = None, keep: Sequence[str] = ()
) -> gpd.GeoDataFrame:
    """The units of a polygon file (any format pyogrio reads); see :func:`units_from_frame`."""
    import geopandas as gpd

    path = Path(path)
    if not path.exists():
        raise UnitsError(f"Units file {path} does not exist.")
    try:
        frame = gpd.read_file(path, layer=layer, engine="pyogrio")
    except Exception as exc:  # pyogrio raises many types; the message is what matters
        raise UnitsError(f"Could not read units file {path}: {exc}") from None
    return units_from_frame(frame, id_field, source=path.name, keep=keep)


def units_from_frame(
    frame: gpd.GeoDataFrame, id_field: str, source: str = "the layer", keep: Sequence[str] = ()
) -> gpd.GeoDataFrame:
    """One unit per feature of ``frame``: ``tile_id`` from ``id_field`` (unique, not
    empty, usable as a folder name), the polygon in ``frame``'s CRS,
    ``start_date``/``end_date`` when ``frame`` has them, and the fields ``keep`` (those
    bound to job parameters: each feature must have a value, its job gets it)."""
    import geopandas as gpd

    if id_field not in frame.columns or id_field == frame.geometry.name:
        fields = [c for c in frame.columns if c != frame.geometry.name]
        raise UnitsError(
            f"{source} has no field {id_field!r} to take the unit ids from; its fields: "
            f"{', '.join(map(str, fields)) or 'none'}."
        )
    if frame.crs is None:
        raise UnitsError(f"{source} has no CRS: the units' extents cannot be sent without one.")
    if not len(frame):
        raise UnitsError(f"{source} has no features: there is nothing to run.")
    ids = [_id_text(v) for v in frame[id_field]]
    _check_ids(ids, id_field, source)
    _check_polygons(frame, ids, source)
    columns: dict[str, Any] = {"tile_id": ids}
    for column in DATE_COLUMNS:
        if column in frame.columns:
            columns[column] = [_date_text(v) for v in frame[column]]
    for column in keep:
        columns[column] = bound_values(frame, column, ids, source)
    return gpd.GeoDataFrame(columns, geometry=list(frame.geometry.values), crs=frame.crs)


def unit_span(tiles: gpd.GeoDataFrame | None) -> tuple[str, str] | None:
    """The period of units that all have their own dates (per-unit windows), else None:
    the run's dates when none are given."""
    if tiles is None or not {"start_date", "end_date"} <= set(tiles.columns):
        return None
    starts, ends = tiles["start_date"], tiles["end_date"]
    if starts.isna().any() or ends.isna().any():
        return None
    return str(starts.min()), str(ends.max())


def bound_values(
    frame: pd.DataFrame,
    column: str,
    ids: Sequence[str],
    source: str,
    needed: Sequence[bool] | None = None,
) -> list[Any]:
    """The values of ``column``, a field bound to a job parameter: the field must be there
    and hold a value for every unit (``ids``, in ``frame``'s order) whose job is still to
    be sent (``needed``; all by default), else its job would be sent null. Every way a
    run gets its rows checks this here: any polygons' units, the plugin's grid (the CLI's
    ``--grid``, Processing's GRID), a job table opened as a run, and the dock's unit layer."""
    import geopandas as gpd

    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    if column not in frame.columns or column == geometry:
        fields = [c for c in frame.columns if c != geometry]
        raise UnitsError(
            f"{source} has no field {column!r} for a job parameter; its fields: "
            f"{', '.join(map(str, fields)) or 'none'}."
        )
    values = list(frame[column])
    wanted = [True] * len(values) if needed is None else list(needed)
    empty = [str(i) for i, v, w in zip(ids, values, wanted) if w and _no_value(v)]
    if empty:
        raise UnitsError(
            f"Units {_listed(empty)} of {source} have no value in field {column!r}, which a "
            "job parameter is bound to."
        )
    return values


def _no_value(value: Any) -> bool:
    """A missing cell: None, NaN, NaT or pandas' NA (a list or dict is a value)."""
    import pandas as pd

    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _id_text(value: Any) -> str:
    """An id as text: ``12`` for an integer stored as a float (Shapefiles do), ``""`` for
    a missing value."""
    if value is None or value != value:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date_text(value: Any) -> str | None:
    if value is None or value != value or str(value).strip() in ("", "NaT", "None"):
        return None
    return str(value).strip()[:10]


def _check_ids(ids: list[str], id_field: str, source: str) -> None:
    empty = [n + 1 for n, i in enumerate(ids) if not i]
    if empty:
        raise UnitsError(
            f"{len(empty)} feature(s) of {source} have an empty {id_field!r} (features "
            f"{_listed(map(str, empty))}): every unit needs an id."
        )
    seen: dict[str, int] = {}
    for i in ids:
        seen[i] = seen.get(i, 0) + 1
    duplicates = [i for i, n in seen.items() if n > 1]
    if duplicates:
        raise UnitsError(
            f"Field {id_field!r} of {source} has duplicate ids: {_listed(duplicates)}; each "
            "unit needs its own (one job per unit)."
        )
    bad = [i for i in ids if FORBIDDEN & set(i) or not i.isprintable()]
    if bad:
        raise UnitsError(
            f"Field {id_field!r} of {source} has ids that cannot name a results folder: "
            f'{_listed(bad)} (no / \\ : * ? " < > | or control characters).'
        )


def _check_polygons(frame: gpd.GeoDataFrame, ids: list[str], source: str) -> None:
    kinds = frame.geometry.geom_type
    not_polygons = [
        i
        for i, kind, empty in zip(ids, kinds, frame.geometry.is_empty)
        if kind not in ("Polygon", "MultiPolygon") or empty
    ]
    if not_polygons:
        raise UnitsError(
            f"Units must be polygons: {_listed(not_polygons)} of {source} are not (or empty)."
        )


def _listed(values: Any) -> str:
    values = list(values)
    shown = ", ".join(repr(v) if not v.isdigit() else v for v in values[:SHOWN])
    return shown + (f" and {len(values) - SHOWN} more" if len(values) > SHOWN else "")
