"""Row helpers of the job table: what counts as a change of a cell."""

from __future__ import annotations

import math

import pytest
from helpers.runs import small_grid
from openeo_grid_jobs.core.jobs.database import JobDatabase
from openeo_grid_jobs.core.jobs.rows import same_cell
from openeo_grid_jobs.core.jobs.table import frame_from_tiles
from openeo_grid_jobs.core.jobs.template import JobTemplate
from openeo_grid_jobs.core.run.gateway import Backend
from openeo_grid_jobs.core.run.state import RunState


@pytest.mark.parametrize(
    ("old", "new", "same"),
    [
        (None, None, True),
        (math.nan, None, True),  # an empty cell read back from pandas is NaN
        (None, math.nan, True),
        ("running", "running", True),
        ("running", "finished", False),
        (None, "queued", False),
        ("queued", None, False),
        (0.5, 0.5, True),
        (1.0, 1, True),  # a float column holds an int as a float
        (0.5, 0.75, False),
        (math.nan, 0.0, False),
        ("1", 1, False),  # a number is not its text
        (1, True, False),  # nor a flag
        (True, True, True),
    ],
)
def test_same_cell(old, new, same):
    assert same_cell(old, new) is same


def test_a_write_that_changes_nothing_is_neither_saved_nor_reported(tmp_path):
    """A job's progress polled again, a status seen again: the run's one writer does not
    mark the row, so no save and no report follow."""
    reports: list[list] = []
    frame = frame_from_tiles(small_grid(2, 1), "2024-05-01", "2024-08-01")
    state = RunState(
        JobDatabase(tmp_path / "jobs.csv"),
        frame,
        JobTemplate("2024-05-01", "2024-08-01"),
        [Backend("local", connect=lambda: None)],  # type: ignore[arg-type,return-value]
        on_update=reports.append,
    )
    state.set(0, status="queued", id="j-1", progress=None)
    assert state.flush()
    assert [u.tile_id for u in reports[-1]] == [frame.at[0, "tile_id"]]
    saved = (tmp_path / "jobs.csv").stat().st_mtime_ns
    state.set(0, status="queued", id="j-1", progress=math.nan, message=None)
    assert state.flush()
    assert len(reports) == 1
    assert (tmp_path / "jobs.csv").stat().st_mtime_ns == saved
    state.set(0, progress=40.0)
    assert state.flush()
    assert len(reports) == 2
    assert frame.at[0, "progress"] == 40.0
    assert state.rows.job_id[0] == "j-1"
