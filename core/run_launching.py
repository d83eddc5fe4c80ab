"""Launching: a job for each waiting tile, exactly one, within the back-ends' limits.

Before a job-creating request the row records its intent and the table is saved;
the scheduler picks back-ends for the waiting tiles; a failed create or start is
retried after a backoff, refused ones lower the back-end's jobs, permanent ones
fail the tile (and feed the breaker, which skips the rest when the first failures
share one reason). Under a credit budget each job is created, its estimate asked,
and only then started (or deleted unstarted).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .budget import credits_text
from .definitions import NOT_STARTED
from .failures import Failure, FailureKind
from .job_rows import now_utc, parse_time, utc_text
from .run_state import MESSAGE_LIMIT, RunState, _log
from .scheduler import LAUNCH

#: a job in one of these waits in its back-end's queue (see RunPolicy's queue caps)
QUEUE_STATUSES = frozenset({"queued_for_start", "created", "queued"})


class Launching(RunState):
    def _launch(self) -> None:
        if self.breaker.tripped or self._pool is None or self._save_error is not None:
            return  # (a table that cannot be saved cannot hold an intent)
        if not self.breaker.anything_finished and self._probing():
            return
        usable = [n for n, gw in self.gateways.items() if gw.usable and n in self._listed]
        if len(usable) < sum(1 for gw in self.gateways.values() if gw.usable):
            return  # every reachable back-end is listed once before anything is made
        now = self.clock()
        frame = self.frame
        waiting = [
            i
            for i in self._rows.waiting()
            if i not in self._busy and self._not_before.get(i, 0.0) <= now
        ]
        if not waiting:
            return
        if self.budget is not None:
            waiting = self._within_budget(waiting)
            if not waiting:
                return
        busy = self._rows.busy()
        picks = self.scheduler.picks(waiting, busy, usable, self._queued())
        if not picks:
            return
        for i, name in picks:  # the intent is on disk before the request leaves
            self._set(
                i,
                status="queued_for_start",
                backend_name=name,
                intent_at=utc_text(self.wall_clock()),
                id=None,
                start_time=None,
                end_time=None,
                duration_s=None,
                message=None,
                result=None,
            )
        if not self._record_intents([i for i, _ in picks]):  # intents on disk first
            for i, _ in picks:
                self._set(i, status=NOT_STARTED, backend_name=None, intent_at=None)
            return
        for i, name in picks:
            self._busy.add(i)
            tile = self.extents[str(frame.at[i, "tile_id"])]
            gateway = self.gateways[name]
            if self.budget is not None:  # started once its estimate is known to fit
                self.budget.estimated(i, None)
                create = gateway.create_and_estimate
                self._submit("estimated", i, create, self.template, tile, self._title(i))
                continue
            self._submit(
                "created", i, gateway.create_and_start, self.template, tile, self._title(i)
            )

    def _queued(self) -> dict[str, int]:
        """Per back-end, our jobs waiting in its queue (being started, created, queued)."""
        rows = self._rows
        return {
            name: sum(1 for i in active if rows.status[i] in QUEUE_STATUSES)
            for name, active in rows.active.items()
        }

    def _probing(self) -> bool:
        """Before the first finish, a failure holds launching while the other first jobs
        are still out: if they fail alike, the template is broken and the breaker stops
        the run after ``breaker`` jobs rather than a slot-full more."""
        if self._asking("error_log"):
            return True  # a failure's reason is on its way
        return bool(self.breaker.reasons) and self._rows.any_active()

    def _on_created(self, i: int, value: Any, failure: Failure | None) -> None:
        self._busy.discard(i)
        name = self.frame.at[i, "backend_name"]
        if failure is not None:
            self._create_failed(i, name, failure)
            return
        job_id, start_failure = value
        self._say(self.scheduler.succeeded(name, LAUNCH))
        self._lookup_after.pop(i, None)
        start_time = now_utc(self.wall_clock()) if start_failure is None else None
        self._set(i, id=job_id, start_time=start_time, intent_at=None, status="created")
        if start_failure is None:
            self._started_at[i] = self.wall_clock()
        if i in self._cancel_wanted:
            self._cancel([i])
        elif start_failure is None:
            self._attempts.pop(i, None)
            self._apply_status(i, "queued", {})
        else:
            self._start_failed(i, name, start_failure)

    def _create_failed(self, i: int, name: str, failure: Failure) -> None:
        if failure.kind is FailureKind.AUTH:  # refused, so not made: wait for the login
            self._set(i, status=NOT_STARTED, intent_at=None, backend_name=None)
        elif failure.kind is FailureKind.CONCURRENCY or failure.status == 429:
            self._refused(i, name, failure)  # a definite refusal: no job was made
            self._set(i, status=NOT_STARTED, intent_at=None, backend_name=None)
        elif failure.retryable:  # a job may exist: look it up before making another
            self._say(self.scheduler.failed(name, LAUNCH, failure))
            intent = parse_time(self.frame.at[i, "intent_at"])
            wait = 0.0 if failure.answered else float(self.policy.lookup_grace)
            self._lookup_after[i] = max(self.wall_clock(), intent + wait)
            self._set(i, message=f"waiting: {failure.message}"[:MESSAGE_LIMIT])
        else:
            self._say(self.scheduler.succeeded(name, LAUNCH))
            self._fail(i, "start_failed", f"create failed: {failure.message}")
            self._breaker(failure.message)

    def _start_failed(self, i: int, name: str, failure: Failure) -> None:
        if failure.kind is FailureKind.CONCURRENCY:
            self._refused(i, name, failure)
        elif failure.retryable or failure.kind is FailureKind.AUTH:
            self._say(self.scheduler.failed(name, LAUNCH, failure))
            self._retry_later(i, failure)
        else:
            self._fail(i, "start_failed", f"start failed: {failure.message}")
            self._breaker(failure.message)

    def _refused(self, i: int, name: str, failure: Failure) -> None:
        """Try the tile again after a backoff; a "too many jobs" refusal also lowers the
        back-end's jobs at once (a mere rate limit does not)."""
        if failure.kind is FailureKind.CONCURRENCY:
            rows = self._rows
            running = [
                i for i in rows.active.get(name, ()) if rows.status[i] in ("queued", "running")
            ]
            self._say(self.scheduler.refused(name, len(running)))
        self._say(self.scheduler.failed(name, LAUNCH, failure))
        self._retry_later(i, failure)

    def _retry_later(self, i: int, failure: Failure) -> None:
        """The tile's next try (create or start) waits a backoff, longer each time."""
        self._attempts[i] += 1
        self._not_before[i] = self.clock() + self.scheduler.backoff(
            self._attempts[i], failure.retry_after
        )

    def _retry_starts(self) -> None:
        """Start the created jobs whose start failed for a while (or an adopted one)."""
        now = self.clock()
        for i in list(self._not_before):
            if i in self._busy or self._not_before[i] > now:
                continue
            if self.frame.at[i, "status"] != "created" or not self._has(i, "id"):
                if self.frame.at[i, "status"] != NOT_STARTED:
                    del self._not_before[i]
                continue
            name = self.frame.at[i, "backend_name"]
            if not self.scheduler.ready(name, LAUNCH) or not self.gateways[name].usable:
                continue
            del self._not_before[i]
            self._busy.add(i)
            self._submit("started", i, self.gateways[name].start, self.frame.at[i, "id"])

    def _on_started(self, i: int, _: Any, failure: Failure | None) -> None:
        self._busy.discard(i)
        name = self.frame.at[i, "backend_name"]
        if failure is None:
            self._say(self.scheduler.succeeded(name, LAUNCH))
            self._attempts.pop(i, None)
            self._set(i, start_time=now_utc(self.wall_clock()))
            self._started_at[i] = self.wall_clock()
            self._apply_status(i, "queued", {})
        else:
            self._start_failed(i, name, failure)

    def _breaker(self, reason: str) -> None:
        tripped = self.breaker.failed(reason)
        if tripped is None:
            return
        rows = self._rows.waiting()
        message = f"not submitted: the first jobs all failed with: {tripped}"
        for i in rows:
            self._set(i, status="skipped", message=message[:MESSAGE_LIMIT], **self._ended(i))
        self._event(
            "error",
            f"The first {self.breaker.threshold} jobs all failed with the same error "
            f"({tripped}); {len(rows)} tiles were not submitted. Fix the job settings, "
            "then Retry failed.",
        )

    # --- credit budget (see .budget) ------------------------------------------------------
    def _settling(self) -> set[int]:
        """Finished rows whose reported costs are still being asked for."""
        return {key for kind, key in self._tasks.values() if kind == "costs"}

    def _within_budget(self, waiting: list[int]) -> list[int]:
        """The waiting rows the budget lets launch now. Once none fits and nothing in
        flight can free room, the tiles not submitted are ``skipped`` with the reason."""
        budget = self.budget
        if budget is None:
            return waiting
        account = budget.account(self.frame, self._settling())
        allowed = budget.launchable(self.frame, waiting, account)
        if not allowed and budget.exhausted(self.frame, waiting, account):
            reason = budget.reason(account)
            rows = [i for i in self._rows.waiting() if i not in self._busy]
            for i in rows:
                self._not_before.pop(i, None)
                self._set(i, status="skipped", message=reason[:MESSAGE_LIMIT], **self._ended(i))
            self._budget_event(reason, len(rows))
        return allowed

    def _budget_event(self, reason: str, skipped: int) -> None:
        """Say once per run that the budget stopped launching."""
        if self._budget_said or not skipped:
            return
        self._budget_said = True
        self._event(
            "warning",
            f"{reason[:1].upper()}{reason[1:]}: {skipped} tile(s) were not submitted "
            "(skipped). Raise the budget, or Retry failed, to submit them.",
            notify="budget",
        )

    def _on_estimated(self, i: int, value: Any, failure: Failure | None) -> None:
        """A job made under a budget, with its estimate: started if it still fits, else
        deleted unstarted and its tile ``skipped``."""
        if failure is not None:
            self._on_created(i, None, failure)
            return
        self._busy.discard(i)
        name = self.frame.at[i, "backend_name"]
        job_id, costs = value
        self._say(self.scheduler.succeeded(name, LAUNCH))
        self._lookup_after.pop(i, None)
        self._set(i, id=job_id, intent_at=None, status="created")
        budget = self.budget
        if budget is None:  # the budget was lifted meanwhile: started as any created job
            self._not_before[i] = 0.0
            return
        budget.estimated(i, costs)
        if i in self._cancel_wanted:
            self._cancel([i])
            return
        account = budget.account(self.frame, self._settling())
        if costs is None or budget.fits(account):
            self._busy.add(i)
            self._submit("started", i, self.gateways[name].start, job_id)
            return
        without = replace(account, committed=account.committed - costs)
        reason = budget.reason(without)
        self._fail(i, "skipped", f"{reason} (this tile: {credits_text(costs)} estimated)")
        # on disk before the job goes: a resumed run must not start it
        if self._flush():
            self._submit("dropped", job_id, self.gateways[name].remove, job_id)
        else:
            self._drops_unsaved.append((name, job_id))
        self._budget_event(reason, 1)

    def _on_dropped(self, job_id: str, _: Any, failure: Failure | None) -> None:
        if failure is not None and failure.kind is not FailureKind.GONE:
            _log.warning("Could not delete job %s (never started): %s", job_id, failure.message)
