"""What a run engine tells its viewers, and what viewers may ask of it: the channel's words.

Both directions are JSON objects (never pickles: a viewer must not be able to make
the engine run code, nor the engine a viewer). An event has a ``kind``
(:class:`EventKind`); a command an ``op`` (:class:`Command`). Tile updates travel
as rows of values in :data:`UPDATE_FIELDS` order, which is
:class:`~..jobs.rows.TileUpdate`'s: a 10,000-tile snapshot stays a few hundred
kilobytes and decodes in one ``json.loads``.
"""

from __future__ import annotations

from dataclasses import fields
from operator import attrgetter
from typing import Any

from ..definitions import StrEnum
from ..jobs.rows import TileUpdate

#: the fields of a tile update row, in order
UPDATE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(TileUpdate))
#: an update's values in UPDATE_FIELDS order, in one C call: ``dataclasses.astuple``
#: deep-copies each value, a tenth of the engine's time in a 10,000-tile run
_row_of = attrgetter(*UPDATE_FIELDS)


class EventKind(StrEnum):
    #: sent to each viewer first: the run as it is now (every tile, counts, state)
    HELLO = "hello"
    #: some tiles changed (rows of UPDATE_FIELDS) and the counts after them
    UPDATES = "updates"
    #: something to read once (an outage, a duplicate job removed...): level, message
    NOTICE = "notice"
    #: the run in one line and in numbers (counts, elapsed, ETA, credits...)
    SUMMARY = "summary"
    #: the results mosaic was (re)written: path
    MOSAIC = "mosaic"
    #: a back-end refused the run's login mid-run: backend, message (None: works again)
    LOGIN = "login"
    #: a back-end's login was renewed (an OpenID Connect refresh token, secret): store it
    RENEWED_LOGIN = "renewed_login"
    #: the run ended (done, stopped or failed), with its outputs; the engine exits
    ENDED = "ended"
    #: worth a word to a user not watching (see core.engine.notifications): reason, message,
    #: subject; once per reason and subject
    NOTIFY = "notify"


class Command(StrEnum):
    STOP = "stop"
    #: ask the back-ends for the statuses now
    REFRESH = "refresh"
    #: submit the failed tiles again
    RETRY_FAILED = "retry_failed"
    #: cancel the jobs of ``tiles`` (None: every unfinished job)
    CANCEL = "cancel"
    #: the credit budget: ``credits`` (None: no cap)
    BUDGET = "budget"
    #: a new login for ``backend``: ``secrets`` (see Secrets)
    CREDENTIALS = "credentials"


class Outcome(StrEnum):
    """How a run ended."""

    #: every tile is final (and every wanted result downloaded)
    DONE = "done"
    #: stopped before that (Stop, Ctrl-C, SIGTERM); jobs go on on the back-end
    STOPPED = "stopped"
    #: it could not start or broke off: ``error`` says why
    FAILED = "failed"


class ErrorKind(StrEnum):
    """Why a run failed, where a viewer can do something about it."""

    #: an interactive login is needed first: ``backend``
    LOGIN_REQUIRED = "login_required"
    #: a notebook's tracker names back-ends the run lacks: ``unknown``, ``available``
    MAPPING_REQUIRED = "mapping_required"
    #: anything else: the message says what to do
    OTHER = "other"


def update_rows(updates: list[TileUpdate]) -> list[list[Any]]:
    return [list(_row_of(u)) for u in updates]


def updates_from_rows(rows: list[list[Any]]) -> list[TileUpdate]:
    return [TileUpdate(*row) for row in rows]


def hello_windowed(hello: dict[str, Any]) -> bool:
    """Whether the run a HELLO describes has time windows: its rows are (unit, window)
    jobs, counted as jobs rather than tiles."""
    return bool((hello.get("template") or {}).get("windows"))


def event(kind: EventKind, **values: Any) -> dict[str, Any]:
    return {"kind": str(kind), **values}


def command(op: Command, **values: Any) -> dict[str, Any]:
    return {"op": str(op), **values}
