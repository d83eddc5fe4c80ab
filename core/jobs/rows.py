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
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..definitions import FAILED_STATUSES, NOT_STARTED, TileStatus
from .usage import cpu_hours, memory_gb_hours

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
    #: the job's progress (0-100) as its back-end last reported it
    progress: float | None = None
    #: what the ended job used (its ``usage``): CPU hours, memory GB-hours
    cpu_h: float | None = None
    mem_gbh: float | None = None


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
    if job.get("status", TileStatus.CREATED) == TileStatus.CREATED:
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


#: TileUpdate field -> the job table's column it is read from
UPDATE_COLUMNS = {
    "tile_id": "tile_id",
    "status": "status",
    "job_id": "id",
    "backend": "backend_name",
    "started": "start_time",
    "running": "running_start_time",
    "costs": "costs",
    "message": "message",
    "result": "result",
    "ended": "end_time",
    "duration": "duration_s",
    "progress": "progress",
    "cpu_h": "cpu",
    "mem_gbh": "memory",
}


def empty_cell(value: Any) -> bool:
    """Whether a cell of the table is empty: None, or NaN (what pandas reads back for
    an empty cell)."""
    return value is None or value != value


def same_cell(old: Any, new: Any) -> bool:
    """Whether writing ``new`` over a cell holding ``old`` would change nothing the table
    says: both empty (None, NaN), or equal values of one kind (a number is not a string,
    a flag not a number)."""
    if empty_cell(new) or empty_cell(old):
        return empty_cell(new) and empty_cell(old)
    if isinstance(new, bool) or isinstance(old, bool):
        return type(new) is type(old) and new == old
    if isinstance(new, (int, float)) and isinstance(old, (int, float)):
        return bool(new == old)
    return type(new) is type(old) and bool(new == old)


def tile_update(frame: pd.DataFrame, i: int) -> TileUpdate:
    return tile_updates(frame, [i])[0]


def tile_updates(frame: pd.DataFrame, rows: Iterable[int] | None = None) -> list[TileUpdate]:
    """The :class:`TileUpdate` of each of ``rows`` (all when None), in their order.

    Read column by column (one C call each), not row by row: ``frame.loc[i]`` is slow
    per row, all of it holding the interpreter's lock that the map waits for.
    """
    index = list(frame.index) if rows is None else [int(i) for i in rows]
    # positions taken from each column's array: ``frame.loc[rows, columns]`` copies every
    # row of those columns first, a whole-table cost for each batch of a few rows
    at = None if rows is None else frame.index.get_indexer(index)
    if at is not None and (at < 0).any():
        raise KeyError(f"Rows not in the table: {[i for i, p in zip(index, at) if p < 0]}")
    empty = [None] * len(index)
    values = {
        c: _cells(frame[c], at) if c in frame.columns else empty for c in UPDATE_COLUMNS.values()
    }

    def text(value: Any) -> str | None:
        return None if empty_cell(value) else str(value)

    def number(value: Any) -> float | None:
        return None if empty_cell(value) else float(value)

    columns = [values[c] for c in UPDATE_COLUMNS.values()]
    (
        tile_id,
        status,
        job_id,
        backend,
        started,
        running,
        costs,
        message,
        result,
        ended,
        duration,
        progress,
        cpu,
        memory,
    ) = columns
    return [
        TileUpdate(
            int(i),
            str(tile_id[n]),
            str(status[n]),
            text(job_id[n]),
            text(backend[n]),
            text(started[n]),
            text(running[n]),
            number(costs[n]),
            text(message[n]),
            text(result[n]),
            text(ended[n]),
            number(duration[n]),
            number(progress[n]),
            cpu_hours(cpu[n]),
            memory_gb_hours(memory[n]),
        )
        for n, i in enumerate(index)
    ]


def _cells(column: pd.Series, at: Any) -> list[Any]:
    """A column's values (at positions ``at``; all when None) as Python values: taken
    from its array where that gives the same values as pandas (texts, numbers), else by
    pandas (a time column's cells stay times)."""
    if at is None:
        return column.tolist()
    if column.dtype.kind in "Oifub":
        return column.to_numpy()[at].tolist()
    return column.take(at).tolist()


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
    for column in (*columns, "message", "result", "intent_at", "progress"):
        frame.loc[rows, column] = None
    frame.loc[rows, "status"] = NOT_STARTED
    return rows
