"""The job-manager loop: one openEO batch job per tile, across one or more back-ends.

Built on the openeo client's public ``Connection``/``BatchJob`` API and its
job-database format, rather than on ``MultiBackendJobManager``, whose loop
does not suit an interactive tool: one tile's HTTP 4xx or template error stops
its whole loop, it retries 50 times before giving up on a request (a Stop
would hang), a crash between creating a job and saving the table resubmits
the tile on resume, and it polls every job separately.

Here:
- each back-end has its own parallel-jobs limit; rows carry ``backend_name``;
- one ``GET /jobs`` per back-end and poll lists every status (``describe`` only
  for jobs missing from the listing, and once per finished job for its costs);
- a tile's status never goes backwards, and a finished job is handled
  (costs, download) exactly once;
- a failure to create or start one tile's job marks that tile ``start_failed``
  with the message, and the run goes on;
- ``stop`` ends the loop within one tick; jobs keep running on the back-end;
  a finished result not downloaded yet is downloaded on the next run;
- resume: a tile whose job exists on the back-end (found by its unique
  title, even if the table was not saved after creating it) is tracked, never
  resubmitted.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import GridJobsError
from .job_db import JobDatabase, tile_extents
from .statuses import FINAL_STATUSES, NOT_STARTED, STATUSES

if TYPE_CHECKING:
    import openeo
    import pandas as pd

    from .job_template import JobTemplate

_log = logging.getLogger(__name__)

ACTIVE_STATUSES = frozenset({"created", "queued_for_start", "queued", "running"})
FAILED_STATUSES = frozenset({"error", "start_failed"})
#: Order a status may only move forward in; final statuses are all last.
RANK = {s: (5 if s in FINAL_STATUSES else i) for i, s in enumerate(STATUSES)}
DATA_SUFFIXES = (".nc", ".tif", ".tiff", ".gpkg", ".geojson", ".json", ".parquet", ".csv")
MESSAGE_LIMIT = 250  # fits a Shapefile text field
TICK = 0.1  # seconds between checks of the stop flag while waiting
LAUNCH_THREADS = 8  # job submissions at once
DOWNLOAD_ATTEMPTS = 3  # per tile and run; a later run tries again
DOWNLOAD_THREADS = 4  # downloads at once


class RunError(GridJobsError):
    """A run cannot start or go on (no back-end, cannot connect...)."""


@dataclass
class Backend:
    """An openEO back-end and how to get an authenticated connection to it."""

    name: str
    connect: Callable[[], openeo.Connection]
    parallel_jobs: int = 2


@dataclass(frozen=True)
class TileUpdate:
    """What changed for one tile, for the GUI (field names as in the grid layer)."""

    index: int
    tile_id: str
    status: str
    job_id: str | None
    backend: str | None
    started: str | None
    running: str | None
    costs: float | None
    message: str | None
    result: str | None


def now_utc() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class GridJobRunner:
    def __init__(
        self,
        db: JobDatabase,
        frame: pd.DataFrame,
        template: JobTemplate,
        backends: Iterable[Backend],
        *,
        poll_interval: float = 5.0,
        output_dir: str | Path | None = None,
        on_update: Callable[[list[TileUpdate]], None] | None = None,
    ) -> None:
        self.db = db
        self.frame = frame
        self.template = template.validate()
        self.backends = list(backends)
        if not self.backends:
            raise RunError("Add at least one openEO back-end.")
        names = [b.name for b in self.backends]
        if len(set(names)) != len(names):
            raise RunError(f"Back-end names must be unique, got {names}.")
        for backend in self.backends:
            if backend.parallel_jobs < 1:
                raise RunError(f"Back-end {backend.name!r} needs at least 1 parallel job.")
        self.poll_interval = float(poll_interval)
        self.output_dir = Path(output_dir) if output_dir else None
        self.on_update = on_update
        self.extents = {e.tile_id: e for e in tile_extents(frame)}
        self._connections: dict[str, openeo.Connection] = {}
        self._dirty: set[int] = set()
        self._downloads: queue.Queue[tuple[int, str | None, str | None]] = queue.Queue()
        self._downloading: set[int] = set()
        self._download_failures: Counter = Counter()
        # Few downloads at a time: each running thread competes for the GIL, and a
        # hundred of them would make the GUI thread wait for its turn.
        self._download_slots = threading.BoundedSemaphore(DOWNLOAD_THREADS)
        self._just_finished: list[int] = []
        self._cancel_requests: queue.Queue[list[int] | None] = queue.Queue()

    # --- public API -------------------------------------------------------------------
    @property
    def run_tag(self) -> str:
        return str(self.frame["run_tag"].iloc[0])

    def counts(self) -> dict[str, int]:
        return dict(Counter(self.frame["status"]))

    def is_done(self) -> bool:
        """Every tile final and every wanted result downloaded."""
        return bool(self.frame["status"].isin(FINAL_STATUSES).all()) and not (
            self._downloading or self._missing_results()
        )

    def request_cancel(self, indices: list[int] | None = None) -> None:
        """Cancel the back-end jobs of these rows (all when None), from any thread."""
        self._cancel_requests.put(indices)

    def indices_of(self, tile_ids: Iterable[str]) -> list[int]:
        """Rows of the given tiles (unknown ids are skipped)."""
        wanted = set(tile_ids)
        return [int(i) for i in self.frame.index[self.frame["tile_id"].isin(wanted)]]

    def snapshot(self) -> list[TileUpdate]:
        """Every tile as it stands, e.g. to paint a layer when a run is opened."""
        return self.updates_of(self.frame)

    @staticmethod
    def updates_of(frame: pd.DataFrame) -> list[TileUpdate]:
        return [_update(frame, i) for i in frame.index]

    def cancel_now(self, indices: list[int] | None, stop: threading.Event) -> int:
        """Connect, cancel the jobs of ``indices`` (all when None), save; without a run."""
        self._connect_all(stop)
        count = self.cancel(indices)
        self._flush()
        return count

    def run(self, stop: threading.Event) -> dict[str, int]:
        """Submit and track jobs until every tile is final or ``stop`` is set."""
        self._connect_all(stop)
        if not stop.is_set():
            self._adopt_existing_jobs()
            self._flush()
        while not stop.is_set():
            cycle_start = time.monotonic()
            self._process_cancel_requests()
            self._poll(stop)
            self._launch(stop)  # first refill the free slots, then the bookkeeping
            self._handle_finished()
            self._start_missing_downloads()
            self._collect_downloads()
            self._flush()
            if self.is_done():
                break
            # the poll interval counts from the start of the cycle, not from its end
            self._wait(stop, self.poll_interval - (time.monotonic() - cycle_start))
        self._collect_downloads()
        self._flush()
        return self.counts()

    # --- connections ---------------------------------------------------------------
    def _connect_all(self, stop: threading.Event) -> None:
        for backend in self.backends:
            if stop.is_set():
                return
            try:
                self._connections[backend.name] = backend.connect()
            except GridJobsError:
                raise
            except Exception as exc:
                raise RunError(f"Cannot connect to back-end {backend.name!r}: {exc}") from exc

    def _connection(self, name: str | None) -> openeo.Connection | None:
        return self._connections.get(name) if name else None

    # --- resume ---------------------------------------------------------------------
    def _adopt_existing_jobs(self) -> None:
        """Track jobs of this run that exist on a back-end but not (yet) in the table."""
        by_title = {
            self.template.job_title(row.tile_id, self.run_tag): i
            for i, row in enumerate(self.frame.itertuples(index=False))
            if row.status == NOT_STARTED
        }
        if not by_title:
            return
        for backend in self.backends:
            listing = self._list_jobs(backend.name)
            for job in listing:
                i = by_title.get(job.get("title"))
                # a failed job of a tile the user chose to retry is not adopted
                if i is None or job.get("status") in ("error", "canceled"):
                    continue
                self._set(
                    i,
                    id=job["id"],
                    backend_name=backend.name,
                    start_time=now_utc(),
                    status="created",
                )
                self._apply_status(i, job.get("status", "created"), job)
                if job.get("status") == "created":
                    self._start(i)
        self._handle_finished()

    def _missing_results(self) -> list[int]:
        if self.output_dir is None:
            return []
        finished = self.frame["status"] == "finished"
        missing = self.frame["result"].isna()
        return [
            i
            for i in self.frame.index[finished & missing]
            if i not in self._downloading and self._download_failures[i] < DOWNLOAD_ATTEMPTS
        ]

    # --- polling ----------------------------------------------------------------------
    def _list_jobs(self, name: str) -> list[dict]:
        con = self._connection(name)
        if con is None:
            return []
        try:
            return list(con.list_jobs(limit=1000))
        except Exception as exc:
            _log.warning("listing jobs on %s failed: %s", name, exc)
            return []

    def _poll(self, stop: threading.Event) -> None:
        active = self.frame.index[self.frame["status"].isin(ACTIVE_STATUSES)]
        by_backend: dict[str, list[int]] = {}
        for i in active:
            by_backend.setdefault(self.frame.at[i, "backend_name"], []).append(i)
        for name, rows in by_backend.items():
            if stop.is_set():
                return
            listed = {j["id"]: j for j in self._list_jobs(name)} if len(rows) > 1 else {}
            for i in rows:
                job_id = self.frame.at[i, "id"]
                info = listed.get(job_id)
                if info is None:  # not in the listing (or a single job): ask for it
                    info = self._describe(name, job_id)
                if info is not None:
                    self._apply_status(i, info.get("status"), info)

    def _describe(self, name: str, job_id: str) -> dict | None:
        con = self._connection(name)
        if con is None:
            return None
        try:
            return con.job(job_id).describe()
        except Exception as exc:
            _log.warning("describing job %s on %s failed: %s", job_id, name, exc)
            return None

    def _apply_status(self, i: int, new: str | None, info: dict) -> None:
        old = self.frame.at[i, "status"]
        if not new or new not in RANK or old in FINAL_STATUSES or RANK[new] < RANK[old]:
            return  # never backwards, never out of a final status
        if new == old:
            return
        changes: dict[str, Any] = {"status": new}
        if new == "running" and not self._has(i, "running_start_time"):
            changes["running_start_time"] = now_utc()
        self._set(i, **changes)
        if new == "finished":
            self._just_finished.append(i)  # costs and download after the next launch
        elif new == "error":
            self._on_error(i)
        elif new == "canceled":
            self._set(i, message="canceled")

    def _has(self, i: int, column: str) -> bool:
        value = self.frame.at[i, column]
        return value is not None and value == value

    def _handle_finished(self) -> None:
        while self._just_finished:
            self._on_finished(self._just_finished.pop(0))

    def _on_finished(self, i: int) -> None:
        info = self._describe(self.frame.at[i, "backend_name"], self.frame.at[i, "id"]) or {}
        if info.get("costs") is not None:
            self._set(i, costs=float(info["costs"]))
        self._start_download(i)

    def _on_error(self, i: int) -> None:
        con = self._connection(self.frame.at[i, "backend_name"])
        message = "error (no log message)"
        if con is not None:
            try:
                logs = con.job(self.frame.at[i, "id"]).logs(level="error")
                if logs:
                    message = logs[-1].message
            except Exception as exc:
                message = f"error (logs unavailable: {exc})"
        self._set(i, message=message[:MESSAGE_LIMIT])

    # --- launching -----------------------------------------------------------------------
    def _launch(self, stop: threading.Event) -> None:
        waiting = list(self.frame.index[self.frame["status"] == NOT_STARTED])
        if not waiting:
            return
        active = self.frame[self.frame["status"].isin(ACTIVE_STATUSES)]
        busy = Counter(active["backend_name"])
        picks: list[tuple[int, str, str]] = []  # row, back-end, tile id
        for backend in self.backends:
            free = backend.parallel_jobs - busy.get(backend.name, 0)
            while free > 0 and waiting and not stop.is_set():
                i = waiting.pop(0)
                picks.append((i, backend.name, str(self.frame.at[i, "tile_id"])))
                free -= 1
        if not picks:
            return
        # A burst of submissions at once (each is two short HTTP requests), so that the
        # last job of the burst does not start a second after the first. A crash in
        # the middle is covered on resume: jobs are found again by their title.
        with ThreadPoolExecutor(max_workers=min(LAUNCH_THREADS, len(picks))) as pool:
            outcomes = pool.map(lambda p: self._submit(p[1], p[2]), picks)
            for (i, name, _), outcome in zip(picks, outcomes):
                self._record_submission(i, name, outcome)

    def _submit(self, name: str, tile_id: str) -> tuple[str, str | None, str | None]:
        """Create and start one tile's job (network only): (outcome, job id, message)."""
        con = self._connection(name)
        try:
            job = self.template.create_job(con, self.extents[tile_id], self.run_tag)
        except Exception as exc:
            return "start_failed", None, f"create failed: {_reason(exc)}"
        try:
            job.start()
        except Exception as exc:
            return "start_failed", job.job_id, f"start failed: {_reason(exc)}"
        return "queued", job.job_id, None

    def _record_submission(self, i: int, name: str, outcome: tuple) -> None:
        status, job_id, message = outcome
        self._set(
            i,
            id=job_id,
            backend_name=name,
            start_time=now_utc(),
            result=None,
            status="created" if status == "queued" else "start_failed",
            message=message[:MESSAGE_LIMIT] if message else None,
        )
        if status == "queued":
            self._apply_status(i, "queued", {})

    def _start(self, i: int) -> None:
        """Start an adopted job that was created but not started before a crash."""
        con = self._connection(self.frame.at[i, "backend_name"])
        try:
            con.job(self.frame.at[i, "id"]).start()
        except Exception as exc:
            self._set(
                i, status="start_failed", message=f"start failed: {_reason(exc)}"[:MESSAGE_LIMIT]
            )
            return
        self._apply_status(i, "queued", {})

    # --- cancel ---------------------------------------------------------------------------
    def _process_cancel_requests(self) -> None:
        while True:
            try:
                indices = self._cancel_requests.get_nowait()
            except queue.Empty:
                return
            self.cancel(indices)

    def cancel(self, indices: list[int] | None) -> int:
        """Cancel the active back-end jobs of ``indices`` (all when None); count them."""
        rows = self.frame.index if indices is None else indices
        count = 0
        for i in rows:
            if self.frame.at[i, "status"] not in ACTIVE_STATUSES:
                continue
            con = self._connection(self.frame.at[i, "backend_name"])
            if con is None:
                continue
            try:
                con.job(self.frame.at[i, "id"]).stop()
            except Exception as exc:
                self._set(i, message=f"cancel failed: {_reason(exc)}"[:MESSAGE_LIMIT])
                continue
            self._apply_status(i, "canceled", {})
            count += 1
        return count

    # --- downloads ----------------------------------------------------------------------
    def _start_missing_downloads(self) -> None:
        for i in self._missing_results():
            self._start_download(i)

    def _start_download(self, i: int) -> None:
        if self.output_dir is None or i in self._downloading:
            return
        con = self._connection(self.frame.at[i, "backend_name"])
        if con is None:
            return
        self._downloading.add(i)
        job_id = self.frame.at[i, "id"]
        target = self.output_dir / str(self.frame.at[i, "tile_id"])
        # A daemon thread: a Stop never waits for a download; an unfinished one is
        # simply done again on the next run (the table has no result for it yet).
        threading.Thread(target=self._download, args=(con, job_id, target, i), daemon=True).start()

    def _download(self, con: openeo.Connection, job_id: str, target: Path, i: int) -> None:
        with self._download_slots:
            self._download_now(con, job_id, target, i)

    def _download_now(self, con: openeo.Connection, job_id: str, target: Path, i: int) -> None:
        try:
            paths = con.job(job_id).get_results().download_files(target)
            data = [p for p in paths if p.suffix in DATA_SUFFIXES and p.name != "job-results.json"]
            self._downloads.put((i, str(data[0] if data else target), None))
        except Exception as exc:
            self._downloads.put((i, None, f"download failed: {_reason(exc)}"))

    def _collect_downloads(self) -> None:
        while True:
            try:
                i, path, error = self._downloads.get_nowait()
            except queue.Empty:
                return
            self._downloading.discard(i)
            if path is not None:
                self._set(i, result=path)
            else:  # tried again next cycle, up to DOWNLOAD_ATTEMPTS; then on the next run
                self._download_failures[i] += 1
                self._set(i, message=(error or "")[:MESSAGE_LIMIT])

    # --- bookkeeping ------------------------------------------------------------------------
    def _set(self, i: int, **values: Any) -> None:
        for column, value in values.items():
            self.frame.at[i, column] = value
        self._dirty.add(i)

    def _flush(self) -> None:
        """Save the table (atomically) and report what changed, once per batch."""
        if not self._dirty:
            return
        rows = sorted(self._dirty)
        self._dirty.clear()
        self.db.save(self.frame)
        if self.on_update is not None:
            self.on_update([self._update(i) for i in rows])

    def _update(self, i: int) -> TileUpdate:
        return _update(self.frame, i)

    def _wait(self, stop: threading.Event, seconds: float) -> None:
        """Sleep ``seconds`` but wake at once on stop, cancel, or a finished download."""
        deadline = time.monotonic() + seconds
        while not stop.is_set() and time.monotonic() < deadline:
            if not self._cancel_requests.empty():
                return
            stop.wait(min(TICK, max(0.0, deadline - time.monotonic())))


def _update(frame: pd.DataFrame, i: int) -> TileUpdate:
    row = frame.loc[i]

    def text(column: str) -> str | None:
        value = row.get(column)
        return None if value is None or value != value else str(value)

    costs = row.get("costs")
    return TileUpdate(
        index=int(i),
        tile_id=str(row["tile_id"]),
        status=str(row["status"]),
        job_id=text("id"),
        backend=text("backend_name"),
        started=text("start_time"),
        running=text("running_start_time"),
        costs=None if costs is None or costs != costs else float(costs),
        message=text("message"),
        result=text("result"),
    )


def reset_failed(frame: pd.DataFrame) -> list[int]:
    """Make ``error``/``start_failed`` tiles ``not_started`` again; return their rows."""
    rows = list(frame.index[frame["status"].isin(FAILED_STATUSES)])
    for column in ("id", "backend_name", "start_time", "running_start_time", "message", "result"):
        frame.loc[rows, column] = None
    frame.loc[rows, "status"] = NOT_STARTED
    return rows


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
