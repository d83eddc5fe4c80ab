"""What the run loop knows between turns, and the only way it writes the job table.

:class:`RunState` holds a :class:`~.runner.GridJobRunner`'s settings, its back-ends
(gateways, scheduler, worker pools), the calls in flight and the per-tile
bookkeeping shared by the loop's parts (intents being looked up, backoffs, rows
busy); its :meth:`~RunState.set` is the one writer of the job table and
:meth:`~RunState.flush` saves and reports what changed. The parts of the loop
(:mod:`.startup`, :mod:`.statuses`, :mod:`.polling`,
:mod:`.launching`, :mod:`.fetching`, :mod:`.limits`) each hold this one
object; :mod:`.runner` puts them together.

Each call sent to a back-end is tagged with a :class:`Call`; the loop hands its
answer to the one handler the runner maps that tag to.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..definitions import TileStatus
from ..errors import JobDatabaseError, RunError
from ..jobs.database import JobDatabase
from ..jobs.row_extents import tile_extents
from ..jobs.rows import TileUpdate, final_times, same_cell, tile_updates
from .budget import CreditBudget, tile_km2_days
from .downloads import Downloads
from .gateway import Backend, BackendGateway
from .intent_journal import IntentJournal
from .row_index import RowIndex
from .scheduler import RunEvent, RunPolicy, Scheduler
from .tile_rules import Breaker
from .workers import WorkerPool

if TYPE_CHECKING:
    import pandas as pd

    from ..jobs.template import JobTemplate
    from .failures import Failure

#: the whole loop logs as ``core.run.runner``, whichever of its modules says it
_log = logging.getLogger(__name__.rsplit(".", 1)[0] + ".runner")
MESSAGE_LIMIT = 250  # fits a Shapefile text field
#: finished jobs' times kept to expect when the others end
DURATIONS_KEPT = 25
#: a turn of the loop saves the table at most this often (seconds); see ``flush``
SAVE_EVERY = 1.0
#: and at most every this many times a save takes on average, so that saves are at most
#: 1 % of the loop's time (a save rewrites the whole table; ``benchmarks/engine_cost.py``
#: measures what it costs)
SAVE_SHARE = 100
#: and reports what changed at most this often (seconds)
REPORT_EVERY = 0.1


class Call(Enum):
    """What a call sent to a back-end is for: the runner maps each to its handler."""

    CONNECT = "connect"
    POLL = "poll"
    CREATED = "created"
    ESTIMATED = "estimated"
    STARTED = "started"
    CANCELED = "canceled"
    DROPPED = "dropped"
    REMOVED = "removed"
    COSTS = "costs"
    USAGE = "usage"
    ERROR_LOG = "error_log"
    LINKS = "links"
    OVERDUE = "overdue"
    OVERDUE_CHECKED = "overdue_checked"


#: a call's answer to its handler: (key, value, failure); see :meth:`RunState.submit`
Handler = Callable[[Any, Any, "Failure | None"], None]


class RunState:
    """The loop's settings, back-ends, calls in flight and shared per-tile bookkeeping."""

    def __init__(
        self,
        db: JobDatabase,
        frame: pd.DataFrame,
        template: JobTemplate,
        backends: Iterable[Backend],
        *,
        policy: RunPolicy | None = None,
        output_dir: str | Path | None = None,
        on_update: Callable[[list[TileUpdate]], None] | None = None,
        on_event: Callable[[RunEvent], None] | None = None,
        on_login: Callable[[str, str | None], None] | None = None,
        on_turn: Callable[[], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        earlier_costs: float = 0.0,
        download: bool = True,
    ) -> None:
        """``earlier_costs``: credits of this run's jobs no longer in ``frame`` (a retried
        tile's earlier job, a split tile's), which a credit budget counts as spent.
        ``on_login(name, why)``: a back-end's login was refused mid-run (``why``), or works
        again (None). ``on_turn()``: after each turn of the loop, on the loop's thread
        (where the caller may read the table)."""
        self.db = db
        self.frame = frame
        self.template = template.validate()
        backends = list(backends)
        if not backends:
            raise RunError("Add at least one openEO back-end.")
        names = [b.name for b in backends]
        if len(set(names)) != len(names):
            raise RunError(f"Back-end names must be unique, got {names}.")
        for backend in backends:
            if backend.parallel_jobs < 1:
                raise RunError(f"Back-end {backend.name!r} needs at least 1 parallel job.")
        self.backends = backends
        #: the run's settings, its poll interval among them (one place: RunPolicy)
        self.policy = policy = policy or RunPolicy()
        self.output_dir = Path(output_dir) if output_dir else None
        #: download results into output_dir; False: only ask where they are (result_url)
        self.download = download
        self.on_update = on_update
        self.on_event = on_event
        self.on_login = on_login
        self.on_turn = on_turn
        self.clock, self.wall_clock = clock, wall_clock
        self.gateways = {b.name: BackendGateway(b, policy.request_timeout) for b in backends}
        self.scheduler = Scheduler(
            {b.name: b.parallel_jobs for b in backends},
            policy,
            clock=clock,
            wall_clock=wall_clock,
            rng=rng,
            queue_caps={b.name: b.queued_jobs for b in backends},
        )
        unknown = set(frame["backend_name"].dropna()) - set(names)
        if unknown:
            raise RunError(
                f"Rows of the job database name back-ends that are not in this run: "
                f"{', '.join(sorted(map(str, unknown)))}. Add them, or map them to one."
            )
        self.extents = {e.tile_id: e for e in tile_extents(frame, self.template.bound_columns())}
        self.breaker = Breaker(policy.breaker)
        self.budget: CreditBudget | None = None
        self.budget_said = False  # that the budget stopped launching, said this run
        self.set_budget(policy.budget, earlier_costs)
        self.row_of_title: dict[str, int] = {}
        #: set by every call that comes back (and by what other threads ask of the loop)
        self.wake = threading.Event()
        self.pool: WorkerPool | None = None
        self.downloads: Downloads | None = None
        self.tasks: dict[Future, tuple[Call, Any]] = {}
        self.busy: set[int] = set()  # rows with a create/start/cancel in flight
        self.polling: set[str] = set()  # back-ends with a poll in flight
        self.listed: set[str] = set()  # back-ends listed completely once this run
        #: rows waiting for a backoff (clock time) before their next create or start
        self.not_before: dict[int, float] = {}
        #: rows with an intent but no job id: wall time after which "not listed" proves
        #: that no job was made
        self.lookup_after: dict[int, float] = {}
        self.cancel_wanted: set[int] = set()  # rows to cancel once their job exists
        #: which rows are in which state, as ``set`` keeps it (read every turn)
        self.rows = RowIndex(frame)
        #: wall time each active job was started, and what the finished ones took from
        #: start to end (the last few): when the others should end (polling)
        self.started_at: dict[int, float] = {}
        self.durations: deque[float] = deque(maxlen=DURATIONS_KEPT)
        #: wall time each active job was last seen unfinished (the poll's sending): with
        #: the back-end's whole-second ``updated``, it narrows when a job really ended
        self.seen_unfinished: dict[int, float] = {}
        #: rows whose job is being canceled past a time limit, and why (see limits)
        self.overdue: dict[int, str] = {}
        #: why the table cannot be saved (None: it can); nothing is launched meanwhile
        self.save_error: str | None = None
        #: the table's saves so far: how many, seconds in all, the longest (on ``clock``)
        self.saves: tuple[int, float, float] = (0, 0.0, 0.0)
        self._dirty: set[int] = set()  # rows changed since the last report
        self._unsaved = False  # changes not on disk yet
        self._saved_at = self._reported_at = float("-inf")  # clock() of the last ones
        self._save_retry_at = float("-inf")
        #: jobs to delete once the table that says so is on disk (see Launcher.on_estimated)
        self._drops_unsaved: list[tuple[str, str]] = []
        #: intents written there before their requests leave (see record_intents)
        self._journal = IntentJournal(db.path)

    def set_budget(self, cap: float | None, earlier_costs: float = 0.0) -> None:
        """The run's credit cap (None: none); ``earlier_costs`` count as spent."""
        self.policy = replace(self.policy, budget=cap)
        self.budget_said = False
        if cap is None:
            self.budget = None
            return
        import pandas as pd

        frame = self.frame
        sizes = [tile_km2_days(self.extents[str(t)], self.template) for t in frame["tile_id"]]
        self.budget = CreditBudget(cap, pd.Series(sizes, index=frame.index), earlier_costs)

    @property
    def run_tag(self) -> str:
        return str(self.frame["run_tag"].iloc[0])

    def reindex(self) -> None:
        """The row index and each row's title built afresh from the table (a run starts,
        or rows were reset while it runs)."""
        self.row_of_title = {self.title(i): i for i in self.frame.index}
        self.rows.rebuild(self.frame)

    def all_changed(self) -> None:
        """Every row to be reported and saved again (rows were reset)."""
        self._dirty.update(int(i) for i in self.frame.index)
        self._unsaved = True

    # --- calls in flight --------------------------------------------------------------------
    def asking(self, *kinds: Call) -> bool:
        """Whether a call of one of these kinds is still out."""
        return any(kind in kinds for kind, _ in self.tasks.values())

    def keys_asked(self, kind: Call) -> set[Any]:
        """The keys (rows, back-ends, job ids) of the calls of ``kind`` still out."""
        return {key for k, key in self.tasks.values() if k is kind}

    def submit(self, kind: Call, key: Any, func: Callable[..., Any], *args: Any) -> None:
        """``func(*args)`` on a pool thread; its answer goes to ``kind``'s handler with
        ``key`` once it is back (see GridJobRunner's loop)."""
        if self.pool is None:
            raise RunError("The run is not open: nothing can be sent to a back-end.")
        self.tasks[self.pool.submit(func, *args)] = (kind, key)

    # --- bookkeeping ------------------------------------------------------------------------
    def title(self, i: int) -> str:
        attempt = int(self.frame.at[i, "attempt"])
        return self.template.job_title(str(self.frame.at[i, "tile_id"]), self.run_tag, attempt)

    def fail(self, i: int, status: str, message: str) -> None:
        self.lookup_after.pop(i, None)
        if status == TileStatus.START_FAILED:  # its job, if one was made, never started
            self.set(i, start_time=None)
        message = message[:MESSAGE_LIMIT]
        self.set(i, status=status, intent_at=None, message=message, **self.ended(i))

    def ended(self, i: int, reported: Any = None) -> dict[str, Any]:
        """``end_time`` and ``duration_s`` of row ``i`` becoming final (``reported``: the
        back-end's ``updated`` time of its job, when it has one)."""
        return final_times(self.frame.at[i, "start_time"], self.wall_clock(), reported)

    def has(self, i: int, column: str) -> bool:
        value = self.frame.at[i, column]
        return value is not None and value == value

    def set(self, i: int, **values: Any) -> None:
        """The one writer of the job table: row ``i``'s ``values``, indexed and marked to
        be saved and reported. A value the cell already holds is not written: reading a
        cell costs pandas a tenth of writing it, and a job's progress, a launch's empty
        fields and a status polled again mostly change nothing; a row with no change is
        neither saved nor reported again."""
        frame = self.frame
        changed: dict[str, Any] = {}
        for column, value in values.items():
            if column in frame.columns and same_cell(frame.at[i, column], value):
                continue
            frame.at[i, column] = value
            changed[column] = value
        if not changed:
            return
        self.rows.update(i, changed)
        self._dirty.add(i)
        self._unsaved = True

    def flush(self, *, may_wait: bool = False) -> bool:
        """Save the table (atomically) and report what changed, in one batch; whether
        the table is on disk now.

        A save rewrites the whole table (its cost grows with the rows), and each report
        is a batch every viewer applies. So a turn of the loop (``may_wait``) saves at
        most every :data:`SAVE_EVERY` seconds (a big table less often: every
        :data:`SAVE_SHARE` times its mean save) and reports at most every
        :data:`REPORT_EVERY` seconds, however many calls came back meanwhile; any other
        flush does both at once, and a run ends with its table saved and reported.
        Intents do not wait for a save: they go to the intent journal before their
        requests leave (:meth:`record_intents`). A crash loses the news since the last
        save (a second's; a big table's: SAVE_SHARE mean saves), which the next run asks the
        back-end again (a job id too: the intent, in the table or the journal, makes it
        look its job up by title); viewers of a live run are sent each change at once.

        A table that cannot be saved (disk full, a network drive gone) does not end the
        run: it is said once, the loop goes on tracking in memory, launches nothing (an
        intent must be on disk first) and tries again every ``policy.save_retry`` seconds.
        """
        now = self.clock()
        # a big table is saved less often: its saves stay a small share of the run's time
        count, seconds, _ = self.saves
        every = max(SAVE_EVERY, SAVE_SHARE * seconds / count) if count else SAVE_EVERY
        due = not (may_wait and now - self._saved_at < every)
        if self._unsaved and due and (self.save_error is None or now >= self._save_retry_at):
            self._save(now)
        if self._dirty and not (may_wait and now - self._reported_at < REPORT_EVERY):
            rows = sorted(self._dirty)
            self._dirty.clear()
            self._reported_at = now
            if self.on_update is not None:
                self.on_update(tile_updates(self.frame, rows))
        return not self._unsaved

    def record_intents(self, rows: list[int]) -> bool:
        """The intents of ``rows`` on disk (the journal), before their requests leave;
        False when the disk refused (the rows stay unlaunched: see flush)."""
        frame = self.frame
        intents = [
            {
                "tile_id": str(frame.at[i, "tile_id"]),
                "backend_name": frame.at[i, "backend_name"],
                "intent_at": frame.at[i, "intent_at"],
                "attempt": int(frame.at[i, "attempt"]),
            }
            for i in rows
        ]
        try:
            self._journal.write(intents)
        except JobDatabaseError as exc:
            self._disk_refused(str(exc))
            return False
        return True

    def _disk_refused(self, why: str) -> None:
        """Said once: the run goes on tracking in memory, launching nothing, and tries
        to save again every ``policy.save_retry`` seconds."""
        retry = self.policy.save_retry
        self._save_retry_at = self.clock() + retry
        self._unsaved = True
        if self.save_error is None:
            self.save_error = why
            self.event(
                "warning",
                f"{why} The run goes on tracking its jobs in memory and submits no new "
                f"job until the table can be saved; it tries again every {retry:g} s.",
            )

    def _save(self, now: float) -> None:
        began = self.clock()
        try:
            self.db.save(self.frame)
        except JobDatabaseError as exc:
            self._disk_refused(str(exc))
            return
        self._unsaved, self._saved_at = False, now
        self._journal.clear()  # the table holds every intent now
        took = self.clock() - began
        self.saves = (self.saves[0] + 1, self.saves[1] + took, max(self.saves[2], took))
        if self.save_error is not None:
            self.save_error = None
            self.event("info", f"The job database {self.db.path.name} is saved again.")
        drops, self._drops_unsaved = self._drops_unsaved, []
        for name, job_id in drops:
            self.submit(Call.DROPPED, job_id, self.gateways[name].remove, job_id)

    def drop_once_saved(self, name: str, job_id: str) -> None:
        """Delete ``name``'s job ``job_id`` once the table that says it is not wanted is on
        disk (a resumed run must not start it): now if the table can be saved, else
        after the save that succeeds."""
        if self.flush():
            self.submit(Call.DROPPED, job_id, self.gateways[name].remove, job_id)
        else:
            self._drops_unsaved.append((name, job_id))

    def say(self, event: RunEvent | None) -> None:
        if event is not None:
            self.event(event.level, event.message)

    def event(self, level: str, message: str, notify: str = "") -> None:
        """To the caller's ``on_event`` (CLI, dock), or else to the log: said once.
        ``notify``: a moment worth a notification (see :mod:`..engine.notifications`)."""
        if self.on_event is not None:
            self.on_event(RunEvent(level, message, notify))
        else:
            getattr(_log, "info" if level == "info" else "warning")(message)
