"""The dock's (or a test's) view of one run engine, as Qt signals on the main thread.

A :class:`RunViewer` either starts an engine for a request (:meth:`launch`: the
tiles are read, the engine process started and attached to, all off the main
thread) or attaches to one that is running already (:meth:`attach`: started by
the CLI, by Processing, by yesterday's QGIS). Either way, what the engine reports
arrives as signals, and the buttons act on the run through :meth:`command`.
Detaching (:meth:`detach`) leaves the run going; only Stop ends it.

Events are decoded on the channel's own thread (one ``json.loads`` and the tile
rows made into :class:`~...core.jobs.rows.TileUpdate`), so the main thread only
applies them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from qgis.PyQt.QtCore import QObject, QTimer, pyqtSignal

from ...core.engine.channel import LOST, ChannelClient, ChannelError
from ...core.engine.events import Command, ErrorKind, EventKind, Outcome, updates_from_rows
from ...core.errors import GridJobsError, LoginRequiredError
from ..adapters.background import BackgroundCall, Relay
from ..i18n import translate

#: an engine that holds its job database opens its channel once it has read the table
#: and logged in (seconds; more on a busy machine): tried this often, for so long (30 s;
#: a holder that never opens one, on another machine or of an older version, cannot be
#: watched: said then)
ATTACH_RETRY_MS = 200
ATTACH_TRIES = 150
#: an engine gone without a word: its lock is looked at this often, this many times
RELEASE_WAIT_MS = 100
RELEASE_TRIES = 100


class RunViewer(QObject):
    """One run as the dock sees it; ``live`` while its engine is attached and going."""

    #: the run as it is when this viewer attaches (the engine's hello)
    hello = pyqtSignal(dict)
    #: a batch of TileUpdate, and the per-status counts after it
    updates = pyqtSignal(list, dict)
    #: something to read once: level, message
    notice = pyqtSignal(str, str)
    #: the run in one line
    summary = pyqtSignal(str)
    #: the results mosaic was written: its path
    mosaic = pyqtSignal(str)
    #: a back-end refused the run's login mid-run: its name and why ("" when it works again)
    login = pyqtSignal(str, str)
    #: a renewed refresh token to store: back-end name, RefreshToken
    token = pyqtSignal(str, object)
    #: the run ended: the engine's ENDED event
    ended = pyqtSignal(dict)
    #: a moment worth a desktop notification (core.engine.notifications): reason, message
    notify = pyqtSignal(str, str)
    #: the engine went away without a word (killed, crashed)
    lost = pyqtSignal()
    #: the run ended cleanly, its last word unseen (it ended while this viewer was
    #: getting in): its job table as read then (an OpenedRun)
    missed_end = pyqtSignal(object)
    #: the run could not start: a message for the user
    failed = pyqtSignal(str)
    #: it needs an interactive login first: back-end name, why
    login_required = pyqtSignal(str, str)
    #: a notebook's tracker names back-ends the run lacks: those, and the run's back-ends
    mapping_required = pyqtSignal(list, list)

    def __init__(self, job_db: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.job_db = job_db
        self.client: ChannelClient | None = None
        #: attached, or being started: the run goes on
        self.live = False
        self._relay = Relay(self._dispatch, self)
        self._call: BackgroundCall | None = None
        #: a launch asked for, begun once the event loop runs again (:meth:`_begin`)
        self._pending: Callable[[], Any] | None = None
        self._attach_tries = 0
        self._holder = ""

    # --- start or join a run --------------------------------------------------------------
    def launch(self, request: Any, tiles: Any = None) -> None:
        """Start an engine for ``request`` (a core RunRequest) and attach, in the
        background; ``tiles``: the grid's LayerTiles, read there too."""
        from ...core.engine.launch import launch_engine

        self.live = True
        relay = self._relay

        def start() -> Any:
            if tiles is not None:
                request.tiles = tiles.wire()
            try:
                launch_engine(request)
            except LoginRequiredError as exc:
                return ("login", exc.backend, str(exc))
            except GridJobsError as exc:
                from ...core.engine.session import UnknownBackendsError

                if isinstance(exc, UnknownBackendsError):
                    return ("mapping", exc.unknown, exc.available)
                raise
            return ChannelClient.attach(self.job_db, relay)

        # begun once the click's own work is done: a thread begun at once would take
        # the interpreter's lock each time the main thread calls into QGIS meanwhile
        self._pending = start
        QTimer.singleShot(0, self._begin)

    def _begin(self) -> None:
        start, self._pending = self._pending, None
        if start is not None and self.live:  # (detached before it began: not begun)
            self._call = BackgroundCall(start, self._started, self._start_failed, self)

    def attach(self) -> bool:
        """Attach to the run going on for ``job_db``; False when there is none.

        An engine that holds the job database but has not opened its channel yet (it
        is reading a large table) is attached to as soon as it has, without waiting
        here: the panel shows the run as going on meanwhile."""
        from ...core.engine.launch import engine_state

        if self._try_attach():
            return True
        state = engine_state(self.job_db)
        if not state.live:
            return False
        self.live = True
        self._holder = state.holder or translate("RunViewer", "holder unknown")
        self._attach_tries = ATTACH_TRIES
        QTimer.singleShot(ATTACH_RETRY_MS, self._attach_again)
        return True

    def _try_attach(self) -> bool:
        try:
            self.client = ChannelClient.attach(self.job_db, self._relay)
        except ChannelError:
            return False
        self.live = True
        return True

    def _attach_again(self) -> None:
        from ...core.engine.launch import engine_state

        if not self.live or self.client is not None or self._try_attach():
            return
        state = engine_state(self.job_db)
        if not state.live:  # it ended (or died) before we got in
            self._gone(state.died_at is not None)
            return
        self._attach_tries -= 1
        if self._attach_tries > 0:
            QTimer.singleShot(ATTACH_RETRY_MS, self._attach_again)
            return
        self.live = False  # held, never watchable: another machine, an older version
        self.failed.emit(
            translate(
                "RunViewer",
                "{job_db} is in use by another run ({holder}), which cannot be watched from "
                "here. Stop that run first, or start a new run in a new job database.",
            ).format(job_db=Path(self.job_db).name, holder=self._holder)
        )

    def _started(self, result: Any) -> None:
        if isinstance(result, ChannelClient):
            self.client = result
            return
        self.live = False
        if result[0] == "login":
            self.login_required.emit(result[1], result[2])
        else:
            self.mapping_required.emit(list(result[1]), list(result[2]))

    def _start_failed(self, message: str) -> None:
        self.live = False
        self.failed.emit(message)

    # --- act on it ------------------------------------------------------------------------
    def command(self, op: Command, **values: Any) -> bool:
        """Send a command to the run (False when it is not attached)."""
        return self.client is not None and self.client.send({"op": str(op), **values})

    def detach(self) -> None:
        """Leave the run going without this viewer."""
        self.live = False
        if self.client is not None:
            self.client.detach()
            self.client = None

    def wait_started(self, ms: int) -> None:
        """Wait for a launch under way (a QThread must not outlive the plugin); one
        asked for and not begun yet begins now (Run was clicked)."""
        self._begin()
        if self._call is not None:
            self._call.thread.wait(ms)

    # --- what the engine says (main thread) --------------------------------------------
    def _dispatch(self, message: dict) -> None:
        kind = message.get("kind")
        if kind == EventKind.UPDATES:
            self.updates.emit(updates_from_rows(message["rows"]), message["counts"])
        elif kind == EventKind.HELLO:
            self.hello.emit(message)
            if message.get("ended"):  # attached as it ended: its last word
                self.live = False
                self._ended(message["ended"])
        elif kind == EventKind.NOTICE:
            self.notice.emit(message["level"], message["message"])
        elif kind == EventKind.SUMMARY:
            self.summary.emit(message["text"])
        elif kind == EventKind.MOSAIC:
            self.mosaic.emit(message["path"])
        elif kind == EventKind.LOGIN:
            self.login.emit(message["backend"], message.get("message") or "")
        elif kind == EventKind.RENEWED_LOGIN:
            self.token.emit(message["backend"], _refresh_token(message))
        elif kind == EventKind.ENDED:
            self.live = False
            self._ended(message)
        elif kind == EventKind.NOTIFY:
            self.notify.emit(message["reason"], message["message"])
        elif kind == LOST:
            self._once_released(RELEASE_TRIES)

    def _once_released(self, tries: int) -> None:
        """The engine went away without a word: said once the job database is free (a
        process killed closes its channel a moment before its lock), so that Run, now
        enabled, finds it free."""
        from ...core.engine.launch import engine_state

        state = engine_state(self.job_db)
        if tries > 0 and state.live:
            QTimer.singleShot(RELEASE_WAIT_MS, lambda: self._once_released(tries - 1))
            return
        self._gone(state.live or state.died_at is not None)

    def _gone(self, died: bool) -> None:
        """The engine is gone and this viewer did not hear its end: it died (its lock
        left behind, or never let go), or it ended cleanly (let go of its lock) as
        this viewer was getting in: its end is read from its job table, in the
        background."""
        from ..adapters.saved_run import read_run

        self.live = False
        if died:
            self.lost.emit()
            return
        job_db = self.job_db
        self._call = BackgroundCall(
            lambda: read_run(job_db, False), self.missed_end.emit, self.failed.emit, self
        )

    def _ended(self, message: dict) -> None:
        error = message.get("error") or {}
        if message.get("outcome") == Outcome.FAILED:
            if error.get("kind") == ErrorKind.LOGIN_REQUIRED:
                self.login_required.emit(error.get("backend", ""), message.get("message") or "")
                return
            self.failed.emit(message.get("message") or translate("RunViewer", "The run broke off."))
            return
        self.ended.emit(message)


def _refresh_token(message: dict) -> Any:
    from ...core.backends.device_login import RefreshToken

    return RefreshToken(message["issuer"], message["client_id"], message["refresh_token"])
