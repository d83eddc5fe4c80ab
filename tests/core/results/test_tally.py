"""The run tally (core/results/tally.py): the summary kept from the tiles' updates is the
summary read from the whole table, as rows start, finish, fail and are reset."""

from __future__ import annotations

import dataclasses

import pytest
from helpers.runs import DATES, small_grid
from openeo_grid_jobs.core.jobs.rows import now_utc, reset_rows, tile_updates
from openeo_grid_jobs.core.jobs.table import frame_from_tiles
from openeo_grid_jobs.core.results.summary import RunSummary, first_start
from openeo_grid_jobs.core.results.tally import RunTally

NOW = 1_750_000_000.0


def same(kept: RunSummary, read: RunSummary) -> None:
    """Field by field; sums of floats in another order may differ in their last bit."""
    for name, value in dataclasses.asdict(read).items():
        expected = pytest.approx(value) if isinstance(value, float) else value
        assert getattr(kept, name) == expected, name


def test_the_kept_summary_is_the_tables_as_rows_change(tmp_path):
    frame = frame_from_tiles(small_grid(4, 3), *DATES)
    frame["status"] = (
        ["finished"] * 3 + ["error", "running", "running", "queued"] + ["not_started"] * 5
    )
    frame.loc[0:2, "duration_s"] = [100.0, 110.0, 120.0]
    frame.loc[0:2, "costs"] = [1.25, 2.0, float("nan")]
    frame["cpu"] = ["3600 cpu-seconds", "2 cpu-hours", None] + [None] * 9
    frame["memory"] = ["1024 mb-hours"] + [None] * 11
    frame.loc[3, "duration_s"] = 5.0  # a failed tile's duration is not counted
    frame.loc[4:5, "start_time"] = now_utc(NOW - 50)
    frame.loc[4, "running_start_time"] = now_utc(NOW - 400)
    frame.loc[4, "progress"] = 80.0
    result = tmp_path / "a.nc"
    result.write_bytes(b"x" * 1000)
    frame.loc[0, "result"] = str(result)
    began = first_start(frame, NOW - 725)
    tally = RunTally(began)
    tally.add(tile_updates(frame))

    def read() -> RunSummary:
        return RunSummary.from_frame(frame, started=began, parallel=4, now=NOW)

    same(tally.summary(4, NOW), read())
    assert tally.summary(4, NOW).running_progress == 80.0
    assert tally.summary(4, NOW).downloaded_bytes == 1000

    # a running tile finishes with usage and a result, a queued one starts running,
    # a waiting one is launched, the failed one and a finished one are reset
    frame.loc[5, ["status", "duration_s", "costs", "cpu"]] = ["finished", 90.0, 4.0, "1 cpu-hours"]
    frame.loc[5, "result"] = str(result)
    frame.loc[6, ["status", "start_time"]] = ["running", now_utc(NOW - 10)]
    frame.loc[7, ["status", "start_time"]] = ["queued", now_utc(NOW - 5)]
    changed = [5, 6, 7, *reset_rows(frame, [0, 3])]
    tally.add(tile_updates(frame, changed))
    same(tally.summary(4, NOW), read())
    assert tally.summary(4, NOW).downloaded_bytes == 1000  # row 0's result went, 5's came

    # every row final: the ETA is 0, the summary done
    frame["status"] = "finished"
    tally.add(tile_updates(frame))
    same(
        tally.summary(4, NOW + 60),
        RunSummary.from_frame(frame, started=began, parallel=4, now=NOW + 60),
    )
    assert tally.summary(4, NOW).done


def test_an_earlier_start_moves_the_runs_beginning_back():
    frame = frame_from_tiles(small_grid(2, 1), *DATES)
    tally = RunTally(NOW)
    frame.loc[1, ["status", "start_time"]] = ["running", now_utc(NOW - 300)]  # adopted
    tally.add(tile_updates(frame, [1]))
    assert tally.summary(1, NOW).elapsed_s == 300


def test_a_windowed_runs_rows_are_counted_as_jobs():
    """Two units × three months: six (unit, window) rows, "6 jobs", kept and read alike;
    a grid's rows stay "tiles"."""
    from openeo_grid_jobs.core.grid.windows import parse_windows, span

    windows = parse_windows("2024-01-01/2024-04-01/P1M")
    frame = frame_from_tiles(small_grid(2, 1), *span(windows), windows)
    frame["status"] = ["finished"] * 4 + ["running", "not_started"]
    tally = RunTally(NOW - 60, windowed=True)
    tally.add(tile_updates(frame))
    read = RunSummary.from_frame(frame, started=NOW - 60, parallel=2, now=NOW)
    same(tally.summary(2, NOW), read)
    assert read.text().startswith("6 jobs: 4 finished, 1 running, 1 waiting · 1 min")
    grid = frame_from_tiles(small_grid(2, 1), *DATES)
    grid["status"] = "finished"
    assert (
        RunSummary.from_frame(grid, started=NOW, parallel=2, now=NOW).text()
        == "2 tiles: 2 finished · 0 s"
    )
