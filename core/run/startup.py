"""A run's start and end: connect to every back-end, check the job, pick up where a
crash left off; and let go of the connections and worker threads. In between,
:class:`Upkeep` reconnects lost back-ends and says refused logins.

:meth:`Startup.open` logs in to each back-end (patient with one that answers "not
now"), goes on without the ones that cannot be reached (the loop keeps trying
them) and fails only when none can; it then finds the rows a crash left between
an intent and a job id (looked up by title before any launch), the jobs made but
not started (started), and when the active ones started (when they should end).
:meth:`Startup.preflight` asks the back-ends to validate the first waiting tile's
job, so a broken template stops the run before any job is made.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any, Callable

from ..definitions import NOT_STARTED, TileStatus
from ..errors import GridJobsError, RunError
from ..jobs.parameters import refuse_unbound
from ..jobs.rows import parse_time
from ..jobs.template import PROCESS_UDP
from .downloads import Downloads
from .failures import Failure
from .gateway import BackendGateway, CallFailed
from .scheduler import LAUNCH, READ
from .state import Call, RunState, _log
from .workers import WorkerPool

TICK = 0.1  # seconds between checks of the stop flag


class Startup:
    """Opens a run on its back-ends, checks its job there, and closes it."""

    def __init__(self, state: RunState) -> None:
        self.state = state

    def open(self, stop: threading.Event) -> None:
        """Connect to the back-ends and take up the table where it was left."""
        state = self.state
        # a runner may run again (after Retry failed, titles changed): start afresh
        state.reindex()  # the table may have changed since (Retry failed)
        state.tasks.clear()
        state.busy.clear()
        state.polling.clear()
        state.listed.clear()
        for gateway in state.gateways.values():
            gateway.resume()
        threads = state.policy.launch_threads + 2 * len(state.gateways)
        state.pool = WorkerPool(threads, "ogj-net", state.wake.set)
        state.downloads = Downloads(state.policy.download_threads, state.wake.set)
        deadline = state.clock() + state.policy.connect_patience
        futures = {
            name: state.pool.submit(self._connect_patiently, gw, deadline)
            for name, gw in state.gateways.items()
        }
        errors: dict[str, str] = {}
        for name, future in futures.items():
            failure = self._wait_for(future, stop)
            if failure is not None:
                errors[name] = failure.message
                state.scheduler.failed(name, READ, failure)
                state.scheduler.failed(name, LAUNCH, failure)
        if stop.is_set():
            return
        if len(errors) == len(state.gateways):
            raise RunError(
                "Cannot reach "
                + "; ".join(f"{name}: {message.rstrip('.')}" for name, message in errors.items())
                + ". Nothing was submitted; Run again when the back-end is back."
            )
        for name, message in errors.items():
            state.event(
                "warning",
                f"Back-end {name} is unreachable ({message}): the run goes on with the "
                "others and keeps trying it.",
            )
        self._take_up()

    def _take_up(self) -> None:
        """A crash may have left intents without job ids: look them up before any launch;
        and jobs created but not started: start them."""
        state = self.state
        frame = state.frame
        grace = float(state.policy.lookup_grace)
        for i in frame.index[frame["status"] == TileStatus.QUEUED_FOR_START.value]:
            if not state.has(i, "id"):
                state.lookup_after[i] = parse_time(frame.at[i, "intent_at"]) + grace
        for i in frame.index[frame["status"] == TileStatus.CREATED.value]:
            if state.has(i, "id"):
                state.not_before[i] = 0.0
        for i in state.rows.ordered(state.rows.with_status(TileStatus.QUEUED, TileStatus.RUNNING)):
            if state.has(i, "start_time"):  # when they should end: see polling
                state.started_at[i] = parse_time(frame.at[i, "start_time"])

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
                left = deadline - self.state.clock()
                # patient with a back-end that answers "not now" (503, 429...), not with
                # one that cannot be reached at all (a wrong URL, no network)
                answered = exc.failure.status is not None
                if not (exc.failure.retryable and answered) or left <= 0:
                    raise
                backoff = self.state.scheduler.backoff(attempt, exc.failure.retry_after)
                time.sleep(min(left, backoff))

    def _await(self, future: Future, stop: threading.Event) -> bool:
        """Wait for a start-up call, waking every tick for ``stop``; whether it ended."""
        wake = self.state.wake
        while not future.done() and not stop.is_set():
            wake.wait(TICK)
            wake.clear()
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

    def preflight(self, stop: threading.Event) -> None:
        """Ask each back-end to validate the first waiting tile's job before any is made:
        an unknown collection or a broken process graph stops the run here.

        A call of the user's own UDP is not validated: openEO's ``/validation`` runs
        without the user (openeo-driver passes none), so it never finds the user's
        processes. Its description, read with the user's login, stands in: a UDP
        that does not exist, or a required parameter bound to nothing, stops the run."""
        state = self.state
        template = state.template
        waiting = state.frame.index[state.frame["status"] == NOT_STARTED]
        if not len(waiting) or state.pool is None:
            return
        self._check_parameters(stop)
        if template.process == PROCESS_UDP and not template.udp_namespace:
            return
        tile = state.extents[str(state.frame.at[waiting[0], "tile_id"])]
        for name, future in self._ask_each(lambda gw: gw.validate(template, tile), stop):
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
        pool = self.state.pool
        if pool is None:
            return
        gateways = self.state.gateways
        futures = {n: pool.submit(call, gw) for n, gw in gateways.items() if gw.connected}
        for name, future in futures.items():
            if not self._await(future, stop):
                return
            yield name, future

    def _check_parameters(self, stop: threading.Event) -> None:
        """A UDP's required parameters bound to nothing, read from its description on
        each back-end, stop the run before any job is made (naming them)."""
        template = self.state.template
        if template.process != PROCESS_UDP:
            return
        for name, future in self._ask_each(lambda gw: gw.missing_parameters(template), stop):
            try:
                missing = future.result()
            except CallFailed as exc:
                raise RunError(
                    f"Could not read the parameters of the user-defined process "
                    f"{template.udp_id!r} on back-end {name}: {exc}. Nothing was submitted."
                ) from None
            try:
                refuse_unbound(missing, f"The user-defined process {template.udp_id!r} on {name}")
            except GridJobsError as exc:
                raise RunError(str(exc)) from None

    def close(self) -> None:
        """Halt the back-ends' calls and let go of the worker threads."""
        state = self.state
        for gateway in state.gateways.values():
            gateway.halt()
        if state.pool is not None:
            state.pool.shutdown()
        if state.downloads is not None:
            state.downloads.shutdown()


