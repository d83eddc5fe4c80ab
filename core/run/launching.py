"""Launching: a job for each waiting tile, exactly one, within the back-ends' limits.

Before a job-creating request the row records its intent, on disk before the request
leaves (the intent journal: :meth:`~.state.RunState.record_intents`); the scheduler
picks back-ends for the waiting tiles; a failed create or start is retried after a
backoff, refused ones lower the back-end's jobs, permanent ones fail the tile (and
feed the breaker, which skips the rest when the first failures share one reason,
whether a create failed or a job ended in error: its error log comes to
:meth:`Launcher.on_error_log`). Under a credit budget each job is created, its
estimate asked, and only then started (or deleted unstarted).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any, Callable

from ..definitions import NOT_STARTED, QUEUED_STATUSES, TileStatus
from ..grid.windows import is_windowed, row_noun
from ..jobs.rows import now_utc, parse_time, utc_text
from .budget import credits_text
from .failures import Failure, FailureKind
from .scheduler import LAUNCH
from .state import MESSAGE_LIMIT, Call, RunState, _log
from .statuses import JobStatuses

#: a job in one of these waits in its back-end's queue (see RunPolicy's queue caps)


class Launcher:
    """Makes and starts the waiting tiles' jobs, and decides when launching stops."""

    def __init__(
        self, state: RunState, statuses: JobStatuses, cancel: Callable[[list[int]], int]
    ) -> None:
        """``cancel(rows)``: cancel these rows' jobs (a job made for a row whose cancel
        was asked while it was being made)."""
        self.state = state
        self.statuses = statuses
        self.cancel = cancel
        #: failed creates/starts of each row in a row: its next backoff
        self._attempts: Counter = Counter()

    def launch(self) -> None:
        """Make (and start) jobs for the waiting tiles the back-ends have room for, each
        intent on disk before its request leaves."""
        state = self.state
        if state.breaker.tripped or state.pool is None or state.save_error is not None:
            return  # (a table that cannot be saved cannot hold an intent)
        if not state.breaker.anything_finished and self._probing():
            return
        gateways = state.gateways
        usable = [n for n, gw in gateways.items() if gw.usable and n in state.listed]
        if len(usable) < sum(1 for gw in gateways.values() if gw.usable):
            return  # every reachable back-end is listed once before anything is made
        busy, queued = state.rows.busy(), self._queued()
        if state.budget is None and not state.scheduler.room(busy, usable, queued):
            return  # no free slot: the waiting rows (all of a big table) need not be listed
        now = state.clock()
        frame = state.frame
        waiting = [
            i
            for i in state.rows.waiting()
            if i not in state.busy and state.not_before.get(i, 0.0) <= now
        ]
        if not waiting:
            return
        if state.budget is not None:
            waiting = self._within_budget(waiting)
            if not waiting:
                return
        picks = state.scheduler.picks(waiting, busy, usable, queued)
        if not picks:
            return
        for i, name in picks:  # the intent is on disk before the request leaves
            state.set(
                i,
                status=TileStatus.QUEUED_FOR_START.value,
                backend_name=name,
                intent_at=utc_text(state.wall_clock()),
                id=None,
                start_time=None,
                end_time=None,
                duration_s=None,
                message=None,
                result=None,
            )
        if not state.record_intents([i for i, _ in picks]):  # intents on disk first
            for i, _ in picks:
                state.set(i, status=NOT_STARTED, backend_name=None, intent_at=None)
            return
        for i, name in picks:
            state.busy.add(i)
            tile = state.extents[str(frame.at[i, "tile_id"])]
            gateway = gateways[name]
            if state.budget is not None:  # started once its estimate is known to fit
                state.budget.estimated(i, None)
                create = gateway.create_and_estimate
                state.submit(Call.ESTIMATED, i, create, state.template, tile, state.title(i))
                continue
            make = gateway.create_and_start
            state.submit(Call.CREATED, i, make, state.template, tile, state.title(i))

    def _queued(self) -> dict[str, int]:
        """Per back-end, our jobs waiting in its queue (being started, created, queued)."""
        rows = self.state.rows
        return {
            name: sum(1 for i in active if rows.status[i] in QUEUED_STATUSES)
            for name, active in rows.active.items()
        }

    def _probing(self) -> bool:
        """Before the first finish, a failure holds launching while the other first jobs
        are still out: if they fail alike, the template is broken and the breaker stops
        the run after ``breaker`` jobs rather than a slot-full more."""
        if self.state.asking(Call.ERROR_LOG):
            return True  # a failure's reason is on its way
        return bool(self.state.breaker.reasons) and self.state.rows.any_active()

    def on_created(self, i: int, value: Any, failure: Failure | None) -> None:
        state = self.state
        state.busy.discard(i)
        name = state.rows.backend[i]
        if failure is not None:
            self._create_failed(i, name, failure)
            return
        job_id, start_failure = value
        state.say(state.scheduler.succeeded(name, LAUNCH))
        state.lookup_after.pop(i, None)
        start_time = now_utc(state.wall_clock()) if start_failure is None else None
        state.set(
            i, id=job_id, start_time=start_time, intent_at=None, status=TileStatus.CREATED.value
        )
        if start_failure is None:
            state.started_at[i] = state.wall_clock()
        if i in state.cancel_wanted:
            self.cancel([i])
        elif start_failure is None:
            self._attempts.pop(i, None)
            self.statuses.apply(i, TileStatus.QUEUED.value, {})
        else:
            self._start_failed(i, name, start_failure)

    def _create_failed(self, i: int, name: str, failure: Failure) -> None:
        state = self.state
        if failure.kind is FailureKind.AUTH:  # refused, so not made: wait for the login
            state.set(i, status=NOT_STARTED, intent_at=None, backend_name=None)
        elif failure.kind is FailureKind.CONCURRENCY or failure.status == 429:
            self._refused(i, name, failure)  # a definite refusal: no job was made
            state.set(i, status=NOT_STARTED, intent_at=None, backend_name=None)
        elif failure.retryable:  # a job may exist: look it up before making another
            state.say(state.scheduler.failed(name, LAUNCH, failure))
            intent = parse_time(state.frame.at[i, "intent_at"])
            wait = 0.0 if failure.answered else float(state.policy.lookup_grace)
            state.lookup_after[i] = max(state.wall_clock(), intent + wait)
            state.set(i, message=f"waiting: {failure.message}"[:MESSAGE_LIMIT])
        else:
            state.say(state.scheduler.succeeded(name, LAUNCH))
            state.fail(i, TileStatus.START_FAILED.value, f"create failed: {failure.message}")
            self._breaker(failure.message)

    def _start_failed(self, i: int, name: str, failure: Failure) -> None:
        if failure.kind is FailureKind.CONCURRENCY:
            self._refused(i, name, failure)
        elif failure.retryable or failure.kind is FailureKind.AUTH:
            self.state.say(self.state.scheduler.failed(name, LAUNCH, failure))
            self._retry_later(i, failure)
        else:
            self.state.fail(i, TileStatus.START_FAILED.value, f"start failed: {failure.message}")
            self._breaker(failure.message)

    def _refused(self, i: int, name: str, failure: Failure) -> None:
        """Try the tile again after a backoff; a "too many jobs" refusal also lowers the
        back-end's jobs at once (a mere rate limit does not)."""
        state = self.state
        if failure.kind is FailureKind.CONCURRENCY:
            rows = state.rows
            running = [
                i
                for i in rows.active.get(name, ())
                if rows.status[i] in (TileStatus.QUEUED, TileStatus.RUNNING)
            ]
            state.say(state.scheduler.refused(name, len(running)))
        state.say(state.scheduler.failed(name, LAUNCH, failure))
        self._retry_later(i, failure)

    def _retry_later(self, i: int, failure: Failure) -> None:
        """The tile's next try (create or start) waits a backoff, longer each time."""
        self._attempts[i] += 1
        self.state.not_before[i] = self.state.clock() + self.state.scheduler.backoff(
            self._attempts[i], failure.retry_after
        )

    def retry_starts(self) -> None:
        """Start the created jobs whose start failed for a while (or an adopted one)."""
        state = self.state
        frame, not_before = state.frame, state.not_before
        now = state.clock()
        for i in list(not_before):
            if i in state.busy or not_before[i] > now:
                continue
            if frame.at[i, "status"] != TileStatus.CREATED or not state.has(i, "id"):
                if frame.at[i, "status"] != NOT_STARTED:
                    del not_before[i]
                continue
            name = frame.at[i, "backend_name"]
            if not state.scheduler.ready(name, LAUNCH) or not state.gateways[name].usable:
                continue
            del not_before[i]
            state.busy.add(i)
            state.submit(Call.STARTED, i, state.gateways[name].start, frame.at[i, "id"])

    def on_started(self, i: int, _: Any, failure: Failure | None) -> None:
        state = self.state
        state.busy.discard(i)
        name = state.rows.backend[i]
        if failure is None:
            state.say(state.scheduler.succeeded(name, LAUNCH))
            self._attempts.pop(i, None)
            state.set(i, start_time=now_utc(state.wall_clock()))
            state.started_at[i] = state.wall_clock()
            self.statuses.apply(i, TileStatus.QUEUED.value, {})
        else:
            self._start_failed(i, name, failure)

    def on_error_log(self, i: int, message: Any, failure: Failure | None) -> None:
        """A failed job's reason (asked by :class:`JobStatuses`): into its row, and to the
        breaker, which stops launching when the first failures share it."""
        text = message if failure is None else f"error (logs unavailable: {failure.message})"
        self.state.set(i, message=str(text)[:MESSAGE_LIMIT])
        if failure is None:
            self._breaker(str(text))

    def _breaker(self, reason: str) -> None:
        state = self.state
        tripped = state.breaker.failed(reason)
        if tripped is None:
            return
        rows = state.rows.waiting()
        message = f"not submitted: the first jobs all failed with: {tripped}"[:MESSAGE_LIMIT]
        for i in rows:
            state.set(i, status=TileStatus.SKIPPED.value, message=message, **state.ended(i))
        state.event(
            "error",
            f"The first {state.breaker.threshold} jobs all failed with the same error "
            f"({tripped}); {len(rows)} {self._row_word()}s were not submitted. Fix the job "
            "settings, then Retry failed.",
        )

    # --- credit budget (see .budget) ------------------------------------------------------
    def _settling(self) -> set[int]:
        """Finished rows whose reported costs are still being asked for."""
        return self.state.keys_asked(Call.COSTS)

    def _within_budget(self, waiting: list[int]) -> list[int]:
        """The waiting rows the budget lets launch now. Once none fits and nothing in
        flight can free room, the tiles not submitted are ``skipped`` with the reason."""
        state = self.state
        budget = state.budget
        if budget is None:
            return waiting
        account = budget.account(state.frame, self._settling())
        allowed = budget.launchable(state.frame, waiting, account)
        if not allowed and budget.exhausted(state.frame, waiting, account):
            reason = budget.reason(account)
            rows = [i for i in state.rows.waiting() if i not in state.busy]
            for i in rows:
                state.not_before.pop(i, None)
                state.set(
                    i,
                    status=TileStatus.SKIPPED.value,
                    message=reason[:MESSAGE_LIMIT],
                    **state.ended(i),
                )
            self._budget_event(reason, len(rows))
        return allowed

    def _row_word(self) -> str:
        return row_noun(is_windowed(self.state.frame))

    def _budget_event(self, reason: str, skipped: int) -> None:
        """Say once per run that the budget stopped launching."""
        if self.state.budget_said or not skipped:
            return
        self.state.budget_said = True
        self.state.event(
            "warning",
            f"{reason[:1].upper()}{reason[1:]}: {skipped} {self._row_word()}(s) were not "
            "submitted (skipped). Raise the budget, or Retry failed, to submit them.",
            notify="budget",
        )

    def on_estimated(self, i: int, value: Any, failure: Failure | None) -> None:
        """A job made under a budget, with its estimate: started if it still fits, else
        deleted unstarted and its tile ``skipped``."""
        if failure is not None:
            self.on_created(i, None, failure)
            return
        state = self.state
        state.busy.discard(i)
        name = state.rows.backend[i]
        job_id, costs = value
        state.say(state.scheduler.succeeded(name, LAUNCH))
        state.lookup_after.pop(i, None)
        state.set(i, id=job_id, intent_at=None, status=TileStatus.CREATED.value)
        budget = state.budget
        if budget is None:  # the budget was lifted meanwhile: started as any created job
            state.not_before[i] = 0.0
            return
        budget.estimated(i, costs)
        if i in state.cancel_wanted:
            self.cancel([i])
            return
        account = budget.account(state.frame, self._settling())
        if costs is None or budget.fits(account):
            state.busy.add(i)
            state.submit(Call.STARTED, i, state.gateways[name].start, job_id)
            return
        without = replace(account, committed=account.committed - costs)
        reason = budget.reason(without)
        state.fail(
            i, TileStatus.SKIPPED.value, f"{reason} (this tile: {credits_text(costs)} estimated)"
        )
        state.drop_once_saved(name, job_id)  # on disk before the job goes
        self._budget_event(reason, 1)

    def on_dropped(self, job_id: str, _: Any, failure: Failure | None) -> None:
        if failure is not None and failure.kind is not FailureKind.GONE:
            _log.warning("Could not delete job %s (never started): %s", job_id, failure.message)
