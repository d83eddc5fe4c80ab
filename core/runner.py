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
  are ``skipped`` with the reason, said once.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .budget import CreditBudget, credits_text, tile_km2_days
from .definitions import ACTIVE_STATUSES, FAILED_STATUSES, FINAL_STATUSES, NOT_STARTED
from .downloads import Downloads
from .errors import GridJobsError, RunError
from .failures import Failure, FailureKind
from .gateway import Backend, BackendGateway, CallFailed, Listing
from .job_db import JobDatabase, tile_extents
from .job_rows import (
    TileUpdate,
    adopted_start,
    final_times,
    now_utc,
    parse_time,
    reset_failed,
    tile_update,
    utc_text,
)
from .scheduler import LAUNCH, READ, RunEvent, RunPolicy, Scheduler
from .tile_rules import RANK, Breaker, keep_one, moves_forward
from .workers import WorkerPool

if TYPE_CHECKING:
    import pandas as pd

    from .job_template import JobTemplate

__all__ = [
    "ACTIVE_STATUSES",
    "FAILED_STATUSES",
    "RANK",
    "Backend",
    "GridJobRunner",
    "RunError",
    "RunEvent",
    "TileUpdate",
    "reset_failed",
]

_log = logging.getLogger(__name__)
MESSAGE_LIMIT = 250  # fits a Shapefile text field
TICK = 0.1  # seconds between checks of the stop flag
#: a turn of the loop saves the table at most this often (seconds); see ``_flush``
SAVE_EVERY = 1.0
#: and reports what changed at most this often (seconds)
REPORT_EVERY = 0.1


