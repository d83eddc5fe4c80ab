"""The NDVI mosaic (core/results/mosaic.py, core/results/mosaic_sources.py) over real
results of the local back-end, read with GDAL."""

from __future__ import annotations

import math
import os
import threading
from pathlib import Path

import numpy as np
import pytest
from helpers.runs import DATES, assert_one_job_per_tile, backend, make_runner, small_grid
from openeo_grid_jobs.core.jobs.template import JobTemplate
from openeo_grid_jobs.core.results.mosaic import (
    MOSAIC_NAME,
    NDVI_RANGE,
    MosaicCrsError,
    finished_results,
    write_mosaic,
)
from openeo_grid_jobs.core.results.mosaic_sources import SourceCache, mosaic_sources
from osgeo import gdal


def two_band_graph(fmt: str) -> dict:
    """B04 and B08 without NDVI: a result file with two bands (GTiff) or variables (NetCDF)."""
    return {
        "load": {
            "process_id": "load_collection",
            "arguments": {
                "id": "SENTINEL2_L2A",
                "bands": ["B04", "B08"],
                "spatial_extent": None,
                "temporal_extent": None,
            },
        },
        "save": {
            "process_id": "save_result",
            "arguments": {"data": {"from_node": "load"}, "format": fmt},
            "result": True,
        },
    }


def run(local_backend, tmp_path, tiles, template=None, fail=()):
    tmp_path.mkdir(parents=True, exist_ok=True)
    local_backend.knobs(job_duration=0.3, error_titles=list(fail))
    runner = make_runner(
        tmp_path, [backend(local_backend.url, parallel=6)], tiles, template=template
    )
    runner.run(threading.Event())
    assert_one_job_per_tile([local_backend], runner.frame)
    return runner


def bounds(dataset):
    x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
    return (x0, y0 + dataset.RasterYSize * dy, x0 + dataset.RasterXSize * dx, y0)


