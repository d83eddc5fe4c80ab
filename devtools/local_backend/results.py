"""Read what a process graph asks for, and write its (synthetic) result as a real file.

Bands are smooth functions of longitude/latitude, so neighbouring tiles join
seamlessly on the map; NDVI is computed from synthetic B04 (red) and B08 (NIR).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pyproj
import shapely.geometry

MAX_PIXELS = 1_000_000  # coarsen the resolution beyond this, to keep jobs quick

FORMATS = {  # normalized format name -> (asset file name, media type)
    "gtiff": ("openEO.tif", "image/tiff; application=geotiff"),
    "netcdf": ("openEO.nc", "application/x-netcdf"),
}
FORMAT_ALIASES = {
    "gtiff": "gtiff",
    "geotiff": "gtiff",
    "tiff": "gtiff",
    "netcdf": "netcdf",
    "nc": "netcdf",
}


@lru_cache(maxsize=64)
def _crs(epsg: int) -> pyproj.CRS:
    """CRS objects and transformers take tens of ms to build: once per EPSG code."""
    return pyproj.CRS.from_epsg(epsg)


@lru_cache(maxsize=64)
def _to_lonlat(epsg: int) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(epsg, 4326, always_xy=True)


class ProcessGraphError(ValueError):
    """The process graph cannot run here; the message goes into the job's logs."""


@dataclass
class Request:
    collection: str
    bands: list[str] | None
    bounds: tuple[float, float, float, float]  # west, south, east, north in ``epsg``
    epsg: int
    dates: tuple[str, str] | None
    fmt: str
    ndvi: bool


def parse(process: dict) -> Request:
    graph = process.get("process_graph", process)
    nodes = list(graph.values())
    loads = [n for n in nodes if n.get("process_id") == "load_collection"]
    saves = [n for n in nodes if n.get("process_id") == "save_result"]
    if len(loads) != 1:
        raise ProcessGraphError(f"expected one load_collection, found {len(loads)}")
    if len(saves) != 1:
        raise ProcessGraphError(f"expected one save_result, found {len(saves)}")
    load = loads[0]["arguments"]
    fmt_name = str(saves[0]["arguments"].get("format", ""))
    fmt = FORMAT_ALIASES.get(fmt_name.lower())
    if fmt is None:
        raise ProcessGraphError(
            f"Output format {fmt_name!r} is not supported (use GTiff or netCDF)"
        )
    bounds, epsg = _extent(load.get("spatial_extent"))
    temporal = load.get("temporal_extent")
    return Request(
        collection=load.get("id"),
        bands=load.get("bands"),
        bounds=bounds,
        epsg=epsg,
        dates=tuple(temporal) if temporal else None,
        fmt=fmt,
        ndvi=any(n.get("process_id") == "ndvi" for n in nodes),
    )


def _extent(extent: dict | None) -> tuple[tuple[float, float, float, float], int]:
    if not extent:
        raise ProcessGraphError("load_collection needs a spatial_extent")
    if "west" in extent:
        crs = extent.get("crs", 4326)
        epsg = pyproj.CRS.from_user_input(crs).to_epsg()
        if epsg is None:
            raise ProcessGraphError(f"unsupported spatial_extent crs {crs!r}")
        return (extent["west"], extent["south"], extent["east"], extent["north"]), epsg
    geojson = extent
    if geojson.get("type") == "FeatureCollection":
        geoms = [shapely.geometry.shape(f["geometry"]) for f in geojson["features"]]
    elif geojson.get("type") == "Feature":
        geoms = [shapely.geometry.shape(geojson["geometry"])]
    else:
        geoms = [shapely.geometry.shape(geojson)]
    return tuple(shapely.GeometryCollection(geoms).bounds), 4326


