"""Tile times: when a tile's job started, when the tile became final, how long it took.

Against the local openEO back-end over HTTP, except the pure rules at the top.
"""

from __future__ import annotations

import threading

import pandas as pd
import pytest
from helpers.runs import DATES, backend, make_runner, small_grid
from openeo_grid_jobs.core.jobs.database import JobDatabase
from openeo_grid_jobs.core.jobs.rows import (
    adopted_start,
    final_times,
    now_utc,
    parse_time,
    reset_failed,
    tile_update,
)
from openeo_grid_jobs.core.jobs.table import frame_from_tiles
from openeo_grid_jobs.core.jobs.template import JobTemplate
from openeo_grid_jobs.core.run.runner import GridJobRunner
from openeo_grid_jobs.core.run.scheduler import RunPolicy

T0 = parse_time("2024-05-01T10:00:00Z")


def test_final_times_take_the_backend_time_when_plausible():
    started = now_utc(T0)
    assert final_times(started, T0 + 60, "2024-05-01T10:00:42Z") == {
        "end_time": "2024-05-01T10:00:42Z",
        "duration_s": 42.0,
    }
    # a back-end time before the start or after now (clocks differ): the run's clock
    for odd in ("2024-05-01T09:59:00Z", "2024-05-01T10:05:00Z", "garbage", None):
        assert final_times(started, T0 + 60, odd) == {
            "end_time": "2024-05-01T10:01:00Z",
            "duration_s": 60.0,
        }
    # never started: an end, no duration
    for never in (None, float("nan")):
        assert final_times(never, T0 + 5) == {
            "end_time": "2024-05-01T10:00:05Z",
            "duration_s": None,
        }


def test_adopted_start_is_the_jobs_created_time():
    assert adopted_start({"status": "created", "created": "2024-05-01T09:00:00Z"}, T0) is None
    job = {"status": "running", "created": "2024-05-01T09:00:00Z"}
    assert adopted_start(job, T0) == "2024-05-01T09:00:00Z"
    assert adopted_start({"status": "finished"}, T0) == "2024-05-01T10:00:00Z"


def _seconds(text):
    assert isinstance(text, str), text
    assert text.endswith("Z"), text
    return parse_time(text)


def test_finished_tiles_have_start_end_and_duration(local_backend, connection, tmp_path):
    updates = []
    runner = make_runner(tmp_path, [backend(local_backend.url)], small_grid(2, 1), updates=updates)
    assert runner.run(threading.Event()) == {"finished": 2}
    frame = JobDatabase(tmp_path / "jobs.csv").read()  # as saved
    for i in frame.index:
        started, ended = _seconds(frame.at[i, "start_time"]), _seconds(frame.at[i, "end_time"])
        assert started < ended  # the local jobs take 1.2 s
        assert frame.at[i, "duration_s"] == pytest.approx(ended - started)
        # the end is the back-end's own time of the job's last change
        job = connection.job(frame.at[i, "id"]).describe()
        assert frame.at[i, "end_time"] == now_utc(parse_time(job["updated"]))
        update = tile_update(frame, i)
        assert (update.started, update.ended) == (
            frame.at[i, "start_time"],
            frame.at[i, "end_time"],
        )
        assert update.duration == frame.at[i, "duration_s"]
    # the GUI heard of the end
    assert {u.tile_id for u in updates if u.status == "finished" and u.ended} == set(frame.tile_id)


def test_tiles_never_started_have_an_end_but_no_start(local_backend, tmp_path):
    """A create refused (no job) and a start refused (the job was deleted before its
    start): ``start_failed``, never started, so no start time and no duration. Retry
    failed clears their times; the new jobs get their own."""
    tiles = small_grid(3, 1)
    refused, doomed = tiles.tile_id.iloc[0], tiles.tile_id.iloc[1]
    local_backend.knobs(reject_titles=[refused])

    class DeletedBeforeStart(JobTemplate):
        def create_job(self, connection, tile, title):
            job = super().create_job(connection, tile, title)
            if tile.tile_id == doomed and self.doomed:
                job.delete()
            return job

    template = DeletedBeforeStart(*DATES)
    template.doomed = True
    runner = make_runner(tmp_path, [backend(local_backend.url)], tiles, template=template)
    assert runner.run(threading.Event()) == {"start_failed": 2, "finished": 1}
    frame = JobDatabase(tmp_path / "jobs.csv").read()
    by_tile = frame.set_index("tile_id")
    assert "refused" in by_tile.at[refused, "message"]
    assert by_tile.at[doomed, "message"].startswith("start failed")
    assert by_tile.at[doomed, "id"]  # its job was made, never started
    for tile in (refused, doomed):
        assert by_tile.at[tile, "start_time"] is None
        assert _seconds(by_tile.at[tile, "end_time"])
        assert pd.isna(by_tile.at[tile, "duration_s"])
        update = tile_update(frame, int(frame.index[frame.tile_id == tile][0]))
        assert (update.started, update.duration) == (None, None)
        assert update.ended
    finished_end = by_tile.at[tiles.tile_id.iloc[2], "end_time"]

    assert reset_failed(runner.frame) == [0, 1]
    for i in (0, 1):
        assert runner.frame.at[i, "end_time"] is None
        assert pd.isna(runner.frame.at[i, "duration_s"])
        assert tile_update(runner.frame, i).ended is None
    local_backend.knobs(reject_titles=[])
    template.doomed = False
    assert runner.run(threading.Event()) == {"finished": 3}
    for i in runner.frame.index:
        started = _seconds(runner.frame.at[i, "start_time"])
        assert started < _seconds(runner.frame.at[i, "end_time"])
        assert runner.frame.at[i, "duration_s"] > 0
    assert runner.frame.at[2, "end_time"] == finished_end  # the finished tile kept its times


