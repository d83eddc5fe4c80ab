"""The job database: openEO job-manager format, round trips, atomic writes, bad files."""

from __future__ import annotations

import contextlib
import json
import shutil
import threading

import pandas as pd
import pytest
import shapely
from helpers.runs import DATES, backend, make_runner, small_grid
from openeo.extra.job_management import CsvJobDatabase
from openeo_grid_jobs.core.errors import JobDatabaseError
from openeo_grid_jobs.core.jobs.columns import MANAGER_COLUMNS
from openeo_grid_jobs.core.jobs.database import JobDatabase
from openeo_grid_jobs.core.jobs.table import frame_from_tiles, lonlat_frame
from openeo_grid_jobs.core.jobs.template import JobTemplate, TemplateError, parse_process_graph
from openeo_grid_jobs.core.run.intent_journal import journal_path, replay
from openeo_grid_jobs.core.run.runner import GridJobRunner
from openeo_grid_jobs.core.run.scheduler import RunPolicy


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_round_trip_keeps_geometry_crs_and_columns(tmp_path, suffix):
    tiles = small_grid(2, 2)
    frame = frame_from_tiles(tiles, *DATES)
    db = JobDatabase(tmp_path / f"jobs{suffix}")
    db.save(frame)
    back = db.read()
    assert set(MANAGER_COLUMNS) <= set(back.columns)
    assert list(back["tile_id"]) == list(tiles["tile_id"])
    assert set(back["crs"]) == {"EPSG:32631"}
    restored = lonlat_frame(back)
    assert restored.crs.to_epsg() == 4326
    expected = tiles.to_crs(4326).geometry.values
    assert shapely.equals_exact(restored.geometry.values, expected, tolerance=1e-9).all()
    assert set(back["status"]) == {"not_started"}


def test_our_csv_reads_with_the_openeo_client(tmp_path):
    db = JobDatabase(tmp_path / "jobs.csv")
    db.save(frame_from_tiles(small_grid(2, 1), *DATES))
    frame = CsvJobDatabase(tmp_path / "jobs.csv").read()
    assert list(frame["status"]) == ["not_started", "not_started"]
    # the seed notebook's start_job reads these three columns
    assert json.loads(frame["spatial_extent"].iloc[0])["type"] == "Polygon"
    assert list(frame["start_date"]) == [DATES[0]] * 2


SEED_TRACKER = """spatial_extent,start_date,end_date,id,backend_name,status,start_time,running_start_time,cpu,memory,duration,costs
"{""type"": ""Polygon"", ""coordinates"": [[[4.35, 51.08], [4.42, 51.08], [4.42, 51.12], [4.35, 51.12], [4.35, 51.08]]]}",2024-05-01,2024-08-01,,,not_started,,,,,,
"{""type"": ""Polygon"", ""coordinates"": [[[4.42, 51.08], [4.49, 51.08], [4.49, 51.12], [4.42, 51.12], [4.42, 51.08]]]}",2024-05-01,2024-08-01,j-0001,cdse,finished,2024-09-01T10:00:00Z,2024-09-01T10:05:00Z,1 cpu-seconds,2 mb-seconds,3 seconds,1.5
"""  # noqa: E501


def test_seed_notebook_tracker_opens_and_runs(local_backend, tmp_path):
    path = tmp_path / "job_tracker.csv"
    path.write_text(SEED_TRACKER)
    db = JobDatabase(path)
    frame = db.read()
    assert list(frame["status"]) == ["not_started", "finished"]
    assert frame.at[1, "costs"] == 1.5
    shapes = lonlat_frame(frame)
    assert shapes.crs.to_epsg() == 4326
    assert shapes.total_bounds == pytest.approx((4.35, 51.08, 4.49, 51.12))
    runner = GridJobRunner(
        db,
        frame,
        JobTemplate(*DATES),
        [backend(local_backend.url, "cdse")],
        policy=RunPolicy(poll_interval=0.3),
    )
    assert runner.run(threading.Event()) == {"finished": 2}
    back = CsvJobDatabase(path).read()  # and the notebook can read it back
    assert list(back["status"]) == ["finished", "finished"]
    assert back.at[1, "id"] == "j-0001"  # the finished row is left alone
    assert back.at[1, "cpu"] == "1 cpu-seconds"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01garbage\xff\xfe" * 50, "Cannot read"),
        (b"a,b\n1,2\n", "not an openEO job database"),
        (b"status\nfinished\nweird_status\n", "unknown job statuses"),
    ],
)
def test_unreadable_database_is_reported_and_left_alone(tmp_path, content, message):
    path = tmp_path / "jobs.csv"
    path.write_bytes(content)
    with pytest.raises(JobDatabaseError, match=message):
        JobDatabase(path).read()
    assert path.read_bytes() == content


