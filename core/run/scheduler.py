"""Which tile goes next, where, and when a back-end may be called again.

Pure bookkeeping on an injected clock (no network, no sleeping), so every rule
is tested in microseconds:

- each back-end has two channels, ``read`` (status polls, listings) and
  ``launch`` (creating and starting jobs), each with its own exponential
  backoff with jitter that honours ``Retry-After``: a back-end that refuses new
  jobs (an outage of POSTs) is paused for launches while tracking goes on. A
  single failure pauses nothing but the call's own tile; two in a row (or a
  ``Retry-After``) pause the channel;
- after ``outage_after`` failures in a row over ``outage_seconds`` a channel is
  "down since HH:MM", said once, and "back" once when a call succeeds again;
- a concurrency refusal lowers that back-end's jobs at once to what it was
  running then; one more is allowed after each ``recover_after`` seconds without
  a refusal, up to the configured number;
- free slots are filled round-robin over the back-ends, in tile order; a back-end with a
  queue cap gets no more jobs while that many of ours wait in its queue.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Callable

from ..definitions import DEFAULT_POLL_INTERVAL
from ..errors import RunError
from .budget import check_budget
from .failures import Failure
from .time_limits import check_limit

_log = logging.getLogger(__name__)
READ = "read"
LAUNCH = "launch"
#: failures in a row after which a channel pauses (see Scheduler.failed)
PAUSE_AFTER = 2


@dataclass(frozen=True)
class RunEvent:
    """Something the user should read once (an outage, a duplicate removed...)."""

    level: str  # "info", "warning" or "error"
    message: str
    #: a moment the user wants to hear about even when not watching (a NotifyReason
    #: value, see :mod:`..engine.notifications`); empty for the others
    notify: str = ""


@dataclass(frozen=True)
class RunPolicy:
    """The run engine's timing rules; tests shrink them, users keep the defaults."""

    poll_interval: float = DEFAULT_POLL_INTERVAL
    #: seconds before a request without an answer counts as failed
    request_timeout: float = 60.0
    #: after a job-creating request without an answer: how long a job may still appear
    #: on the back-end (outlasts any request in flight) before "not listed" means "not
    #: created" and the tile may get a job again
    lookup_grace: float = 90.0
    #: at start, how long a back-end that cannot be reached is tried again before the
    #: run gives up on it (a deploy of a few seconds must not end a run)
    connect_patience: float = 60.0
    backoff_base: float = 1.0
    backoff_max: float = 120.0
    #: a channel is "down" (and said so) after this many failures in a row lasting at
    #: least ``outage_seconds``: single faults in a burst of requests are not an outage
    outage_after: int = 3
    outage_seconds: float = 10.0
    recover_after: float = 60.0
    #: the first this many failures of a run share one reason and none finished:
    #: stop launching instead of submitting every tile
    breaker: int = 3
    #: threads that create and start jobs, and that download results. Few: at 1 s per
    #: job creation, 4 threads still launch 14,000 jobs an hour, far beyond what a
    #: back-end lets one user run, and each thread more is one more Python thread that
    #: QGIS's main thread waits behind for the GIL when answers come in together (more
    #: threads made the map stall longer and the run no faster;
    #: ``benchmarks/status_layer.py``)
    launch_threads: int = 4
    download_threads: int = 2
    #: tries per result and run (with backoff); a later run tries again
    download_attempts: int = 8
    #: seconds between tries of what the disk refused: the job table (it is kept in
    #: memory meanwhile, and nothing is launched), a result (it waits)
    save_retry: float = 5.0
    disk_retry: float = 30.0
    #: credits the run may spend, None: no cap. Launching stops before the costs so far
    #: plus the expected costs of the jobs in flight and of the next job would pass it
    #: (see :mod:`.budget`); a run's saved budget is its ``RunConfig.budget``
    budget: float | None = None
    #: seconds a job may wait ``created``/``queued`` after its start was accepted, and
    #: run, before it is canceled and its tile fails with the reason (None: no limit;
    #: see :mod:`.limits`)
    max_waiting: float | None = None
    max_running: float | None = None

    def __post_init__(self) -> None:
        for name in (
            "poll_interval",
            "request_timeout",
            "backoff_base",
            "backoff_max",
            "save_retry",
            "disk_retry",
        ):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise RunError(f"{name.replace('_', ' ')} must be a number > 0, got {value!r}.")
        if not math.isfinite(self.lookup_grace) or self.lookup_grace < 0:
            raise RunError(f"lookup grace must be ≥ 0 seconds, got {self.lookup_grace!r}.")
        for name in ("outage_after", "breaker", "launch_threads", "download_threads"):
            if int(getattr(self, name)) < 1:
                raise RunError(f"{name.replace('_', ' ')} must be at least 1.")
        check_budget(self.budget)
        check_limit("max waiting", self.max_waiting)
        check_limit("max running", self.max_running)


