"""Time windows: many date ranges per unit, each its own job (a time series).

A run's windows are written as ISO 8601 intervals, which is how they are stored in
the job template (``JobTemplate.windows``) and given to the CLI (``--windows``):

- a list of ranges, ``2024-03-01/2024-06-01`` (seasons, any lengths, gaps allowed);
- a fixed step over a period, ``2024-01-01/2025-01-01/P1M``: ``PnD`` days, ``PnW``
  weeks, ``PnM`` months (``P3M`` quarters), ``PnY`` years. Steps count from the
  period's start (``2024-01-31/…/P1M`` gives 31 Jan, 29 Feb, 31 Mar…, never drifting),
  and the last window is clipped to the period's end;
- meteorological seasons over a period, ``2024-01-01/2025-01-01/season``: DJF, MAM, JJA,
  SON, each window from a season's start (1 Dec, 1 Mar, 1 Jun, 1 Sep) to the next,
  the first and the last clipped to the period (over 2024: Jan–Feb, MAM, JJA, SON, Dec);
- per-unit columns: a units layer's own ``start_date``/``end_date`` (see
  :mod:`.units`); nothing to write here.

Windows are half-open, ``[start, end)``, as openEO's ``temporal_extent`` is: monthly
windows share their boundaries and no day is counted twice.

The job table gets one row per (unit, window): see :func:`expand_rows`, whose row
ids (``<unit>@<start>_<end>``) stay the same on every resume, so each row's job title,
and the lookup that keeps one job per row, never change.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import GridJobsError

if TYPE_CHECKING:
    import pandas as pd

#: most windows a run may have: a typo (``P1D`` for ``P1M``) must not make 30 times the jobs
MAX_WINDOWS = 1000
#: between a unit id and its window in a row id
SEPARATOR = "@"
_STEP = re.compile(r"^P(\d+)([DWMY])$")
#: the step of meteorological seasons (``start/end/season``)
SEASON = "season"
#: the months the meteorological seasons start in: DJF, MAM, JJA, SON
SEASON_STARTS = (12, 3, 6, 9)


class WindowError(GridJobsError, ValueError):
    """The time windows cannot be read or make no sense (empty, reversed, repeated)."""


@dataclass(frozen=True, order=True)
class TimeWindow:
    """One date range, ``[start, end)``."""

    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        """Names the window in row ids, titles and file names (no ``/``, no ``:``)."""
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    def dates(self) -> tuple[str, str]:
        return self.start.isoformat(), self.end.isoformat()


def parse_windows(specs: str | Sequence[str]) -> list[TimeWindow]:
    """The windows of ``specs``: one step spec (``start/end/PnM``), or ranges
    (``start/end`` each); in time order. Raises :class:`WindowError` naming the bad one."""
    specs = [specs] if isinstance(specs, str) else list(specs)
    specs = [s.strip() for s in specs if s.strip()]
    if not specs:
        raise WindowError("No time windows given (e.g. 2024-01-01/2025-01-01/P1M).")
    steps = [s for s in specs if s.count("/") == 2]
    if steps and len(specs) > 1:
        raise WindowError(
            f"Give one step ({steps[0]}) or a list of ranges, not both: got {', '.join(specs)}."
        )
    windows = _stepped(steps[0]) if steps else [_range(s) for s in specs]
    repeated = sorted(w.label for w, n in Counter(windows).items() if n > 1)
    if repeated:
        raise WindowError(f"Time window {', '.join(repeated)} is given more than once.")
    if len(windows) > MAX_WINDOWS:
        raise WindowError(
            f"{len(windows)} time windows, more than the limit of {MAX_WINDOWS}: check the "
            f"step of {specs[0]} (days for months?)."
        )
    return sorted(windows)


def window_specs(text: str) -> list[str]:
    """Windows written on one line (Processing's WINDOWS): specs apart by spaces,
    commas or semicolons, as the CLI takes them one per ``--windows``."""
    return [s for s in re.split(r"[\s,;]+", text) if s]


def windowed_dates(specs: Sequence[str]) -> tuple[list[str], str, str]:
    """A run's windows as the template keeps them, and its dates: their period.
    Checked here (:class:`WindowError` names a bad one), for the CLI and Processing alike."""
    specs = [s.strip() for s in specs if s.strip()]
    start, end = span(parse_windows(specs))
    return specs, start, end


def span(windows: Iterable[TimeWindow]) -> tuple[str, str]:
    """The first start and the last end: the run's period (the template's dates)."""
    windows = list(windows)
    return min(w.start for w in windows).isoformat(), max(w.end for w in windows).isoformat()


def _range(spec: str, whole: str | None = None) -> TimeWindow:
    """``start/end``; ``whole``: the step spec it is the period of, for messages."""
    parts = spec.split("/")
    if len(parts) != 2:
        raise WindowError(
            f"Time window {spec!r} is not a range like 2024-03-01/2024-06-01 (or a step like "
            "2024-01-01/2025-01-01/P1M)."
        )
    start, end = (_date(p, whole or spec) for p in parts)
    if end <= start:
        raise WindowError(f"Time window {whole or spec}: the end must be after the start.")
    return TimeWindow(start, end)


def _stepped(spec: str) -> list[TimeWindow]:
    first, last, step = spec.split("/")
    period = _range(f"{first}/{last}", spec)
    if step.strip().lower() == SEASON:
        return _cut(period, lambda start, _: _next_season(start))
    match = _STEP.match(step.strip().upper())
    if not match or int(match.group(1)) < 1:
        raise WindowError(
            f"Step {step!r} of {spec} is not a duration like P1M, P3M (quarters), P10D, P1W, "
            f"P1Y, or {SEASON} (DJF, MAM, JJA, SON)."
        )
    count, unit = int(match.group(1)), match.group(2)
    return _cut(period, lambda _, n: _shift(period.start, count * n, unit))


def _cut(period: TimeWindow, boundary: Callable[[dt.date, int], dt.date]) -> list[TimeWindow]:
    """``period`` cut into windows: the ``n``-th (from 1) starting at ``start`` ends at
    ``boundary(start, n)``, the last clipped to the period's end."""
    windows: list[TimeWindow] = []
    start = period.start
    while start < period.end:
        if len(windows) > MAX_WINDOWS:
            break  # refused by the caller, with the count so far
        end = min(boundary(start, len(windows) + 1), period.end)
        windows.append(TimeWindow(start, end))
        start = end
    return windows


