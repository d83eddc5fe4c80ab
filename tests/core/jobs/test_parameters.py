"""Per-job parameters (``run --param``): a UDP's or a graph file's parameters bound to a
field of the units or a constant, checked in the process graph the local back-end
received for each job; unbound required parameters refused before anything is made."""

from __future__ import annotations

import pytest
from helpers.runs import small_grid
from helpers.units import FIELDS, fields, graph_file
from openeo_grid_jobs.cli.main import main
from openeo_grid_jobs.core.engine.config import RunConfig
from openeo_grid_jobs.core.jobs.database import JobDatabase
from openeo_grid_jobs.core.jobs.parameters import ParameterError, parse_binding, parse_parameter_map

THRESHOLDS = {"F-01": 0.2, "F-02": 0.35, "F-03": 0.5}
UDP_GRAPH = {
    "load": {
        "process_id": "load_collection",
        "arguments": {
            "id": "SENTINEL2_L2A",
            "spatial_extent": {"from_parameter": "spatial_extent"},
            "temporal_extent": {"from_parameter": "temporal_extent"},
            "bands": ["B04"],
        },
    },
    "gt": {
        "process_id": "gt",
        "arguments": {"x": {"from_node": "load"}, "y": {"from_parameter": "threshold"}},
        "result": True,
    },
}
UDP_PARAMETERS = [
    {"name": "spatial_extent", "description": "area", "schema": {"type": "object"}},
    {"name": "temporal_extent", "description": "dates", "schema": {"type": "array"}},
    {"name": "threshold", "description": "per field", "schema": {"type": "number"}},
    {"name": "label", "description": "a constant", "schema": {"type": "string"}},
    {"name": "note", "description": "left out", "schema": {"type": "string"}, "optional": True},
]


@pytest.fixture(autouse=True)
def _password(monkeypatch):
    monkeypatch.setenv("OPENEO_PASSWORD", "alice123")


@pytest.fixture
def units(tmp_path):
    """Three irregular fields, each with its own threshold and a crop text."""
    path = tmp_path / "fields.gpkg"
    fields(ids=list(THRESHOLDS), threshold=list(THRESHOLDS.values())).to_file(
        path, engine="pyogrio"
    )
    return path


def base_args(tmp_path, url, units, grid=False):
    """``run`` on ``units`` (``grid``: as a grid file, ``--grid``; else ``--units``)."""
    source = ["--grid", str(units)] if grid else ["--units", str(units), "--id-field", "field_id"]
    return [
        "run",
        *source,
        "--job-db",
        str(tmp_path / "jobs.csv"),
        "--backend",
        url,
        "--username",
        "alice",
        "--start",
        "2024-05-01",
        "--end",
        "2024-06-01",
        "--poll-interval",
        "0.2",
    ]


def received(connection, job_id: str) -> dict:
    """The process graph the back-end stored for a job."""
    return connection.job(job_id).describe()["process"]["process_graph"]


def test_udp_parameter_bound_to_a_field_gets_each_units_value(
    local_backend, connection, tmp_path, units
):
    connection.save_user_defined_process(
        "threshold_per_field", UDP_GRAPH, parameters=UDP_PARAMETERS
    )
    given = base_args(tmp_path, local_backend.url, units)
    given += ["--udp", "threshold_per_field", "--param", "threshold=column:threshold"]
    given += ["--param", "label=crop-mask"]
    main([*given])  # the local back-end cannot run a UDP: its jobs end in error
    frame = JobDatabase(tmp_path / "jobs.csv").read()
    assert sorted(frame["tile_id"]) == sorted(THRESHOLDS)
    assert frame["id"].notna().all()
    assert frame["id"].nunique() == 3
    for row in frame.itertuples():
        (call,) = [
            n for n in received(connection, row.id).values() if n["process_id"] != "save_result"
        ]
        arguments = call["arguments"]
        assert call["process_id"] == "threshold_per_field"
        assert arguments["threshold"] == THRESHOLDS[row.tile_id]
        assert arguments["label"] == "crop-mask"
        assert "note" not in arguments
        west, south, east, north = FIELDS[row.tile_id].bounds
        assert arguments["spatial_extent"] == {
            "west": west,
            "south": south,
            "east": east,
            "north": north,
            "crs": 32631,
        }
        assert arguments["temporal_extent"] == ["2024-05-01", "2024-06-01"]
    saved = RunConfig.load(tmp_path / "jobs.csv").template.parameters
    assert saved == {"threshold": {"column": "threshold"}, "label": {"value": "crop-mask"}}