@dataclass
class Channel:
    failures: int = 0
    #: clock time of the first failure in a row
    failing_since: float = 0.0
    paused_until: float = 0.0
    #: wall-clock time the current outage began (None: no outage)
    down_since: float | None = None
    last_error: str = ""


@dataclass
class BackendSchedule:
    name: str
    parallel_jobs: int
    limit: int
    channels: dict[str, Channel] = field(
        default_factory=lambda: {READ: Channel(), LAUNCH: Channel()}
    )
    last_refusal: float | None = None
    next_poll: float = 0.0
    #: most jobs waiting queued at once (0: no cap)
    queue_cap: int = 0


class Scheduler:
    def __init__(
        self,
        parallel_jobs: Mapping[str, int],
        policy: RunPolicy,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        queue_caps: Mapping[str, int] | None = None,
    ) -> None:
        """``queue_caps``: per back-end, most jobs waiting queued at once (0: no cap)."""
        self.policy = policy
        self.clock = clock
        self.wall_clock = wall_clock
        # Unseeded, the jitter comes from the OS's entropy (SystemRandom): nothing to
        # seed or predict, and no B311 "pseudo-random generator" finding in the plugin
        # repository's scan; tests pass a seeded random.Random for repeatable draws.
        self.rng = rng or random.SystemRandom()
        self.backends = {name: BackendSchedule(name, n, n) for name, n in parallel_jobs.items()}
        for name, cap in (queue_caps or {}).items():
            self.backends[name].queue_cap = int(cap)

    # --- backoff ------------------------------------------------------------------------
    def backoff(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before try number ``attempt + 1``: exponential, jittered
        (so that many clients do not retry in step), never less than ``Retry-After``."""
        step = min(self.policy.backoff_max, self.policy.backoff_base * 2 ** max(0, attempt - 1))
        return max(retry_after or 0.0, step * self.rng.uniform(0.5, 1.0))

    def ready(self, name: str, channel: str) -> bool:
        return self.clock() >= self.backends[name].channels[channel].paused_until

    def failed(self, name: str, channel: str, failure: Failure) -> RunEvent | None:
        """Back off this channel; say so once when it becomes an outage."""
        state = self.backends[name].channels[channel]
        now = self.clock()
        if state.failures == 0:
            state.failing_since = now
        state.failures += 1
        state.last_error = failure.message
        pause = self.backoff(state.failures, failure.retry_after)
        # one failure is the call's (its tile waits alone): pausing the whole channel for
        # it would idle every healthy slot; two in a row, or a back-end that asked to
        # wait (Retry-After), pause it
        if state.failures >= PAUSE_AFTER or failure.retry_after:
            state.paused_until = now + pause
        _log.info(
            "%s on %s failed (%s); trying again in %.0f s",
            "Launching" if channel == LAUNCH else "Reading",
            name,
            failure.message,
            pause,
        )
        lasting = now - state.failing_since >= self.policy.outage_seconds
        if state.down_since is None and state.failures >= self.policy.outage_after and lasting:
            state.down_since = self.wall_clock()
            since = time.strftime("%H:%M", time.localtime(state.down_since))
            what = "unreachable" if channel == READ else "refuses new jobs"
            return RunEvent(
                "warning", f"Back-end {name} {what} since {since} ({failure.message}); retrying."
            )
        return None

    def succeeded(self, name: str, channel: str) -> RunEvent | None:
        """Reset the channel's backoff; say so once when an outage ends."""
        state = self.backends[name].channels[channel]
        was_down = state.down_since
        state.failures, state.paused_until, state.down_since = 0, 0.0, None
        if was_down is not None:
            seconds = self.wall_clock() - was_down
            took = f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"
            what = "reachable" if channel == READ else "accepting jobs"
            return RunEvent("info", f"Back-end {name} is {what} again after {took}.")
        return None

    def outages(self) -> dict[str, str]:
        """Back-ends with a channel down now: name → what the user should read."""
        out = {}
        for name, backend in self.backends.items():
            for channel, state in backend.channels.items():
                if state.down_since is not None:
                    since = time.strftime("%H:%M", time.localtime(state.down_since))
                    what = "unreachable" if channel == READ else "refuses new jobs"
                    out[name] = f"{name} {what} since {since}, retrying"
        return out

    # --- concurrency ---------------------------------------------------------------------
    def refused(self, name: str, busy: int) -> RunEvent | None:
        """The back-end refused one more job at once while ``busy`` of ours were active;
        says so when that lowers its jobs at once."""
        backend = self.backends[name]
        before = backend.limit
        backend.limit = max(1, min(backend.limit, busy))
        backend.last_refusal = self.clock()
        if backend.limit < before:
            return RunEvent(
                "warning",
                f"Back-end {name} refused more jobs at once: {backend.limit} at once now "
                f"(of {backend.parallel_jobs}); one more after each "
                f"{self.policy.recover_after:.0f} s without a refusal.",
            )
        return None

    def recover(self) -> RunEvent | None:
        """One more job at once for back-ends quiet since their last refusal; says when
        one is back to its full number."""
        now = self.clock()
        event = None
        for backend in self.backends.values():
            last = backend.last_refusal
            lowered = backend.limit < backend.parallel_jobs and last is not None
            if lowered and now - (last or 0.0) >= self.policy.recover_after:
                backend.limit += 1
                backend.last_refusal = now
                if backend.limit == backend.parallel_jobs:
                    event = RunEvent(
                        "info", f"Back-end {backend.name} takes {backend.limit} jobs at once again."
                    )
        return event

    def limit(self, name: str) -> int:
        return self.backends[name].limit

    # --- polls and launches -------------------------------------------------------------
    def poll_due(self, name: str) -> bool:
        return self.clock() >= self.backends[name].next_poll and self.ready(name, READ)

    def polled(self, name: str) -> None:
        """A poll of ``name`` starts now; the next one is due a poll interval later."""
        self.backends[name].next_poll = self.clock() + self.policy.poll_interval

    @staticmethod
    def _free(backend: BackendSchedule, busy: int, queued: int) -> int:
        free = backend.limit - busy
        return min(free, backend.queue_cap - queued) if backend.queue_cap else free

    def room(
        self,
        busy: Mapping[str, int],
        usable: Iterable[str] | None = None,
        queued: Mapping[str, int] | None = None,
    ) -> bool:
        """Whether :meth:`picks` would give a waiting row a slot now (most turns of a
        full run it would not: the caller need not list the waiting rows)."""
        return any(n > 0 for n in self._free_slots(busy, usable, queued).values())

    def _free_slots(
        self,
        busy: Mapping[str, int],
        usable: Iterable[str] | None,
        queued: Mapping[str, int] | None,
    ) -> dict[str, int]:
        allowed = set(self.backends if usable is None else usable)
        queued = queued or {}
        return {
            name: self._free(b, busy.get(name, 0), queued.get(name, 0))
            for name, b in self.backends.items()
            if name in allowed and self.ready(name, LAUNCH)
        }

    def picks(
        self,
        waiting: Iterable[int],
        busy: Mapping[str, int],
        usable: Iterable[str] | None = None,
        queued: Mapping[str, int] | None = None,
    ) -> list[tuple[int, str]]:
        """(row, back-end) for as many waiting rows as there are free slots, round-robin.

        ``busy``: active jobs per back-end; ``queued``: those of them waiting in its
        queue (being started, ``created``, ``queued``), which a queue cap holds below it
        however many parallel slots are free."""
        free = self._free_slots(busy, usable, queued)
        order = [name for name, n in free.items() if n > 0]
        picks: list[tuple[int, str]] = []
        rows = iter(waiting)
        while order:
            for name in list(order):
                row = next(rows, None)
                if row is None:
                    return picks
                picks.append((row, name))
                free[name] -= 1
                if free[name] <= 0:
                    order.remove(name)
        return picks
