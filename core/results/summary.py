"""Where a run stands, in numbers and in one line: counts, time, ETA, costs, downloads.

:class:`RunSummary` is computed from the job table (no back-end call), the time the
run (this session) started and the time now, both injected, and the run's jobs at
once. The dock shows :meth:`RunSummary.text`; the CLI prints it when a run ends or
is stopped::

    42 tiles: 30 finished, 2 failed, 8 running (63 %), 2 queued · 12 min · ETA 14:35 (~6 min)
    · 3.2 credits · 1.5 CPU-hours · 6 GB-hours · 120 MB

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
        statuses = [str(s) for s in frame["status"]]
        counts = dict(Counter(statuses))
        active = [s for s in statuses if s in ACTIVE_STATUSES]
        queued = sum(1 for s in active if s in QUEUED_STATUSES)
        waiting = counts.get(NOT_STARTED, 0)
        mean = _mean_duration(frame)
        eta = _eta(frame, mean, max(1, int(parallel)), now)
        usage = UsageTotals.of(frame)
        return cls(
            total=len(statuses),
            counts=counts,
            finished=counts.get(TileStatus.FINISHED, 0),
            failed=sum(counts.get(s, 0) for s in FAILED_STATUSES),
            canceled=counts.get(TileStatus.CANCELED, 0),
            running=len(active) - queued,
            queued=queued,
            waiting=waiting,
            elapsed_s=max(0.0, now - started),
            parallel=int(parallel),
            mean_duration_s=mean,
            eta_s=eta,
            eta_at=None if eta is None else now + eta,
            costs=_costs(frame),
            downloaded_bytes=_downloaded_bytes(frame),
            now=now,
            cpu_hours=usage.cpu_hours,
            memory_gb_hours=usage.memory_gb_hours,
            running_progress=_running_progress(frame),
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
        parts = [f"{self.total} tiles: {states}", format_duration(self.elapsed_s)]
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


def _eta(frame: pd.DataFrame, mean: float | None, parallel: int, now: float) -> float | None:
    """Seconds until the last tile should be final (see the module's docstring)."""
    statuses = list(frame["status"])
    waiting = sum(1 for s in statuses if s == NOT_STARTED)
    active = [i for i, s in zip(frame.index, statuses) if s in ACTIVE_STATUSES]
    if not waiting and not active:
        return 0.0
    by_progress = {i: _left_by_progress(frame, i, now) for i in active}
    if mean is None and (waiting or any(v is None for v in by_progress.values())):
        return None
    starts = frame["start_time"] if "start_time" in frame.columns else None
    slots: list[float] = []  # when each slot frees, in seconds from now
    for i in active:
        left = by_progress[i]
        if left is None and mean is not None:
            began = parse_time(starts.at[i]) if starts is not None and _text(starts.at[i]) else 0.0
            age = now - began if began else 0.0
            left = max(0.0, mean - max(0.0, age))
        slots.append(left or 0.0)
    if mean is None:
        return max(slots)
    slots += [0.0] * max(0, parallel - len(slots))
    heapq.heapify(slots)
    for _ in range(waiting):
        heapq.heappush(slots, heapq.heappop(slots) + mean)
    return max(slots)


def _running_progress(frame: pd.DataFrame) -> float | None:
    """The mean progress of the running jobs that report one; None when none does."""
    if "progress" not in frame.columns:
        return None
    values = [
        float(p)
        for s, p in zip(frame["status"], frame["progress"])
        if s == TileStatus.RUNNING and _finite(p)
    ]
    return sum(values) / len(values) if values else None


def _left_by_progress(frame: pd.DataFrame, i: Any, now: float) -> float | None:
    """Seconds a running job has left by its reported progress: its time running so far
    times the share still to do over the share done; None without a usable progress."""
    if "progress" not in frame.columns or frame.at[i, "status"] != TileStatus.RUNNING:
        return None
    progress, since = frame.at[i, "progress"], frame.at[i, "running_start_time"]
    if not _finite(progress) or not PROGRESS_AFTER_PERCENT <= float(progress) < 100:
        return None
    ran = now - parse_time(since) if _text(since) else 0.0
    if ran < PROGRESS_AFTER_S:
        return None
    return ran * (100 - float(progress)) / float(progress)


def _costs(frame: pd.DataFrame) -> float | None:
    if "costs" not in frame.columns:
        return None
    values = [float(v) for v in frame["costs"] if _finite(v)]
    return sum(values) if values else None


def _downloaded_bytes(frame: pd.DataFrame) -> int:
    if "result" not in frame.columns:
        return 0
    total = 0
    for value in frame["result"]:
        if not _text(value):
            continue
        path = Path(str(value))
        try:
            if path.is_dir():
                total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
            elif path.is_file():
                total += path.stat().st_size
        except OSError:  # removed meanwhile
            continue
    return total


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
