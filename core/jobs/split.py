"""Split and retry: a failed tile replaced by its four quarter tiles.

The usual fix for a tile whose job ran out of memory is a smaller tile. Splitting
replaces the tile's row in the job table by four ``not_started`` rows, one per
quarter, which the next run submits like any other tile:

- **ids** are the parent's with a quarter suffix: ``31N_119_1132`` →
  ``31N_119_1132_q0`` … ``_q3`` (``q0`` south-west, ``q1`` south-east, ``q2``
  north-west, ``q3`` north-east: x then y, as columns and rows go). A quarter
  can be split again (``31N_119_1132_q0_q3``). Ids stay unique in a grid, and
  each quarter's job gets its own title. A (unit, window) row of a run with time
  windows (``<unit>@<window>``, :mod:`..grid.windows`) keeps its window last:
  ``F-02@2024-02-01_2024-03-01`` → ``F-02_q0@2024-02-01_2024-03-01`` …, each piece a
  unit of its own (``unit_id`` ``F-02_q0``) with that one window, so the map shows it
  as a unit and the unit's other windows keep their rows (see :func:`piece_ids`);
- **geometry**: exact halves of the parent square in the grid CRS, so quarters
  keep the grid's snapping (a 5 km tile at multiples of 5 km gives 2.5 km tiles
  at multiples of 2.5 km); a unit of any polygon layer (:mod:`..grid.units`) is cut by
  the quarters of its bbox, and a quarter it does not reach is left out (a field
  may be split into fewer than four); ``spatial_extent`` (lon/lat GeoJSON) is made from
  them as for any grid tile; ``col``/``row`` stay the parent's (the cell of the
  grid's tile size each quarter lies in), ``crs``, ``start_date``/``end_date``,
  ``run_tag`` (and a time window's ``window``) are copied; the job
  fields start empty (attempt 1);
- **the parent's history** leaves the table (a row there would be a tile to run,
  count as failed for ever, and be resubmitted by *Retry failed* over its own
  quarters) and is kept in the run's settings (:class:`~..engine.config.RunConfig`
  ``splits``): the parent's id, status, message, job id, back-end, attempt and
  costs, what it was split into and when. Its costs stay part of the run's costs
  (``RunConfig.earlier_costs``), so a credit budget still counts them;
- a resumed run compares its grid with the table **with the quarters folded back
  into their parents** (:func:`fold`), so the grid the run started with (as the
  dock's layer or the CLI's ``--grid`` file still has it) is not refused as
  "another grid", nor is a grid that already shows the quarters (a windowed row's
  piece units fold back into their unit).

Only tiles that failed (``error``, ``start_failed``, ``skipped``, ``canceled``)
can be split: a tile whose job is active or finished keeps it. Tiles of a
notebook's tracker that have no grid geometry (only a lon/lat ``spatial_extent``)
cannot be split.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from ..definitions import NO_RESULT_STATUSES, NOT_STARTED
from ..errors import GridJobsError
from ..grid.windows import SEPARATOR
from .columns import EXTRA_COLUMNS, MANAGER_COLUMNS

if TYPE_CHECKING:
    from collections.abc import Iterable

    import pandas as pd

QUARTER_SUFFIXES = ("_q0", "_q1", "_q2", "_q3")
#: the openeo client's usage columns of a job (a notebook tracker's): not a quarter's
USAGE_COLUMNS = ("cpu", "memory", "duration", "network", "disk", "storage")


class SplitError(GridJobsError):
    """A tile cannot be split; nothing was changed."""


@dataclass(frozen=True)
class SplitRecord:
    """A tile that was split, as the run's settings keep it."""

    tile_id: str
    into: list[str]
    status: str
    message: str | None
    job_id: str | None
    backend_name: str | None
    attempt: int
    costs: float | None
    #: when it was split (UTC)
    split_at: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> SplitRecord:
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def quarter_ids(tile_id: str) -> list[str]:
    """``31N_119_1132`` → ``31N_119_1132_q0`` … ``31N_119_1132_q3``."""
    return [f"{tile_id}{suffix}" for suffix in QUARTER_SUFFIXES]


