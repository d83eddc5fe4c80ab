"""The run loop: one openEO batch job per tile, exactly one, across one or more back-ends.

Built on the openeo client's public ``Connection``/``BatchJob`` API and its
job-database format rather than on ``MultiBackendJobManager`` (whose loop stops
on one tile's 4xx, retries a request 50 times so a Stop hangs, resubmits a tile
when it crashed between creating a job and saving the table, and polls every
job on its own).

The loop runs on one thread and is the only writer of the job table; every
back-end call runs on a pool thread through a :class:`~.gateway.BackendGateway`
and comes back as a finished future, so a Stop ends the loop within a tick
whatever the network does. Its rules:

- **exactly one job per tile**: before a job-creating request the row records
  its intent (``queued_for_start``, ``intent_at``) and the table is saved. A row
  with an intent but no job id gets a new job only after a complete listing of
  the back-end (all pages), made after a grace period that outlasts any request
  still in flight, does not show its title. Two jobs with one title: one is kept,
  the other canceled and deleted, and the user is told;
- **every failure has a policy** (:mod:`.failures`): transient ones back off
  (:mod:`.scheduler`) and the tile waits, never ``start_failed``; concurrency
  refusals lower the back-end's jobs at once; permanent ones fail the tile with
  the back-end's message; a lost login is renewed once, then the user is asked;
  a deleted job ends its tile with that message;
- **every run ends**: each tile final with a reason for each failure; when the
  first failures share one reason (an unknown band...) the remaining tiles are
  ``skipped`` with that reason instead of being submitted;
- **a credit budget** (``RunPolicy.budget``, :mod:`.budget`): a job is launched
  only while the costs so far plus the expected costs of the jobs in flight and
  its own fit; under a budget each job is created, its estimate asked, and only
  then started (or deleted unstarted); when nothing fits any more the tiles left
  are ``skipped`` with the reason, said once;
- **time limits** (``RunPolicy.max_waiting``, ``max_running``, :mod:`.run_limits`): a job
  stuck waiting or running past its limit is canceled and its tile fails with the reason.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Callable

from .definitions import ACTIVE_STATUSES, NOT_STARTED
from .downloads import Downloads
from .errors import GridJobsError, RunError
from .failures import Failure, FailureKind
from .gateway import Backend, BackendGateway, CallFailed
from .job_rows import TileUpdate, parse_time, reset_failed, tile_updates
from .job_template import PROCESS_UDP
from .run_launching import Launching
from .run_limits import TimeLimits
from .run_polling import Polling
from .run_results import ResultDownloads
from .run_state import MESSAGE_LIMIT, _log
from .scheduler import LAUNCH, READ, RunEvent
from .tile_rules import RANK, Breaker
from .workers import WorkerPool

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "RANK",
    "Backend",
    "GridJobRunner",
    "RunError",
    "RunEvent",
    "TileUpdate",
    "reset_failed",
]

TICK = 0.1  # seconds between checks of the stop flag
#: the shortest time between two turns of the loop (seconds). Every call that comes back
#: wakes the loop; a turn for each would hold the interpreter's lock (which the map's
#: main thread waits for) far more often than the news is worth
PACE = 0.02


class GridJobRunner(Polling, Launching, ResultDownloads, TimeLimits):
    """The run loop: its state is :class:`~.run_state.RunState`, its steps polling,
    launching, result downloads and time limits; the loop itself, start-up, cancel and the public
    API are here."""

    # --- public API -------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        return dict(Counter(self.frame["status"]))

    def is_done(self) -> bool:
        """Every tile final and every wanted result downloaded (or given up for this run)."""
        if not self._rows.all_final():
            return False
        pending = self._downloads is not None and self._downloads.pending
        # a failed tile's reason and a finished one's costs are still on their way
        asking = self._asking("error_log", "costs", "usage", "dropped", "links")
        return not pending and not asking and not self._missing_results()

    def request_cancel(self, indices: list[int] | None = None) -> None:
        """Cancel the back-end jobs of these rows (all when None), from any thread."""
        self.call_soon(lambda: self._cancel(indices))

    def call_soon(self, control: Callable[[], Any]) -> None:
        """Run ``control()`` on the loop's thread at the start of its next turn (from any
        thread): what changes the table or the loop's state goes through here."""
        self._controls.put(control)
        self._wake.set()

    def poll_now(self) -> None:
        """Ask every back-end for its jobs' statuses at the next turn (loop thread)."""
        for name in self.gateways:
            self.scheduler.backends[name].next_poll = 0.0

    def login_renewed(self, name: str) -> None:
        """``name`` has a new login (loop thread): connect with it at the next turn."""
        self.gateways[name].relogin()

    def rows_reset(self) -> None:
        """Rows were made ``not_started`` again (Retry failed, a raised budget) while the
        loop runs (loop thread): their new titles, the row index and the breaker."""
        self._row_of_title = {self._title(i): i for i in self.frame.index}
        self._rows.rebuild(self.frame)
        self.breaker = Breaker(self.policy.breaker)
        self._dirty.update(int(i) for i in self.frame.index)
        self._unsaved = True

    def indices_of(self, tile_ids: Iterable[str]) -> list[int]:
        wanted = set(tile_ids)
        return [int(i) for i in self.frame.index[self.frame["tile_id"].isin(wanted)]]

    def snapshot(self) -> list[TileUpdate]:
        return self.updates_of(self.frame)

    @staticmethod
    def updates_of(frame: pd.DataFrame) -> list[TileUpdate]:
        return tile_updates(frame)

    def outages(self) -> dict[str, str]:
        return self.scheduler.outages()

    def run(self, stop: threading.Event) -> dict[str, int]:
        """Submit and track jobs until every tile is final or ``stop`` is set."""
        try:
            self._open(stop)
            if not stop.is_set():
                self._preflight(stop)
            while not stop.is_set():
                self._cycle()
                if self.is_done():
                    break
                # calls that come back within PACE are applied in one turn, not one each
                stop.wait(PACE)
                self._wake.wait(TICK - PACE)
                self._wake.clear()
            self._collect()
            return self.counts()
        finally:
            self._flush()
            self._close()

    def cancel_now(self, indices: list[int] | None, stop: threading.Event) -> int:
        """Connect, cancel the jobs of ``indices`` (all when None), save; without a run."""
        try:
            self._open(stop)
            count = self._cancel(indices)
            self._drain(stop)
            return count
        finally:
            self._flush()
            self._close()

    def refresh_now(self, stop: threading.Event) -> dict[str, int]:
        """Connect, ask each back-end once for its jobs' statuses, save; launch nothing.

        What the dock's *Refresh statuses* does while no run is tracking, so the map
        can be brought up to date without submitting or starting any job.
        """
        try:
            self._open(stop)
            if not stop.is_set():
                self._poll()
                self._drain(stop)
            return self.counts()
        finally:
            self._flush()
            self._close()

    def _drain(self, stop: threading.Event) -> None:
        """Apply the calls still out (and those they lead to), for one request timeout."""
        deadline = self.clock() + self.policy.request_timeout
        while self._tasks and not stop.is_set() and self.clock() < deadline:
            self._wake.wait(TICK)
            self._wake.clear()
            self._collect()

    # --- start and end ----------------------------------------------------------------
    def _open(self, stop: threading.Event) -> None:
        # a runner may run again (after Retry failed, titles changed): start afresh
        self._row_of_title = {self._title(i): i for i in self.frame.index}
        self._rows.rebuild(self.frame)  # the table may have changed since (Retry failed)
        self._tasks.clear()
        self._busy.clear()
        self._polling.clear()
        self._listed.clear()
        self._login_said.clear()
        for gateway in self.gateways.values():
            gateway.resume()
        threads = self.policy.launch_threads + 2 * len(self.gateways)
        self._pool = WorkerPool(threads, "ogj-net", self._wake.set)
        self._downloads = Downloads(self.policy.download_threads, self._wake.set)
        deadline = self.clock() + self.policy.connect_patience
        futures = {
            name: self._pool.submit(self._connect_patiently, gw, deadline)
            for name, gw in self.gateways.items()
        }
        errors: dict[str, str] = {}
        for name, future in futures.items():
            failure = self._wait_for(future, stop)
            if failure is not None:
                errors[name] = failure.message
                self.scheduler.failed(name, READ, failure)
                self.scheduler.failed(name, LAUNCH, failure)
        if stop.is_set():
            return
        if len(errors) == len(self.gateways):
            raise RunError(
                "Cannot reach "
                + "; ".join(f"{name}: {message.rstrip('.')}" for name, message in errors.items())
                + ". Nothing was submitted; Run again when the back-end is back."
            )
        for name, message in errors.items():
            self._event(
                "warning",
                f"Back-end {name} is unreachable ({message}): the run goes on with the "
                "others and keeps trying it.",
            )
        # A crash may have left intents without job ids: look them up before any launch;
        # and jobs created but not started: start them.
        grace = float(self.policy.lookup_grace)
        for i in self.frame.index[self.frame["status"] == "queued_for_start"]:
            if not self._has(i, "id"):
                self._lookup_after[i] = parse_time(self.frame.at[i, "intent_at"]) + grace
        for i in self.frame.index[self.frame["status"] == "created"]:
            if self._has(i, "id"):
                self._not_before[i] = 0.0
        for i in self._rows.ordered(self._rows.with_status("queued", "running")):
            if self._has(i, "start_time"):  # when they should end: see run_polling
                self._started_at[i] = parse_time(self.frame.at[i, "start_time"])

    def _connect_patiently(self, gateway: BackendGateway, deadline: float) -> None:
        """Pool thread: log in, trying again with backoff while the back-end answers
        "not now", until ``deadline`` (a Stop abandons this thread)."""
        attempt = 0
        while True:
            try:
                gateway.connect()
                return
            except CallFailed as exc:
                attempt += 1
                left = deadline - self.clock()
                # patient with a back-end that answers "not now" (503, 429...), not with
                # one that cannot be reached at all (a wrong URL, no network)
                answered = exc.failure.status is not None
                if not (exc.failure.retryable and answered) or left <= 0:
                    raise
                time.sleep(min(left, self.scheduler.backoff(attempt, exc.failure.retry_after)))

    def _await(self, future: Future, stop: threading.Event) -> bool:
        """Wait for a start-up call, waking every tick for ``stop``; whether it ended."""
        while not future.done() and not stop.is_set():
            self._wake.wait(TICK)
            self._wake.clear()
        return future.done()

    def _wait_for(self, future: Future, stop: threading.Event) -> Failure | None:
        """Wait for a start-up call; its failure (a refused login goes up as it is)."""
        if not self._await(future, stop):
            return None
        try:
            future.result()
        except CallFailed as exc:
            return exc.failure
        return None

    def _preflight(self, stop: threading.Event) -> None:
        """Ask each back-end to validate the first waiting tile's job before any is made:
        an unknown collection or a broken process graph stops the run here.

        A call of the user's own UDP is not validated: openEO's ``/validation`` runs
        without the user (openeo-driver passes none), so it never finds the user's
        processes. Its description, read with the user's login, stands in: a UDP
        that does not exist, or a required parameter bound to nothing, stops the run."""
        waiting = self.frame.index[self.frame["status"] == NOT_STARTED]
        if not len(waiting) or self._pool is None:
            return
        self._check_parameters(stop)
        if self.template.process == PROCESS_UDP and not self.template.udp_namespace:
            return
        tile = self.extents[str(self.frame.at[waiting[0], "tile_id"])]
        for name, future in self._ask_each(lambda gw: gw.validate(self.template, tile), stop):
            try:
                errors = future.result()
            except (CallFailed, GridJobsError) as exc:  # validation is a courtesy
                _log.info("preflight validation on %s skipped: %s", name, exc)
                continue
            if errors:
                raise RunError(
                    f"Back-end {name} says the job is not valid: {'; '.join(errors)}. "
                    "Nothing was submitted: fix the job settings and run again."
                )

    def _ask_each(
        self, call: Callable[[BackendGateway], Any], stop: threading.Event
    ) -> Iterator[tuple[str, Future]]:
        """``call(gateway)`` on every connected back-end at once: (name, its finished
        future) pairs as they are awaited in turn; none more once Stop is asked."""
        if self._pool is None:
            return
        pool = self._pool
        futures = {n: pool.submit(call, gw) for n, gw in self.gateways.items() if gw.connected}
        for name, future in futures.items():
            if not self._await(future, stop):
                return
            yield name, future

    def _check_parameters(self, stop: threading.Event) -> None:
        """A UDP's required parameters bound to nothing, read from its description on
        each back-end, stop the run before any job is made (naming them)."""
        from .job_parameters import refuse_unbound

        if self.template.process != PROCESS_UDP:
            return
        for name, future in self._ask_each(lambda gw: gw.missing_parameters(self.template), stop):
            try:
                missing = future.result()
            except CallFailed as exc:
                raise RunError(
                    f"Could not read the parameters of the user-defined process "
                    f"{self.template.udp_id!r} on back-end {name}: {exc}. Nothing was submitted."
                ) from None
            try:
                refuse_unbound(
                    missing, f"The user-defined process {self.template.udp_id!r} on {name}"
                )
            except GridJobsError as exc:
                raise RunError(str(exc)) from None

    def _close(self) -> None:
        for gateway in self.gateways.values():
            gateway.halt()
        if self._pool is not None:
            self._pool.shutdown()
        if self._downloads is not None:
            self._downloads.shutdown()

    # --- one turn of the loop ---------------------------------------------------------------
    def _cycle(self) -> None:
        self._collect()
        self._process_controls()
        self._say_logins()
        self._say(self.scheduler.recover())
        self._reconnect()
        self._poll()
        self._enforce_limits()
        self._launch()
        self._retry_starts()
        self._start_downloads()
        self._flush(may_wait=True)
        if self.on_turn is not None:
            self.on_turn()

    def _collect(self) -> None:
        """Apply every finished call to the table (this thread is its only writer)."""
        for future in [f for f in self._tasks if f.done()]:
            kind, key = self._tasks.pop(future)
            try:
                value, failure = future.result(), None
            except CallFailed as exc:
                value, failure = None, exc.failure
            getattr(self, f"_on_{kind}")(key, value, failure)
        if self._downloads is not None:
            for result in self._downloads.finished():
                self._on_download(result.row, result.path, result.failure)

    def _reconnect(self) -> None:
        for name, gateway in self.gateways.items():
            busy = ("connect", name) in self._tasks.values()
            waiting = gateway.connected or gateway.login_needed is not None
            if not waiting and not busy and self.scheduler.ready(name, READ):
                self._submit("connect", name, gateway.reconnect)
                self.scheduler.polled(name)

    def _say_logins(self) -> None:
        """A back-end whose login was refused mid-run: said once (the run pauses it and
        goes on with the others); and once when it works again."""
        for name, gateway in self.gateways.items():
            if gateway.login_needed is not None and name not in self._login_said:
                self._login_said.add(name)
                self._event(
                    "warning",
                    f"{name} refused the run's login ({gateway.login_needed}). No new job is "
                    "submitted there, and its jobs are not tracked, until you log in again; "
                    "the run goes on.",
                )
                if self.on_login is not None:
                    self.on_login(name, gateway.login_needed)
            elif name in self._login_said and gateway.usable:
                self._login_said.discard(name)
                self._event("info", f"Logged in to {name} again: the run goes on there.")
                if self.on_login is not None:
                    self.on_login(name, None)

    def _on_connect(self, name: str, _: Any, failure: Failure | None) -> None:
        if failure is not None:
            self._say(self.scheduler.failed(name, READ, failure))
        else:
            self._say(self.scheduler.succeeded(name, READ))

    # --- cancel -----------------------------------------------------------------------------
    def _process_controls(self) -> None:
        while True:
            try:
                control = self._controls.get_nowait()
            except queue.Empty:
                return
            control()

    def _cancel(self, indices: list[int] | None) -> int:
        """Ask the back-end to cancel the active jobs of ``indices`` (all when None)."""
        count = 0
        for i in self.frame.index if indices is None else indices:
            if self.frame.at[i, "status"] not in ACTIVE_STATUSES:
                continue
            count += 1
            if not self._has(i, "id"):  # its job is being made: cancel it once it exists
                self._cancel_wanted.add(i)
                continue
            self._cancel_wanted.discard(i)
            gateway = self.gateways[self.frame.at[i, "backend_name"]]
            self._submit("canceled", i, gateway.cancel, self.frame.at[i, "id"])
        return count

    def _on_canceled(self, i: int, _: Any, failure: Failure | None) -> None:
        if failure is None or failure.kind is FailureKind.GONE:
            self._set(i, message="canceled by you")
            self._apply_status(i, "canceled", {})
        else:
            self._set(i, message=f"cancel failed: {failure.message}"[:MESSAGE_LIMIT])