def _pixel_grid(req: Request) -> tuple[np.ndarray, np.ndarray, float]:
    west, south, east, north = req.bounds
    if east <= west or north <= south:
        raise ProcessGraphError(f"empty spatial extent {req.bounds}")
    res = 0.0001 if _crs(req.epsg).is_geographic else 10.0
    while (east - west) / res * (north - south) / res > MAX_PIXELS:
        res *= 2
    width = max(1, math.ceil((east - west) / res - 1e-9))
    height = max(1, math.ceil((north - south) / res - 1e-9))
    xs = west + (np.arange(width) + 0.5) * res
    ys = north - (np.arange(height) + 0.5) * res  # north-up
    return xs, ys, res


def _season_factor(dates: tuple[str, str] | None) -> float:
    """Greener in summer: scales NDVI by the middle day of the temporal extent."""
    if not dates:
        return 1.0
    start, end = (dt.date.fromisoformat(str(d)[:10]) for d in dates)
    middle = start + (end - start) / 2
    return 0.6 + 0.4 * math.sin(math.pi * (middle.timetuple().tm_yday - 80) / 365) ** 2


def compute(req: Request) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray, float]:
    xs, ys, res = _pixel_grid(req)
    xx, yy = np.meshgrid(xs, ys)
    lon, lat = _to_lonlat(req.epsg).transform(xx, yy)
    pattern = 0.5 + 0.5 * np.sin(lon * 90.0) * np.cos(lat * 70.0)  # fields ~1 km across
    season = _season_factor(req.dates)
    b04 = (0.12 - 0.08 * pattern * season).astype("float32")
    b08 = (0.20 + 0.30 * pattern * season).astype("float32")
    if req.ndvi:
        data = {"NDVI": (b08 - b04) / (b08 + b04)}
    else:
        synthetic = {"B04": b04, "B08": b08}
        data = {b: synthetic.get(b, (b04 + b08) / 2) for b in (req.bands or ["B04", "B08"])}
    return data, xs, ys, res


def write(req: Request, out_dir: Path) -> tuple[str, str]:
    """Write the result file into ``out_dir``; return (file name, media type)."""
    data, xs, ys, res = compute(req)
    name, media_type = FORMATS[req.fmt]
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / name
    tmp = out_dir / f".{name}.part"
    if req.fmt == "gtiff":
        _write_gtiff(tmp, data, xs, ys, res, req.epsg)
    else:
        _write_netcdf(tmp, data, xs, ys, res, req.epsg)
    tmp.replace(target)
    return name, media_type


def _write_gtiff(path, data, xs, ys, res, epsg) -> None:
    import rasterio
    from rasterio.transform import from_origin

    transform = from_origin(xs[0] - res / 2, ys[0] + res / 2, res, res)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=len(xs),
        height=len(ys),
        count=len(data),
        dtype="float32",
        crs=f"EPSG:{epsg}",
        transform=transform,
        nodata=float("nan"),
    ) as dst:
        for i, (band, values) in enumerate(data.items(), start=1):
            dst.write(values, i)
            dst.set_band_description(i, band)


def _write_netcdf(path, data, xs, ys, res, epsg) -> None:
    import netCDF4

    crs = _crs(epsg)
    with netCDF4.Dataset(path, "w", format="NETCDF4") as nc:
        nc.Conventions = "CF-1.9"
        nc.createDimension("y", len(ys))
        nc.createDimension("x", len(xs))
        x = nc.createVariable("x", "f8", ("x",))
        y = nc.createVariable("y", "f8", ("y",))
        x[:], y[:] = xs, ys
        geographic = crs.is_geographic
        x.standard_name = "longitude" if geographic else "projection_x_coordinate"
        y.standard_name = "latitude" if geographic else "projection_y_coordinate"
        x.units = y.units = "degrees" if geographic else "m"
        grid = nc.createVariable("crs", "i4")
        for key, value in crs.to_cf().items():
            setattr(grid, key, value)
        grid.spatial_ref = crs.to_wkt()
        grid.GeoTransform = f"{xs[0] - res / 2} {res} 0 {ys[0] + res / 2} 0 {-res}"
        for band, values in data.items():
            var = nc.createVariable(band, "f4", ("y", "x"), zlib=True, fill_value=np.nan)
            var.grid_mapping = "crs"
            var[:] = values