def test_skipped_tiles_have_an_end_but_no_start(local_backend, tmp_path):
    template = JobTemplate(*DATES, bands=["B04", "B99"])  # every job fails alike
    runner = make_runner(
        tmp_path, [backend(local_backend.url, parallel=3)], small_grid(3, 2), template=template
    )
    assert runner.run(threading.Event()) == {"error": 3, "skipped": 3}
    for i in runner.frame.index:
        row = runner.frame.loc[i]
        assert _seconds(row["end_time"])
        if row["status"] == "skipped":
            assert row["start_time"] is None
            assert pd.isna(row["duration_s"])
        else:  # started, then failed on the back-end
            assert row["duration_s"] == pytest.approx(
                _seconds(row["end_time"]) - _seconds(row["start_time"])
            )


def test_an_adopted_job_started_when_the_backend_made_it(local_backend, connection, tmp_path):
    runner = make_runner(tmp_path, [backend(local_backend.url)], small_grid(1, 1))
    tile = runner.frame.at[0, "tile_id"]
    title = runner.template.job_title(tile, runner.run_tag)
    orphan = runner.template.create_job(connection, runner.extents[tile], title)
    orphan.start()  # as if the run crashed before saving the job id
    assert runner.run(threading.Event()) == {"finished": 1}
    assert runner.frame.at[0, "id"] == orphan.job_id
    created = orphan.describe()["created"]
    assert runner.frame.at[0, "start_time"] == now_utc(parse_time(created))
    assert runner.frame.at[0, "duration_s"] > 0


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_an_old_job_database_without_end_times_opens_and_resumes(local_backend, tmp_path, suffix):
    frame = frame_from_tiles(small_grid(2, 1), *DATES).drop(columns=["end_time", "duration_s"])
    frame.loc[0, ["status", "start_time"]] = ["finished", "2024-05-01T10:00:00Z"]
    path = tmp_path / f"jobs{suffix}"
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path, index=False)
    db = JobDatabase(path)
    old = db.read()
    assert old["end_time"].isna().all()
    assert old["duration_s"].isna().all()
    assert tile_update(old, 0).ended is None
    runner = GridJobRunner(
        db,
        old,
        JobTemplate(*DATES),
        [backend(local_backend.url)],
        policy=RunPolicy(poll_interval=0.3),
    )
    assert runner.run(threading.Event()) == {"finished": 2}
    back = db.read()
    assert back.at[0, "end_time"] is None  # finished before: its end is not known
    assert _seconds(back.at[1, "end_time"]) > _seconds(back.at[1, "start_time"])


NOTEBOOK_TRACKER = """spatial_extent,start_date,end_date,id,backend_name,status,start_time,running_start_time,cpu,memory,duration,costs
"{""type"": ""Polygon"", ""coordinates"": [[[4.35, 51.08], [4.42, 51.08], [4.42, 51.12], [4.35, 51.12], [4.35, 51.08]]]}",2024-05-01,2024-08-01,,,not_started,,,,,,
"{""type"": ""Polygon"", ""coordinates"": [[[4.42, 51.08], [4.49, 51.08], [4.49, 51.12], [4.42, 51.12], [4.42, 51.08]]]}",2024-05-01,2024-08-01,j-0001,cdse,finished,2024-09-01T10:00:00Z,2024-09-01T10:05:00Z,1 cpu-seconds,2 mb-seconds,3 seconds,1.5
"""  # noqa: E501


def test_a_notebook_trackers_own_duration_column_is_kept(local_backend, tmp_path):
    """The openeo client's job manager writes the back-end's usage ``duration`` as text;
    the plugin's duration is another column, so a notebook tracker keeps its own."""
    from openeo.extra.job_management import CsvJobDatabase

    path = tmp_path / "job_tracker.csv"
    path.write_text(NOTEBOOK_TRACKER)
    db = JobDatabase(path)
    frame = db.read()
    runner = GridJobRunner(
        db,
        frame,
        JobTemplate(*DATES),
        [backend(local_backend.url, "cdse")],
        policy=RunPolicy(poll_interval=0.3),
    )
    assert runner.run(threading.Event()) == {"finished": 2}
    back = CsvJobDatabase(path).read()
    assert back.at[1, "duration"] == "3 seconds"
    assert pd.isna(back.at[1, "duration_s"])  # finished in the notebook: end unknown
    assert back.at[0, "duration_s"] > 0
