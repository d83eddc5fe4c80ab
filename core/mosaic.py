"""One raster over a run's finished tiles: a GDAL VRT mosaic of their result files.

:func:`write_mosaic` writes ``mosaic.vrt`` (by convention beside the results, in
``<output_dir>/``) over the tiles' result files, picking one band by name in each:

- NetCDF with several variables: the variable named ``band`` (``NETCDF:"f.nc":NDVI``),
  else the first; a NetCDF with one variable (what an NDVI mean gives) is its band 1;
- GTiff (and any other single-dataset raster): the band whose description or
  ``NETCDF_VARNAME`` is ``band`` (case-insensitive), else band 1.

The VRT is a few kB of XML that references the tiles (by paths relative to the
VRT, so the results folder can be moved as a whole; ``NETCDF:`` names stay
absolute): writing it again after each finished tile is cheap, and a reader never
sees half of one (temporary name, then :func:`os.replace`). Its extent is the union
of the tiles' extents at the finest tile resolution, like ``gdalbuildvrt
-resolution highest``; the XML is written here rather than by ``gdal.BuildVRT``,
which in GDAL 3.6 takes one band number for every source and silently drops (with a
warning on stderr) a tile whose data type or colour interpretation differs from the
first one's, as results of two back-ends may. Tiles of one grid share a CRS (its UTM
zone); results in different CRSs raise :class:`MosaicCrsError` rather than making a
mosaic that drops tiles.

NDVI lies in −1…1 (:data:`NDVI_RANGE`): a fixed stretch over that range looks
the same on every tile and at every stage of a run. :func:`value_range` gives the
data's own range for other bands.

GDAL is used through its Python bindings without turning on GDAL exceptions (a
process-wide switch inside QGIS): failures are read from a thread-local error
handler.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from .errors import GridJobsError

if TYPE_CHECKING:
    import pandas as pd
    from osgeo import gdal

_log = logging.getLogger(__name__)

MOSAIC_NAME = "mosaic.vrt"
#: the range NDVI can take: a stretch that needs no statistics and is alike on every tile
NDVI_RANGE = (-1.0, 1.0)
#: file suffixes tried as rasters (others, e.g. JSON or CSV results, are not mosaicked)
RASTER_SUFFIXES = (".nc", ".tif", ".tiff", ".vrt", ".jp2", ".img")

PathLike = Union[str, "os.PathLike[str]"]


class MosaicError(GridJobsError):
    """The tiles' results cannot be put into one mosaic."""


class MosaicCrsError(MosaicError):
    """The tiles' results are in different CRSs (a mosaic needs one)."""

    def __init__(self, crs_counts: dict[str, int]) -> None:
        self.crs_counts = dict(crs_counts)
        listed = ", ".join(f"{crs}: {n} tile(s)" for crs, n in crs_counts.items())
        super().__init__(
            f"The tile results are in different CRSs ({listed}); a mosaic needs one CRS. "
            "Tiles of one grid share its CRS: were results of another grid put in this "
            "results folder?"
        )


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


def write_mosaic(results: Sequence[PathLike], out: PathLike, band: str = "NDVI") -> Path | None:
    """Write a VRT mosaic of ``results`` (tile result files or folders) at ``out``.

    Returns ``out``, or None when none of ``results`` is a readable raster (nothing is
    written then, and an existing ``out`` is left as it is). Files that are not rasters
    (JSON, CSV...) or cannot be read are left out (logged). Raises
    :class:`MosaicCrsError` when the rasters are in different CRSs and
    :class:`MosaicError` when GDAL cannot write the VRT (e.g. a read-only folder).
    May be called from any thread; concurrent calls each write a whole VRT and the
    last one wins.
    """
    sources = mosaic_sources(results, band)
    if not sources:
        return None
    crs_counts = _crs_counts(sources)
    if len(crs_counts) > 1:
        raise MosaicCrsError(crs_counts)
    return _build_vrt(sources, Path(out), band)


def finished_results(frame: pd.DataFrame) -> list[str]:
    """The ``result`` paths of the finished tiles of a job table that have one, in table
    order: what :func:`write_mosaic` takes."""
    if "result" not in frame.columns:
        return []
    values = frame.loc[frame["status"] == "finished", "result"]
    return [str(v) for v in values if v is not None and v == v and str(v) != ""]


def mosaic_sources(results: Sequence[PathLike], band: str = "NDVI") -> list[MosaicSource]:
    """The rasters of ``results`` with the band each contributes (unreadable ones left
    out, said in the log); a folder stands for the raster files in it."""
    sources: list[MosaicSource] = []
    seen: set[Path] = set()
    for path in _raster_files(results):
        if path in seen:
            continue
        seen.add(path)
        source = _source(path, band)
        if source is not None:
            sources.append(source)
    return sources


def value_range(path: PathLike, *, approx: bool = True) -> tuple[float, float] | None:
    """(min, max) of band 1 of a raster (e.g. the mosaic); None when it has no valid
    pixel or cannot be read. ``approx``: from overviews or a sample, which is quick.
    For NDVI use :data:`NDVI_RANGE` instead: a fixed stretch does not jump as tiles
    arrive."""
    with _gdal_errors() as errors:
        dataset = _open(str(path))
        if dataset is None:
            _log.info("Cannot read %s: %s", path, "; ".join(errors) or "unknown error")
            return None
        try:
            found = dataset.GetRasterBand(1).ComputeRasterMinMax(approx)
        except RuntimeError:  # no valid pixel, with GDAL exceptions on
            return None
    if found is None:
        return None
    low, high = (float(v) for v in found)
    return (low, high) if low == low and high == high else None


