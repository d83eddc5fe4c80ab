"""The job database on disk: a job table (:mod:`.table`) as a CSV or Parquet file.

openEO's job-manager format (:mod:`.columns`), so that a tracker made by a notebook
opens here and vice versa: reading goes through the openeo client's own
``CsvJobDatabase`` / ``ParquetJobDatabase``, and what it reads is normalised
(:func:`~.table.normalize`).

Writes are atomic (write a sibling file, then rename), and a file that cannot
be read is reported and never overwritten.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..definitions import STATUSES
from ..errors import JobDatabaseError
from .columns import ID_COLUMNS
from .row_extents import frame_crs
from .table import normalize

if TYPE_CHECKING:
    import pandas as pd


SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".geoparquet": "parquet"}
#: rows per call of pandas' CSV writer, a C loop that holds the interpreter's lock for all
#: of them: the other threads (the map's) run between chunks instead of waiting for the
#: whole table
CSV_CHUNK = 250


def kind_of(path: Path) -> str:
    try:
        return SUFFIXES[path.suffix.lower()]
    except KeyError:
        raise JobDatabaseError(
            f"Cannot tell the job database format of {path.name!r}: use .csv or .parquet."
        ) from None


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
    crs = frame_crs(frame)
    gpd.GeoDataFrame(plain, geometry=gpd.GeoSeries(geometry, crs=crs)).to_parquet(path, index=False)
