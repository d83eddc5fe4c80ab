"""A job's status as its back-end reports it, written into its row.

A status only moves forward (:func:`~.tile_rules.moves_forward`). A job ending
``finished`` feeds the breaker and the expected job time, and its costs and usage
are asked for when the report lacks them; a failed job's reason (its error log,
answered to :meth:`~.launching.Launcher.on_error_log`) and usage are asked for.
Polling, adopting, launching, canceling and the time limits all report here.
"""

from __future__ import annotations

from typing import Any

from ..definitions import FINAL_STATUSES, TileStatus
from ..jobs.rows import now_utc, parse_time
from ..jobs.usage import usage_columns
from .failures import Failure
from .job_ends import reported_percent
from .state import Call, RunState
from .tile_rules import moves_forward


class JobStatuses:
    """Applies what back-ends say of a job to its row (through the state's one writer)."""

    def __init__(self, state: RunState) -> None:
        self.state = state

    def apply(self, i: int, new: str | None, info: dict) -> None:
        """Row ``i``'s job is now ``new`` (``info``: what the back-end said of it)."""
        state = self.state
        # the row index, not the table: asked for every active job at every poll
        old = state.rows.status[i]
        if not moves_forward(old, new):
            return
        if new == TileStatus.CANCELED and i in state.overdue:
            return  # canceled past a time limit: its tile fails with the reason (limits)
        changes: dict[str, Any] = {"status": new}
        if new == TileStatus.RUNNING and not state.has(i, "running_start_time"):
            changes["running_start_time"] = now_utc(state.wall_clock())
        if info.get("costs") is not None:
            changes["costs"] = float(info["costs"])
        if new in FINAL_STATUSES:
            changes.update(state.ended(i, info.get("updated")))
            self._took(i, info.get("updated"), new)
        state.set(i, **changes)
        gateway = state.gateways[state.rows.backend[i]]
        job_id = state.rows.job_id[i]
        self.usage(i, info)
        if new == TileStatus.FINISHED:
            state.breaker.finished()
            if info.get("costs") is None or "usage" not in info:
                state.submit(Call.COSTS, i, gateway.describe, job_id)
        elif new == TileStatus.ERROR:
            state.submit(Call.ERROR_LOG, i, gateway.error_message, job_id)
            if "usage" not in info:  # a failed job used resources too
                state.submit(Call.USAGE, i, gateway.describe, job_id)
        elif new == TileStatus.CANCELED and not state.has(i, "message"):
            state.set(i, message="canceled")

    def progress(self, i: int, reported: Any) -> float | None:
        """Keep the job's progress as its back-end reports it (the map labels running
        tiles with it, the ETA reads it); a back-end without progress leaves it empty.
        Returns the progress kept (percent), None for none."""
        progress = reported_percent(reported)
        # compared with the row index, not the table: asked at every poll
        if progress is not None and self.state.rows.progress.get(i) != progress:
            self.state.set(i, progress=progress)
        return progress

    def _took(self, i: int, updated: Any, new: str) -> None:
        """A finished job's time from its start to its end, from which the run expects
        when the others end (see :func:`job_end`)."""
        state = self.state
        started = state.started_at.pop(i, None)
        seen = state.seen_unfinished.pop(i, None)
        if new != TileStatus.FINISHED or started is None:
            return
        ended = job_end(updated, seen, state.wall_clock())
        if ended > started:
            state.durations.append(ended - started)

    def on_costs(self, i: int, info: Any, failure: Failure | None) -> None:
        """A finished job's own metadata: its costs and usage (listings lack usage)."""
        if failure is None and info and info.get("costs") is not None:
            self.state.set(i, costs=float(info["costs"]))
        self.on_usage(i, info, failure)

    def on_usage(self, i: int, info: Any, failure: Failure | None) -> None:
        if failure is None and isinstance(info, dict):
            self.usage(i, info)

    def usage(self, i: int, info: dict) -> None:
        """The job's ``usage`` into the table, one text column per key as the openeo
        client writes it (:mod:`..jobs.usage`); a column new to the table is added."""
        frame = self.state.frame
        columns = usage_columns(info)
        for column in columns:
            if column not in frame.columns:
                frame[column] = None
            elif frame[column].dtype != object:  # read back empty: floats
                frame[column] = frame[column].astype(object)
        if columns:
            self.state.set(i, **columns)


def job_end(updated: Any, seen_unfinished: float | None, learnt: float) -> float:
    """When a job ended (wall seconds): the back-end's ``updated``, which most back-ends
    give in whole seconds (the end lies in that second), narrowed by what the run saw
    itself: the job was not finished when the poll ``seen_unfinished`` was sent, and it
    was by ``learnt``. The middle of what is left; the run's own bounds alone when the
    back-end's clock disagrees with them. A job's expected end, and so when a freed
    slot is refilled, is as good as this guess."""
    ended = parse_time(updated)
    if "." in str(updated):  # fractions of a second: the end itself
        return ended
    low, high = max(ended, seen_unfinished or ended), min(ended + 1.0, learnt)
    if low > high:  # the back-end's clock is off from ours
        low, high = (
            (seen_unfinished, learnt) if seen_unfinished is not None else (ended, ended + 1.0)
        )
    return (low + high) / 2
