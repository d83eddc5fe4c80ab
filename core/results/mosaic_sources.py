"""The tiles' result rasters as a mosaic reads them: which files, which band of each.

:func:`mosaic_sources` finds the rasters among the tiles' result files and folders
and picks one band by name in each:

- NetCDF with several variables: the variable named ``band`` (``NETCDF:"f.nc":NDVI``),
  else the first; a NetCDF with one variable (what an NDVI mean gives) is its band 1;
- GTiff (and any other single-dataset raster): the band whose description or
  ``NETCDF_VARNAME`` is ``band`` (case-insensitive), else band 1.

A file that is not a raster, cannot be read, or is not north-up and georeferenced is
left out, said in the log, so one bad tile does not cost the others their mosaic.

GDAL is used through its Python bindings without turning on GDAL exceptions (a
process-wide switch inside QGIS): failures are read from a thread-local error
handler (:func:`gdal_errors`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from .band_stats import BandStats, band_stats

if TYPE_CHECKING:
    from osgeo import gdal

_log = logging.getLogger(__name__)

#: file suffixes tried as rasters (others, e.g. JSON or CSV results, are not mosaicked)
RASTER_SUFFIXES = (".nc", ".tif", ".tiff", ".vrt", ".jp2", ".img")

PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class MosaicSource:
    """One tile's raster as the mosaic reads it."""

    path: Path  #: the result file
    name: str  #: what GDAL opens: the file, or ``NETCDF:"file":variable``
    band: int  #: the band of ``name`` that goes into the mosaic
    label: str  #: that band's name (description or NetCDF variable), may be empty
    crs: str  #: e.g. ``EPSG:32631`` (the WKT when it has no code)
    wkt: str
    bounds: tuple[float, float, float, float]  #: west, south, east, north in ``crs``
    size: tuple[int, int]  #: pixels across, down
    resolution: tuple[float, float]  #: pixel width, height in ``crs`` units
    data_type: str  #: GDAL's name, e.g. ``Float32``
    nodata: float | None
    stats: BandStats | None  #: of that band; None: no valid pixel


class SourceCache:
    """The tiles' rasters as already read, so that writing the mosaic again as tiles
    finish reads only the new ones: reading each tile (open, band, statistics) at every
    rewrite cost seconds of CPU per rewrite at a thousand tiles. A file whose size or
    modification time changed is read again; one that could not be read is not kept
    (it may be readable next time)."""

    def __init__(self) -> None:
        self._read: dict[tuple[Path, str], tuple[tuple[int, int], MosaicSource]] = {}

    def source(self, path: Path, band: str) -> MosaicSource | None:
        try:
            stat = path.stat()
        except OSError:
            return None
        version = (stat.st_mtime_ns, stat.st_size)
        known = self._read.get((path, band))
        if known is not None and known[0] == version:
            return known[1]
        source = _source(path, band)
        if source is not None:
            self._read[(path, band)] = (version, source)
        return source


def mosaic_sources(
    results: Sequence[PathLike], band: str = "NDVI", cache: SourceCache | None = None
) -> list[MosaicSource]:
    """The rasters of ``results`` with the band each contributes (unreadable ones left
    out, said in the log); a folder stands for the raster files in it. With ``cache``,
    a raster read before (and unchanged since) is not read again."""
    sources: list[MosaicSource] = []
    seen: set[Path] = set()
    for path in _raster_files(results):
        if path in seen:
            continue
        seen.add(path)
        source = cache.source(path, band) if cache is not None else _source(path, band)
        if source is not None:
            sources.append(source)
    return sources


def _raster_files(results: Sequence[PathLike]) -> Iterator[Path]:
    for item in results:
        if item is None or item != item or str(item) == "":  # empty cells of a job table
            continue
        path = Path(item).absolute()
        if path.is_dir():
            yield from sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in RASTER_SUFFIXES
            )
        elif path.is_file() and path.suffix.lower() in RASTER_SUFFIXES:
            yield path


