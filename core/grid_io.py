"""Read AOIs from and write grids to vector files (format from the file extension)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import GridJobsError
from .schema import JOB_FIELDS
from .statuses import NOT_STARTED

if TYPE_CHECKING:
    from .grid import Grid

DRIVERS = {".gpkg": "GPKG", ".shp": "ESRI Shapefile", ".geojson": "GeoJSON", ".json": "GeoJSON"}


class GridFileError(GridJobsError):
    """A grid or AOI file cannot be read or written."""


def driver_for(path: Path) -> str:
    try:
        return DRIVERS[path.suffix.lower()]
    except KeyError:
        raise GridFileError(
            f"Cannot tell the format of {path.name!r}: use .gpkg, .shp or .geojson."
        ) from None


def grid_frame(grid: Grid) -> Any:
    """The grid's tiles with the (empty) job fields, every tile ``not_started``."""
    frame = grid.tiles.copy()
    for name, kind in JOB_FIELDS:
        frame[name] = None if kind == "str" else float("nan")
    frame["status"] = NOT_STARTED
    return frame


def write_grid(grid: Grid, path: str | Path) -> Path:
    """Write the grid in its own CRS (GeoJSON: lon/lat, as RFC 7946 requires)."""
    path = Path(path)
    driver = driver_for(path)
    frame = grid_frame(grid)
    if driver == "GeoJSON":
        frame = frame.to_crs(4326)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_file(path, driver=driver, engine="pyogrio")
    except Exception as exc:  # pyogrio/GDAL raise many types; the message is what matters
        raise GridFileError(f"Could not write {path}: {exc}") from exc
    return path


def read_aoi(path: str | Path) -> tuple[list[Any], Any]:
    """The geometries and CRS of a vector file, as an AOI for :func:`build_grid`."""
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
    return list(frame.geometry), frame.crs