def _next_season(day: dt.date) -> dt.date:
    """The first season start (1 Mar, 1 Jun, 1 Sep or 1 Dec) after ``day``."""
    for month in sorted(SEASON_STARTS):
        if month > day.month:
            return dt.date(day.year, month, 1)
    return dt.date(day.year + 1, min(SEASON_STARTS), 1)


def _shift(day: dt.date, count: int, unit: str) -> dt.date:
    """``day`` plus ``count`` days, weeks, months or years (months keep the day of the
    month, clamped to the month's length)."""
    if unit in "DW":
        return day + dt.timedelta(days=count * (7 if unit == "W" else 1))
    months = day.month - 1 + count * (12 if unit == "Y" else 1)
    year, month = day.year + months // 12, months % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _date(text: str, spec: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise WindowError(
            f"{text.strip()!r} in time window {spec} is not a date like 2024-05-01."
        ) from None


def row_id(unit_id: str, window: TimeWindow) -> str:
    """A (unit, window) row's id: unique in the run, the same on every resume."""
    return f"{unit_id}{SEPARATOR}{window.label}"


def expand_rows(frame: pd.DataFrame, windows: Sequence[TimeWindow]) -> pd.DataFrame:
    """One row per (unit, window) of a table with one row per unit: ``unit_id`` and
    ``window`` say which, ``tile_id`` is the row's id (:func:`row_id`), ``start_date``
    / ``end_date`` the window's. Window by window, so the first window's results (its
    mosaic) are complete first."""
    import pandas as pd

    pieces = []
    units = frame["tile_id"].astype(str)
    for window in windows:
        piece = frame.copy()
        piece.insert(0, "unit_id", units.values)
        piece["window"] = window.label
        piece["tile_id"] = [row_id(u, window) for u in units]
        piece["start_date"], piece["end_date"] = window.dates()
        pieces.append(piece)
    return pd.concat(pieces, ignore_index=True)


def is_windowed(frame: pd.DataFrame) -> bool:
    """Whether a job table's rows are (unit, window) rows (:func:`expand_rows`)."""
    return "window" in frame.columns


def row_noun(windowed: bool) -> str:
    """What a row of a job table is to the user: one (unit, window) job of a run with
    time windows (:func:`is_windowed`), else a tile (a unit); plural by adding "s"."""
    return "job" if windowed else "tile"


def unit_ids(frame: pd.DataFrame) -> list[str]:
    """Each row's unit: its ``unit_id``, or (one window per unit) the row's own id."""
    column = "unit_id" if "unit_id" in frame.columns else "tile_id"
    return [str(u) for u in frame[column]]
