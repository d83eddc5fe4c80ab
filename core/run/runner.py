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
  its intent (``queued_for_start``, ``intent_at``), on disk before the request
  leaves: appended to the intent journal (:mod:`.intent_journal`), not by a save of
  the whole table (:meth:`~.state.RunState.flush` saves it at most every second). A
  row with an intent but no job id gets a new job only after a complete listing of
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
- **time limits** (``RunPolicy.max_waiting``, ``max_running``, :mod:`.limits`): a job
  stuck waiting or running past its limit is canceled and its tile fails with the reason.

The runner is made of parts that each hold the one :class:`~.state.RunState` and
call one another only through what they were given when built:
:class:`~.startup.Startup` (open, preflight, close), :class:`~.statuses.JobStatuses`
(a job's reported status into its row), :class:`~.polling.Poller`,
:class:`~.launching.Launcher`, :class:`~.fetching.ResultFetcher` and
:class:`~.limits.TimeLimits`. Each call sent to a back-end is tagged with a
:class:`~.state.Call`; :data:`GridJobRunner._handlers` maps each tag to the part's
method that takes its answer.
"""

from __future__ import annotations

import queue
import threading
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..errors import RunError
from ..jobs.rows import TileUpdate, reset_failed, tile_updates
from .cancel import Canceller
from .fetching import ResultFetcher
from .gateway import Backend, BackendGateway, CallFailed
from .launching import Launcher
from .limits import TimeLimits
from .polling import Poller
from .scheduler import RunEvent, RunPolicy, Scheduler
from .startup import TICK, Startup, Upkeep
from .state import Call, Handler, RunState
from .statuses import JobStatuses
from .tile_rules import RANK, Breaker

if TYPE_CHECKING:
    import pandas as pd

    from ..jobs.database import JobDatabase
    from ..jobs.row_extents import TileExtent
    from ..jobs.template import JobTemplate

__all__ = [
    "RANK",
    "Backend",
    "GridJobRunner",
    "RunError",
    "RunEvent",
    "TileUpdate",
    "reset_failed",
]

#: the shortest time between two turns of the loop (seconds). Every call that comes back
#: wakes the loop; a turn for each would hold the interpreter's lock (which the map's
#: main thread waits for) far more often than the news is worth
PACE = 0.02


class GridJobRunner:
    """The run loop, made of its parts (see the module's docstring); the loop itself and
    the public API are here."""

    def __init__(
        self,
        db: JobDatabase,
        frame: pd.DataFrame,
        template: JobTemplate,
        backends: Iterable[Backend],
        **options: Any,
    ) -> None:
        """``options``: the run's settings, as :class:`~.state.RunState` takes them."""
        self.state = state = RunState(db, frame, template, backends, **options)
        self.startup = Startup(state)
        self.statuses = JobStatuses(state)
        self.poller = Poller(state, self.statuses)
        self.upkeep = Upkeep(state)
        self.canceller = Canceller(state, self.statuses)
        self.launcher = Launcher(state, self.statuses, cancel=self.canceller.cancel)
        self.results = ResultFetcher(state)
        self.limits = TimeLimits(state, self.statuses)
        #: who takes the answer of each kind of call
        self._handlers: dict[Call, Handler] = {
            Call.CONNECT: self.upkeep.on_connect,
            Call.POLL: self.poller.on_poll,
            Call.REMOVED: self.poller.on_removed,
            Call.CREATED: self.launcher.on_created,
            Call.ESTIMATED: self.launcher.on_estimated,
            Call.STARTED: self.launcher.on_started,
            Call.DROPPED: self.launcher.on_dropped,
            Call.ERROR_LOG: self.launcher.on_error_log,
            Call.CANCELED: self.canceller.on_canceled,
            Call.COSTS: self.statuses.on_costs,
            Call.USAGE: self.statuses.on_usage,
            Call.LINKS: self.results.on_links,
            Call.OVERDUE: self.limits.on_overdue,
            Call.OVERDUE_CHECKED: self.limits.on_overdue_checked,
        }
        #: what other threads ask of the loop (cancel, refresh, a new login...), done
        #: at the start of its next turn, on its thread: the table's only writer
        self._controls: queue.Queue[Callable[[], Any]] = queue.Queue()

    # --- the state's settings, as callers read (and set) them --------------------------------
    @property
    def frame(self) -> pd.DataFrame:
        return self.state.frame

    @property
    def db(self) -> JobDatabase:
        return self.state.db

    @property
    def template(self) -> JobTemplate:
        return self.state.template

    @property
    def backends(self) -> list[Backend]:
        return self.state.backends

    @property
    def extents(self) -> dict[str, TileExtent]:
        return self.state.extents

    @property
    def gateways(self) -> dict[str, BackendGateway]:
        return self.state.gateways

    @property
    def scheduler(self) -> Scheduler:
        return self.state.scheduler

    @property
    def run_tag(self) -> str:
        return self.state.run_tag

    @property
    def saves(self) -> tuple[int, float, float]:
        """The table's saves so far: how many, seconds in all, the longest."""
        return self.state.saves

    @property
    def policy(self) -> RunPolicy:
        return self.state.policy

    @policy.setter
    def policy(self, policy: RunPolicy) -> None:
        self.state.policy = policy

    @property
    def output_dir(self) -> Path | None:
        return self.state.output_dir

    @property
    def on_update(self) -> Callable[[list[TileUpdate]], None] | None:
        return self.state.on_update

    @on_update.setter
    def on_update(self, on_update: Callable[[list[TileUpdate]], None] | None) -> None:
        self.state.on_update = on_update

    @property
    def on_event(self) -> Callable[[RunEvent], None] | None:
        return self.state.on_event

    @on_event.setter
    def on_event(self, on_event: Callable[[RunEvent], None] | None) -> None:
        self.state.on_event = on_event

    # --- public API -------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        return dict(Counter(self.frame["status"]))

    def is_done(self) -> bool:
        """Every tile final and every wanted result downloaded (or given up for this run)."""
        state = self.state
        if not state.rows.all_final():
            return False
        pending = state.downloads is not None and state.downloads.pending
        # a failed tile's reason and a finished one's costs are still on their way
        asking = state.asking(Call.ERROR_LOG, Call.COSTS, Call.USAGE, Call.DROPPED, Call.LINKS)
        return not pending and not asking and not self.results.missing()

    def request_cancel(self, indices: list[int] | None = None) -> None:
        """Cancel the back-end jobs of these rows (all when None), from any thread."""
        self.call_soon(lambda: self.canceller.cancel(indices))

    def call_soon(self, control: Callable[[], Any]) -> None:
        """Run ``control()`` on the loop's thread at the start of its next turn (from any
        thread): what changes the table or the loop's state goes through here."""
        self._controls.put(control)
        self.state.wake.set()

    def poll_now(self) -> None:
        """Ask every back-end for its jobs' statuses at the next turn (loop thread)."""
        for name in self.gateways:
            self.scheduler.backends[name].next_poll = 0.0

    def login_renewed(self, name: str) -> None:
        """``name`` has a new login (loop thread): connect with it at the next turn."""
        self.gateways[name].relogin()

    def set_budget(self, cap: float | None, earlier_costs: float = 0.0) -> None:
        """The run's credit cap (None: none); ``earlier_costs`` count as spent."""
        self.state.set_budget(cap, earlier_costs)

    def rows_reset(self) -> None:
        """Rows were made ``not_started`` again (Retry failed, a raised budget) while the
        loop runs (loop thread): their new titles, the row index and the breaker."""
        state = self.state
        state.reindex()
        state.breaker = Breaker(state.policy.breaker)
        state.all_changed()

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
        wake = self.state.wake
        try:
            self._open(stop)
            if not stop.is_set():
                self.startup.preflight(stop)
            while not stop.is_set():
                self._cycle()
                if self.is_done():
                    break
                # calls that come back within PACE are applied in one turn, not one each
                stop.wait(PACE)
                wake.wait(TICK - PACE)
                wake.clear()
            self._collect()
            return self.counts()
        finally:
            self.state.flush()
            self.startup.close()

    def cancel_now(self, indices: list[int] | None, stop: threading.Event) -> int:
        """Connect, cancel the jobs of ``indices`` (all when None), save; without a run."""
        try:
            self._open(stop)
            count = self.canceller.cancel(indices)
            self._drain(stop)
            return count
        finally:
            self.state.flush()
            self.startup.close()

    def refresh_now(self, stop: threading.Event) -> dict[str, int]:
        """Connect, ask each back-end once for its jobs' statuses, save; launch nothing.

        What the dock's *Refresh statuses* does while no run is tracking, so the map
        can be brought up to date without submitting or starting any job.
        """
        try:
            self._open(stop)
            if not stop.is_set():
                self.poller.poll()
                self._drain(stop)
            return self.counts()
        finally:
            self.state.flush()
            self.startup.close()

    def _open(self, stop: threading.Event) -> None:
        self.upkeep.reset()
        self.startup.open(stop)

    def _drain(self, stop: threading.Event) -> None:
        """Apply the calls still out (and those they lead to), for one request timeout."""
        state = self.state
        deadline = state.clock() + state.policy.request_timeout
        while state.tasks and not stop.is_set() and state.clock() < deadline:
            state.wake.wait(TICK)
            state.wake.clear()
            self._collect()

    # --- one turn of the loop ---------------------------------------------------------------
    def _cycle(self) -> None:
        state = self.state
        self._collect()
        self._process_controls()
        self.upkeep.say_logins()
        state.say(state.scheduler.recover())
        self.upkeep.reconnect()
        self.poller.poll()
        self.limits.enforce()
        self.launcher.launch()
        self.launcher.retry_starts()
        self.results.fetch()
        state.flush(may_wait=True)
        if state.on_turn is not None:
            state.on_turn()

    def _collect(self) -> None:
        """Hand every finished call to its handler (this thread is the table's only writer)."""
        tasks = self.state.tasks
        for future in [f for f in tasks if f.done()]:
            kind, key = tasks.pop(future)
            try:
                value, failure = future.result(), None
            except CallFailed as exc:
                value, failure = None, exc.failure
            self._handlers[kind](key, value, failure)
        downloads = self.state.downloads
        if downloads is not None:
            for result in downloads.finished():
                self.results.on_download(result.row, result.path, result.failure)

    def _process_controls(self) -> None:
        while True:
            try:
                control = self._controls.get_nowait()
            except queue.Empty:
                return
            control()