def test_corrupt_parquet_is_reported(tmp_path):
    path = tmp_path / "jobs.parquet"
    path.write_bytes(b"PAR1 but not really")
    with pytest.raises(JobDatabaseError, match="left as it is"):
        JobDatabase(path).read()
    assert path.read_bytes() == b"PAR1 but not really"


def test_save_is_atomic(tmp_path, monkeypatch):
    db = JobDatabase(tmp_path / "jobs.csv")
    frame = frame_from_tiles(small_grid(2, 1), *DATES)
    db.save(frame)
    before = db.path.read_bytes()

    def explode(self, *args, **kwargs):
        with open(args[0], "w") as f:
            f.write("half a fi")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", explode)
    with pytest.raises(JobDatabaseError, match="disk full"):
        db.save(frame)
    assert db.path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [db.path]


def test_unknown_extension(tmp_path):
    with pytest.raises(JobDatabaseError, match=r"\.csv or \.parquet"):
        JobDatabase(tmp_path / "jobs.xlsx")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"start": "2024-13-01"}, "not a date"),
        ({"end": "2024-04-01"}, "must be after"),
        ({"end": "2024-05-01"}, "must be after"),
        ({"out_format": "JPEG"}, "output format"),
        ({"bands": ["B04"]}, "exactly two bands"),
        ({"collection": " "}, "collection"),
        ({"process": "process_graph", "process_graph": {"a": 1}}, "process_id"),
        (
            {
                "process": "process_graph",
                "process_graph": {"x": {"process_id": "add", "arguments": {}}},
            },
            "load_collection",
        ),
        ({"process": "udp", "udp_id": ""}, "UDP"),
        ({"process": "magic"}, "Unknown process"),
    ],
)
def test_template_validation(changes, message):
    values = {"start": DATES[0], "end": DATES[1], **changes}
    with pytest.raises(TemplateError, match=message):
        JobTemplate(**values).validate()


def test_process_graph_json_errors():
    with pytest.raises(TemplateError, match="not valid JSON"):
        parse_process_graph("{nope")
    graph = parse_process_graph('{"process_graph": {"l": {"process_id": "load_collection"}}}')
    assert list(graph) == ["l"]


def test_run_tag_survives_csv_as_text(tmp_path, monkeypatch):
    """A tag that looks like a number must come back identical (resume matches titles)."""
    from openeo_grid_jobs.core.jobs.table import new_run_tag

    assert new_run_tag()[0].isalpha()
    frame = frame_from_tiles(small_grid(1, 1), *DATES)
    frame["run_tag"] = "r0012345"
    db = JobDatabase(tmp_path / "jobs.csv")
    db.save(frame)
    assert db.read()["run_tag"].iloc[0] == "r0012345"


def test_csv_written_in_chunks_is_the_table_as_pandas_writes_it(tmp_path, monkeypatch):
    from openeo_grid_jobs.core.jobs import database as job_db

    monkeypatch.setattr(job_db, "CSV_CHUNK", 4)  # 9 rows: three calls of the C writer
    frame = frame_from_tiles(small_grid(3, 3), *DATES)
    frame.loc[2, ["status", "message", "costs"]] = ["error", 'a "quoted",\nmulti-line reason', 1.5]
    db = JobDatabase(tmp_path / "jobs.csv")
    db.save(frame)
    assert db.path.read_text() == frame.to_csv(index=False)
    back = db.read()
    assert back.loc[2, "message"] == 'a "quoted",\nmulti-line reason'
    assert list(back["status"]) == list(frame["status"])


