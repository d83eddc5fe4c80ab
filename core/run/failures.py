"""What a failed back-end call means for the run: the one failure policy's vocabulary.

Every exception a back-end call can raise (the openeo client's API errors,
requests' network errors, a truncated answer) is sorted into one of five kinds,
and the run engine acts on the kind, never on the exception type:

- ``transient``: connection errors, timeouts, 407 (a proxy refusing its login: the
  request never reached the back-end), 408, 429 (a rate limit on requests), 500, 502,
  503, 504; try again later with backoff. A tile waiting on one stays waiting, never
  ``start_failed``;
- ``concurrency``: a back-end's "too many jobs at once" error (any 4xx whose code or
  message says so, e.g. ``ConcurrentJobLimit``), or "too many queued jobs" (a queue
  cap, e.g. ``TooManyQueuedJobs``); fewer jobs at once on that back-end for a while,
  and try again later;
- ``permanent``: any other 4xx; the tile fails with the back-end's message;
- ``auth``: 401/403; log in again once, then ask the user;
- ``gone``: the job no longer exists on the back-end (404 on a job).

``answered`` tells whether the back-end gave a definite answer. When it did not
(the connection broke, the answer was lost, a gateway timed out), a job-creating
request may or may not have created a job: the run looks it up by its title
before it ever creates another one for that tile.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from enum import Enum

from ..backends.transport import NotSentError

TRANSIENT_STATUSES = frozenset({407, 408, 429, 500, 502, 503, 504})
#: 504: a gateway gave up waiting, the back-end behind it may still have acted
UNANSWERED_STATUSES = frozenset({504})
AUTH_CODES = frozenset(
    {"TokenInvalid", "AuthenticationRequired", "AuthenticationSchemeInvalid", "CredentialsInvalid"}
)
GONE_CODES = frozenset({"JobNotFound"})
#: a back-end's "too many jobs at once" (as opposed to "too many requests")
_CONCURRENCY = re.compile(
    r"concurren|too\s*many\s*(queued\s*)?(jobs|running|batch|active)"
    r"|(job|running|queued)\w*\W+(\w+\W+)?limit"
    r"|limit\w*\W+(\w+\W+){0,3}(jobs|running)",
    re.I,
)


class FailureKind(str, Enum):
    TRANSIENT = "transient"
    CONCURRENCY = "concurrency"
    PERMANENT = "permanent"
    AUTH = "auth"
    GONE = "gone"


@dataclass(frozen=True)
class Failure:
    kind: FailureKind
    message: str
    status: int | None = None
    #: seconds the back-end asked us to wait (``Retry-After``)
    retry_after: float | None = None
    #: False when the back-end may have acted without us seeing its answer
    answered: bool = True

    @property
    def retryable(self) -> bool:
        return self.kind in (FailureKind.TRANSIENT, FailureKind.CONCURRENCY)


def classify(exc: BaseException, retry_after: float | None = None) -> Failure:
    """The kind of a back-end call's exception, with a message fit for a user."""
    if isinstance(exc, NotSentError):
        return Failure(FailureKind.TRANSIENT, str(exc))
    status = getattr(exc, "http_status_code", None)
    code = getattr(exc, "code", None) or ""
    message = _message(exc)
    if status is None:
        if _is_network_error(exc):
            return Failure(FailureKind.TRANSIENT, message, answered=False)
        return Failure(FailureKind.PERMANENT, message)
    if 400 <= status < 500 and _CONCURRENCY.search(f"{code} {message}"):
        return Failure(FailureKind.CONCURRENCY, message, status, retry_after)
    if status in TRANSIENT_STATUSES:  # 429 here is a rate limit on requests: wait as asked
        answered = status not in UNANSWERED_STATUSES
        return Failure(FailureKind.TRANSIENT, message, status, retry_after, answered)
    if status in (401, 403) and (code in AUTH_CODES or status == 401):
        return Failure(FailureKind.AUTH, message, status)
    if status in (404, 410) and (code in GONE_CODES or status == 410):
        return Failure(FailureKind.GONE, "job deleted on the back-end", status)
    return Failure(FailureKind.PERMANENT, message, status)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (a number; an HTTP date is ignored)."""
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds < 86400 else None


def _is_network_error(exc: BaseException) -> bool:
    import requests

    if isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
        return True
    if isinstance(
        exc, (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)
    ):
        return True
    # a truncated JSON answer; an unnamed client error about the response body
    return isinstance(exc, (json.JSONDecodeError, ConnectionError, TimeoutError))


def _message(exc: BaseException) -> str:
    import requests

    if isinstance(exc, requests.exceptions.Timeout):
        return "the back-end did not answer in time"
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = str(exc)
        for marker in ("Connection refused", "Connection reset", "RemoteDisconnected", "aborted"):
            if marker in text:
                return f"connection lost ({marker})"
        return "cannot reach the back-end"
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    status = getattr(exc, "http_status_code", None)
    text = str(text).strip()
    return f"HTTP {status}: {text}" if status and str(status) not in text[:6] else text
