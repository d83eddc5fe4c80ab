"""Read AOIs from and write grids to vector files (format from the file extension)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..definitions import NOT_STARTED
from ..errors import GridJobsError
from .schema import JOB_FIELDS

if TYPE_CHECKING:
    from .grid import Grid

DRIVERS = {".gpkg": "GPKG", ".shp": "ESRI Shapefile", ".geojson": "GeoJSON", ".json": "GeoJSON"}
#: The files GDAL writes for a Shapefile ``name.shp`` (same stem, these extensions).
SHAPEFILE_WRITTEN = (".shp", ".shx", ".dbf", ".prj", ".cpg")
#: Spatial indexes some tools add next to a Shapefile: stale once it is replaced.
SHAPEFILE_INDEXES = (".qix", ".sbn", ".sbx")
POLYGONAL = frozenset({"Polygon", "MultiPolygon"})


class GridFileError(GridJobsError):
    """A grid or AOI file cannot be read or written."""


def driver_for(path: Path) -> str:
    try:
        return DRIVERS[path.suffix.lower()]
    except KeyError:
        raise GridFileError(
            f"Cannot tell the format of {path.name or str(path)!r}: use .gpkg, .shp or .geojson."
        ) from None


def files_of(path: str | Path, extensions: tuple[str, ...] = SHAPEFILE_WRITTEN) -> list[Path]:
    """The files a vector file ``path`` consists of: itself, or for a Shapefile the
    files sharing its stem with ``extensions`` (upper case if its suffix is)."""
    path = Path(path)
    if path.suffix.lower() != ".shp":
        return [path]
    upper = path.suffix.isupper()
    return [path.with_suffix(ext.upper() if upper else ext) for ext in extensions]


def same_file(a: Path, b: Path) -> bool:
    """``a`` and ``b`` name the same file (after resolving links, or same inode)."""
    try:
        if a.resolve() == b.resolve():
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def grid_frame(grid: Grid) -> Any:
    """The grid's tiles with the (empty) job fields, every tile ``not_started``."""
    frame = grid.tiles.copy()
    for name, kind in JOB_FIELDS:
        frame[name] = None if kind == "str" else float("nan")
    frame["status"] = NOT_STARTED
    return frame


def write_grid(grid: Grid, path: str | Path) -> Path:
    """Write the grid in its own CRS (GeoJSON: lon/lat, as RFC 7946 requires).

    The file is written next to ``path`` first and then moved onto it, so a failed
    write leaves an existing file as it was. An existing file is replaced: callers
    decide whether that is wanted (the CLI's ``--overwrite``).
    """
    path = Path(path)
    driver = driver_for(path)
    frame = grid_frame(grid)
    if driver == "GeoJSON":
        frame = frame.to_crs(4326)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
        try:
            frame.to_file(staging / path.name, driver=driver, engine="pyogrio")
            written = sorted(staging.iterdir(), key=lambda p: p.name == path.name)  # main last
            names = {p.name for p in written}
            stale = files_of(path, SHAPEFILE_WRITTEN + SHAPEFILE_INDEXES)
            for old in stale:
                if old.name not in names and old != path and old.exists():
                    old.unlink()
            for part in written:
                os.replace(part, path.parent / part.name)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except Exception as exc:  # pyogrio/GDAL raise many types; the message is what matters
        raise GridFileError(f"Could not write {path}: {exc}") from exc
    return path


def read_aoi(path: str | Path) -> tuple[list[Any], Any]:
    """The polygons and CRS of a vector file, as an AOI for :func:`build_grid`."""
    import geopandas as gpd

    path = Path(path)
    if not path.exists():
        raise GridFileError(f"AOI file {path} does not exist.")
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:
        raise GridFileError(f"Could not read AOI file {path}: {exc}") from exc
    if frame.crs is None:
        raise GridFileError(f"AOI file {path} has no CRS.")
    geoms = [g for g in frame.geometry if g is not None and not g.is_empty]
    others = Counter(g.geom_type for g in geoms if g.geom_type not in POLYGONAL)
    if others:
        found = ", ".join(f"{n} {kind}" for kind, n in sorted(others.items()))
        raise GridFileError(f"AOI file {path} must hold polygons only; it has {found} feature(s).")
    return geoms, frame.crs