def test_unbound_required_udp_parameter_is_refused_naming_it(
    local_backend, connection, tmp_path, units, capsys
):
    connection.save_user_defined_process(
        "threshold_per_field", UDP_GRAPH, parameters=UDP_PARAMETERS
    )
    given = base_args(tmp_path, local_backend.url, units)
    given += ["--udp", "threshold_per_field", "--param", "label=x"]
    jobs_before = len(local_backend.all_jobs())
    capsys.readouterr()
    assert main(given) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert "'threshold'" in lines[0]
    assert "Nothing was submitted" in lines[0]
    assert "'label'" not in lines[0]
    assert "spatial_extent" not in lines[0]
    assert len(local_backend.all_jobs()) == jobs_before


def test_graph_file_parameters_filled_per_unit_and_jobs_finish(
    local_backend, connection, tmp_path, units
):
    given = base_args(tmp_path, local_backend.url, units)
    given += ["--process-graph", graph_file(tmp_path)]
    given += ["--param", "factor=column:threshold", "--param", 'bands=["B04"]']
    assert main(given) == 0
    frame = JobDatabase(tmp_path / "jobs.csv").read()
    assert set(frame["status"]) == {"finished"}
    assert len(frame) == 3
    for row in frame.itertuples():
        graph = received(connection, row.id)
        scale = graph["scale"]["arguments"]["process"]["process_graph"]["m"]["arguments"]
        assert scale == {"x": {"from_parameter": "x"}, "y": THRESHOLDS[row.tile_id]}
        assert graph["load"]["arguments"]["bands"] == ["B04"]
        assert graph["load"]["arguments"]["spatial_extent"]["crs"] == 32631


