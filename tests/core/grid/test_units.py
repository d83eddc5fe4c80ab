"""A run's units from any polygons (core/grid/units.py): ids checked, one job row per feature,
each job's extent the unit's own, against the local back-end."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from helpers.runs import DATES, assert_one_job_per_tile, backend, make_runner
from helpers.units import FIELDS, fields, graph_file, load_collection_args, run_jobs
from openeo.extra.job_management import CsvJobDatabase, ParquetJobDatabase
from openeo_grid_jobs.core.backends.backend import BackendConfig
from openeo_grid_jobs.core.engine.config import RunConfig
from openeo_grid_jobs.core.engine.request import RunRequest
from openeo_grid_jobs.core.engine.session import RunSession
from openeo_grid_jobs.core.grid.units import UnitsError, read_units, units_from_frame
from openeo_grid_jobs.core.jobs.database import JobDatabase
from openeo_grid_jobs.core.jobs.row_extents import tile_extents
from openeo_grid_jobs.core.jobs.table import frame_from_tiles, lonlat_frame
from openeo_grid_jobs.core.jobs.template import (
    EXTENT_GEOJSON,
    PROCESS_GRAPH,
    JobTemplate,
    parse_process_document,
)
from openeo_grid_jobs.core.run.scheduler import RunPolicy


@pytest.mark.parametrize("name", ["fields.gpkg", "fields.geojson", "fields.shp"])
def test_units_from_a_polygon_file_keep_ids_crs_and_shapes(tmp_path, name):
    lonlat = name.endswith("geojson")  # as RFC 7946 has it
    (fields().to_crs(4326) if lonlat else fields()).to_file(tmp_path / name, engine="pyogrio")
    units = read_units(tmp_path / name, "field_id")
    assert list(units["tile_id"]) == list(FIELDS)
    assert units.crs.to_epsg() == (4326 if name.endswith("geojson") else 32631)
    for unit, shape in zip(units.to_crs(32631).geometry, FIELDS.values()):
        assert unit.symmetric_difference(shape).area < 1.0  # m²: the same polygon
    frame = frame_from_tiles(units, *DATES)
    assert list(frame["tile_id"]) == list(FIELDS)
    # the extent sent: the unit's bbox in the layer's own CRS
    (extent,) = [e for e in tile_extents(frame) if e.tile_id == "F-02"]
    assert extent.spatial_extent() == dict(
        zip(("west", "south", "east", "north"), units.geometry[1].bounds),
        crs=units.crs.to_epsg(),
    )


def test_integer_ids_stored_as_floats_read_as_integers():
    units = units_from_frame(fields(ids=[1.0, 2.0, 3.0, 4.0, 10.0]), "field_id")
    assert list(units["tile_id"]) == ["1", "2", "3", "4", "10"]


@pytest.mark.parametrize(
    ("ids", "field", "message"),
    [
        (["F-01", "F-02", "F-01", "F-04", "F-02"], "field_id", "duplicate ids: 'F-01', 'F-02'"),
        (["F-01", None, "F-03", " ", "F-05"], "field_id", "features 2, 4"),
        (list(FIELDS), "name", "no field 'name'"),
        (["F-01", "a/b", "F-03", "F-04", "F-05"], "field_id", "'a/b'"),
    ],
)
def test_bad_ids_are_refused_naming_them(ids, field, message):
    with pytest.raises(UnitsError) as refused:
        units_from_frame(fields(ids=ids), field)
    assert message in str(refused.value)


def test_no_crs_and_points_are_refused(tmp_path):
    with pytest.raises(UnitsError, match="no CRS"):
        units_from_frame(fields(crs=None), "field_id")
    points = fields()
    points.geometry = points.geometry.centroid
    with pytest.raises(UnitsError, match="must be polygons: 'F-01'"):
        units_from_frame(points, "field_id")
    with pytest.raises(UnitsError, match="does not exist"):
        read_units(tmp_path / "none.gpkg", "field_id")


def test_per_unit_dates_become_the_rows_dates():
    units = units_from_frame(
        fields(start_date=["2024-03-01"] * 4 + [None], end_date=["2024-04-01"] * 4 + [None]),
        "field_id",
    )
    extents = tile_extents(frame_from_tiles(units, *DATES))
    assert [(e.start, e.end) for e in extents] == [("2024-03-01", "2024-04-01")] * 4 + [DATES]


@pytest.mark.parametrize("extent", ["bbox", EXTENT_GEOJSON])
def test_five_fields_five_jobs_whose_extents_are_the_fields(
    local_backend, connection, tmp_path, extent
):
    """One job per field; the back-end was asked for each field's bbox in its CRS, or
    (the template's choice) its polygon in lon/lat."""
    units = units_from_frame(fields(), "field_id")
    template = JobTemplate(*DATES, extent=extent)
    runner = make_runner(tmp_path, [backend(local_backend.url)], units, template=template)
    assert runner.run(threading.Event()) == {"finished": 5}
    frame = JobDatabase(tmp_path / "jobs.csv").read()
    assert_one_job_per_tile([local_backend], frame)
    jobs = run_jobs(connection, frame["run_tag"][0])
    assert len(jobs) == 5
    for unit_id, shape in FIELDS.items():
        (job,) = [j for t, j in jobs.items() if f" {unit_id} [" in t]
        args = load_collection_args(connection, job["id"])
        assert args["temporal_extent"] == list(DATES)
        sent = args["spatial_extent"]
        if extent == "bbox":
            west, south, east, north = shape.bounds
            assert sent == {
                "west": west,
                "south": south,
                "east": east,
                "north": north,
                "crs": 32631,
            }
        else:
            lonlat = gpd.GeoSeries([shape], crs=32631).to_crs(4326).iloc[0]
            assert shapely.geometry.shape(sent).equals_exact(lonlat, 1e-9)


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_a_notebooks_table_with_a_geometry_column_opens_as_a_run(
    local_backend, connection, tmp_path, kind
):
    """A GeoDataFrame of fields in lon/lat, made a job table by the openeo client (no
    ``crs`` nor ``spatial_extent`` column): it runs, each job gets its polygon."""
    notebook = fields().to_crs(4326).drop(columns="field_id")
    notebook["start_date"], notebook["end_date"] = DATES
    path = tmp_path / f"tracker.{kind}"
    (CsvJobDatabase if kind == "csv" else ParquetJobDatabase)(path).initialize_from_df(notebook)
    config = RunConfig(JobTemplate(*DATES), [BackendConfig(url=local_backend.url, name="local")])
    with RunSession.open(path, holder="test", config=config) as session:
        runner = session.runner([backend(local_backend.url)], policy=RunPolicy(poll_interval=0.3))
        assert runner.run(threading.Event()) == {"finished": 5}
    frame = JobDatabase(path).read()
    assert lonlat_frame(frame).total_bounds == pytest.approx(notebook.total_bounds)
    for i, shape in enumerate(notebook.geometry):
        args = load_collection_args(connection, frame["id"][i])
        assert shapely.geometry.shape(args["spatial_extent"]).equals_exact(shape, 1e-9)
    assert json.loads(RunConfig.path_for(path).read_text())["template"]["start"] == DATES[0]


def test_units_and_windows_cross_to_the_engine_process_intact():
    """What the dock and Processing send their engine over its pipe: units with their own
    dates, and the windows in the template."""
    units = units_from_frame(
        fields(start_date=["2024-03-01"] * 4 + [None], end_date=["2024-04-01"] * 4 + [None]),
        "field_id",
    )
    template = JobTemplate(*DATES, windows=["2024-01-01/2025-01-01/P1M"], extent=EXTENT_GEOJSON)
    config = RunConfig(template, [BackendConfig(url="http://127.0.0.1:9", name="b")])
    request = RunRequest.from_wire(RunRequest("jobs.csv", config=config, tiles=units).to_wire())
    back = request.tiles
    assert list(back["tile_id"]) == list(units["tile_id"])
    assert list(back["start_date"]) == ["2024-03-01"] * 4 + [None]
    assert back.crs == units.crs
    assert all(a.equals_exact(b, 1e-6) for a, b in zip(back.geometry, units.geometry))
    assert request.config is not None
    assert request.config.template == template


@pytest.mark.parametrize(
    ("thresholds", "message"),
    [
        (None, "tracker.csv has no field 'threshold' for a job parameter"),
        (
            [0.2, None, 0.5, None, 0.1],
            "Units 1, 3 of tracker.csv have no value in field 'threshold'",
        ),
    ],
)
def test_a_notebooks_table_without_a_bound_value_is_refused_before_anything_is_written(
    tmp_path, thresholds, message
):
    """A job table opened as a run is checked as units are: a job would get null."""
    notebook = fields().to_crs(4326).drop(columns="field_id")
    if thresholds is not None:
        notebook["threshold"] = thresholds
    path = tmp_path / "tracker.csv"
    CsvJobDatabase(path).initialize_from_df(notebook)
    before = path.read_bytes()
    graph, declared = parse_process_document(Path(graph_file(tmp_path)).read_text())
    template = JobTemplate(
        *DATES,
        process=PROCESS_GRAPH,
        process_graph=graph,
        process_parameters=declared,
        parameters={"factor": {"column": "threshold"}, "bands": {"value": ["B04"]}},
    )
    config = RunConfig(template, [BackendConfig(url="http://127.0.0.1:9", name="b")])
    with pytest.raises(UnitsError, match=message):
        RunSession.open(path, holder="test", config=config)
    assert path.read_bytes() == before
    assert not RunConfig.path_for(path).exists()


def test_a_finished_row_without_a_bound_value_does_not_stop_its_table_from_continuing(tmp_path):
    """A finished row's job is done: its empty cell sends nothing, so the table opens;
    the rows still to be sent keep their values."""
    notebook = fields().to_crs(4326).drop(columns="field_id")
    notebook["threshold"] = [0.2, None, 0.5, 0.3, 0.1]
    path = tmp_path / "tracker.csv"
    CsvJobDatabase(path).initialize_from_df(notebook)
    frame = pd.read_csv(path)
    frame.loc[1, "status"] = "finished"
    frame.to_csv(path, index=False)
    graph, declared = parse_process_document(Path(graph_file(tmp_path)).read_text())
    template = JobTemplate(
        *DATES,
        process=PROCESS_GRAPH,
        process_graph=graph,
        process_parameters=declared,
        parameters={"factor": {"column": "threshold"}, "bands": {"value": ["B04"]}},
    )
    config = RunConfig(template, [BackendConfig(url="http://127.0.0.1:9", name="b")])
    session = RunSession.open(path, holder="test", config=config)
    try:
        extents = tile_extents(session.frame, ["threshold"])
    finally:
        session.close()
    assert [e.values["threshold"] for e in extents] == [0.2, None, 0.5, 0.3, 0.1]
