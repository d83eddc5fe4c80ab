"""Intents on disk before their requests leave, without rewriting the whole job table.

Exactly one job per tile rests on one rule: before a job-creating request, the row's
intent (``queued_for_start``, ``intent_at``, the back-end) is on disk, so a crash
between the request and its answer makes the next run look the job up instead of
making another. Saving the whole table for that costs in proportion to the table,
for every launch: a large run spent much of its time saving
(``benchmarks/engine_cost.py`` measures the saves).

The journal (``<job db>.intents``) holds those intents as JSON lines, appended (a
few hundred bytes) and flushed before the requests leave; the table itself is
saved every few seconds, and the journal emptied once a saved table holds what it
said. A run that opens the job database replays the journal first
(:func:`replay`): a row the table still shows ``not_started`` gets its intent
back. Replaying what the table already holds changes nothing, so a crash between
the table's save and the journal's emptying is harmless.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..definitions import NOT_STARTED, TileStatus
from ..errors import JobDatabaseError

if TYPE_CHECKING:
    import pandas as pd

#: the intent's columns, as the run loop writes them
INTENT_COLUMNS = ("backend_name", "intent_at", "attempt")


def journal_path(job_db: str | os.PathLike[str]) -> Path:
    path = Path(job_db)
    return path.with_name(path.name + ".intents")


class IntentJournal:
    """Appends intents; :meth:`clear` once the table holds them."""

    def __init__(self, job_db: str | os.PathLike[str]) -> None:
        self.path = journal_path(job_db)
        self.empty = not self.path.exists() or self.path.stat().st_size == 0

    def write(self, intents: list[dict[str, Any]]) -> None:
        """Append these intents and flush them; :class:`JobDatabaseError` when the disk
        refuses (nothing may be submitted then)."""
        lines = "".join(json.dumps(intent, separators=(",", ":")) + "\n" for intent in intents)
        try:
            with open(self.path, "a", encoding="utf-8") as journal:
                journal.write(lines)
                journal.flush()
        except OSError as exc:
            raise JobDatabaseError(
                f"Cannot write the run's intents beside {self.path.stem} ({exc.strerror or exc})."
            ) from None
        self.empty = False

    def clear(self) -> None:
        """The table on disk holds every intent written: start afresh."""
        if self.empty:
            return
        try:
            self.path.unlink(missing_ok=True)
        except OSError:
            return  # replaying it later changes nothing
        self.empty = True


def replay(frame: pd.DataFrame, job_db: str | os.PathLike[str]) -> int:
    """Give back to ``frame`` the intents its last save missed (rows still
    ``not_started``); how many. An unreadable line (a write cut by a crash) is skipped:
    its request never left."""
    path = journal_path(job_db)
    if not path.exists():
        return 0
    row_of = {str(t): i for i, t in zip(frame.index, frame["tile_id"])}
    replayed = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            intent = json.loads(line)
            i = row_of[str(intent["tile_id"])]
        except (ValueError, KeyError, TypeError):
            continue
        if frame.at[i, "status"] != NOT_STARTED:
            continue  # the table went on since
        frame.at[i, "status"] = TileStatus.QUEUED_FOR_START.value
        for column in INTENT_COLUMNS:
            frame.at[i, column] = intent.get(column)
        replayed += 1
    return replayed
