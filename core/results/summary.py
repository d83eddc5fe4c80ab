"""Where a run stands, in numbers and in one line: counts, time, ETA, costs, downloads.

:class:`RunSummary` is computed from the job table (no back-end call), the time the
run (this session) started and the time now, both injected, and the run's jobs at
once. The dock shows :meth:`RunSummary.text`; the CLI prints it when a run ends or
is stopped::

    42 tiles: 30 finished, 2 failed, 8 running (63 %), 2 queued · 12 min · ETA 14:35 (~6 min)
    · 3.2 credits · 1.5 CPU-hours · 6 GB-hours · 120 MB

A run with time windows counts its rows as ``jobs`` (``12 jobs: …``): each row is one
(unit, window), so there are more of them than tiles or units.

CPU-hours and memory GB-hours are the jobs' own ``usage`` (:mod:`..jobs.usage`), summed
over the jobs that reported it.

**ETA.** From the observed durations (``duration_s``: start to end, queue
included) of the finished tiles, whose mean ``d`` stands for every tile still to
come. The remaining tiles are laid out over the run's parallel slots as the
run engine does: each active job holds its slot for what is left of ``d`` (``d``
minus how long it has been going, at least nothing), then each waiting tile takes
the first slot that frees up for ``d``. The ETA is when the last slot frees. It is
None (said "no ETA yet") until a tile has finished: guessing from nothing would be
a made-up number. A running job whose back-end reports its ``progress`` holds its slot
for what that says is left instead, once it has run a minute (its time running so far,
scaled by the share still to do): a job at 90 % after an hour ends soon, whatever the
mean; with such jobs only and no tile waiting, there is an ETA before any tile has
finished.
"""

from __future__ import annotations

import heapq
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..definitions import ACTIVE_STATUSES, FAILED_STATUSES, NOT_STARTED, QUEUED_STATUSES, TileStatus
from ..grid.windows import is_windowed, row_noun
from ..jobs.rows import parse_time
from ..jobs.usage import UsageTotals

if TYPE_CHECKING:
    import pandas as pd

#: a job's progress says how long it has left only once it has run this long (seconds)
#: and got this far (percent): running times are whole seconds, and early progress
#: figures (a job's set-up) scale badly
PROGRESS_AFTER_S = 60.0
PROGRESS_AFTER_PERCENT = 5.0


@dataclass(frozen=True)
class ActiveJob:
    """What the ETA reads of a tile whose job is active (created, queued or running)."""

    status: str
    #: its ``start_time`` in seconds since the epoch; 0 when it has none
    started: float
    #: its back-end's progress (percent) when finite, else None
    progress: float | None
    #: its ``running_start_time`` in seconds since the epoch; None when it has none
    running_since: float | None

    @classmethod
    def of(cls, status: Any, started: Any, progress: Any, running_since: Any) -> ActiveJob:
        """From a row's cells (texts, numbers, empty cells as None or NaN)."""
        return cls(
            str(status),
            parse_time(started) if _text(started) else 0.0,
            float(progress) if _finite(progress) else None,
            parse_time(running_since) if _text(running_since) else None,
        )


