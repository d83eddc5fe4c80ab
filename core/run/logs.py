"""A job's full back-end logs, fetched on demand (the dock's *Show logs*).

The run loop keeps only a failed job's last ``error`` line as the tile's message
(see :meth:`~.launching.Launcher.on_error_log`); this fetches everything the back-end logged
for one job, all levels and pages, when the user asks. It goes through a
:class:`~.gateway.BackendGateway` like every other back-end call, with the same
failure policy: a lost login is renewed once, a transient failure (connection
error, 5xx, 429) is tried again a few times with backoff honouring
``Retry-After``, anything else is a :class:`LogsUnavailableError` whose message
says why. Blocking: call it from a worker thread.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from ..errors import GridJobsError
from .failures import FailureKind
from .gateway import Backend, BackendGateway, CallFailed

LEVELS = ("debug", "info", "warning", "error")


class LogsUnavailableError(GridJobsError):
    """The job's logs could not be fetched; the message says why."""


@dataclass(frozen=True)
class LogLine:
    """One entry of a job's logs, as the openEO API describes it."""

    id: str
    level: str
    message: str
    #: when it was logged (RFC 3339), if the back-end says
    time: str | None = None
    #: the back-end's error code, if any
    code: str | None = None

    def text(self) -> str:
        """One line for a log view: ``time  LEVEL  message [code]``."""
        parts = [self.time or "", self.level.upper(), self.message]
        if self.code:
            parts.append(f"[{self.code}]")
        return "  ".join(p for p in parts if p)

    @classmethod
    def from_entry(cls, entry: dict) -> LogLine:
        def text(key: str) -> str | None:
            value = entry.get(key)
            return None if value is None else str(value)

        return cls(
            id=str(entry.get("id", "")),
            level=str(entry.get("level") or "info").lower(),
            message=str(entry.get("message") or ""),
            time=text("time"),
            code=text("code"),
        )


def fetch_job_logs(
    backend: Backend | BackendGateway,
    job_id: str,
    *,
    level: str | None = None,
    attempts: int = 3,
    request_timeout: float = 60.0,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
) -> list[LogLine]:
    """Every log entry of ``job_id`` on ``backend`` (from ``level`` up; None: all),
    oldest first.

    ``backend``: a run's back-end (a connection is made, logged in as the run does)
    or a gateway already connected. A login that cannot be renewed raises as it is
    (e.g. :class:`~..errors.LoginRequiredError`, for the dock's login dialog).
    """
    if level is not None and level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS} or None, got {level!r}")
    gateway = (
        backend if isinstance(backend, BackendGateway) else BackendGateway(backend, request_timeout)
    )
    name = gateway.name
    for attempt in range(1, max(1, attempts) + 1):
        try:
            if not gateway.connected:
                gateway.connect()
            entries = gateway.logs(job_id, level)
            return [LogLine.from_entry(e) for e in entries]
        except CallFailed as exc:
            failure = exc.failure
            if failure.kind is FailureKind.GONE:
                raise LogsUnavailableError(
                    f"Job {job_id} no longer exists on back-end {name}: its logs are gone."
                ) from None
            if not failure.retryable or attempt >= attempts:
                raise LogsUnavailableError(
                    f"Could not fetch the logs of job {job_id} from back-end {name}: "
                    f"{failure.message}"
                ) from None
            sleep(max(failure.retry_after or 0.0, backoff * 2 ** (attempt - 1)))
    raise AssertionError("unreachable")  # pragma: no cover