class GridJobRunner:
    def __init__(
        self,
        db: JobDatabase,
        frame: pd.DataFrame,
        template: JobTemplate,
        backends: Iterable[Backend],
        *,
        poll_interval: float | None = None,
        policy: RunPolicy | None = None,
        output_dir: str | Path | None = None,
        on_update: Callable[[list[TileUpdate]], None] | None = None,
        on_event: Callable[[RunEvent], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        earlier_costs: float = 0.0,
    ) -> None:
        """``earlier_costs``: credits of this run's jobs no longer in ``frame`` (a retried
        tile's earlier job, a split tile's), which a credit budget counts as spent."""
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
        policy = policy or RunPolicy()
        if poll_interval is not None:
            policy = replace(policy, poll_interval=float(poll_interval))
        self.policy = policy
        self.output_dir = Path(output_dir) if output_dir else None
        self.on_update = on_update
        self.on_event = on_event
        self.clock, self.wall_clock = clock, wall_clock
        self.gateways = {b.name: BackendGateway(b, policy.request_timeout) for b in backends}
        self.scheduler = Scheduler(
            {b.name: b.parallel_jobs for b in backends},
            policy,
            clock=clock,
            wall_clock=wall_clock,
            rng=rng,
        )
        unknown = set(frame["backend_name"].dropna()) - set(names)
        if unknown:
            raise RunError(
                f"Rows of the job database name back-ends that are not in this run: "
                f"{', '.join(sorted(map(str, unknown)))}. Add them, or map them to one."
            )
        self.extents = {e.tile_id: e for e in tile_extents(frame)}
        self.breaker = Breaker(policy.breaker)
        self.budget: CreditBudget | None = None
        if policy.budget is not None:
            import pandas as pd

            sizes = [tile_km2_days(self.extents[str(t)], self.template) for t in frame["tile_id"]]
            self.budget = CreditBudget(
                policy.budget, pd.Series(sizes, index=frame.index), earlier_costs
            )
        self._budget_said = False
        self._disk_said = False  # a results folder that cannot be written was said
        self._row_of_title: dict[str, int] = {}
        self._wake = threading.Event()
        self._pool: WorkerPool | None = None
        self._downloads: Downloads | None = None
        self._tasks: dict[Future, tuple[str, Any]] = {}
        self._busy: set[int] = set()  # rows with a create/start/cancel in flight
        self._polling: set[str] = set()
        self._listed: set[str] = set()  # back-ends listed completely once this run
        self._not_before: dict[int, float] = {}
        self._attempts: Counter = Counter()
        self._download_failures: Counter = Counter()
        self._download_after: dict[int, float] = {}
        #: rows with an intent but no job id: wall time after which "not listed" proves
        #: that no job was made
        self._lookup_after: dict[int, float] = {}
        self._cancel_wanted: set[int] = set()
        self._removed: set[str] = set()  # duplicate jobs already deleted
        self._dirty: set[int] = set()  # rows changed since the last report
        self._unsaved = False  # changes not on disk yet
        self._saved_at = self._reported_at = float("-inf")  # clock() of the last ones
        self._cancel_requests: queue.Queue[list[int] | None] = queue.Queue()
        self._login_lost: GridJobsError | None = None

    # --- public API -------------------------------------------------------------------
    @property
    def run_tag(self) -> str:
        return str(self.frame["run_tag"].iloc[0])

    def counts(self) -> dict[str, int]:
        return dict(Counter(self.frame["status"]))

    def is_done(self) -> bool:
        """Every tile final and every wanted result downloaded (or given up for this run)."""
        if not self.frame["status"].isin(FINAL_STATUSES).all():
            return False
        pending = self._downloads is not None and self._downloads.pending
        # a failed tile's reason and a finished one's costs are still on their way
        asking = self._asking("error_log", "costs", "dropped")
        return not pending and not asking and not self._missing_results()

    def request_cancel(self, indices: list[int] | None = None) -> None:
        """Cancel the back-end jobs of these rows (all when None), from any thread."""
        self._cancel_requests.put(indices)
        self._wake.set()

    def indices_of(self, tile_ids: Iterable[str]) -> list[int]:
        wanted = set(tile_ids)
        return [int(i) for i in self.frame.index[self.frame["tile_id"].isin(wanted)]]

    def snapshot(self) -> list[TileUpdate]:
        return self.updates_of(self.frame)

    @staticmethod
    def updates_of(frame: pd.DataFrame) -> list[TileUpdate]:
        return [tile_update(frame, i) for i in frame.index]

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
                self._wake.wait(TICK)
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
        self._tasks.clear()
        self._busy.clear()
        self._polling.clear()
        self._listed.clear()
        self._login_lost = None
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
                + "; ".join(f"{name}: {message}" for name, message in errors.items())
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
        an unknown collection or a broken process graph stops the run here."""
        waiting = self.frame.index[self.frame["status"] == NOT_STARTED]
        if not len(waiting) or self._pool is None:
            return
        tile = self.extents[str(self.frame.at[waiting[0], "tile_id"])]
        checks = {
            name: self._pool.submit(gw.validate, self.template, tile)
            for name, gw in self.gateways.items()
            if gw.connected
        }
        for name, future in checks.items():
            if not self._await(future, stop):
                return
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

    def _close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
        if self._downloads is not None:
            self._downloads.shutdown()

    # --- one turn of the loop ---------------------------------------------------------------
    def _cycle(self) -> None:
        self._collect()
        if self._login_lost is not None:
            raise self._login_lost
        self._process_cancel_requests()
        self._say(self.scheduler.recover())
        self._reconnect()
        self._poll()
        self._launch()
        self._retry_starts()
        self._start_downloads()
        self._flush(may_wait=True)

    def _asking(self, *kinds: str) -> bool:
        """Whether a call of one of these kinds is still out."""
        return any(kind in kinds for kind, _ in self._tasks.values())

    def _submit(self, kind: str, key: Any, func: Callable[..., Any], *args: Any) -> None:
        assert self._pool is not None
        self._tasks[self._pool.submit(func, *args)] = (kind, key)

    def _collect(self) -> None:
        """Apply every finished call to the table (this thread is its only writer)."""
        for future in [f for f in self._tasks if f.done()]:
            kind, key = self._tasks.pop(future)
            try:
                value, failure = future.result(), None
            except CallFailed as exc:
                value, failure = None, exc.failure
            except GridJobsError as exc:  # a login that could not be renewed
                self._login_lost = exc
                continue
            getattr(self, f"_on_{kind}")(key, value, failure)
        if self._downloads is not None:
            for result in self._downloads.finished():
                self._on_download(result.row, result.path, result.failure)

    def _reconnect(self) -> None:
        for name, gateway in self.gateways.items():
            busy = ("connect", name) in self._tasks.values()
            if not gateway.connected and not busy and self.scheduler.ready(name, READ):
                self._submit("connect", name, gateway.connect)
                self.scheduler.polled(name)

    def _on_connect(self, name: str, _: Any, failure: Failure | None) -> None:
        if failure is not None:
            self._say(self.scheduler.failed(name, READ, failure))
        else:
            self._say(self.scheduler.succeeded(name, READ))

    # --- polling and lookups --------------------------------------------------------------
    def _poll(self) -> None:
        frame = self.frame
        active = frame["status"].isin(ACTIVE_STATUSES) & frame["id"].notna()
        for name, gateway in self.gateways.items():
            if name in self._polling or not gateway.connected:
                continue
            lookups = [i for i in self._lookup_after if frame.at[i, "backend_name"] == name]
            ids = list(frame.loc[active & (frame["backend_name"] == name), "id"])
            if name in self._listed and not lookups and not ids:
                continue
            if not self.scheduler.poll_due(name):
                continue
            full = name not in self._listed or bool(lookups)
            self._polling.add(name)
            self.scheduler.polled(name)
            self._submit("poll", name, gateway.poll, ids, full, self.wall_clock)

    def _on_poll(self, name: str, value: Any, failure: Failure | None) -> None:
        self._polling.discard(name)
        if failure is not None:
            self._say(self.scheduler.failed(name, READ, failure))
            return
        self._say(self.scheduler.succeeded(name, READ))
        started, listing, described = value.started, value.listing, value.described
        by_id: dict[str, dict | None] = {j["id"]: j for j in listing.jobs if j.get("id")}
        by_id.update(described)
        rows = self.frame.index[
            self.frame["status"].isin(ACTIVE_STATUSES)
            & self.frame["id"].notna()
            & (self.frame["backend_name"] == name)
        ]
        for i in rows:
            job_id = self.frame.at[i, "id"]
            if job_id not in by_id:
                continue
            info = by_id[job_id]
            if info is None:
                self._fail(i, "error", "job deleted on the back-end")
            else:
                self._apply_status(i, info.get("status"), info)
        self._match_titles(name, started, listing)
        if listing.complete:
            self._listed.add(name)

    def _match_titles(self, name: str, started: float, listing: Listing) -> None:
        """Adopt the job of a row with an intent (or of a tile not started yet), release
        intents whose job surely does not exist, and remove duplicate jobs."""
        found: dict[int, list[dict]] = {}
        for job in listing.jobs:
            i = self._row_of_title.get(str(job.get("title")))
            if i is not None:
                found.setdefault(i, []).append(job)
        for i, jobs in found.items():
            if self.frame.at[i, "backend_name"] not in (name, None):
                continue
            if i in self._lookup_after:
                self._adopt(i, name, keep_one(jobs, None)[0])
            elif self.frame.at[i, "status"] == NOT_STARTED and i not in self._busy:
                live = [j for j in jobs if j.get("status") not in ("error", "canceled")]
                if live:  # made by a run that did not record intents yet
                    self._adopt(i, name, keep_one(live, None)[0])
            if self._has(i, "id"):
                self._remove_duplicates(i, name, jobs)
        if not listing.complete:
            return
        for i in [i for i, after in self._lookup_after.items() if started >= after]:
            if i not in found and self.frame.at[i, "backend_name"] == name:
                del self._lookup_after[i]  # no job was made: the tile may be submitted
                self._set(i, status=NOT_STARTED, intent_at=None, backend_name=None, message=None)

    def _adopt(self, i: int, name: str, job: dict) -> None:
        self._lookup_after.pop(i, None)
        self._set(
            i,
            id=job["id"],
            backend_name=name,
            start_time=adopted_start(job, self.wall_clock()),
            intent_at=None,
            status="created",
            message=None,
        )
        self._apply_status(i, job.get("status", "created"), job)
        if self.frame.at[i, "status"] == "created":
            self._not_before[i] = 0.0  # start it (a crash came between create and start)

    def _remove_duplicates(self, i: int, name: str, jobs: list[dict]) -> None:
        if len(jobs) < 2:
            return
        known = self.frame.at[i, "id"] if self._has(i, "id") else None
        kept, extra = keep_one(jobs, known)
        extra = [j for j in extra if j["id"] not in self._removed]
        if not extra:
            return
        for job in extra:
            self._removed.add(job["id"])
            self._submit("removed", job["id"], self.gateways[name].remove, job["id"])
        tile = self.frame.at[i, "tile_id"]
        ids = ", ".join(j["id"] for j in extra)
        self._event(
            "warning",
            f"Tile {tile} had {len(extra) + 1} jobs on {name}: kept {kept['id']}, "
            f"canceled and deleted {ids}.",
        )

    def _on_removed(self, job_id: str, _: Any, failure: Failure | None) -> None:
        if failure is not None and failure.kind is not FailureKind.GONE:
            self._removed.discard(job_id)  # tried again at the next listing
            self._event("warning", f"Could not delete duplicate job {job_id}: {failure.message}")

    def _apply_status(self, i: int, new: str | None, info: dict) -> None:
        old = self.frame.at[i, "status"]
        if not moves_forward(old, new):
            return
        changes: dict[str, Any] = {"status": new}
        if new == "running" and not self._has(i, "running_start_time"):
            changes["running_start_time"] = now_utc()
        if info.get("costs") is not None:
            changes["costs"] = float(info["costs"])
        if new in FINAL_STATUSES:
            changes.update(self._ended(i, info.get("updated")))
        self._set(i, **changes)
        gateway = self.gateways[self.frame.at[i, "backend_name"]]
        job_id = self.frame.at[i, "id"]
        if new == "finished":
            self.breaker.finished()
            if info.get("costs") is None:
                self._submit("costs", i, gateway.describe, job_id)
        elif new == "error":
            self._submit("error_log", i, gateway.error_message, job_id)
        elif new == "canceled" and not self._has(i, "message"):
            self._set(i, message="canceled")

    def _on_costs(self, i: int, info: Any, failure: Failure | None) -> None:
        if failure is None and info and info.get("costs") is not None:
            self._set(i, costs=float(info["costs"]))

    def _on_error_log(self, i: int, message: Any, failure: Failure | None) -> None:
        text = message if failure is None else f"error (logs unavailable: {failure.message})"
        self._set(i, message=str(text)[:MESSAGE_LIMIT])
        if failure is None:
            self._breaker(str(text))

    # --- launching ----------------------------------------------------------------------
    def _launch(self) -> None:
        if self.breaker.tripped or self._pool is None:
            return
        if not self.breaker.anything_finished and self._probing():
            return
        usable = [n for n, gw in self.gateways.items() if gw.connected and n in self._listed]
        if len(usable) < sum(1 for gw in self.gateways.values() if gw.connected):
            return  # every reachable back-end is listed once before anything is made
        now = self.clock()
        frame = self.frame
        waiting = [
            i
            for i in frame.index[frame["status"] == NOT_STARTED]
            if i not in self._busy and self._not_before.get(i, 0.0) <= now
        ]
        if not waiting:
            return
        if self.budget is not None:
            waiting = self._within_budget(waiting)
            if not waiting:
                return
        busy = Counter(frame.loc[frame["status"].isin(ACTIVE_STATUSES), "backend_name"])
        picks = self.scheduler.picks(waiting, busy, usable)
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
        self._flush()
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

    def _probing(self) -> bool:
        """Before the first finish, a failure holds launching while the other first jobs
        are still out: if they fail alike, the template is broken and the breaker stops
        the run after ``breaker`` jobs rather than a slot-full more."""
        if self._asking("error_log"):
            return True  # a failure's reason is on its way
        active = self.frame["status"].isin(ACTIVE_STATUSES)
        return bool(self.breaker.reasons) and bool(active.any())

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
        if i in self._cancel_wanted:
            self._cancel([i])
        elif start_failure is None:
            self._attempts.pop(i, None)
            self._apply_status(i, "queued", {})
        else:
            self._start_failed(i, name, start_failure)

    def _create_failed(self, i: int, name: str, failure: Failure) -> None:
        if failure.kind is FailureKind.CONCURRENCY or failure.status == 429:
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
        elif failure.retryable:
            self._say(self.scheduler.failed(name, LAUNCH, failure))
            self._retry_later(i, failure)
        else:
            self._fail(i, "start_failed", f"start failed: {failure.message}")
            self._breaker(failure.message)

    def _refused(self, i: int, name: str, failure: Failure) -> None:
        """Try the tile again after a backoff; a "too many jobs" refusal also lowers the
        back-end's jobs at once (a mere rate limit does not)."""
        if failure.kind is FailureKind.CONCURRENCY:
            frame = self.frame
            running = (frame["backend_name"] == name) & frame["status"].isin(["queued", "running"])
            self._say(self.scheduler.refused(name, int(running.sum())))
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
            if not self.scheduler.ready(name, LAUNCH) or not self.gateways[name].connected:
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
            self._apply_status(i, "queued", {})
        else:
            self._start_failed(i, name, failure)

    def _breaker(self, reason: str) -> None:
        tripped = self.breaker.failed(reason)
        if tripped is None:
            return
        rows = list(self.frame.index[self.frame["status"] == NOT_STARTED])
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
        assert self.budget is not None
        account = self.budget.account(self.frame, self._settling())
        allowed = self.budget.launchable(self.frame, waiting, account)
        if not allowed and self.budget.exhausted(self.frame, waiting, account):
            reason = self.budget.reason(account)
            waiting_now = self.frame.index[self.frame["status"] == NOT_STARTED]
            rows = [i for i in waiting_now if i not in self._busy]
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
        )

    def _on_estimated(self, i: int, value: Any, failure: Failure | None) -> None:
        """A job made under a budget, with its estimate: started if it still fits, else
        deleted unstarted and its tile ``skipped``."""
        if failure is not None:
            self._on_created(i, None, failure)
            return
        assert self.budget is not None
        self._busy.discard(i)
        name = self.frame.at[i, "backend_name"]
        job_id, costs = value
        self._say(self.scheduler.succeeded(name, LAUNCH))
        self._lookup_after.pop(i, None)
        self._set(i, id=job_id, intent_at=None, status="created")
        self.budget.estimated(i, costs)
        if i in self._cancel_wanted:
            self._cancel([i])
            return
        account = self.budget.account(self.frame, self._settling())
        if costs is None or self.budget.fits(account):
            self._busy.add(i)
            self._submit("started", i, self.gateways[name].start, job_id)
            return
        without = replace(account, committed=account.committed - costs)
        reason = self.budget.reason(without)
        self._fail(i, "skipped", f"{reason} (this tile: {credits_text(costs)} estimated)")
        self._flush()  # on disk before the job goes: a resumed run must not start it
        self._submit("dropped", job_id, self.gateways[name].remove, job_id)
        self._budget_event(reason, 1)

    def _on_dropped(self, job_id: str, _: Any, failure: Failure | None) -> None:
        if failure is not None and failure.kind is not FailureKind.GONE:
            _log.warning("Could not delete job %s (never started): %s", job_id, failure.message)

    # --- cancel -----------------------------------------------------------------------------
    def _process_cancel_requests(self) -> None:
        while True:
            try:
                indices = self._cancel_requests.get_nowait()
            except queue.Empty:
                return
            self._cancel(indices)

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

    # --- downloads ----------------------------------------------------------------------
    def _missing_results(self) -> list[int]:
        if self.output_dir is None:
            return []
        finished = (self.frame["status"] == "finished") & self.frame["result"].isna()
        return [
            i
            for i in self.frame.index[finished]
            if self._download_failures[i] < self.policy.download_attempts
        ]

    def _start_downloads(self) -> None:
        if self.output_dir is None or self._downloads is None:
            return
        now = self.clock()
        for i in self._missing_results():
            name = self.frame.at[i, "backend_name"]
            if self._download_after.get(i, 0.0) > now or not self.scheduler.ready(name, READ):
                continue
            target = self.output_dir / str(self.frame.at[i, "tile_id"])
            self._downloads.request(i, self.gateways[name], self.frame.at[i, "id"], target)

    def _on_download(self, i: int, path: str | None, failure: Failure | None) -> None:
        if path is not None:
            self._set(i, result=path)
            return
        assert failure is not None
        self._download_failures[i] += 1
        if failure.kind is FailureKind.PERMANENT and failure.status is None:
            self._download_failures[i] = self.policy.download_attempts  # disk: no retry
            if not self._disk_said:  # said once per run, where the user looks
                self._disk_said = True
                reason = failure.message.rsplit(": ", 1)[-1]
                self._event(
                    "warning",
                    f"Cannot write results in {self.output_dir} ({reason}): the run goes on "
                    "tracking the jobs; run again once the folder can be written to download "
                    "the missing results.",
                )
        self._download_after[i] = self.clock() + self.scheduler.backoff(self._download_failures[i])
        self._set(i, message=f"download failed: {failure.message}"[:MESSAGE_LIMIT])

    # --- bookkeeping ------------------------------------------------------------------------
    def _title(self, i: int) -> str:
        attempt = int(self.frame.at[i, "attempt"])
        return self.template.job_title(str(self.frame.at[i, "tile_id"]), self.run_tag, attempt)

    def _fail(self, i: int, status: str, message: str) -> None:
        self._lookup_after.pop(i, None)
        if status == "start_failed":  # its job, if one was made, never started
            self._set(i, start_time=None)
        message = message[:MESSAGE_LIMIT]
        self._set(i, status=status, intent_at=None, message=message, **self._ended(i))

    def _ended(self, i: int, reported: Any = None) -> dict[str, Any]:
        """``end_time`` and ``duration_s`` of row ``i`` becoming final (``reported``: the
        back-end's ``updated`` time of its job, when it has one)."""
        return final_times(self.frame.at[i, "start_time"], self.wall_clock(), reported)

    def _has(self, i: int, column: str) -> bool:
        value = self.frame.at[i, column]
        return value is not None and value == value

    def _set(self, i: int, **values: Any) -> None:
        for column, value in values.items():
            self.frame.at[i, column] = value
        self._dirty.add(i)
        self._unsaved = True

    def _flush(self, *, may_wait: bool = False) -> None:
        """Save the table (atomically) and report what changed, in one batch.

        Both hold the interpreter's lock, which every other Python thread (the map's
        main thread too) then waits for: writing a thousand-tile CSV takes ~10 ms, and
        each report is a batch the map applies. So a turn of the loop (``may_wait``)
        saves at most every :data:`SAVE_EVERY` and reports at most every
        :data:`REPORT_EVERY` seconds, however many calls came back meanwhile; any
        other flush does both at once: an intent is on disk before its request leaves,
        and a run ends with its table saved and reported. A crash loses at most the
        last second of news, which the next run asks the back-end again (a job id too:
        the intent still on disk makes it look its job up by title).
        """
        now = self.clock()
        if self._unsaved and not (may_wait and now - self._saved_at < SAVE_EVERY):
            self.db.save(self.frame)
            self._unsaved, self._saved_at = False, now
        if not self._dirty or (may_wait and now - self._reported_at < REPORT_EVERY):
            return
        rows = sorted(self._dirty)
        self._dirty.clear()
        self._reported_at = now
        if self.on_update is not None:
            self.on_update([tile_update(self.frame, i) for i in rows])

    def _say(self, event: RunEvent | None) -> None:
        if event is not None:
            self._event(event.level, event.message)

    def _event(self, level: str, message: str) -> None:
        """To the caller's ``on_event`` (CLI, dock), or else to the log: said once."""
        if self.on_event is not None:
            self.on_event(RunEvent(level, message))
        else:
            getattr(_log, "info" if level == "info" else "warning")(message)
