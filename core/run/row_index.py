"""Which rows of the job table are in which state, kept up to date row by row.

The run loop asks every turn which tiles wait, which jobs are active on each
back-end and which finished tiles lack their result. Asking pandas means scanning
the whole table (a thousand-tile run: a few milliseconds a question, a few
questions a turn, many turns a second), all the while holding the interpreter's
lock that the map's main thread waits for. :class:`RowIndex` answers from plain
sets instead: it is built from the table once, then told of each change by the
loop's one writer (``RunState._set``), so a question costs in proportion to its
answer, not to the table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..definitions import ACTIVE_STATUSES, FINAL_STATUSES, NOT_STARTED, TileStatus
from ..jobs.rows import empty_cell

if TYPE_CHECKING:
    import pandas as pd

#: the columns that place a row in the index's sets (``progress`` is only mirrored); a
#: change of any other column does not concern it
COLUMNS = ("status", "backend_name", "id", "result")


def _value(value: Any) -> Any:
    """None for an empty cell (None, NaN), else the value."""
    return None if empty_cell(value) else value


class RowIndex:
    """Rows by status, active rows by back-end, finished rows without a result."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.rebuild(frame)

    def rebuild(self, frame: pd.DataFrame) -> None:
        """Read the table afresh (a run starts, or the table was changed outside the loop)."""
        #: row -> its place in the table: answers list rows in the table's order
        self.position: dict[int, int] = {int(i): n for n, i in enumerate(frame.index)}
        self.status: dict[int, str] = {}
        self.backend: dict[int, Any] = {}
        self.job_id: dict[int, Any] = {}
        self.result: dict[int, Any] = {}
        #: each row's job progress as last written: a poll reports every active job's
        #: progress, mostly unchanged, and reading the table's cell costs pandas more
        self.progress: dict[int, Any] = {}
        self.by_status: dict[str, set[int]] = {}
        #: back-end name (None: none yet) -> its rows in an active status
        self.active: dict[Any, set[int]] = {}
        #: finished rows without a result
        self.unfetched: set[int] = set()
        columns = {
            c: frame[c].tolist() if c in frame.columns else [None] * len(frame)
            for c in (*COLUMNS, "progress")
        }
        for n, i in enumerate(self.position):
            self.status[i] = str(columns["status"][n])
            self.backend[i] = _value(columns["backend_name"][n])
            self.job_id[i] = _value(columns["id"][n])
            self.result[i] = _value(columns["result"][n])
            self.progress[i] = _value(columns["progress"][n])
            self._enter(i)

    def update(self, i: int, values: Mapping[str, Any]) -> None:
        """Row ``i`` got these ``values`` (column -> value)."""
        if "progress" in values:
            self.progress[i] = _value(values["progress"])
        if not any(c in values for c in COLUMNS):
            return
        self._leave(i)
        if "status" in values:
            self.status[i] = str(values["status"])
        if "backend_name" in values:
            self.backend[i] = _value(values["backend_name"])
        if "id" in values:
            self.job_id[i] = _value(values["id"])
        if "result" in values:
            self.result[i] = _value(values["result"])
        self._enter(i)

    def _enter(self, i: int) -> None:
        status = self.status[i]
        self.by_status.setdefault(status, set()).add(i)
        if status in ACTIVE_STATUSES:
            self.active.setdefault(self.backend[i], set()).add(i)
        if status == TileStatus.FINISHED and self.result[i] is None:
            self.unfetched.add(i)

    def _leave(self, i: int) -> None:
        self.by_status.get(self.status[i], set()).discard(i)
        self.active.get(self.backend[i], set()).discard(i)
        self.unfetched.discard(i)

    # --- questions ----------------------------------------------------------------------
    def ordered(self, rows: Iterable[int]) -> list[int]:
        """``rows`` in the table's order."""
        return sorted(rows, key=self.position.__getitem__)

    def with_status(self, *statuses: str) -> list[int]:
        """The rows in one of these statuses, in the table's order."""
        rows: set[int] = set()
        for status in statuses:
            rows |= self.by_status.get(status, set())
        return self.ordered(rows)

    def waiting(self) -> list[int]:
        return self.with_status(NOT_STARTED)

    def active_jobs(self, backend: str) -> list[int]:
        """Rows with a job id in an active status on ``backend``, in the table's order."""
        return self.ordered(i for i in self.active.get(backend, ()) if self.job_id[i] is not None)

    def busy(self) -> Counter:
        """Active rows per back-end."""
        return Counter({name: len(rows) for name, rows in self.active.items() if rows})

    def any_active(self) -> bool:
        return any(self.active.values())

    def all_final(self) -> bool:
        return sum(len(self.by_status.get(s, ())) for s in FINAL_STATUSES) == len(self.position)
