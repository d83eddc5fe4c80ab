"""Why a run cannot start, as the engine process says it and the launcher rebuilds it.

The detached engine (:mod:`.host`) answers a refusal as JSON (:func:`error_wire`);
:mod:`.launch`, in the dock's process, raises it again as the typed error
(:func:`error_from_wire`). Both sides import this module, which loads none of the
engine itself: the launcher stays as light as it was when it imported it lazily.
"""

from __future__ import annotations

from typing import Any

from ..errors import GridJobsError, LoginRequiredError, RunError
from ..jobs.db_lock import JobDatabaseLockedError
from .events import ErrorKind


class SettingsMismatchError(RunError):
    """Resuming a run with other job settings or another grid than it started with."""


class UnknownBackendsError(RunError):
    """Rows name back-ends the run does not have, and there is more than one to map to."""

    def __init__(self, message: str, unknown: list[str], available: list[str]) -> None:
        super().__init__(message)
        self.unknown = unknown
        self.available = available


def error_wire(exc: GridJobsError) -> dict[str, Any]:
    """A refusal as the launcher's side rebuilds it (:func:`error_from_wire`)."""
    wire: dict[str, Any] = {"message": str(exc), "type": type(exc).__name__}
    if isinstance(exc, LoginRequiredError):
        wire.update(kind=str(ErrorKind.LOGIN_REQUIRED), backend=exc.backend)
    elif isinstance(exc, UnknownBackendsError):
        wire.update(
            kind=str(ErrorKind.MAPPING_REQUIRED), unknown=exc.unknown, available=exc.available
        )
    else:
        wire["kind"] = str(ErrorKind.OTHER)
    return wire


def error_from_wire(wire: dict[str, Any]) -> GridJobsError:
    message = str(wire.get("message") or "The run could not start.")
    kind = wire.get("kind")
    if kind == ErrorKind.LOGIN_REQUIRED:
        return LoginRequiredError(message, str(wire.get("backend") or ""))
    if kind == ErrorKind.MAPPING_REQUIRED:
        return UnknownBackendsError(
            message, list(wire.get("unknown") or []), list(wire.get("available") or [])
        )
    known = {c.__name__: c for c in (JobDatabaseLockedError, SettingsMismatchError)}
    return known.get(str(wire.get("type")), RunError)(message)