@dataclass(frozen=True)
class RunSummary:
    total: int
    #: tiles per status, as in the job table
    counts: dict[str, int]
    finished: int
    #: error, start_failed and skipped
    failed: int
    canceled: int
    #: jobs running on a back-end
    running: int
    #: jobs being created, started or waiting in a back-end's queue
    queued: int
    #: tiles not submitted yet
    waiting: int
    #: seconds since the run started
    elapsed_s: float
    #: jobs at once over all back-ends
    parallel: int
    #: mean duration of the finished tiles' jobs; None before any finished
    mean_duration_s: float | None
    #: seconds until every tile should be final; None when not known yet; 0 when done
    eta_s: float | None
    #: when that is (seconds since the epoch)
    eta_at: float | None
    #: credits reported so far (sum of ``costs``); None when no job reported any
    costs: float | None
    #: bytes of the downloaded results (their files, or all files in a result folder)
    downloaded_bytes: int
    now: float = field(repr=False, default=0.0)
    #: what the jobs used, as they reported it (:mod:`..jobs.usage`); None: none reported
    cpu_hours: float | None = None
    memory_gb_hours: float | None = None
    #: the running jobs' mean progress (percent) where their back-ends report it
    running_progress: float | None = None
    #: whether the rows are (unit, window) rows of a run with time windows: "jobs"
    windowed: bool = False

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        started: float,
        parallel: int,
        now: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> RunSummary:
        """The summary of the job table ``frame`` of a run that started at ``started``
        (seconds since the epoch) with ``parallel`` jobs at once; ``now`` defaults to
        ``clock()``."""
        now = clock() if now is None else now
        counts = dict(Counter(str(s) for s in frame["status"]))
        return cls.of(
            counts,
            active=_active_jobs(frame),
            mean_duration_s=_mean_duration(frame),
            costs=_costs(frame),
            downloaded_bytes=_downloaded_bytes(frame),
            usage=UsageTotals.of(frame),
            started=started,
            parallel=parallel,
            now=now,
            windowed=is_windowed(frame),
        )

    @classmethod
    def of(
        cls,
        counts: dict[str, int],
        *,
        active: list[ActiveJob],
        mean_duration_s: float | None,
        costs: float | None,
        downloaded_bytes: int,
        usage: UsageTotals,
        started: float,
        parallel: int,
        now: float,
        windowed: bool = False,
    ) -> RunSummary:
        """The summary of a table's figures, read from it (:meth:`from_frame`) or kept
        as its rows changed (:class:`~.tally.RunTally`): tiles per ``counts`` status, the
        ``active`` jobs, the finished tiles' mean duration and the sums."""
        queued = sum(1 for job in active if job.status in QUEUED_STATUSES)
        waiting = counts.get(NOT_STARTED, 0)
        eta = _eta(active, waiting, mean_duration_s, max(1, int(parallel)), now)
        return cls(
            total=sum(counts.values()),
            counts=counts,
            finished=counts.get(TileStatus.FINISHED, 0),
            failed=sum(counts.get(s, 0) for s in FAILED_STATUSES),
            canceled=counts.get(TileStatus.CANCELED, 0),
            running=len(active) - queued,
            queued=queued,
            waiting=waiting,
            elapsed_s=max(0.0, now - started),
            parallel=int(parallel),
            mean_duration_s=mean_duration_s,
            eta_s=eta,
            eta_at=None if eta is None else now + eta,
            costs=costs,
            downloaded_bytes=downloaded_bytes,
            now=now,
            cpu_hours=usage.cpu_hours,
            memory_gb_hours=usage.memory_gb_hours,
            running_progress=_running_progress(active),
            windowed=windowed,
        )

    @property
    def done(self) -> bool:
        """Every tile is final."""
        return self.running + self.queued + self.waiting == 0

    def text(self) -> str:
        """One line, e.g. ``42 tiles: 30 finished, 2 failed, 10 running · 12 min · ETA
        14:35 (~6 min) · 3.2 credits · 120 MB``."""
        running = "running"
        if self.running_progress is not None:
            running = f"running ({self.running_progress:.0f} %)"
        counts = [
            (self.finished, "finished"),
            (self.failed, "failed"),
            (self.canceled, "canceled"),
            (self.running, running),
            (self.queued, "queued"),
            (self.waiting, "waiting"),
        ]
        states = ", ".join(f"{n} {label}" for n, label in counts if n) or "none"
        rows = f"{row_noun(self.windowed)}s"
        parts = [f"{self.total} {rows}: {states}", format_duration(self.elapsed_s)]
        if not self.done:
            if self.eta_s is None or self.eta_at is None:
                parts.append("no ETA yet")
            else:
                clock = time.strftime("%H:%M", time.localtime(self.eta_at))
                left = "<1 min" if self.eta_s < 60 else f"~{format_duration(self.eta_s)}"
                parts.append(f"ETA {clock} ({left})")
        if self.costs is not None:
            parts.append(f"{format_number(self.costs)} credits")
        if self.cpu_hours is not None:
            parts.append(f"{format_amount(self.cpu_hours)} CPU-hours")
        if self.memory_gb_hours is not None:
            parts.append(f"{format_amount(self.memory_gb_hours)} GB-hours")
        if self.downloaded_bytes:
            parts.append(format_bytes(self.downloaded_bytes))
        return " · ".join(parts)


def first_start(frame: pd.DataFrame, default: float) -> float:
    """When the run began: its earliest intent or job start (seconds since the epoch),
    ``default`` when it has none yet; a resumed run's elapsed time counts from there."""
    times = [
        parse_time(t)
        for column in ("intent_at", "start_time")
        if column in frame.columns
        for t in frame[column].dropna()
        if t != ""
    ]
    return min((t for t in times if t > 0), default=default)


