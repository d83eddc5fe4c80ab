"""What a fault proxy does wrong, per request: the fractions of each fault, drawn seeded.

:class:`Faults` says which requests are faulted and how often each fault happens;
:meth:`Faults.draw` turns four numbers of a seeded ``random.Random`` into one
request's :class:`Decision`, so a seed reproduces the sequence of decisions (for a
given order of requests). Stdlib only, like the proxy.
"""

from __future__ import annotations

import dataclasses
import random
import re
from dataclasses import dataclass

#: the fault kinds, as counted by :meth:`.fault_proxy.FaultProxy.stats`
FAULT_KINDS = ("error_5xx", "rate_429", "reset", "lost_answer", "delay", "outage")
#: the statuses of an ``error_5xx`` fault, one of them at random
ERROR_STATUSES = (500, 502, 503)


@dataclass
class Faults:
    """What goes wrong, per request. The fractions of ``error_5xx``, ``rate_429``,
    ``reset`` and ``lost_answer`` exclude each other (their sum is at most 1);
    ``delay`` is drawn independently and applies to requests that are forwarded."""

    #: fraction answered 500/502/503 (one of the three at random) without forwarding
    error_5xx: float = 0.0
    #: fraction answered 429 with ``Retry-After: <retry_after>`` without forwarding
    rate_429: float = 0.0
    #: seconds in ``Retry-After`` (sent as ``1``, ``0.5``…; HTTP itself only allows
    #: whole seconds, and urllib3's retry refuses fractions)
    retry_after: float = 1.0
    #: fraction whose connection is reset (RST) before anything is forwarded
    reset: float = 0.0
    #: fraction forwarded, answered by the upstream, then closed without an answer
    lost_answer: float = 0.0
    #: fraction held back uniform(0, ``max_delay``) seconds before being forwarded
    #: (forwarded even if the client has gone meanwhile)
    delay: float = 0.0
    max_delay: float = 2.0
    #: only requests with one of these methods are faulted (``None``: all)
    methods: set[str] | None = None
    #: only requests whose path (no query) matches this regex (``re.search``) are faulted;
    #: note that openEO clients call ``/openeo/1.2/jobs``, so e.g. ``r"/jobs$"``
    paths: str | None = None

    def __post_init__(self) -> None:
        for name in ("error_5xx", "rate_429", "reset", "lost_answer", "delay"):
            value = float(getattr(self, name))
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a fraction from 0 to 1, not {value}")
            setattr(self, name, value)
        if self.error_5xx + self.rate_429 + self.reset + self.lost_answer > 1.0 + 1e-9:
            raise ValueError("error_5xx + rate_429 + reset + lost_answer must be at most 1")
        self.retry_after = float(self.retry_after)
        self.max_delay = float(self.max_delay)
        if self.retry_after < 0 or self.max_delay < 0:
            raise ValueError("retry_after and max_delay must not be negative")
        if self.methods is not None:
            if isinstance(self.methods, str):
                raise ValueError("methods must be a set of method names, not a string")
            self.methods = {str(m).upper() for m in self.methods}
        if self.paths is not None:
            re.compile(self.paths)  # fail early on a bad regex

    def applies_to(self, method: str, path: str) -> bool:
        if self.methods is not None and method.upper() not in self.methods:
            return False
        return self.paths is None or re.search(self.paths, path) is not None

    @classmethod
    def from_dict(cls, values: dict) -> Faults:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(values) - names
        if unknown:
            raise ValueError(f"unknown fault fields: {sorted(unknown)}")
        return cls(**values)

    def as_dict(self) -> dict:
        values = dataclasses.asdict(self)
        if self.methods is not None:
            values["methods"] = sorted(self.methods)
        return values

    def draw(self, rng: random.Random) -> Decision:
        """The fate of one request these faults apply to. Always draws four numbers from
        ``rng``, so that changing fractions does not shift the decisions of later
        requests."""
        pick, delay_pick, delay_amount, status_pick = (rng.random() for _ in range(4))
        edge = 0.0
        for kind in ("reset", "error_5xx", "rate_429", "lost_answer"):
            edge += getattr(self, kind)
            if pick < edge:
                break
        else:
            kind = None
        delay = round(delay_amount * self.max_delay, 3) if delay_pick < self.delay else 0.0
        if kind == "error_5xx":
            return Decision(kind, ERROR_STATUSES[int(status_pick * len(ERROR_STATUSES))])
        if kind == "rate_429":
            return Decision(kind, 429, retry_after=self.retry_after)
        if kind == "reset":
            return Decision(kind)
        if kind == "lost_answer":
            return Decision(kind, delay=delay)
        return Decision("delay" if delay else None, delay=delay)


@dataclass(frozen=True)
class Decision:
    """What happens to one request: ``fault`` is one of :data:`FAULT_KINDS` or ``None``
    (forwarded untouched); ``status`` the injected status (``None``: connection reset
    or forwarded); ``delay`` seconds held back before forwarding; ``retry_after`` the
    ``Retry-After`` seconds of a 429."""

    fault: str | None = None
    status: int | None = None
    delay: float = 0.0
    retry_after: float | None = None
