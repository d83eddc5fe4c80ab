"""The job database: one row per tile, in openEO's job-manager format (CSV or Parquet).

Columns of the openeo client's ``MultiBackendJobManager`` (``id``,
``backend_name``, ``status``, ``start_time``, ``running_start_time``,
``costs``, usage columns) so that a tracker made by a notebook opens here and
vice versa; reading goes through the client's own ``CsvJobDatabase`` /
``ParquetJobDatabase``. Our extra columns: the tile (``tile_id``, ``col``,
``row``, ``crs``, ``geometry`` as WKT in the grid CRS) and the seed notebook's
``spatial_extent`` (GeoJSON, lon/lat), ``start_date``, ``end_date``; plus
``message``, ``result``, ``run_tag``, ``intent_at``, ``attempt``, ``end_time`` (UTC,
when the tile became final), ``duration_s`` (seconds from ``start_time`` to
``end_time``, see :func:`~.rows.final_times`) and ``progress`` (the job's, 0-100,
as last reported). A job database without some of
them (older, or a notebook's) gets them empty when read.

``start_time`` is when the back-end accepted the job's start: empty for a tile whose
job never started (``start_failed``, ``skipped``). ``duration_s`` is not named
``duration``: the openeo client fills a ``duration`` column of its own with the
back-end's usage figure (text such as ``"3 seconds"``), which is kept as it is.

Writes are atomic (write a sibling file, then rename), and a file that cannot
be read is reported and never overwritten.
"""

from __future__ import annotations

import json
import math
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..definitions import NOT_STARTED, STATUSES
from ..errors import GridJobsError
from ..grid.units import bound_values
from ..grid.windows import expand_rows

# .parameters and .row_extents import this module (RUN_COLUMNS, JobDatabaseError), so the
# functions here that use them import them where they do: at the top, a circle.

if TYPE_CHECKING:
    from collections.abc import Sequence

    import geopandas as gpd
    import pandas as pd

    from ..grid.windows import TimeWindow


#: The openeo client's job-manager columns (``MultiBackendJobManager._column_requirements``).
MANAGER_COLUMNS: dict[str, Any] = {
    "id": None,
    "backend_name": None,
    "status": NOT_STARTED,
    "start_time": None,
    "running_start_time": None,
    "costs": float("nan"),
}
#: ``intent_at``: when a job-creating request for the row was about to be sent (UTC); set
#: before the request, cleared once its job id is known or it is sure no job was made
EXTRA_COLUMNS: dict[str, Any] = {
    "message": None,
    "result": None,
    "run_tag": None,
    "intent_at": None,
    #: how many times the tile was (re)submitted; part of its job's title
    "attempt": 1,
    "end_time": None,
    "duration_s": float("nan"),
    #: the job's ``progress`` (0-100) as its back-end last reported it (the openeo client
    #: keeps no such column)
    "progress": float("nan"),
    #: a finished job's result files on the back-end (JSON: href, name, type), asked for
    #: by a run that does not download them
    "result_url": None,
}
#: the columns a run writes in every row (the job manager's, this plugin's, the tile's):
#: a job's usage key or a field bound to a job parameter must never take one of these names
RUN_COLUMNS = frozenset(MANAGER_COLUMNS).union(
    EXTRA_COLUMNS, ("col", "row", "crs", "geometry", "spatial_extent")
)
#: text columns that pandas must not turn into floats when they are all empty
TEXT_COLUMNS = (
    "id",
    "backend_name",
    "start_time",
    "running_start_time",
    "message",
    "result",
    "intent_at",
    "end_time",
    "result_url",
)
#: the columns that name a row (a unit's id may look like a number)
ID_COLUMNS = ("tile_id", "unit_id")
SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".geoparquet": "parquet"}
#: rows per call of pandas' CSV writer, a C loop that holds the interpreter's lock for all
#: of them: the other threads (the map's) run between chunks instead of waiting for the
#: whole table
CSV_CHUNK = 250


class JobDatabaseError(GridJobsError):
    """The job database cannot be read or written; the file is left as it was."""


def kind_of(path: Path) -> str:
    try:
        return SUFFIXES[path.suffix.lower()]
    except KeyError:
        raise JobDatabaseError(
            f"Cannot tell the job database format of {path.name!r}: use .csv or .parquet."
        ) from None


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
    from .parameters import plain

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


