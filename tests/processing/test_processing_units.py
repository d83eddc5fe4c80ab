"""runjobs over any polygon layer (ID_FIELD), time windows (WINDOWS) and per-job
parameters (PARAMETERS), headless against the local openEO back-end: one job per
(unit, window), each given its unit's values, checked in what the back-end received."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from helpers.processing import RecordingFeedback, registered_provider, run, run_parameters
from helpers.runs import assert_one_job_per_tile
from helpers.units import FIELDS, fields, graph_file, load_collection_args
from openeo_grid_jobs.core.jobs.database import JobDatabase
from qgis.core import QgsProcessingException, QgsVectorLayer

TWO_MONTHS = "2024-05-01/2024-07-01/P1M"
FACTORS = {"F-01": 0.2, "F-02": 0.35, "F-03": 0.5}


@pytest.fixture
def provider(qgis_processing, qgis_new_project):
    with registered_provider() as provider:
        yield provider


@pytest.fixture
def cells(provider):
    """A 2 x 2 grid of QGIS's own (native:creategrid): polygons with an ``id`` field."""
    grid = run(
        "native:creategrid",
        {
            "TYPE": 2,
            "EXTENT": "595000,603000,5660000,5668000 [EPSG:32631]",
            "HSPACING": 4000,
            "VSPACING": 4000,
            "CRS": "EPSG:32631",
            "OUTPUT": "TEMPORARY_OUTPUT",
        },
    )["OUTPUT"]
    assert grid.featureCount() == 4
    return grid


@pytest.fixture
def field_layer(provider, tmp_path):
    """Three irregular fields, ids in ``field_id``, each with its own ``factor``."""
    path = tmp_path / "fields.gpkg"
    fields(ids=list(FACTORS), factor=list(FACTORS.values())).to_file(path, engine="pyogrio")
    layer = QgsVectorLayer(str(path), "fields", "ogr")
    assert layer.isValid()
    return layer


def test_a_native_grid_runs_one_job_per_cell_and_two_months_double_them(
    cells, saved_local, local_backend, tmp_path
):
    one = run("runjobs", run_parameters(cells, tmp_path / "one.csv", ID_FIELD="id"))
    assert (one["TOTAL"], one["FINISHED"]) == (4, 4)
    frame = JobDatabase(tmp_path / "one.csv").read()
    assert sorted(frame["tile_id"]) == ["1", "2", "3", "4"]
    assert_one_job_per_tile([local_backend], frame)

    feedback = RecordingFeedback()
    two = run(
        "runjobs",
        run_parameters(cells, tmp_path / "two.csv", ID_FIELD="id", WINDOWS=TWO_MONTHS),
        feedback,
    )
    assert (two["TOTAL"], two["FINISHED"]) == (8, 8)
    assert "8 / 8 jobs final: finished 8" in feedback.infos  # (unit, window) rows: jobs
    frame = JobDatabase(tmp_path / "two.csv").read()
    assert sorted(set(frame["window"])) == ["2024-05-01_2024-06-01", "2024-06-01_2024-07-01"]
    assert sorted(frame["unit_id"]) == sorted(["1", "2", "3", "4"] * 2)
    assert_one_job_per_tile([local_backend], frame)
    opened = RecordingFeedback()
    run(
        "openjobdatabase",
        {"INPUT": str(tmp_path / "two.csv"), "OUTPUT": "TEMPORARY_OUTPUT"},
        opened,
    )
    assert "8 jobs: finished 8" in opened.infos  # not "8 tiles"