def test_parquet_parses_the_tiles_once_while_they_stay_the_same(tmp_path, monkeypatch):
    db = JobDatabase(tmp_path / "jobs.parquet")
    frame = frame_from_tiles(small_grid(2, 1), *DATES)
    parsed = []
    from_wkt = shapely.from_wkt
    monkeypatch.setattr(shapely, "from_wkt", lambda wkt: parsed.append(len(wkt)) or from_wkt(wkt))
    db.save(frame)
    frame.loc[0, "status"] = "finished"
    db.save(frame)
    assert parsed == [2]  # the second save reused the shapes
    moved = frame.copy()
    moved.loc[1, "geometry"] = "POLYGON ((0 0, 1 0, 1 1, 0 1, 0 0))"
    db.save(moved)
    assert parsed == [2, 2]
    back = db.read()
    assert list(back["status"]) == ["finished", "not_started"]
    assert back.loc[1, "geometry"].equals(shapely.box(0, 0, 1, 1))


def test_the_loop_saves_at_most_every_second_an_intent_at_once(tmp_path):
    """A turn of the loop saves at most every SAVE_EVERY s and reports at most every
    REPORT_EVERY s; any other flush (an intent, the end of a run) does both at once."""
    from openeo_grid_jobs.core.run import state as run_loop

    now = [100.0]
    frame = frame_from_tiles(small_grid(3, 2), *DATES)
    db = JobDatabase(tmp_path / "jobs.csv")
    runner = GridJobRunner(
        db, frame, JobTemplate(*DATES), [backend("http://unused")], clock=lambda: now[0]
    )
    saves, reports = [], []
    save = db.save
    db.save = lambda frame: saves.append(now[0]) or save(frame)
    runner.on_update = lambda batch: reports.append([u.tile_id for u in batch])
    on_disk = lambda: list(db.read()["status"])  # noqa: E731
    tiles = list(frame["tile_id"])

    runner.state.set(0, status="queued")
    runner.state.flush(may_wait=True)  # the first turn: both at once
    assert saves == [100.0]
    assert reports == [[tiles[0]]]
    now[0] += run_loop.REPORT_EVERY / 2
    runner.state.set(1, status="queued")
    runner.state.flush(may_wait=True)  # too soon for either
    assert saves == [100.0]
    assert len(reports) == 1
    now[0] += run_loop.REPORT_EVERY
    runner.state.flush(may_wait=True)
    assert saves == [100.0]
    assert reports[-1] == [tiles[1]]
    assert on_disk()[:2] == ["queued", "not_started"]  # at most a second behind
    now[0] = 100.0 + run_loop.SAVE_EVERY
    runner.state.flush(may_wait=True)
    assert len(saves) == 2
    assert on_disk()[:2] == ["queued", "queued"]
    runner.state.set(2, status="queued_for_start", intent_at="2024-01-01T00:00:00.000Z")
    runner.state.flush()  # an intent: on disk before its request leaves
    assert len(saves) == 3
    assert reports[-1] == [tiles[2]]
    assert on_disk()[2] == "queued_for_start"
    runner.state.flush()
    assert len(saves) == 3  # nothing new


