"""A word when it matters: the moments of a long run a user who is not watching wants
to hear about, each said once.

Nobody watches a run of 40 hours. The engine sends a ``notify`` event when the run
ends (done, stopped or broken off), when its credit budget stops launching, and when
a back-end's login is refused and the run waits for a new one; viewers turn it into
what their user sees: the dock a message bar and a desktop notification, the CLI a
printed line or a command of the user's (``--on-event``).

:class:`Notifier` keeps the "once": one notification per reason and subject (a
back-end's login once until it works again), however often the run says it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..definitions import StrEnum


class NotifyReason(StrEnum):
    #: the run ended: done, stopped, or broken off
    ENDED = "ended"
    #: the credit budget stopped launching
    BUDGET = "budget"
    #: a back-end refused the run's login; the run waits for a new one there
    LOGIN = "login"


@dataclass(frozen=True)
class Notification:
    reason: NotifyReason
    message: str
    #: what it is about (a back-end's name for a login; empty otherwise)
    subject: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"reason": str(self.reason), "message": self.message, "subject": self.subject}


class Notifier:
    """Sends each notification once per reason and subject (thread-safe enough for the
    engine: its callers are the run loop's thread and the engine's)."""

    def __init__(self, send: Callable[[Notification], None]) -> None:
        self._send = send
        self._said: set[tuple[str, str]] = set()

    def notify(self, reason: NotifyReason, message: str, subject: str = "") -> bool:
        """Send it unless it was said already; whether it was sent now."""
        key = (str(reason), subject)
        if key in self._said:
            return False
        self._said.add(key)
        self._send(Notification(reason, message, subject))
        return True

    def settled(self, reason: NotifyReason, subject: str = "") -> None:
        """What was notified is over (a login works again): the next time is news."""
        self._said.discard((str(reason), subject))
