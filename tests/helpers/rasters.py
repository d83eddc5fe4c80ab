"""Extents of GDAL rasters, to compare a mosaic with the tiles it covers."""

from __future__ import annotations


def bounds(dataset):
    """(west, south, east, north) of a north-up GDAL dataset."""
    x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
    return (x0, y0 + dataset.RasterYSize * dy, x0 + dataset.RasterXSize * dx, y0)


def union(boxes):
    """The smallest box holding all ``boxes``."""
    return tuple(f(b[k] for b in boxes) for k, f in enumerate((min, min, max, max)))