def piece_ids(tile_id: str, unit_id: str | None = None, window: str | None = None) -> list[str]:
    """The quarter ids of a row: :func:`quarter_ids`, or for a (unit, window) row
    (``tile_id`` is ``<unit>@<window>``) the window kept last, ``<unit>_q0@<window>`` …
    (a row of a table split before windows kept theirs, ``<unit>@<window>_q0``, is
    split on as before)."""
    if unit_id and window and tile_id == f"{unit_id}{SEPARATOR}{window}":
        return [f"{unit}{SEPARATOR}{window}" for unit in quarter_ids(unit_id)]
    return quarter_ids(tile_id)


def _unit_of(row_id: str) -> str:
    """The unit part of a windowed row id (the id itself when it has none)."""
    unit, separator, _ = row_id.rpartition(SEPARATOR)
    return unit if separator and unit else row_id


def parents_of(splits: Iterable[dict[str, Any] | SplitRecord]) -> dict[str, str]:
    """Quarter id → the id of the tile it was split from; a windowed row's piece unit
    → its unit as well (``F-02_q0`` → ``F-02``), for a grid of units."""
    parents: dict[str, str] = {}
    for split in splits:
        values = split.to_dict() if isinstance(split, SplitRecord) else split
        parent = str(values["tile_id"])
        for child in map(str, values.get("into") or []):
            parents[child] = parent
            unit, piece = _unit_of(parent), _unit_of(child)
            if piece != child and unit != parent and piece != unit:
                parents[piece] = unit
    return parents


def fold(tile_ids: Iterable[str], splits: Iterable[dict[str, Any] | SplitRecord]) -> set[str]:
    """The tile ids with every split undone: each quarter (of a quarter...) replaced by
    the tile the grid had before any split."""
    parents = parents_of(splits)
    folded = set()
    for tile_id in tile_ids:
        seen = set()
        while tile_id in parents and tile_id not in seen:
            seen.add(tile_id)
            tile_id = parents[tile_id]
        folded.add(tile_id)
    return folded


def split_rows(
    frame: pd.DataFrame, tile_ids: Iterable[str], when: str
) -> tuple[pd.DataFrame, list[SplitRecord]]:
    """A new job table with each of ``tile_ids`` replaced (in place, so the table keeps
    its order) by its four quarters, ``not_started``; and what was split.

    Raises :class:`SplitError` (nothing changed) for an unknown tile, a tile that did
    not fail, one without a grid geometry, or quarters that already exist."""
    import pandas as pd

    wanted = list(dict.fromkeys(str(t) for t in tile_ids))
    if not wanted:
        return frame, []
    ids = frame["tile_id"].astype(str)
    position = {t: i for i, t in enumerate(ids)}
    missing = [t for t in wanted if t not in position]
    if missing:
        raise SplitError(f"No tile {', '.join(missing)} in this run: nothing was split.")
    existing = set(ids)
    records: list[SplitRecord] = []
    quarters_of: dict[int, pd.DataFrame] = {}
    for tile_id in wanted:
        i = position[tile_id]
        row = frame.iloc[i]
        status = str(row["status"])
        if status not in NO_RESULT_STATUSES:
            raise SplitError(
                f"Tile {tile_id} is {status}: only failed tiles (error, start_failed, skipped, "
                "canceled) can be split. Nothing was split."
            )
        clash = [q for q in _row_piece_ids(row) if q in existing]
        if clash:
            raise SplitError(f"Tile {tile_id} has quarters already ({', '.join(clash)}).")
        quarters_of[i] = _quarters(frame, i)
        records.append(
            SplitRecord(
                tile_id=tile_id,
                into=[str(q) for q in quarters_of[i]["tile_id"]],
                status=status,
                message=_text(row.get("message")),
                job_id=_text(row.get("id")),
                backend_name=_text(row.get("backend_name")),
                attempt=int(row.get("attempt", 1) or 1),
                costs=_number(row.get("costs")),
                split_at=when,
            )
        )
    pieces = []
    start = 0
    for i in sorted(quarters_of):
        pieces += [frame.iloc[start:i], quarters_of[i]]
        start = i + 1
    pieces.append(frame.iloc[start:])
    result = pd.concat([p for p in pieces if len(p)], ignore_index=True)
    for column, dtype in frame.dtypes.items():  # concat may widen ints to floats
        if column in result.columns and result[column].dtype != dtype:
            with contextlib.suppress(TypeError, ValueError):
                result[column] = result[column].astype(dtype)
    return result, records


