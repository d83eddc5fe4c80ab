"""A run's summary kept as its tiles change, so that it costs no pass over the table.

The engine summarizes a run every second; :meth:`~.summary.RunSummary.from_frame`
reads every row each time (statuses, durations, costs, each job's usage text, each
result's size on disk), a cost that grows with the table
(``benchmarks/engine_cost.py``).
:class:`RunTally` is fed the same :class:`~..jobs.rows.TileUpdate` batches the
viewers get (every change of the table goes through them) and keeps each row's
share of the figures, so a summary only sums what it keeps and lays out the active
jobs for the ETA. Its figures are :meth:`~.summary.RunSummary.from_frame`'s of the
same table (the tests hold them side by side).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..definitions import ACTIVE_STATUSES, TileStatus
from ..jobs.rows import parse_time
from ..jobs.usage import UsageTotals
from .summary import ActiveJob, RunSummary, result_bytes

if TYPE_CHECKING:
    from ..jobs.rows import TileUpdate


class RunTally:
    """Each row's share of a run's summary, kept from its tiles' updates (loop thread)."""

    def __init__(self, started: float, windowed: bool = False) -> None:
        """``started``: when the run began (seconds since the epoch; see
        :func:`~.summary.first_start`); a tile's earlier ``start_time`` moves it back.
        ``windowed``: its rows are (unit, window) rows (the summary counts jobs)."""
        self.started = started
        self.windowed = windowed
        self._status: dict[int, str] = {}
        self._counts: Counter[str] = Counter()
        self._active: dict[int, ActiveJob] = {}
        #: per row, where it has one: a finished tile's duration, costs, usage
        self._durations: dict[int, float] = {}
        self._costs: dict[int, float] = {}
        self._cpu: dict[int, float] = {}
        self._memory: dict[int, float] = {}
        #: per row with a result: the result and its bytes on disk, read once
        self._results: dict[int, tuple[str, int]] = {}

    def add(self, updates: Iterable[TileUpdate]) -> None:
        """The rows of ``updates`` as they are now."""
        for u in updates:
            i = u.index
            old = self._status.get(i)
            if old is not None:
                self._counts[old] -= 1
                if not self._counts[old]:
                    del self._counts[old]
            self._status[i] = u.status
            self._counts[u.status] += 1
            if u.status in ACTIVE_STATUSES:
                self._active[i] = ActiveJob.of(u.status, u.started, u.progress, u.running)
            else:
                self._active.pop(i, None)
            finished = u.status == TileStatus.FINISHED
            _keep(self._durations, i, u.duration if finished else None, at_least=0.0)
            _keep(self._costs, i, u.costs)
            _keep(self._cpu, i, u.cpu_h)
            _keep(self._memory, i, u.mem_gbh)
            if not u.result:
                self._results.pop(i, None)
            elif self._results.get(i, ("", 0))[0] != u.result:
                self._results[i] = (u.result, result_bytes(u.result))
            began = parse_time(u.started) if u.started else 0.0
            if began > 0:
                self.started = min(self.started, began)

    def summary(self, parallel: int, now: float) -> RunSummary:
        durations = self._durations.values()
        return RunSummary.of(
            dict(self._counts),
            active=list(self._active.values()),
            mean_duration_s=sum(durations) / len(durations) if durations else None,
            costs=_sum(self._costs.values()),
            downloaded_bytes=sum(size for _, size in self._results.values()),
            usage=UsageTotals(_sum(self._cpu.values()), _sum(self._memory.values())),
            started=self.started,
            parallel=parallel,
            now=now,
            windowed=self.windowed,
        )


def _keep(values: dict[int, float], i: int, value: float | None, at_least: float = -math.inf):
    """Row ``i``'s ``value`` kept when it is a finite number not below ``at_least``."""
    if value is not None and math.isfinite(value) and value >= at_least:
        values[i] = value
    else:
        values.pop(i, None)


def _sum(values: Iterable[float]) -> float | None:
    numbers = list(values)
    return sum(numbers) if numbers else None