def test_row_bindings_send_the_extent_and_dates_under_the_processs_own_names(
    local_backend, connection, tmp_path, units
):
    """A process that calls them otherwise (``geometry``, ``period``) gets the unit's
    extent and the row's dates there, and no spatial_extent/temporal_extent beside."""
    own_names = [
        {"name": "geometry", "description": "area", "schema": {"type": "object"}},
        {"name": "period", "description": "dates", "schema": {"type": "array"}},
        {"name": "threshold", "description": "per field", "schema": {"type": "number"}},
    ]
    connection.save_user_defined_process("own_names", UDP_GRAPH, parameters=own_names)
    given = base_args(tmp_path, local_backend.url, units)
    given += ["--udp", "own_names", "--param", "geometry=row:extent"]
    given += ["--param", "period=row:dates", "--param", "threshold=column:threshold"]
    main(given)  # the local back-end cannot run a UDP: its jobs end in error
    frame = JobDatabase(tmp_path / "jobs.csv").read()
    assert frame["id"].nunique() == 3
    for row in frame.itertuples():
        (call,) = [
            n for n in received(connection, row.id).values() if n["process_id"] == "own_names"
        ]
        west, south, east, north = FIELDS[row.tile_id].bounds
        assert call["arguments"] == {
            "geometry": {"west": west, "south": south, "east": east, "north": north, "crs": 32631},
            "period": ["2024-05-01", "2024-06-01"],
            "threshold": THRESHOLDS[row.tile_id],
        }


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--param", 'bands=["B04"]'], "'factor'"),
        (["--param", "factor=column:yield", "--param", 'bands=["B04"]'], "no field 'yield'"),
        (
            ["--param", "factor=2", "--param", "bands=[]", "--param", "gain=1"],
            "no parameter 'gain'",
        ),
        (["--param", "factor=column:status", "--param", "bands=[]"], "job table's own"),
        (["--param", "factor"], "NAME=column:FIELD"),
    ],
)
def test_graph_file_bindings_checked_before_anything_is_written(
    local_backend, tmp_path, units, capsys, extra, message
):
    given = [
        *base_args(tmp_path, local_backend.url, units),
        "--process-graph",
        graph_file(tmp_path),
    ]
    jobs_before = len(local_backend.all_jobs())
    capsys.readouterr()
    assert main([*given, *extra]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert message in lines[0]
    assert not (tmp_path / "jobs.csv").exists()
    assert len(local_backend.all_jobs()) == jobs_before


def test_binding_syntax():
    assert parse_binding("t=column:thr") == ("t", {"column": "thr"})
    assert parse_binding("n=30") == ("n", {"value": 30})
    assert parse_binding('s="column:x"') == ("s", {"value": "column:x"})
    assert parse_binding("m=rf") == ("m", {"value": "rf"})
    assert parse_binding("g=row:extent") == ("g", {"row": "extent"})
    with pytest.raises(ParameterError, match="row:extent, row:dates"):
        parse_binding("g=row:polygon")
    assert parse_parameter_map('{"t": "column:thr", "n": [1, 2], "p": "row:dates"}') == {
        "t": {"column": "thr"},
        "n": {"value": [1, 2]},
        "p": {"row": "dates"},
    }
    for bad in ("[1]", "{nope"):
        with pytest.raises(ParameterError):
            parse_parameter_map(bad)


def test_bound_fields_cross_the_pipe_to_the_engine(units):
    """The dock and Processing start the engine in a process of its own: the units'
    bound fields travel with them, values and types kept."""
    from openeo_grid_jobs.core.engine.request import RunRequest
    from openeo_grid_jobs.core.grid.units import read_units

    tiles = read_units(units, "field_id", keep=["threshold", "crop"])
    back = RunRequest.from_wire(RunRequest("j.csv", tiles=tiles).to_wire()).tiles
    assert back is not None
    assert dict(zip(back["tile_id"], back["threshold"])) == THRESHOLDS
    assert set(back["crop"]) == {"wheat"}


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_bound_values_keep_their_type_when_a_run_is_resumed(tmp_path, suffix):
    """The values a resumed run sends (the table read back) are those of the first run
    (the table as made): text that looks like a number stays text."""
    from openeo_grid_jobs.core.jobs.row_extents import tile_extents
    from openeo_grid_jobs.core.jobs.table import frame_from_tiles

    units = fields(
        ids=list(THRESHOLDS),
        code=["007", "1.50", "x"],
        threshold=list(THRESHOLDS.values()),
        flags=[[1, 2], [3], []],
    )
    units["tile_id"] = units["field_id"]
    columns = ["code", "threshold", "flags"]
    made = frame_from_tiles(units, "2024-05-01", "2024-06-01", columns=columns)
    db = JobDatabase(tmp_path / f"jobs{suffix}")
    db.save(made)
    first = [e.values for e in tile_extents(made, columns)]
    resumed = [e.values for e in tile_extents(db.read(), columns)]
    assert first == resumed
    assert [v["code"] for v in resumed] == ["007", "1.50", "x"]
    assert [v["threshold"] for v in resumed] == list(THRESHOLDS.values())
    assert [v["flags"] for v in resumed] == [[1, 2], [3], []]


@pytest.mark.parametrize(
    ("thresholds", "message"),
    [
        (None, "grid.gpkg has no field 'threshold' for a job parameter"),
        (
            [0.2, None, None],
            "Units '31N_120_1132', '31N_121_1132' of grid.gpkg have no value in field 'threshold'",
        ),
    ],
)
def test_grid_with_a_bound_field_missing_or_empty_is_refused(
    local_backend, tmp_path, capsys, thresholds, message
):
    """``--grid`` (a grid this plugin made, a field added by the user) is checked as
    ``--units`` is: no job gets null for a bound field."""
    grid = small_grid(3, 1)
    if thresholds is not None:
        grid["threshold"] = thresholds
    grid.to_file(tmp_path / "grid.gpkg", engine="pyogrio")
    given = base_args(tmp_path, local_backend.url, tmp_path / "grid.gpkg", grid=True)
    given += ["--process-graph", graph_file(tmp_path)]
    given += ["--param", "factor=column:threshold", "--param", 'bands=["B04"]']
    jobs_before = len(local_backend.all_jobs())
    capsys.readouterr()
    assert main(given) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert message in lines[0]
    assert not (tmp_path / "jobs.csv").exists()
    assert len(local_backend.all_jobs()) == jobs_before
