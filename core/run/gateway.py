"""Every HTTP call the run engine makes to one back-end, under one failure policy.

A :class:`BackendGateway` holds one back-end's authenticated connection and is
the only place a run talks to it. Each call either returns or raises
:class:`CallFailed` carrying a :class:`~.failures.Failure` (what it means, not
which library raised it); the runner and the scheduler decide from that.

What the gateway does itself:

- idempotent requests (GET, DELETE) are retried a few times at the transport
  level by the openeo client's own ``retry_configuration`` (bounded, honouring
  ``Retry-After``); job-creating POSTs never are, since a retried POST whose first
  answer was lost would make a second job;
- ``Retry-After`` of a failed answer is kept for the scheduler's backoff;
- a 401/403 mid-run renews the login once (the stored refresh token or basic
  credentials, through the back-end's ``connect``) and repeats the call; if that
  fails, the login error goes up so that the user is asked;
- the job listing follows the API's ``next`` links over all pages, stopping early
  once every wanted job was seen; so do a job's logs;
- a job's cost estimate (``GET /jobs/{id}/estimate``) is a courtesy: a back-end
  that does not give one (501, any other 4xx, no ``costs`` in it) is not asked
  again, and a transient failure only means "no estimate this time".
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypeVar
from urllib.parse import urlparse

from ..backends.transport import is_backend_adapter, retrying_adapter, sent_after_halt
from ..definitions import DEFAULT_PARALLEL_JOBS
from ..errors import AuthenticationError, BackendConnectionError, GridJobsError
from .failures import Failure, FailureKind, classify, parse_retry_after

if TYPE_CHECKING:
    import openeo
    import requests

    from ..jobs.template import JobTemplate, TileExtent

T = TypeVar("T")
PAGE_SIZE = 100
MAX_PAGES = 10_000
MAX_LOG_PAGES = 1_000


class CallFailed(Exception):  # noqa: N818 - reads as what happened: raise CallFailed(...)
    """A back-end call failed; ``failure`` says what that means for the run."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


@dataclass
class Backend:
    """An openEO back-end and how to get an authenticated connection to it."""

    name: str
    connect: Callable[[], openeo.Connection]
    parallel_jobs: int = DEFAULT_PARALLEL_JOBS
    #: most jobs waiting queued at once (0: no cap); see :meth:`.scheduler.Scheduler.picks`
    queued_jobs: int = 0


@dataclass(frozen=True)
class Listing:
    jobs: list[dict]
    #: every page was read (False when the listing stopped early)
    complete: bool


@dataclass(frozen=True)
class Poll:
    #: wall-clock time the listing began (a job made before it is in it)
    started: float
    listing: Listing
    #: active jobs the listing did not show: their description, None when deleted
    described: dict[str, dict | None]


