"""One raster over a run's finished tiles: a GDAL VRT mosaic of their result files.

:func:`write_mosaic` writes ``mosaic.vrt`` (by convention beside the results, in
``<output_dir>/``) over the tiles' result files, one band of each (which band:
:mod:`.mosaic_sources`).

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
the same on every tile and at every stage of a run.
"""

from __future__ import annotations

import os
import threading

# Only builds and writes XML (_vrt_xml), never parses any: the attacks on parsing
# untrusted XML (entity expansion, external entities) that bandit's B405 warns of about
# this import cannot happen here, and the standard library's writer escapes correctly.
import xml.etree.ElementTree as ET  # nosec B405
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..definitions import TileStatus
from ..errors import GridJobsError
from .band_stats import combine
from .mosaic_sources import MosaicSource, PathLike, SourceCache, crs_counts, mosaic_sources

if TYPE_CHECKING:
    import pandas as pd

MOSAIC_NAME = "mosaic.vrt"
#: the range NDVI can take: a stretch that needs no statistics and is alike on every tile
NDVI_RANGE = (-1.0, 1.0)


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


def write_mosaic(
    results: Sequence[PathLike],
    out: PathLike,
    band: str = "NDVI",
    cache: SourceCache | None = None,
) -> Path | None:
    """Write a VRT mosaic of ``results`` (tile result files or folders) at ``out``.

    Returns ``out``, or None when none of ``results`` is a readable raster (nothing is
    written then, and an existing ``out`` is left as it is). Files that are not rasters
    (JSON, CSV...) or cannot be read are left out (logged). Raises
    :class:`MosaicCrsError` when the rasters are in different CRSs and
    :class:`MosaicError` when GDAL cannot write the VRT (e.g. a read-only folder).
    May be called from any thread; concurrent calls each write a whole VRT and the
    last one wins. Written again as tiles finish, pass the same ``cache`` (one at a
    time): only the new tiles are read then.
    """
    sources = mosaic_sources(results, band, cache)
    if not sources:
        return None
    counts = crs_counts(sources)
    if len(counts) > 1:
        raise MosaicCrsError(counts)
    return _build_vrt(sources, Path(out), band)


def finished_results(frame: pd.DataFrame) -> list[str]:
    """The ``result`` paths of the finished tiles of a job table that have one, in table
    order: what :func:`write_mosaic` takes."""
    if "result" not in frame.columns:
        return []
    values = frame.loc[frame["status"] == TileStatus.FINISHED.value, "result"]
    return [str(v) for v in values if v is not None and v == v and str(v) != ""]


def _build_vrt(sources: list[MosaicSource], target: Path, band: str) -> Path:
    """Write the mosaic's VRT XML at ``target`` (atomically)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        temporary.write_bytes(_vrt_xml(sources, target.parent, band))
        os.replace(temporary, target)
    except OSError as exc:
        raise MosaicError(f"Could not write the mosaic {target}: {exc.strerror or exc}.") from exc
    finally:
        if temporary.exists():
            temporary.unlink()
    return target


def _vrt_xml(sources: list[MosaicSource], folder: Path, band: str) -> bytes:
    """A VRT like ``gdalbuildvrt -resolution highest`` would write, but with each tile's
    own band, and keeping every tile: gdalbuildvrt (GDAL 3.6) takes one band number for
    all sources and leaves out, with only a warning, a source whose band type or colour
    interpretation differs from the first one's (tiles from two back-ends...)."""
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
    # Exact statistics, from the tiles' own: a reader finds them and computes none,
    # or GDAL writes the VRT back when that reader closes it (over a newer mosaic, in
    # place: a third reader may see half a file). QGIS computes them for its stretch.
    stats = combine(s.stats for s in sources)
    if stats is not None:
        items = ET.SubElement(raster_band, "Metadata")
        for key, value in stats.metadata(width * height).items():
            ET.SubElement(items, "MDI", key=key).text = value
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