class JobDatabase:
    """A job table on disk (CSV or Parquet) with atomic saves."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.kind = kind_of(self.path)
        #: the tiles' WKT and their parsed shapes, kept between Parquet saves: tiles
        #: never move, and parsing them all again at each save adds up in a long run
        self._shapes: tuple[Any, Any] | None = None

    def exists(self) -> bool:
        return self.path.exists()

    def read(self) -> pd.DataFrame:
        """Read through the openeo client's own job-database classes, for compatibility."""
        from openeo.extra.job_management import CsvJobDatabase, ParquetJobDatabase

        if not self.path.exists():
            raise JobDatabaseError(f"The job database {self.path} does not exist.")
        reader = CsvJobDatabase if self.kind == "csv" else ParquetJobDatabase
        try:
            frame = reader(self.path).read()
        except Exception as exc:  # pandas/pyarrow raise many types; the message is what matters
            raise JobDatabaseError(
                f"Cannot read the job database {self.path} ({type(exc).__name__}: {exc}). "
                "The file was left as it is."
            ) from None
        if self.kind == "csv":
            frame = _ids_as_text(frame, self.path)
        if "status" not in frame.columns and "spatial_extent" not in frame.columns:
            raise JobDatabaseError(
                f"{self.path} is not an openEO job database: it has neither a 'status' nor a "
                "'spatial_extent' column. The file was left as it is."
            )
        unknown = {s for s in frame.get("status", []) if isinstance(s, str) and s not in STATUSES}
        if unknown:
            raise JobDatabaseError(
                f"{self.path} has unknown job statuses {sorted(unknown)}. "
                "The file was left as it is."
            )
        return normalize(frame)

    def save(self, frame: pd.DataFrame) -> None:
        """Write ``frame`` atomically: readers never see a half-written file."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        try:
            if self.kind == "csv":
                _to_csv(frame, tmp)
            else:
                _to_parquet(frame, tmp, self._shapes_of)
            os.replace(tmp, self.path)
        except OSError as exc:
            raise JobDatabaseError(f"Cannot write the job database {self.path}: {exc}") from None
        finally:
            if tmp.exists():
                tmp.unlink()

    def _shapes_of(self, wkt: pd.Series) -> Any:
        """The shapes of a column of WKT, parsed once while the tiles stay the same."""
        import shapely

        texts = wkt.to_numpy(dtype=object)
        if self._shapes is not None:
            known, shapes = self._shapes
            if len(known) == len(texts) and bool((known == texts).all()):
                return shapes
        shapes = shapely.from_wkt(wkt.astype(object).where(wkt.notna(), None))
        self._shapes = (texts, shapes)
        return shapes


def _ids_as_text(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """A CSV's id columns as written: units may have numeric ids (``007``, ``1.50``),
    which pandas would read as numbers (``7``, ``1.5``), and a changed id is a changed
    job title, so a resume would not find the row's job."""
    import pandas as pd

    numeric = [c for c in ID_COLUMNS if c in frame.columns and frame[c].dtype != object]
    if not numeric:
        return frame
    text = pd.read_csv(path, usecols=numeric, dtype=str, keep_default_na=False)
    frame = frame.copy()
    for column in numeric:
        frame[column] = text[column].to_numpy()
    return frame


def _to_csv(frame: pd.DataFrame, path: Path) -> None:
    if "geometry" in frame.columns and frame["geometry"].dtype.name == "geometry":
        import shapely

        wkt = shapely.to_wkt(frame["geometry"].values, rounding_precision=-1)
        frame = frame.assign(geometry=wkt)
    frame.to_csv(path, index=False, chunksize=CSV_CHUNK)


def _to_parquet(frame: pd.DataFrame, path: Path, shapes_of: Callable[[pd.Series], Any]) -> None:
    import geopandas as gpd

    if "geometry" not in frame.columns:
        frame.to_parquet(path, index=False)
        return
    plain = frame.drop(columns="geometry")
    geometry = frame["geometry"]
    # a notebook's GeoDataFrame has shapes already (their CRS is ``frame_crs``'s)
    geometry = geometry.to_numpy() if geometry.dtype.name == "geometry" else shapes_of(geometry)
    from .row_extents import frame_crs

    crs = frame_crs(frame)
    gpd.GeoDataFrame(plain, geometry=gpd.GeoSeries(geometry, crs=crs)).to_parquet(path, index=False)


def lonlat_frame(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """The rows with lon/lat polygons, for maps (a seed tracker has only spatial_extent)."""
    import geopandas as gpd
    import shapely

    if "spatial_extent" in frame.columns and frame["spatial_extent"].notna().all():
        shapes = [shapely.geometry.shape(json.loads(s)) for s in frame["spatial_extent"]]
        return gpd.GeoDataFrame(
            frame.drop(columns=["geometry"], errors="ignore"), geometry=shapes, crs=4326
        )
    from .row_extents import frame_crs, geometries

    return gpd.GeoDataFrame(frame, geometry=geometries(frame), crs=frame_crs(frame)).to_crs(4326)