class BackendGateway:
    def __init__(self, backend: Backend, request_timeout: float = 60.0) -> None:
        self.backend = backend
        self.name = backend.name
        self.request_timeout = request_timeout
        self._connection: openeo.Connection | None = None
        self._lock = threading.Lock()
        self._local = threading.local()
        #: False once the back-end showed it gives no cost estimates
        self.estimates_supported = True
        #: why the login was refused when the run tried to renew it (None: it works);
        #: the run asks the user and calls nothing here until :meth:`relogin`
        self.login_needed: str | None = None
        #: set when the run stops: no call begins and no request that changes the
        #: back-end is sent after it (:meth:`halt`); downloads still finish
        self._halted = threading.Event()

    # --- connection ----------------------------------------------------------------------
    def connect(self) -> None:
        """Log in (again); a network fault is a transient :class:`CallFailed`, a refused
        login a :class:`GridJobsError` the user must act on."""
        try:
            connection = self.backend.connect()
        except GridJobsError as exc:
            if _is_unreachable(exc):
                status = getattr(exc, "status", None)
                failure = Failure(FailureKind.TRANSIENT, str(exc), status, answered=False)
                raise CallFailed(failure) from exc
            raise
        except Exception as exc:
            raise CallFailed(classify(exc)) from exc
        self._prepare(connection)
        with self._lock:
            self._connection = connection

    @property
    def connected(self) -> bool:
        return self._connection is not None

    @property
    def usable(self) -> bool:
        """Connected, with a login that works: the run may call it."""
        return self._connection is not None and self.login_needed is None

    def reconnect(self) -> None:
        """:meth:`connect` for a run under way: a refused login pauses the back-end
        (:attr:`login_needed`) rather than ending the run."""
        try:
            self.connect()
        except GridJobsError as exc:
            self.login_needed = str(exc)
            raise CallFailed(Failure(FailureKind.AUTH, str(exc), 401)) from exc

    def relogin(self) -> None:
        """The user gave a new login: forget the refused one; the run connects again."""
        with self._lock:
            self._connection = None
        self.login_needed = None

    def halt(self) -> None:
        """The run stopped: a call a pool thread picked up just before must not reach the
        back-end after it (the loop no longer reads its answer)."""
        self._halted.set()

    def resume(self) -> None:
        """The runner runs again (after *Retry failed*): calls go out again."""
        self._halted.clear()

    def _prepare(self, connection: openeo.Connection) -> None:
        # openeo annotates default_timeout as int; requests takes seconds as float
        connection.default_timeout = self.request_timeout  # type: ignore[assignment]
        session: requests.Session = connection.session
        session.hooks.setdefault("response", []).append(self._remember_retry_after)
        for prefix, existing in list(session.adapters.items()):
            if not is_backend_adapter(existing):  # ours keep their proxy and TLS opt-out
                session.mount(prefix, retrying_adapter())
        for adapter in session.adapters.values():
            adapter.halted = self._halted

    def _remember_retry_after(self, response: requests.Response, *_: Any, **__: Any) -> None:
        self._local.retry_after = parse_retry_after(response.headers.get("Retry-After"))

    def call(self, func: Callable[[openeo.Connection], T], *, after_halt: bool = False) -> T:
        """``func(connection)``, with one login renewal on 401/403; else :class:`CallFailed`.
        After :meth:`halt`, only a call marked ``after_halt`` (a download) begins."""
        if self._halted.is_set() and not after_halt:
            raise CallFailed(Failure(FailureKind.TRANSIENT, "not sent: the run stopped"))
        for attempt in (1, 2):
            with self._lock:
                connection = self._connection
            if connection is None:
                self.connect()
                continue
            self._local.retry_after = None
            try:
                return func(connection)
            except Exception as exc:
                failure = classify(exc, getattr(self._local, "retry_after", None))
            if failure.kind is FailureKind.AUTH and attempt == 1:
                self._renew(connection)
                continue
            raise CallFailed(failure)
        raise CallFailed(Failure(FailureKind.TRANSIENT, "not connected", answered=False))

    def _renew(self, stale: openeo.Connection) -> None:
        """Log in again, unless another thread already did since ``stale`` failed. A
        refused login is kept in :attr:`login_needed` and the call fails as refused
        (401): the run pauses this back-end until the user logs in again."""
        with self._lock:
            if self._connection is not stale:
                return
            self._connection = None
        try:
            self.connect()
        except GridJobsError as exc:
            self.login_needed = str(exc)
            raise CallFailed(Failure(FailureKind.AUTH, str(exc), 401)) from exc

    # --- jobs ------------------------------------------------------------------------------
    def list_jobs(self, want_ids: Iterable[str] = ()) -> Listing:
        """The account's jobs over all pages, each once; stops once every id in
        ``want_ids`` is seen.

        Pages are counted from the newest job: a job created while the listing is
        paged pushes the last job of a page onto the next one, which then lists it
        again. Taken twice, it looked like a duplicate of itself, and the run deleted
        the tile's only job; the later sighting (the newer status) is kept.
        """
        wanted = set(want_ids)

        def pages(connection: openeo.Connection) -> Listing:
            jobs: dict[str, dict] = {}
            path: str | None = f"/jobs?limit={PAGE_SIZE}"
            for _ in range(MAX_PAGES):
                if path is None:
                    return Listing(list(jobs.values()), complete=True)
                data = connection.get(path, expected_status=200).json()
                for job in data.get("jobs", []):
                    jobs[str(job.get("id"))] = job
                if wanted and wanted.issubset(jobs):
                    return Listing(list(jobs.values()), complete=False)
                path = _next_page(data.get("links", []), connection.root_url)
            return Listing(list(jobs.values()), complete=False)

        return self.call(pages)

    def poll(self, ids: list[str], full: bool, wall_clock: Callable[[], float]) -> Poll:
        """One listing (all pages when ``full``), then ``describe`` for the active jobs it
        did not show; ``None`` for a job the back-end no longer has."""
        started = wall_clock()
        listing = self.list_jobs(() if full else ids)
        seen = {j.get("id") for j in listing.jobs}
        described: dict[str, dict | None] = {}
        for job_id in ids:
            if job_id in seen:
                continue
            try:
                described[job_id] = self.describe(job_id)
            except CallFailed as exc:
                if exc.failure.kind is FailureKind.GONE:
                    described[job_id] = None
        return Poll(started, listing, described)

    def create_and_start(
        self, template: JobTemplate, tile: TileExtent, title: str
    ) -> tuple[str, Failure | None]:
        """Create the job, then start it: (job id, the start's failure or None). A failed
        create raises: whether a job exists then is for the run to find out."""
        job_id = self.create(template, tile, title)
        try:
            self.start(job_id)
        except CallFailed as exc:
            return job_id, exc.failure
        return job_id, None

    def create_and_estimate(
        self, template: JobTemplate, tile: TileExtent, title: str
    ) -> tuple[str, float | None]:
        """Create the job (not started) and ask what it would cost: (job id, the
        estimate's ``costs`` or None). A failed create raises, as in
        :meth:`create_and_start`; a failed estimate is only "no estimate"."""
        job_id = self.create(template, tile, title)
        return job_id, self.estimated_costs(job_id)

    def estimate(self, job_id: str) -> dict:
        """The back-end's estimate of a job (openEO ``GET /jobs/{id}/estimate``: ``costs``,
        ``duration``, ``size``, ``downloads_included``, ``expires``)."""
        return self.call(lambda c: dict(c.job(job_id).estimate()))

    def estimated_costs(self, job_id: str) -> float | None:
        """The estimate's ``costs``; None when the back-end gives none (then it is not
        asked again) or the request failed."""
        if not self.estimates_supported:
            return None
        try:
            costs = self.estimate(job_id).get("costs")
        except CallFailed as exc:
            if not exc.failure.retryable and exc.failure.kind is not FailureKind.GONE:
                self.estimates_supported = False  # 501 FeatureUnsupported, 404, 400...
            return None
        if isinstance(costs, bool) or not isinstance(costs, (int, float)) or costs != costs:
            self.estimates_supported = False  # it estimates duration or size only
            return None
        return float(costs)

    def remove(self, job_id: str) -> None:
        """Cancel (if it runs) and delete a job, e.g. a duplicate."""
        try:
            self.cancel(job_id)
        except CallFailed as exc:
            if exc.failure.kind is FailureKind.GONE:
                return
        self.delete(job_id)

    def describe(self, job_id: str) -> dict:
        return self.call(lambda c: c.job(job_id).describe())

    def create(self, template: JobTemplate, tile: TileExtent, title: str) -> str:
        """Create (not start) the tile's job; its id. Never retried at the transport level."""
        return self.call(lambda c: template.create_job(c, tile, title).job_id)

    def validate(self, template: JobTemplate, tile: TileExtent) -> list[str]:
        """The back-end's preflight validation of a tile's job: its error messages."""

        def check(connection: openeo.Connection) -> list[str]:
            graph = template.graph_for(connection, tile)
            errors = connection.validate_process_graph({"process_graph": graph})
            return [str(e.get("message") or e.get("code")) for e in errors]

        return self.call(check)

    def missing_parameters(self, template: JobTemplate) -> list[str]:
        """The template's UDP's required parameters that nothing binds, on this back-end."""
        return self.call(template.missing_parameters)

    def start(self, job_id: str) -> None:
        self.call(lambda c: c.job(job_id).start())

    def cancel(self, job_id: str) -> None:
        self.call(lambda c: c.job(job_id).stop())

    def delete(self, job_id: str) -> None:
        self.call(lambda c: c.job(job_id).delete())

    def error_message(self, job_id: str) -> str:
        """The last error line of a failed job's logs."""

        def last_error(connection: openeo.Connection) -> str:
            logs = _all_logs(connection, job_id, "error")
            message = str(logs[-1].get("message") or "").strip() if logs else ""
            return message or "error (the back-end logged no message)"

        return self.call(last_error)

    def logs(self, job_id: str, level: str | None = None) -> list[dict]:
        """Every log entry of a job (from ``level`` up; None: all levels), over all pages
        (the API's ``next`` links), oldest first: ``id``, ``level``, ``message``, and
        ``time``, ``code``... when the back-end gives them."""
        return self.call(lambda c: _all_logs(c, job_id, level))

    def download(self, job_id: str, target: Path) -> list[Path]:

        def fetch(connection: openeo.Connection) -> list[Path]:
            with sent_after_halt():
                return list(connection.job(job_id).get_results().download_files(target))

        return self.call(fetch, after_halt=True)

    def result_links(self, job_id: str) -> list[dict[str, str]]:
        """A finished job's result files where the back-end serves them: ``href``, ``name``
        and ``type`` of each asset (a run without downloads points its catalog there)."""

        def assets(connection: openeo.Connection) -> list[dict[str, str]]:
            found = connection.job(job_id).get_results().get_assets()
            return [
                {"href": a.href, "name": a.key, "type": str(a.metadata.get("type") or "")}
                for a in found
            ]

        return self.call(assets)