def test_fields_with_a_parameter_per_field_over_two_windows(
    field_layer, saved_local, local_backend, connection, tmp_path
):
    parameters = run_parameters(
        field_layer,
        tmp_path / "jobs.csv",
        ID_FIELD="field_id",
        WINDOWS="2024-05-01/2024-06-01; 2024-06-01/2024-07-01",
        PROCESS_GRAPH=graph_file(tmp_path),
        PARAMETERS=json.dumps({"factor": "column:factor", "bands": ["B04"]}),
    )
    result = run("runjobs", parameters)
    assert (result["TOTAL"], result["FINISHED"]) == (6, 6)
    frame = JobDatabase(tmp_path / "jobs.csv").read()
    assert_one_job_per_tile([local_backend], frame)
    for row in frame.itertuples():
        graph = connection.job(row.id).describe()["process"]["process_graph"]
        scale = graph["scale"]["arguments"]["process"]["process_graph"]["m"]["arguments"]
        assert scale["y"] == FACTORS[row.unit_id]
        assert graph["load"]["arguments"]["bands"] == ["B04"]
        assert graph["load"]["arguments"]["temporal_extent"] == row.window.split("_")


def test_fields_sent_as_their_own_polygons(
    field_layer, saved_local, local_backend, connection, tmp_path
):
    """AREA_SENT = Polygon (GeoJSON, lon/lat), as the dock's Area sent and the CLI's
    --extent geojson: each job's load_collection gets its field's shape, not a box."""
    parameters = run_parameters(field_layer, tmp_path / "jobs.csv", ID_FIELD="field_id")
    result = run("runjobs", {**parameters, "AREA_SENT": 1})
    assert (result["TOTAL"], result["FINISHED"]) == (3, 3)
    frame = JobDatabase(tmp_path / "jobs.csv").read()
    assert_one_job_per_tile([local_backend], frame)
    for row in frame.itertuples():
        sent = load_collection_args(connection, row.id)["spatial_extent"]
        assert sent["type"] in ("Polygon", "MultiPolygon")
        lonlat = gpd.GeoSeries([FIELDS[row.tile_id]], crs=32631).to_crs(4326).iloc[0]
        assert shapely.geometry.shape(sent).equals_exact(lonlat, 1e-9)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"PARAMETERS": '{"bands": ["B04"]}'}, "'factor'"),
        ({"PARAMETERS": '{"factor": "column:yield", "bands": []}'}, "no field 'yield'"),
        ({"PARAMETERS": "[1]"}, "must be a JSON object"),
        ({"ID_FIELD": "crop"}, "duplicate ids"),
        ({"WINDOWS": "2024-01-01/2025-01-01/P1Q"}, "P1Q"),
    ],
)
def test_bad_units_windows_or_parameters_refused_before_any_job(
    field_layer, saved_local, local_backend, tmp_path, changes, message
):
    parameters = run_parameters(
        field_layer,
        tmp_path / "jobs.csv",
        ID_FIELD="field_id",
        PROCESS_GRAPH=graph_file(tmp_path),
        PARAMETERS='{"factor": 1, "bands": []}',
    )
    before = len(local_backend.all_jobs())
    feedback = RecordingFeedback()
    with pytest.raises(QgsProcessingException, match=message):
        run("runjobs", {**parameters, **changes}, feedback)
    assert len(local_backend.all_jobs()) == before
    assert not (tmp_path / "jobs.csv").exists()


def test_an_unbound_required_udp_parameter_is_refused_by_name(
    field_layer, saved_local, local_backend, connection, tmp_path
):
    """A back-end UDP's parameters are known from its description: the engine's preflight
    refuses before any job, and Processing fails with the same message as the CLI."""
    graph = {"a": {"process_id": "add", "arguments": {"x": 1, "y": 2}, "result": True}}
    needs = [{"name": n, "description": n, "schema": {}} for n in ("threshold", "label")]
    connection.save_user_defined_process("needs_threshold", graph, parameters=needs)
    parameters = run_parameters(
        field_layer,
        tmp_path / "jobs.csv",
        ID_FIELD="field_id",
        UDP_ID="needs_threshold",
        PARAMETERS='{"label": "column:crop"}',
    )
    before = len(local_backend.all_jobs())
    with pytest.raises(QgsProcessingException) as refused:
        run("runjobs", parameters)
    assert "needs the parameter(s) 'threshold'" in str(refused.value)
    assert "Nothing was submitted" in str(refused.value)
    assert len(local_backend.all_jobs()) == before
