"""A raster band's statistics, read once per tile and combined for the whole mosaic.

The mosaic VRT carries its band's statistics: a reader that finds none computes them
(QGIS does, for its stretch) and GDAL then writes the VRT back when that reader closes
it, over a newer mosaic. Computing them on the finished VRT read every tile at each
rewrite, seconds of CPU for a thousand tiles, again and again as tiles finish. Each
tile's are read once instead (:func:`band_stats`) and combined exactly
(:func:`combine`): the tiles of a grid do not overlap, so the mosaic's valid pixels
are the tiles' valid pixels.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class BandStats:
    """Over a band's valid (not nodata, not NaN) pixels; ``std`` as GDAL gives it (of
    the population)."""

    count: int
    minimum: float
    maximum: float
    mean: float
    std: float

    def metadata(self, pixels: int) -> dict[str, str]:
        """The ``STATISTICS_*`` metadata items GDAL stores for exact statistics, for a
        raster of ``pixels`` pixels."""
        return {
            "STATISTICS_MAXIMUM": repr(self.maximum),
            "STATISTICS_MEAN": repr(self.mean),
            "STATISTICS_MINIMUM": repr(self.minimum),
            "STATISTICS_STDDEV": repr(self.std),
            "STATISTICS_VALID_PERCENT": repr(100.0 * self.count / pixels if pixels else 0.0),
        }


def band_stats(raster_band: Any, width: int, height: int) -> BandStats | None:
    """Exact statistics of a GDAL band (``width`` x ``height`` pixels); None when it has
    no valid pixel. Call it with PAM off (:func:`.mosaic_sources.gdal_errors`), or GDAL
    writes them beside the file in an ``.aux.xml``."""
    try:
        found = raster_band.ComputeStatistics(False)
    except RuntimeError:  # no valid pixel, with GDAL exceptions on
        return None
    valid = raster_band.GetMetadataItem("STATISTICS_VALID_PERCENT")
    if not found or valid is None or not all(math.isfinite(v) for v in found):
        return None  # no valid pixel, with GDAL exceptions off
    count = round(float(valid) / 100.0 * width * height)
    if count <= 0:
        return None
    minimum, maximum, mean, std = (float(v) for v in found)
    return BandStats(count, minimum, maximum, mean, std)


def combine(parts: Iterable[BandStats | None]) -> BandStats | None:
    """The statistics of the union of disjoint pixel sets, from each set's own."""
    known = [p for p in parts if p is not None]
    count = sum(p.count for p in known)
    if not count:
        return None
    mean = sum(p.count * p.mean for p in known) / count
    variance = sum(p.count * (p.std**2 + (p.mean - mean) ** 2) for p in known) / count
    return BandStats(
        count,
        min(p.minimum for p in known),
        max(p.maximum for p in known),
        mean,
        math.sqrt(max(variance, 0.0)),
    )