def test_a_big_table_is_saved_less_often_by_its_saves_mean_cost(tmp_path):
    """Saves of a table that takes long to write are spaced SAVE_SHARE times their mean
    apart: at most 1 % of the loop's time, whatever one slow save took."""
    from openeo_grid_jobs.core.run import state as run_loop

    now = [100.0]
    frame = frame_from_tiles(small_grid(3, 2), *DATES)
    db = JobDatabase(tmp_path / "jobs.csv")
    runner = GridJobRunner(
        db, frame, JobTemplate(*DATES), [backend("http://unused")], clock=lambda: now[0]
    )
    took = iter([0.3, 0.01, 0.01, 0.01])  # the first save was slow (a busy disk)
    saves = []
    save = db.save

    def slow_save(frame):
        saves.append(now[0])
        save(frame)
        now[0] += next(took)

    db.save = slow_save
    state = runner.state
    for row in range(4):
        state.set(row, status="queued")
        state.flush(may_wait=True)
        now[0] += 0.5
    assert saves == [100.0]  # then a mean of 0.3 s: the next one 30 s later
    now[0] = 100.0 + run_loop.SAVE_SHARE * 0.3 - 0.1  # counted from its start
    state.flush(may_wait=True)
    assert len(saves) == 1
    now[0] += 0.1
    state.flush(may_wait=True)
    assert len(saves) == 2
    assert state.saves[0] == 2
    assert state.saves[1] == pytest.approx(0.31)
    assert state.saves[2] == pytest.approx(0.3)
    # saves of 0.01 s from now on: the mean falls, the saves come closer again
    for progress in (10.0, 20.0):  # a change each time (a value seen again is no change)
        state.set(4, progress=progress)
        now[0] += run_loop.SAVE_SHARE * state.saves[1] / state.saves[0]
        state.flush(may_wait=True)
    assert len(saves) == 4


def test_every_intent_is_on_disk_before_its_job_is_made(local_backend, tmp_path):
    """In the table or in its intent journal: what a run resumed after a crash reads."""
    runner = make_runner(tmp_path, [backend(local_backend.url, parallel=3)])
    gateway = runner.gateways["local"]
    create = gateway.create_and_start
    seen = []

    def create_after_reading_the_disk(template, tile, title):
        # as a run resumed now would read it; the journal first: the loop saves the table
        # before it empties the journal, so that order never misses an intent
        copy = tmp_path / "seen" / f"{tile.tile_id}.csv"
        copy.parent.mkdir(exist_ok=True)
        with contextlib.suppress(FileNotFoundError):  # emptied: the table holds them
            shutil.copy(journal_path(runner.db.path), journal_path(copy))
        rows = JobDatabase(runner.db.path).read()
        replay(rows, copy)
        rows = rows.set_index("tile_id")
        seen.append((rows.at[tile.tile_id, "status"], rows.at[tile.tile_id, "intent_at"]))
        return create(template, tile, title)

    gateway.create_and_start = create_after_reading_the_disk
    assert runner.run(threading.Event()) == {"finished": 6}
    assert len(seen) == 6
    assert all(status == "queued_for_start" and intent for status, intent in seen), seen


def test_the_intent_journal_gives_back_what_the_last_save_missed(tmp_path):
    """Intents appended before their requests, replayed into a table saved before them;
    a row the table took further is left alone, a line cut by a crash is skipped, and a
    saved table empties the journal."""
    from openeo_grid_jobs.core.run.intent_journal import IntentJournal

    db = JobDatabase(tmp_path / "jobs.csv")
    frame = frame_from_tiles(small_grid(3, 1), *DATES)
    db.save(frame)
    tiles = list(frame["tile_id"])
    journal = IntentJournal(db.path)
    intent = {"backend_name": "local", "intent_at": "2024-01-01T00:00:00.000Z", "attempt": 1}
    journal.write([{"tile_id": tiles[0], **intent}, {"tile_id": tiles[1], **intent}])
    with open(journal_path(db.path), "a") as cut:
        cut.write('{"tile_id": "' + tiles[2])  # the crash came mid-line
    table = db.read()
    table.at[1, "status"] = "finished"  # the table went on for this one
    assert replay(table, db.path) == 1
    assert list(table["status"]) == ["queued_for_start", "finished", "not_started"]
    assert table.at[0, "intent_at"] == intent["intent_at"]
    assert table.at[0, "backend_name"] == "local"
    journal.clear()
    assert not journal_path(db.path).exists()
    assert replay(db.read(), db.path) == 0