def _quarters(frame: pd.DataFrame, i: int) -> pd.DataFrame:
    """The four quarter rows of row ``i`` (by position)."""
    import geopandas as gpd
    import pandas as pd
    import shapely
    import shapely.geometry

    row = frame.iloc[i]
    tile_id = str(row["tile_id"])
    geometry = row.get("geometry")
    crs = row.get("crs")
    if isinstance(geometry, str) and geometry:
        geometry = shapely.from_wkt(geometry)
    if geometry is None or geometry != geometry or not isinstance(crs, str) or not crs:
        raise SplitError(
            f"Tile {tile_id} has no grid geometry (a notebook's tracker row?): only grid tiles "
            "can be split. Nothing was split."
        )
    west, south, east, north = (float(v) for v in shapely.bounds(geometry))
    mid_x, mid_y = (west + east) / 2, (south + north) / 2
    boxes = [
        shapely.geometry.box(west, south, mid_x, mid_y),  # q0 south-west
        shapely.geometry.box(mid_x, south, east, mid_y),  # q1 south-east
        shapely.geometry.box(west, mid_y, mid_x, north),  # q2 north-west
        shapely.geometry.box(mid_x, mid_y, east, north),  # q3 north-east
    ]
    ids = _row_piece_ids(row)
    windowed = ids != quarter_ids(tile_id)  # a (unit, window) row's pieces: units of their own
    if not shapely.box(west, south, east, north).equals(geometry):  # a unit, not a square
        parts = [_polygonal(box.intersection(geometry)) for box in boxes]
        ids = [q for q, part in zip(ids, parts) if part is not None]
        boxes = [part for part in parts if part is not None]
    lonlat = gpd.GeoSeries(boxes, crs=crs).to_crs(4326)
    quarters = pd.DataFrame([row.to_dict()] * len(boxes))
    for column, default in {**MANAGER_COLUMNS, **EXTRA_COLUMNS}.items():
        if column in quarters.columns:
            quarters[column] = [default] * len(boxes)
    for column in USAGE_COLUMNS:
        if column in quarters.columns:
            quarters[column] = [None] * len(boxes)
    quarters["tile_id"] = ids
    if windowed:
        quarters["unit_id"] = [_unit_of(q) for q in ids]
    quarters["status"] = NOT_STARTED
    quarters["run_tag"] = row.get("run_tag")
    quarters["attempt"] = 1
    if frame["geometry"].dtype.name == "geometry":
        quarters["geometry"] = boxes
    else:
        quarters["geometry"] = list(shapely.to_wkt(boxes, rounding_precision=-1))
    quarters["spatial_extent"] = [json.dumps(shapely.geometry.mapping(g)) for g in lonlat]
    return quarters


def _row_piece_ids(row: pd.Series) -> list[str]:
    """:func:`piece_ids` of a job-table row."""
    return piece_ids(str(row["tile_id"]), _text(row.get("unit_id")), _text(row.get("window")))


def _polygonal(shape: Any) -> Any:
    """The polygon(s) of a clipped unit's quarter; None when nothing of it is left there
    (an L-shaped field may miss a quarter of its bbox)."""
    import shapely

    polygons = [
        g
        for g in shapely.get_parts(shape)
        if g.geom_type in ("Polygon", "MultiPolygon") and g.area > 0
    ]
    if not polygons:
        return None
    return polygons[0] if len(polygons) == 1 else shapely.union_all(polygons)


def _text(value: Any) -> str | None:
    return None if value is None or value != value else str(value)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number