def _source(path: Path, band: str) -> MosaicSource | None:
    from osgeo import gdal

    with gdal_errors() as errors:
        dataset = open_raster(str(path))
        if dataset is None:
            _log.warning("Left out of the mosaic, cannot read %s: %s", path, "; ".join(errors))
            return None
        subdatasets = [name for name, _ in dataset.GetSubDatasets()]
        name = str(path)
        if subdatasets:  # a NetCDF with several variables
            name = _pick_subdataset(subdatasets, band)
            dataset = open_raster(name)
            if dataset is None:
                _log.warning("Left out of the mosaic, cannot read %s: %s", name, "; ".join(errors))
                return None
        if dataset.RasterCount < 1:
            _log.warning("Left out of the mosaic, %s has no raster band", path)
            return None
        geotransform = dataset.GetGeoTransform(can_return_null=True)
        srs = dataset.GetSpatialRef()
        if geotransform is None or srs is None:
            _log.warning("Left out of the mosaic, %s has no georeferencing", path)
            return None
        if geotransform[2] or geotransform[4] or geotransform[1] <= 0 or geotransform[5] >= 0:
            _log.warning("Left out of the mosaic, %s is not north-up", path)
            return None
        band_index = _pick_band(dataset, band)
        raster_band = dataset.GetRasterBand(band_index)
        size = (dataset.RasterXSize, dataset.RasterYSize)
        return MosaicSource(
            path=path,
            name=name,
            band=band_index,
            label=_band_label(raster_band) or (name.rsplit(":", 1)[-1] if subdatasets else ""),
            crs=_crs_name(srs),
            wkt=srs.ExportToWkt(),
            bounds=_bounds(geotransform, *size),
            size=size,
            resolution=(float(geotransform[1]), float(-geotransform[5])),
            data_type=gdal.GetDataTypeName(raster_band.DataType),
            nodata=raster_band.GetNoDataValue(),
            stats=band_stats(raster_band, *size),
        )


def _pick_subdataset(names: list[str], band: str) -> str:
    """``NETCDF:"f.nc":NDVI`` for ``band`` NDVI (by the variable, case-insensitive), else
    the first variable."""
    wanted = band.lower()
    for name in names:
        if name.rsplit(":", 1)[-1].strip('"').lower() == wanted:
            return name
    return names[0]


def _pick_band(dataset: gdal.Dataset, band: str) -> int:
    wanted = band.lower()
    for index in range(1, dataset.RasterCount + 1):
        raster_band = dataset.GetRasterBand(index)
        labels = (raster_band.GetDescription(), raster_band.GetMetadataItem("NETCDF_VARNAME"))
        if any(label and str(label).lower() == wanted for label in labels):
            return index
    return 1


def _band_label(raster_band: Any) -> str:
    return str(raster_band.GetDescription() or raster_band.GetMetadataItem("NETCDF_VARNAME") or "")


def _bounds(
    geotransform: Sequence[float], width: int, height: int
) -> tuple[float, float, float, float]:
    x0, dx, _, y0, _, dy = geotransform
    xs = (x0, x0 + width * dx)
    ys = (y0, y0 + height * dy)
    return (min(xs), min(ys), max(xs), max(ys))


def crs_counts(sources: list[MosaicSource]) -> dict[str, int]:
    """How many sources are in each CRS (alike CRSs counted together even when their
    WKT is written differently)."""
    groups: list[tuple[MosaicSource, Any, int]] = []
    for source in sources:
        for k, (first, srs, n) in enumerate(groups):
            if source.crs == first.crs or srs.IsSame(_srs(source.wkt)):
                groups[k] = (first, srs, n + 1)
                break
        else:
            groups.append((source, _srs(source.wkt), 1))
    return {first.crs: n for first, _, n in groups}


def _srs(wkt: str) -> Any:
    from osgeo import osr

    srs = osr.SpatialReference()
    srs.ImportFromWkt(wkt)
    return srs


def _crs_name(srs: Any) -> str:
    srs = srs.Clone()
    srs.AutoIdentifyEPSG()
    authority, code = srs.GetAuthorityName(None), srs.GetAuthorityCode(None)
    return f"{authority}:{code}" if authority and code else str(srs.ExportToWkt())


def open_raster(name: str) -> Any:
    """``gdal.Open``: None when it cannot be read, whether GDAL exceptions are on or not."""
    from osgeo import gdal

    try:
        return gdal.Open(name)
    except RuntimeError:
        return None


@contextmanager
def gdal_errors() -> Iterator[list[str]]:
    """GDAL's warnings and errors raised inside the block, instead of on stderr (the
    handler stack is per thread); and no ``.aux.xml`` files (statistics) written beside
    the tiles' results meanwhile."""
    from osgeo import gdal

    messages: list[str] = []

    def handler(level: int, _number: int, message: str) -> None:
        if level >= gdal.CE_Warning:
            messages.append(" ".join(str(message).split()))

    pam = gdal.GetThreadLocalConfigOption("GDAL_PAM_ENABLED", None)
    gdal.SetThreadLocalConfigOption("GDAL_PAM_ENABLED", "NO")
    gdal.PushErrorHandler(handler)
    try:
        yield messages
    finally:
        gdal.PopErrorHandler()
        gdal.SetThreadLocalConfigOption("GDAL_PAM_ENABLED", pam)