class Upkeep:
    """Back-ends lost mid-run: reconnected when the scheduler lets them be tried again,
    and a refused login said (once, and once when it works again)."""

    def __init__(self, state: RunState) -> None:
        self.state = state
        #: back-ends whose refused login was said (until it works again)
        self._login_said: set[str] = set()

    def reset(self) -> None:
        """A run starts: nothing said yet."""
        self._login_said.clear()

    def reconnect(self) -> None:
        """Connect again to the back-ends that were lost (not those waiting for a login)."""
        state = self.state
        connecting = state.keys_asked(Call.CONNECT)
        for name, gateway in state.gateways.items():
            waiting = gateway.connected or gateway.login_needed is not None
            if not waiting and name not in connecting and state.scheduler.ready(name, READ):
                state.submit(Call.CONNECT, name, gateway.reconnect)
                state.scheduler.polled(name)

    def on_connect(self, name: str, _: Any, failure: Failure | None) -> None:
        state = self.state
        if failure is not None:
            state.say(state.scheduler.failed(name, READ, failure))
        else:
            state.say(state.scheduler.succeeded(name, READ))

    def say_logins(self) -> None:
        """A back-end whose login was refused mid-run: said once (the run pauses it and
        goes on with the others); and once when it works again."""
        state = self.state
        for name, gateway in state.gateways.items():
            if gateway.login_needed is not None and name not in self._login_said:
                self._login_said.add(name)
                state.event(
                    "warning",
                    f"{name} refused the run's login ({gateway.login_needed}). No new job is "
                    "submitted there, and its jobs are not tracked, until you log in again; "
                    "the run goes on.",
                )
                if state.on_login is not None:
                    state.on_login(name, gateway.login_needed)
            elif name in self._login_said and gateway.usable:
                self._login_said.discard(name)
                state.event("info", f"Logged in to {name} again: the run goes on there.")
                if state.on_login is not None:
                    state.on_login(name, None)
