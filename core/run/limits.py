"""Time limits for stuck jobs: a job that waits or runs far too long is canceled.

A lost start leaves a job ``created`` (or ``queued``) for ever; a job can run far beyond
its usual time. Either holds one of the back-end's slots for the rest of a days-long
run. With ``RunPolicy.max_waiting`` (from an accepted start to running) and
``RunPolicy.max_running`` (from running to an end) set, a job past its limit is
canceled on the back-end and its tile becomes ``error`` with the reason ("running for
6 h 12 min, more than the 4 h limit"), which *Retry failed* and *Split and retry* take
like any other failure. Both limits are off by default: how long is too long depends
on the job.

Times come from the job table (``start_time``, ``running_start_time``), so a resumed
run counts a job's time from its real start, and the loop's injected wall clock
measures them.
"""

from __future__ import annotations

from typing import Any

from ..definitions import FINAL_STATUSES, QUEUED_STATUSES, TileStatus
from ..jobs.rows import parse_time
from .failures import Failure, FailureKind
from .state import MESSAGE_LIMIT, Call, RunState
from .statuses import JobStatuses
from .time_limits import overdue_reason

#: the loop looks for overdue jobs at most this often (clock seconds): limits are
#: minutes to hours, and a turn comes every fraction of a second
CHECK_EVERY = 1.0


class TimeLimits:
    """The loop's step that cancels jobs past the run's time limits."""

    def __init__(self, state: RunState, statuses: JobStatuses) -> None:
        self.state = state
        self.statuses = statuses
        self._checked_at = float("-inf")

    def enforce(self) -> None:
        """Ask to cancel the jobs past their limits (at most every :data:`CHECK_EVERY`)."""
        state = self.state
        policy = state.policy
        if policy.max_waiting is None and policy.max_running is None:
            return
        now = state.clock()
        if now - self._checked_at < CHECK_EVERY:
            return
        self._checked_at = now
        wall = state.wall_clock()
        for name, gateway in state.gateways.items():
            # before this run's first listing the table's statuses are last night's: a
            # job saved "queued" 10 h ago may have been running for an hour, or finished
            if not gateway.usable or name not in state.listed:
                continue
            for i in state.rows.active_jobs(name):
                if i in state.busy or i in state.overdue:
                    continue
                reason = self.overdue_now(i, wall)
                if reason is not None:
                    state.overdue[i] = reason
                    state.submit(Call.OVERDUE, i, gateway.cancel, state.frame.at[i, "id"])

    def overdue_now(self, i: int, wall: float) -> str | None:
        """The reason to cancel row ``i``'s job now, or None while it is within its limits."""
        state = self.state
        status = str(state.frame.at[i, "status"])
        if status == TileStatus.RUNNING:
            limit, since = state.policy.max_running, "running_start_time"
        elif status in QUEUED_STATUSES:
            limit, since = state.policy.max_waiting, "start_time"
        else:
            return None
        if limit is None or not state.has(i, since):
            return None  # a job whose start was never accepted is not waiting on the back-end
        started = parse_time(state.frame.at[i, since])
        if started <= 0:  # a time this run cannot read (another tool's format): no limit
            return None
        elapsed = wall - started
        return overdue_reason(status, elapsed, limit) if elapsed > limit else None

    def on_overdue(self, i: int, _: Any, failure: Failure | None) -> None:
        state = self.state
        reason = state.overdue.pop(i)
        if state.frame.at[i, "status"] in FINAL_STATUSES:
            return  # it ended meanwhile: its own end stands
        if failure is None:  # canceled; unless it finished since the last poll: ask
            state.overdue[i] = reason
            gateway = state.gateways[state.frame.at[i, "backend_name"]]
            state.submit(Call.OVERDUE_CHECKED, i, gateway.describe, state.frame.at[i, "id"])
        elif failure.kind is FailureKind.GONE:
            state.fail(i, TileStatus.ERROR.value, reason)
        elif failure.kind is FailureKind.PERMANENT:  # the back-end will not cancel it
            state.fail(i, TileStatus.ERROR.value, f"{reason} (cancel refused: {failure.message})")
        else:  # not now: tried again at a later check
            message = f"cancel past its limit failed: {failure.message}"[:MESSAGE_LIMIT]
            state.set(i, message=message)

    def on_overdue_checked(self, i: int, info: Any, failure: Failure | None) -> None:
        """The job canceled past its limit, as the back-end now tells it: one that finished
        just before the cancel keeps its end (and its result); any other fails, saying why."""
        state = self.state
        reason = state.overdue.pop(i, None)
        if reason is None or state.frame.at[i, "status"] in FINAL_STATUSES:
            return
        if failure is None and isinstance(info, dict) and info.get("status") == TileStatus.FINISHED:
            self.statuses.apply(i, TileStatus.FINISHED.value, info)
            return
        state.fail(i, TileStatus.ERROR.value, reason)
