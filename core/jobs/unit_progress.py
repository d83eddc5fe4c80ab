"""How far each unit of a run with time windows is: its windows' rows as one unit.

A windowed run's job table has a row per (unit, window), ids ``<unit>@<start>_<end>``
(:mod:`..grid.windows`), while the map shows one polygon per unit. This keeps each row's
last :class:`~.rows.TileUpdate` and says what a unit shows: over all windows, the
status that needs the user most (a failure beats work going on, which beats
finished) and how many windows are finished (``"8/12"``); or one window's own row.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from ..definitions import ACTIVE_STATUSES, FAILED_STATUSES, NO_RESULT_STATUSES, STATUSES, TileStatus
from ..grid.windows import SEPARATOR
from .rows import TileUpdate

_LABEL = re.compile(r"^\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}$")


def split_row_id(row_id: str) -> tuple[str, str] | None:
    """``(unit, window label)`` of a windowed row's id, None for any other id (the
    window is after the last ``@``: unit ids may hold one, window labels cannot)."""
    unit, separator, window = row_id.rpartition(SEPARATOR)
    if not separator or not unit or not _LABEL.match(window):
        return None
    return unit, window


def _rank(status: str) -> tuple[int, int]:
    """Sort key: the status a unit shows over all its windows comes first."""
    order = STATUSES.index(status) if status in STATUSES else -1
    if status in FAILED_STATUSES:
        return 0, order
    if status in ACTIVE_STATUSES:
        return 1, -order  # the furthest along: running before queued before created
    if status == TileStatus.FINISHED:
        return 4, 0
    return (2 if status == TileStatus.CANCELED else 3), order


class UnitProgress:
    """Each (unit, window) row's last update; a unit's status, progress and counts."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, TileUpdate]] = {}  # unit -> window -> update

    def add(self, updates: Iterable[TileUpdate]) -> set[str]:
        """Keep the windowed rows of ``updates``; return the units they belong to."""
        changed = set()
        for update in updates:
            parts = split_row_id(update.tile_id)
            if parts is not None:
                unit, window = parts
                self.rows.setdefault(unit, {})[window] = update
                changed.add(unit)
        return changed

    def forget(self, row_ids: Iterable[str]) -> set[str]:
        """Rows that left the run (split into pieces, units of their own): their units
        show their other windows from now on; return those units."""
        changed = set()
        for row_id in row_ids:
            parts = split_row_id(row_id)
            if parts is not None and parts[1] in self.rows.get(parts[0], {}):
                unit, window = parts
                del self.rows[unit][window]
                if not self.rows[unit]:
                    del self.rows[unit]
                changed.add(unit)
        return changed

    def failed_rows(self, units: Iterable[str], window: str | None = None) -> list[str]:
        """The failed rows (no result: error, start_failed, skipped, canceled) of
        ``units``: in ``window``, or (None) in every window."""
        return [
            row.tile_id
            for unit in units
            for label, row in sorted(self.rows.get(unit, {}).items())
            if row.status in NO_RESULT_STATUSES and window in (None, label)
        ]

    def windows(self) -> list[str]:
        """Every window of the run, in time order."""
        return sorted({w for rows in self.rows.values() for w in rows})

    def shown(self, unit: str, window: str | None = None) -> TileUpdate | None:
        """What ``unit``'s polygon shows: ``window``'s row as the unit, or (None) the row
        whose status needs the user most, as the unit. None: no such row."""
        rows = self.rows.get(unit, {})
        if window is not None:
            row = rows.get(window)
        else:
            row = min(rows.values(), key=lambda r: _rank(r.status), default=None)
        return None if row is None else dataclasses.replace(row, tile_id=unit)

    def progress(self, unit: str) -> str:
        """``"finished/windows"`` of ``unit``, e.g. ``"8/12"``."""
        rows = self.rows.get(unit, {}).values()
        done = sum(r.status == TileStatus.FINISHED for r in rows)
        return f"{done}/{len(rows)}"

    def window_counts(self) -> dict[str, dict[str, int]]:
        """Rows per status, window by window."""
        counts: dict[str, dict[str, int]] = {w: {} for w in self.windows()}
        for rows in self.rows.values():
            for window, row in rows.items():
                counts[window][row.status] = counts[window].get(row.status, 0) + 1
        return counts
