"""A row of the job table as the rest of the plugin sees it, and edits of whole rows.

The run loop writes the table; these helpers read a row for the GUI
(:class:`TileUpdate`, in the grid layer's field names), reset failed rows for a
retry, and read and write the table's UTC times.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .statuses import NOT_STARTED
from .tile_rules import FAILED_STATUSES

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


def now_utc() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


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


def tile_update(frame: pd.DataFrame, i: int) -> TileUpdate:
    row = frame.loc[i]

    def text(column: str) -> str | None:
        value = row.get(column)
        return None if value is None or value != value else str(value)

    costs = row.get("costs")
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
    )


def reset_failed(frame: pd.DataFrame) -> list[int]:
    """Make failed tiles ``not_started`` again (next attempt: a new job title)."""
    rows = list(frame.index[frame["status"].isin(FAILED_STATUSES)])
    had_job = [
        i for i in rows if frame.at[i, "id"] is not None and frame.at[i, "id"] == frame.at[i, "id"]
    ]
    frame.loc[had_job, "attempt"] = frame.loc[had_job, "attempt"].astype(int) + 1
    columns = ("id", "backend_name", "start_time", "running_start_time", "message", "result")
    for column in (*columns, "intent_at"):
        frame.loc[rows, column] = None
    frame.loc[rows, "status"] = NOT_STARTED
    return rows
