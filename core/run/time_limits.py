"""The rules of a run's time limits, apart from the loop that applies them
(:mod:`.limits`): what a limit may be, and how a tile's reason states it."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..definitions import TileStatus
from ..errors import RunError
from ..jobs.rows import parse_time

if TYPE_CHECKING:
    import pandas as pd

_UNITS = {"s": 1, "min": 60, "m": 60, "h": 3600, "d": 86400}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(min|[smhd])", re.I)


def check_limit(name: str, value: float | None) -> None:
    """A time limit is off (None) or a finite number of seconds > 0."""
    if value is None:
        return
    if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise RunError(f"{name} must be a number of seconds > 0, or none; got {value!r}.")


def format_span(seconds: float) -> str:
    """A time as a reason states it: ``40 s``, ``45 min``, ``4 h``, ``6 h 12 min``."""
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return f"{seconds:.0f} s"
    hours, minutes = divmod(round(seconds / 60), 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h" if not minutes else f"{hours} h {minutes} min"


def overdue_reason(status: str, elapsed: float, limit: float) -> str:
    """Why a tile's job was canceled: ``running for 6 h 12 min, more than the 4 h limit``."""
    return f"{status} for {format_span(elapsed)}, more than the {format_span(limit)} limit"


def parse_span(text: str) -> float:
    """Seconds of a time limit as people write it: ``4h``, ``90min``, ``1h30m``, ``2d``,
    or a bare number of seconds; RunError when it is none of these or not > 0."""
    cleaned = text.strip().lower().replace(" ", "")
    try:
        seconds = float(cleaned)
    except ValueError:
        parts = _PART.findall(cleaned)
        if not parts or "".join(n + u for n, u in parts) != cleaned:
            raise RunError(
                f"{text!r} is not a time: write e.g. 4h, 90min, 1h30m, 2d or seconds."
            ) from None
        seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    check_limit("a time limit", seconds)
    return seconds


#: a suggested limit is this many times the longest time a finished job took...
SUGGEST_FACTOR = 3.0
#: ...once this many jobs finished, rounded up to whole steps of this (seconds)
SUGGEST_AFTER = 5
SUGGEST_STEP = 1800.0


@dataclass(frozen=True)
class SuggestedLimits:
    """Time limits that let every finished job through with room to spare."""

    #: the longest a finished job waited (start to running) and ran (running to end)
    longest_wait: float
    longest_run: float
    max_waiting: float
    max_running: float

    def text(self) -> str:
        return (
            f"Finished jobs waited up to {format_span(self.longest_wait)} and ran up to "
            f"{format_span(self.longest_run)}: limits of {format_span(self.max_waiting)} "
            f"waiting and {format_span(self.max_running)} running would catch a stuck one."
        )


def suggest_limits(frame: pd.DataFrame) -> SuggestedLimits | None:
    """Limits from the finished jobs' times (``start_time``, ``running_start_time``,
    ``end_time``); None before enough jobs finished to say."""
    waits: list[float] = []
    runs: list[float] = []
    for status, started, running, ended in zip(
        frame["status"], frame["start_time"], frame["running_start_time"], frame["end_time"]
    ):
        if status != TileStatus.FINISHED or not all(_text(v) for v in (started, running, ended)):
            continue
        waits.append(max(0.0, parse_time(running) - parse_time(started)))
        runs.append(max(0.0, parse_time(ended) - parse_time(running)))
    if len(runs) < SUGGEST_AFTER:
        return None
    return SuggestedLimits(max(waits), max(runs), _step(max(waits)), _step(max(runs)))


def _step(longest: float) -> float:
    return max(1.0, math.ceil(SUGGEST_FACTOR * longest / SUGGEST_STEP)) * SUGGEST_STEP


def _text(value: Any) -> bool:
    return value is not None and value == value and str(value) != ""