def union(boxes):
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def value_at(dataset, x, y, band=1):
    """The pixel value of ``band`` at map coordinates (x, y); None outside the raster."""
    x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
    col, row = int((x - x0) // dx), int((y - y0) // dy)
    if not (0 <= col < dataset.RasterXSize and 0 <= row < dataset.RasterYSize):
        return None
    return float(dataset.GetRasterBand(band).ReadAsArray(col, row, 1, 1)[0, 0])


def same(a, b):
    return (math.isnan(a) and math.isnan(b)) or a == b


def samples(box, n=5):
    """n x n points inside ``box`` (off pixel edges)."""
    west, south, east, north = box
    fx = [(k + 0.37) / n for k in range(n)]
    return [(west + (east - west) * a, south + (north - south) * b) for a in fx for b in fx]


def assert_mosaic_matches(vrt, tiles, band=1):
    """The VRT covers exactly the union of the tiles, and shows their own pixels."""
    mosaic = gdal.Open(str(vrt))
    assert mosaic is not None
    opened = [gdal.Open(t) for t in tiles]
    assert bounds(mosaic) == pytest.approx(union([bounds(t) for t in opened]))
    for tile in opened:
        for x, y in samples(bounds(tile)):
            expected = value_at(tile, x, y, band)
            assert expected is not None
            assert not math.isnan(expected)
            assert same(value_at(mosaic, x, y), expected), (tile.GetDescription(), x, y)
    return mosaic


def test_mosaic_covers_the_finished_tiles_with_their_own_pixels(local_backend, tmp_path):
    tiles = small_grid(3, 2)
    failing = str(tiles.tile_id.iloc[4])
    runner = run(local_backend, tmp_path, tiles, fail=[failing])
    frame = runner.frame
    assert (frame["status"] == "finished").sum() == 5
    results = finished_results(frame)
    assert len(results) == 5
    assert all(r.endswith("openEO.nc") for r in results)

    vrt = write_mosaic(results, runner.output_dir / MOSAIC_NAME)
    assert vrt == runner.output_dir / MOSAIC_NAME
    mosaic = assert_mosaic_matches(vrt, results)
    assert mosaic.RasterCount == 1
    assert mosaic.GetSpatialRef().GetAuthorityCode(None) == "32631"
    # the failed tile's square has no data in the mosaic
    (failed_box,) = [tuple(g.bounds) for t, g in zip(tiles.tile_id, tiles.geometry) if t == failing]
    assert all(math.isnan(value_at(mosaic, x, y)) for x, y in samples(failed_box, 3))
    # NDVI: the fixed stretch holds the data (statistics stored in the VRT)
    low, high = mosaic.GetRasterBand(1).GetStatistics(False, False)[:2]
    assert NDVI_RANGE[0] <= low < high <= NDVI_RANGE[1]
    # the tiles' folders get no statistics files, and no temporary file is left
    assert not list(runner.output_dir.rglob("*.aux.xml"))
    assert sorted(p.name for p in runner.output_dir.iterdir() if p.is_file()) == [MOSAIC_NAME]


def test_a_mosaic_of_some_tiles_covers_only_those(local_backend, tmp_path):
    """Mid-run: the mosaic written after two tiles finished covers those two only; written
    again, it grows."""
    runner = run(local_backend, tmp_path, small_grid(3, 1))
    results = finished_results(runner.frame)
    out = tmp_path / "results" / MOSAIC_NAME
    assert_mosaic_matches(write_mosaic(results[:1], out), results[:1])
    assert_mosaic_matches(write_mosaic(results[:2], out), results[:2])
    assert_mosaic_matches(write_mosaic(results, out), results)
    # relative references: the results folder can be moved as a whole
    text = out.read_text()
    assert 'relativeToVRT="1"' in text
    assert str(tmp_path) not in text


def stored_statistics(vrt):
    """The STATISTICS_* items the VRT carries, as numbers (no computing)."""
    dataset = gdal.Open(str(vrt))  # kept while its band is used (GDAL would crash)
    items = dataset.GetRasterBand(1).GetMetadata()
    return {k: float(v) for k, v in items.items() if k.startswith("STATISTICS_")}


def test_stored_statistics_are_the_mosaics_own(local_backend, tmp_path):
    """Combined from each tile's, they are what GDAL computes over the whole mosaic."""
    tiles = small_grid(3, 2)
    runner = run(local_backend, tmp_path, tiles, fail=[tiles.tile_id.iloc[0]])
    vrt = write_mosaic(finished_results(runner.frame), tmp_path / MOSAIC_NAME)
    stored = stored_statistics(vrt)
    dataset = gdal.Open(str(vrt))
    pixels = dataset.GetRasterBand(1).ReadAsArray().astype("float64")
    valid = pixels[~np.isnan(pixels)]
    assert 0 < valid.size < pixels.size  # NaN where the failed tile is
    assert stored == pytest.approx(
        {
            "STATISTICS_MINIMUM": valid.min(),
            "STATISTICS_MAXIMUM": valid.max(),
            "STATISTICS_MEAN": valid.mean(),
            "STATISTICS_STDDEV": valid.std(),
            "STATISTICS_VALID_PERCENT": 100.0 * valid.size / pixels.size,
        },
        rel=1e-6,
    )


def test_a_rewrite_reads_only_new_or_changed_tiles(local_backend, tmp_path):
    """With a SourceCache (as the dock keeps during a run), a tile read before is not
    read again unless its file changed."""
    runner = run(local_backend, tmp_path, small_grid(3, 1))
    results = finished_results(runner.frame)
    out, cache = tmp_path / MOSAIC_NAME, SourceCache()
    write_mosaic(results, out, cache=cache)
    first = Path(results[0])
    times = first.stat()
    # the same size and time, other bytes: not read again, still in the mosaic
    first.write_bytes(b"x" * times.st_size)
    os.utime(first, ns=(times.st_atime_ns, times.st_mtime_ns))
    assert gdal.Open(str(write_mosaic(results, out, cache=cache))).RasterXSize == 1500
    # touched: read again, and now left out (not a raster any more)
    os.utime(first, ns=(times.st_atime_ns, times.st_mtime_ns + 10**9))
    assert gdal.Open(str(write_mosaic(results, out, cache=cache))).RasterXSize == 1000


def test_gtiff_results_and_bands_picked_by_name(local_backend, tmp_path):
    gtiff = run(
        local_backend, tmp_path / "ndvi", small_grid(2, 1), JobTemplate(*DATES, out_format="GTiff")
    )
    results = finished_results(gtiff.frame)
    assert all(r.endswith(".tif") for r in results)
    assert_mosaic_matches(write_mosaic(results, tmp_path / "ndvi.vrt"), results)

    # two bands in each file (B04, B08): the one asked for by name, else the first
    for fmt, suffix in (("GTiff", ".tif"), ("netCDF", ".nc")):
        template = JobTemplate(*DATES, process="process_graph", process_graph=two_band_graph(fmt))
        runner = run(local_backend, tmp_path / fmt, small_grid(2, 1), template)
        results = finished_results(runner.frame)
        assert all(r.endswith(suffix) for r in results)
        b08 = write_mosaic(results, tmp_path / f"{fmt}-b08.vrt", band="B08")
        b04 = write_mosaic(results, tmp_path / f"{fmt}-ndvi.vrt")  # no NDVI: the first
        for tile in results:
            sources = mosaic_sources([tile], "b08")  # case does not matter
            if fmt == "GTiff":
                assert sources[0].band == 2
                red, nir = gdal.Open(tile), gdal.Open(tile)
                red_band, nir_band = 1, 2
            else:
                assert sources[0].name.endswith(":B08")
                red = gdal.Open(f'NETCDF:"{tile}":B04')
                nir = gdal.Open(f'NETCDF:"{tile}":B08')
                red_band = nir_band = 1
            for x, y in samples(bounds(nir), 3):
                assert same(value_at(gdal.Open(str(b08)), x, y), value_at(nir, x, y, nir_band))
                assert same(value_at(gdal.Open(str(b04)), x, y), value_at(red, x, y, red_band))
                assert value_at(nir, x, y, nir_band) != value_at(red, x, y, red_band)


def test_nothing_to_mosaic_and_results_in_two_crss(local_backend, tmp_path):
    out = tmp_path / MOSAIC_NAME
    assert write_mosaic([], out) is None
    json_only = tmp_path / "job-results.json"
    json_only.write_text("{}")
    assert write_mosaic([str(json_only), None, "", str(tmp_path / "gone.nc")], out) is None
    assert not out.exists()

    runner = run(local_backend, tmp_path, small_grid(2, 1))
    results = finished_results(runner.frame)
    moved = tmp_path / "utm32.tif"
    gdal.Warp(str(moved), results[1], dstSRS="EPSG:32632")
    with pytest.raises(MosaicCrsError, match="different CRSs") as caught:
        write_mosaic([results[0], str(moved)], out)
    assert caught.value.crs_counts == {"EPSG:32631": 1, "EPSG:32632": 1}
    assert not out.exists()
    # a folder stands for the rasters in it
    folders = [str(runner.output_dir / t) for t in runner.frame["tile_id"]]
    assert_mosaic_matches(write_mosaic(folders, out), results)


def read_like_qgis(vrt):
    """Open ``vrt`` and ask for its band's exact statistics, as QGIS does for its stretch
    (computed and stored when missing: GDAL writes the VRT back on close then)."""
    dataset = gdal.Open(str(vrt))
    assert dataset is not None
    assert dataset.GetRasterBand(1).GetStatistics(False, True)[0] <= 1
    return dataset


def test_readers_never_see_half_a_mosaic(local_backend, tmp_path):
    """Written again and again (as the dock does when tiles finish) while being read,
    and readers never write it back (over a newer one, or as another reads it)."""
    runner = run(local_backend, tmp_path, small_grid(3, 1))
    results = finished_results(runner.frame)
    out = runner.output_dir / MOSAIC_NAME
    write_mosaic(results[:1], out)
    written = out.read_bytes()
    assert b"STATISTICS_MINIMUM" in written
    read_like_qgis(out)
    assert out.read_bytes() == written, "a reader wrote the mosaic"
    done = threading.Event()

    def writer():
        for k in range(40):
            write_mosaic(results[: 1 + k % 3], out)
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    reads = 0
    while not done.is_set() or reads < 40:
        dataset = read_like_qgis(out)
        assert dataset.RasterXSize in (500, 1000, 1500)
        dataset = None
        reads += 1
    thread.join()
    assert [p.name for p in runner.output_dir.iterdir() if p.is_file()] == [MOSAIC_NAME]


def test_tiles_unlike_each_other_all_count(local_backend, tmp_path):
    """One tile's NDVI in NetCDF, one in GTiff (another colour interpretation), one as
    Float64, one with B08 as band 2: every tile is in the mosaic with its own band
    (gdalbuildvrt would drop the ones unlike the first)."""
    tiles = small_grid(4, 1)
    netcdf = run(local_backend, tmp_path / "nc", tiles.iloc[[0]])
    gtiff = run(
        local_backend, tmp_path / "tif", tiles.iloc[[1]], JobTemplate(*DATES, out_format="GTiff")
    )
    two_bands = JobTemplate(*DATES, process="process_graph", process_graph=two_band_graph("GTiff"))
    bands = run(local_backend, tmp_path / "bands", tiles.iloc[[3]], two_bands)
    float64 = str(tmp_path / "float64.tif")
    source = finished_results(netcdf.frame)[0]
    # the third tile's square, with the first one's pixels as Float64
    bounds_3rd = [605000, 5665000, 610000, 5660000]
    gdal.Translate(float64, source, outputType=gdal.GDT_Float64, outputBounds=bounds_3rd)
    results = [source, finished_results(gtiff.frame)[0], float64, finished_results(bands.frame)[0]]
    out = write_mosaic(results, tmp_path / MOSAIC_NAME, band="B08")
    mosaic = gdal.Open(str(out))
    assert mosaic.RasterXSize == 2000
    assert gdal.GetDataTypeName(mosaic.GetRasterBand(1).DataType) == "Float64"
    for tile, band in zip(results, (1, 1, 1, 2)):
        dataset = gdal.Open(tile)
        for x, y in samples(bounds(dataset), 3):
            assert value_at(mosaic, x, y) == pytest.approx(value_at(dataset, x, y, band), rel=1e-6)