def _all_logs(connection: openeo.Connection, job_id: str, level: str | None) -> list[dict]:
    """A job's log entries over all pages (``BatchJob.logs``, then the ``next`` links)."""
    from openeo.rest.models.general import LogsResponse

    page = connection.job(job_id).logs(level=level)
    entries = [dict(e) for e in page]
    for _ in range(MAX_LOG_PAGES):
        links = [{"rel": link.rel, "href": link.href} for link in page.links]
        path = _next_page(links, connection.root_url)
        if path is None:
            break
        data = connection.get(path, expected_status=200).json()
        page = LogsResponse(data, log_level=level, connection=connection)
        entries.extend(dict(e) for e in page)
    return entries


def _next_page(links: list[dict], root_url: str) -> str | None:
    for link in links:
        if link.get("rel") == "next" and link.get("href"):
            href = str(link["href"])
            root = root_url.rstrip("/")
            if href.startswith(root):
                return href[len(root) :] or "/"
            parsed = urlparse(href)
            root_path = urlparse(root).path
            path = parsed.path[len(root_path) :] if parsed.path.startswith(root_path) else href
            return path + (f"?{parsed.query}" if parsed.query else "")
    return None


def _is_unreachable(exc: GridJobsError) -> bool:
    return isinstance(exc, BackendConnectionError) and not isinstance(exc, AuthenticationError)
