"""A run as its files say it is: the job table's statuses, its saved settings, whether
its engine lives. Read in the background (a job database of 100 k rows takes seconds)
by the dock's opener (:mod:`..run.opener`) and by Processing's *Open job database*; no
widget here, so Processing (headless in ``qgis_process``) can use it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: seconds a run being started (its engine holds the job database) is given to write it
STARTING_WAIT = 30.0


@dataclass
class OpenedRun:
    """What the job database says, read in the background."""

    updates: list  # core.jobs.rows.TileUpdate
    counts: dict
    template: Any  # core.jobs.template.JobTemplate, or None for a notebook's tracker
    modified: float  # when the job database was last written (seconds since the epoch)
    summary: str  # core.results.summary.RunSummary.text()
    budget: float | None = None  # the run's credit cap
    download: bool = True  # whether the run downloads its results
    #: time limits the finished jobs' times suggest (core.run.time_limits.SuggestedLimits)
    suggested: Any = None
    tiles: Any = None  # a GeoDataFrame when a layer must be built from the table
    #: when its engine died without finishing (None: it did not; or it runs)
    died_at: float | None = None

    @property
    def windowed(self) -> bool:
        """Whether its rows are (unit, window) jobs: its settings have time windows."""
        return self.template is not None and bool(self.template.windows)


def read_run(path: str, with_tiles: bool) -> OpenedRun:
    """Background: the job table's statuses and the run's saved settings."""
    from ...core.engine.config import RunConfig, RunConfigError
    from ...core.engine.launch import engine_state
    from ...core.jobs.database import JobDatabase
    from ...core.run.runner import GridJobRunner
    from ...core.run.time_limits import suggest_limits
    from .grid_layer import table_tiles

    deadline = time.monotonic() + STARTING_WAIT
    while not Path(path).exists() and time.monotonic() < deadline and engine_state(path).live:
        time.sleep(0.1)  # a run starting: its engine holds the database, writes it soon
    frame = JobDatabase(path).read()
    modified = Path(path).stat().st_mtime
    state = engine_state(path)
    try:
        config = RunConfig.load(path)
    except RunConfigError:  # a notebook's tracker: the form's settings will be used
        config = None
    return OpenedRun(
        updates=GridJobRunner.updates_of(frame),
        counts={str(k): int(v) for k, v in frame["status"].value_counts().items()},
        template=config.template if config is not None else None,
        modified=modified,
        summary=summary_text(frame, modified, config),
        budget=config.budget if config is not None else None,
        download=config.download if config is not None else True,
        suggested=suggest_limits(frame),
        tiles=table_tiles(frame) if with_tiles else None,
        died_at=state.died_at,
    )


def summary_text(frame, now: float, config) -> str:
    """The run's summary line as of ``now`` (its elapsed time from its first job)."""
    from ...core.results.summary import RunSummary, first_start

    started = first_start(frame, now)
    parallel = sum(b.parallel_jobs for b in config.backends) if config is not None else 1
    text = RunSummary.from_frame(frame, started=started, parallel=parallel, now=now).text()
    # an ETA needs a run that is tracked: a reopened run's would be made up
    return " · ".join(p for p in text.split(" · ") if "ETA" not in p)