# --- reading the tiles ------------------------------------------------------------------
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

    with _gdal_errors() as errors:
        dataset = _open(str(path))
        if dataset is None:
            _log.warning("Left out of the mosaic, cannot read %s: %s", path, "; ".join(errors))
            return None
        subdatasets = [name for name, _ in dataset.GetSubDatasets()]
        name = str(path)
        if subdatasets:  # a NetCDF with several variables
            name = _pick_subdataset(subdatasets, band)
            dataset = _open(name)
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


def _crs_counts(sources: list[MosaicSource]) -> dict[str, int]:
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


# --- writing the VRT -----------------------------------------------------------------------
def _build_vrt(sources: list[MosaicSource], target: Path, band: str) -> Path:
    """Write the mosaic's VRT XML at ``target`` (atomically)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        temporary.write_bytes(_vrt_xml(sources, target.parent, band))
        _store_statistics(temporary)
        os.replace(temporary, target)
    except OSError as exc:
        raise MosaicError(f"Could not write the mosaic {target}: {exc.strerror or exc}.") from exc
    finally:
        if temporary.exists():
            temporary.unlink()
    return target


def _store_statistics(vrt: Path) -> None:
    """Store the band's exact statistics in ``vrt`` (GDAL rewrites the file on close).

    A reader that opens a VRT without statistics and computes them (QGIS does, for its
    stretch) dirties it, and GDAL writes it back when the reader closes it: over a
    newer mosaic, and in place, so a third reader can see half a file. With exact
    statistics stored no reader writes (QGIS replaces approximate ones with exact
    ones, which dirties the VRT all the same). Done on the temporary file, before the
    rename, so the rewrite is not seen either. Unreadable statistics are left out.
    """
    with _gdal_errors():
        dataset = _open(str(vrt))
        if dataset is not None:
            dataset.GetRasterBand(1).ComputeStatistics(False)
        dataset = None  # closed: GDAL writes the statistics into the file now


def _vrt_xml(sources: list[MosaicSource], folder: Path, band: str) -> bytes:
    """A VRT like ``gdalbuildvrt -resolution highest`` would write, but with each tile's
    own band, and keeping every tile: gdalbuildvrt (GDAL 3.6) takes one band number for
    all sources and leaves out, with only a warning, a source whose band type or colour
    interpretation differs from the first one's (tiles from two back-ends...)."""
    import xml.etree.ElementTree as ET

    res_x = min(s.resolution[0] for s in sources)
    res_y = min(s.resolution[1] for s in sources)
    west, south, east, north = (
        min(s.bounds[0] for s in sources),
        min(s.bounds[1] for s in sources),
        max(s.bounds[2] for s in sources),
        max(s.bounds[3] for s in sources),
    )
    width = max(1, round((east - west) / res_x))
    height = max(1, round((north - south) / res_y))
    types = {s.data_type for s in sources}
    data_type = types.pop() if len(types) == 1 else "Float64"
    floating = data_type.startswith(("Float", "CFloat"))
    nodata = next((s.nodata for s in sources if s.nodata is not None), None)
    if floating:
        nodata = float("nan")

    root = ET.Element("VRTDataset", rasterXSize=str(width), rasterYSize=str(height))
    ET.SubElement(root, "SRS", dataAxisToSRSAxisMapping="1,2").text = sources[0].wkt
    geotransform = (west, res_x, 0.0, north, 0.0, -res_y)
    ET.SubElement(root, "GeoTransform").text = ", ".join(f"{v:.16e}" for v in geotransform)
    raster_band = ET.SubElement(root, "VRTRasterBand", dataType=data_type, band="1")
    matched = [s.label for s in sources if s.label.lower() == band.lower()]
    label = matched[0] if matched else sources[0].label
    if label:
        ET.SubElement(raster_band, "Description").text = label
    if nodata is not None:
        ET.SubElement(raster_band, "NoDataValue").text = _number_text(nodata)
    for source in sources:
        x0, y0, x1, y1 = source.bounds
        element = ET.SubElement(raster_band, "ComplexSource")
        relative, name = _reference(source, folder)
        filename = ET.SubElement(element, "SourceFilename", relativeToVRT=relative)
        filename.text = name
        ET.SubElement(element, "SourceBand").text = str(source.band)
        ET.SubElement(
            element,
            "SrcRect",
            xOff="0",
            yOff="0",
            xSize=str(source.size[0]),
            ySize=str(source.size[1]),
        )
        ET.SubElement(
            element,
            "DstRect",
            xOff=_number_text((x0 - west) / res_x),
            yOff=_number_text((north - y1) / res_y),
            xSize=_number_text((x1 - x0) / res_x),
            ySize=_number_text((y1 - y0) / res_y),
        )
        if source.nodata is not None:
            ET.SubElement(element, "NODATA").text = _number_text(source.nodata)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8") + b"\n"


def _reference(source: MosaicSource, folder: Path) -> tuple[str, str]:
    """(relativeToVRT, file name) of a source: relative to the VRT's folder when it is a
    plain file (the results folder can then be moved as a whole)."""
    if source.name != str(source.path):  # NETCDF:"...":var, which GDAL cannot relativize
        return "0", source.name
    try:
        return "1", Path(os.path.relpath(source.path, folder)).as_posix()
    except ValueError:  # another drive (Windows)
        return "0", source.name


def _number_text(value: float) -> str:
    if value != value:
        return "nan"
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _open(name: str) -> Any:
    """``gdal.Open``: None when it cannot be read, whether GDAL exceptions are on or not."""
    from osgeo import gdal

    try:
        return gdal.Open(name)
    except RuntimeError:
        return None


@contextmanager
def _gdal_errors() -> Iterator[list[str]]:
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
