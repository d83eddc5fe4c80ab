"""A row of the job table as the rest of the plugin sees it, and edits of whole rows.

The run loop writes the table; these helpers read a row for the GUI
(:class:`TileUpdate`, in the grid layer's field names), reset failed rows for a
retry, and read and write the table's UTC times: when a tile's job was started
(``start_time``), when the tile became final (``end_time``) and how long that
took (``duration_s``).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .definitions import FAILED_STATUSES, NOT_STARTED

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class TileUpdate:
    """What changed for one tile, for the GUI (field names as in the grid layer)."""

    index: int
    tile_id: str
    status: str
    job_id: str | None
    backend: str | None
    started: str | None
    running: str | None
    costs: float | None
    message: str | None
    result: str | None
    #: when the tile became final (UTC); see :func:`final_times`
    ended: str | None = None
    #: seconds from ``started`` to ``ended``; None when the job never started
    duration: float | None = None


def now_utc(seconds: float | None = None) -> str:
    """UTC text to the second (as the openeo client's job manager writes its times) of
    ``seconds`` since the epoch, or of now."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def utc_text(seconds: float) -> str:
    """UTC text to the millisecond: an intent's time decides when a job can no longer
    appear, so seconds are too coarse."""
    stamp = dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def parse_time(text: Any) -> float:
    """Seconds since the epoch of a UTC time text; 0 (long ago) when missing or unreadable."""
    try:
        stamp = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return 0.0
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.timezone.utc)
    return stamp.timestamp()


def _reported(text: Any, not_before: float, now: float) -> float | None:
    """A time the back-end reported (openEO job ``created`` / ``updated``), when it is
    readable and plausible against the run's clock (clocks differ: not before
    ``not_before``, not after ``now``)."""
    if text is None or text != text:
        return None
    seconds = parse_time(text)
    return seconds if seconds and not_before <= seconds <= now else None


def adopted_start(job: dict, now: float) -> str | None:
    """``start_time`` of a job found on the back-end (a crash hid it from the table):
    none while it is only ``created`` (it is started later); else its ``created`` time,
    the closest the openEO API tells to when it was started, or ``now``."""
    if job.get("status", "created") == "created":
        return None
    return now_utc(_reported(job.get("created"), 0.0, now) or now)


def final_times(start_time: Any, now: float, reported: Any = None) -> dict[str, Any]:
    """``end_time`` and ``duration_s`` of a tile that has just become final.

    ``end_time`` is the job's last change as the back-end reports it (openEO's
    ``updated``) when it has a plausible one, since a poll sees a job finish up to a
    poll interval late; else ``now`` (the run's clock: a start that failed, a tile
    skipped).

    ``duration_s`` is what an analyst reads as "how long did this tile take": seconds
    from ``start_time`` (the back-end accepted the start) to ``end_time``, queue wait
    included. It is not openEO's compute time (``running`` to end: the job manager
    only sees ``running`` if a poll falls in it, nor the back-end's ``usage.duration``,
    which the openeo client keeps in its own ``duration`` column). None when the job
    never started.
    """
    start = parse_time(start_time) if start_time is not None and start_time == start_time else 0.0
    ended = now_utc(_reported(reported, start, now) or now)
    duration = max(0.0, parse_time(ended) - start) if start else None
    return {"end_time": ended, "duration_s": duration}


def tile_update(frame: pd.DataFrame, i: int) -> TileUpdate:
    row = frame.loc[i]

    def text(column: str) -> str | None:
        value = row.get(column)
        return None if value is None or value != value else str(value)

    costs = row.get("costs")
    duration = row.get("duration_s")
    return TileUpdate(
        index=int(i),
        tile_id=str(row["tile_id"]),
        status=str(row["status"]),
        job_id=text("id"),
        backend=text("backend_name"),
        started=text("start_time"),
        running=text("running_start_time"),
        costs=None if costs is None or costs != costs else float(costs),
        message=text("message"),
        result=text("result"),
        ended=text("end_time"),
        duration=None if duration is None or duration != duration else float(duration),
    )


def reset_failed(frame: pd.DataFrame) -> list[int]:
    """Make failed tiles ``not_started`` again (next attempt: a new job title)."""
    return reset_rows(frame, list(frame.index[frame["status"].isin(FAILED_STATUSES)]))


def reset_rows(frame: pd.DataFrame, rows: list[int]) -> list[int]:
    """Make these (final) rows ``not_started`` again, as :func:`reset_failed` does: a row
    that had a job gets the next attempt (a new job title); its ``costs`` stay (the
    caller decides where an earlier job's costs go)."""
    rows = [int(i) for i in rows]
    had_job = [
        i for i in rows if frame.at[i, "id"] is not None and frame.at[i, "id"] == frame.at[i, "id"]
    ]
    frame.loc[had_job, "attempt"] = frame.loc[had_job, "attempt"].astype(int) + 1
    columns = ("id", "backend_name", "start_time", "running_start_time", "end_time", "duration_s")
    for column in (*columns, "message", "result", "intent_at"):
        frame.loc[rows, column] = None
    frame.loc[rows, "status"] = NOT_STARTED
    return rows