# --- the numbers ----------------------------------------------------------------------------
def _mean_duration(frame: pd.DataFrame) -> float | None:
    if "duration_s" not in frame.columns:
        return None
    values = [
        float(v)
        for s, v in zip(frame["status"], frame["duration_s"])
        if s == TileStatus.FINISHED and _finite(v) and float(v) >= 0
    ]
    return sum(values) / len(values) if values else None


def _active_jobs(frame: pd.DataFrame) -> list[ActiveJob]:
    empty = [None] * len(frame)

    def cells(column: str) -> Any:
        return frame[column] if column in frame.columns else empty

    return [
        ActiveJob.of(status, started, progress, since)
        for status, started, progress, since in zip(
            frame["status"],
            cells("start_time"),
            cells("progress"),
            cells("running_start_time"),
        )
        if status in ACTIVE_STATUSES
    ]


def _eta(
    active: list[ActiveJob], waiting: int, mean: float | None, parallel: int, now: float
) -> float | None:
    """Seconds until the last tile should be final (see the module's docstring)."""
    if not waiting and not active:
        return 0.0
    by_progress = [_left_by_progress(job, now) for job in active]
    if mean is None and (waiting or any(v is None for v in by_progress)):
        return None
    slots: list[float] = []  # when each slot frees, in seconds from now
    for job, left in zip(active, by_progress):
        if left is None and mean is not None:
            age = now - job.started if job.started else 0.0
            left = max(0.0, mean - max(0.0, age))
        slots.append(left or 0.0)
    if mean is None:
        return max(slots)
    slots += [0.0] * max(0, parallel - len(slots))
    heapq.heapify(slots)
    for _ in range(waiting):
        heapq.heappush(slots, heapq.heappop(slots) + mean)
    return max(slots)


def _running_progress(active: list[ActiveJob]) -> float | None:
    """The mean progress of the running jobs that report one; None when none does."""
    values = [
        job.progress
        for job in active
        if job.status == TileStatus.RUNNING and job.progress is not None
    ]
    return sum(values) / len(values) if values else None


def _left_by_progress(job: ActiveJob, now: float) -> float | None:
    """Seconds a running job has left by its reported progress: its time running so far
    times the share still to do over the share done; None without a usable progress."""
    if job.status != TileStatus.RUNNING or job.progress is None:
        return None
    if not PROGRESS_AFTER_PERCENT <= job.progress < 100:
        return None
    ran = now - job.running_since if job.running_since is not None else 0.0
    if ran < PROGRESS_AFTER_S:
        return None
    return ran * (100 - job.progress) / job.progress


def _costs(frame: pd.DataFrame) -> float | None:
    if "costs" not in frame.columns:
        return None
    values = [float(v) for v in frame["costs"] if _finite(v)]
    return sum(values) if values else None


def _downloaded_bytes(frame: pd.DataFrame) -> int:
    if "result" not in frame.columns:
        return 0
    return sum(result_bytes(value) for value in frame["result"])


def result_bytes(value: Any) -> int:
    """Bytes of a row's ``result`` on disk: its file, or all files in its folder; 0 for
    none, a link or a file removed meanwhile."""
    if not _text(value):
        return 0
    path = Path(str(value))
    try:
        if path.is_dir():
            return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        if path.is_file():
            return path.stat().st_size
    except OSError:  # removed meanwhile
        pass
    return 0


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _text(value: Any) -> bool:
    return value is not None and value == value and str(value) != ""


# --- formatting -----------------------------------------------------------------------------
def format_duration(seconds: float) -> str:
    """``45 s``, ``12 min``, ``2 h 05 min``."""
    seconds = max(0.0, float(seconds))
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_number(value: float) -> str:
    """Credits as a person writes them: ``3.2``, ``0.05``, ``138``, ``1,234``."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def format_amount(value: float) -> str:
    """Like :func:`format_number`, but a small amount keeps its first figure (``0.002``),
    not ``0``: a short job's CPU-hours."""
    if 0 < abs(value) < 0.01:
        return f"{value:.1g}"
    return format_number(value)


def format_bytes(size: int) -> str:
    """``0 B``, ``850 kB``, ``120 MB``, ``3.4 GB`` (decimal units)."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if value >= 10 or unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.0f} TB"  # pragma: no cover - the loop always returns
