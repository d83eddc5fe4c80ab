"""The static STAC catalog of a run's results (core/results/stac_catalog.py), validated offline."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pyproj
import pystac
import pytest
import shapely
import shapely.geometry
from helpers.runs import backend, make_runner, small_grid
from helpers.stac_validation import offline_validation
from openeo_grid_jobs.core.results.stac_catalog import CATALOG_NAME, CatalogError, write_catalog


@pytest.fixture
def finished_run(local_backend, tmp_path):
    """A 3 x 2 run with one failed tile: five finished tiles with results."""
    tiles = small_grid(3, 2)
    local_backend.knobs(job_duration=0.3, error_titles=[str(tiles.tile_id.iloc[2])])
    runner = make_runner(tmp_path, [backend(local_backend.url, parallel=6)], tiles)
    assert runner.run(threading.Event()) == {"finished": 5, "error": 1}
    return runner


def test_catalog_validates_with_one_item_per_finished_tile(finished_run, monkeypatch):
    frame, results = finished_run.frame, finished_run.output_dir
    path = write_catalog(frame, results, title="NDVI summer 2024")
    assert path == results / CATALOG_NAME

    with offline_validation(monkeypatch):
        catalog = pystac.Catalog.from_file(str(path))
        assert catalog.validate_all() == 5  # every item against the STAC 1.1.0 schemas
    assert catalog.title == "NDVI summer 2024"
    items = {item.id: item for item in catalog.get_items()}
    finished = frame[frame["status"] == "finished"]
    assert set(items) == set(finished["tile_id"])

    to_lonlat = pyproj.Transformer.from_crs("EPSG:32631", 4326, always_xy=True)
    for _, row in finished.iterrows():
        item = items[row["tile_id"]]
        # next to the tile's result, every href relative
        assert Path(item.get_self_href()) == results / row["tile_id"] / f"{row['tile_id']}.json"
        saved = json.loads(Path(item.get_self_href()).read_text())
        assert all(not link["href"].startswith("/") for link in saved["links"])
        (asset,) = saved["assets"].values()
        assert asset["href"] == "./openEO.nc"
        assert asset["type"] == "application/x-netcdf"
        assert asset["roles"] == ["data"]
        assert Path(item.assets["openEO.nc"].get_absolute_href()) == Path(row["result"])
        # properties: the job, where it ran, what it cost
        assert item.properties["openeo:job_id"] == row["id"]
        assert item.properties["openeo:backend"] == "local"
        assert item.properties["openeo:costs"] == pytest.approx(row["costs"])
        assert row["costs"] > 0
        assert item.properties["tile_id"] == row["tile_id"]
        # dates: openEO's end date is exclusive
        assert item.datetime is None
        assert item.properties["start_datetime"] == "2024-05-01T00:00:00Z"
        assert item.properties["end_datetime"] == "2024-07-31T23:59:59Z"
        # footprint: the tile's square in lon/lat
        square = shapely.from_wkt(row["geometry"])
        footprint = shapely.geometry.shape(item.geometry)
        corners = [to_lonlat.transform(x, y) for x, y in square.exterior.coords]
        for lon, lat in corners:
            assert footprint.distance(shapely.Point(lon, lat)) < 1e-6
        assert footprint.contains(shapely.Point(*to_lonlat.transform(*square.centroid.coords[0])))
        assert item.bbox == pytest.approx(list(footprint.bounds))
        assert 4.2 < item.bbox[0] < item.bbox[2] < 4.8
        assert 51.0 < item.bbox[1] < item.bbox[3] < 51.2


def test_catalog_leaves_out_missing_results_and_is_rewritten(finished_run, monkeypatch):
    frame, results = finished_run.frame, finished_run.output_dir
    write_catalog(frame, results)
    gone = frame[frame["status"] == "finished"].index[0]
    Path(frame.at[gone, "result"]).unlink()
    path = write_catalog(frame, results)
    with offline_validation(monkeypatch):
        catalog = pystac.Catalog.from_file(str(path))
        assert catalog.validate_all() == 4
    assert frame.at[gone, "tile_id"] not in {item.id for item in catalog.get_items()}
    assert not list(results.rglob(".*.tmp"))


def test_the_offline_validator_does_find_errors(finished_run, monkeypatch):
    """Not a validator that passes anything: an item without its end date fails."""
    path = write_catalog(finished_run.frame, finished_run.output_dir)
    item_file = next(Path(path).parent.glob("*/*_*.json"))
    data = json.loads(item_file.read_text())
    del data["properties"]["end_datetime"]
    with offline_validation(monkeypatch), pytest.raises(pystac.STACValidationError):
        pystac.validation.validate_dict(data)


def test_read_only_results_folder_is_a_catalog_error(finished_run, tmp_path):
    target = tmp_path / "not-a-folder"
    target.write_text("a file where the results folder should be")
    with pytest.raises(CatalogError, match="Could not write the STAC catalog"):
        write_catalog(finished_run.frame, target)
