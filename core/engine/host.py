"""A run engine with its channel open: the process the dock and Processing start, and the CLI.

:class:`EngineHost` opens the engine (the job database locked), opens the channel
viewers attach to (:mod:`.channel`), runs, and closes both. Every event
goes to every attached viewer and to a local sink (the CLI prints them).

:func:`main` is the detached engine process (:mod:`.launch` starts it). It
reads its :class:`~.request.RunRequest` from standard input (secrets come only
that way), answers on standard output with one line, ``{"ready": ...}`` or
``{"failed": ...}`` (why it cannot run: a login needed, a database in use...),
then lets go of both; what it logs goes to the log file the launcher gave it as
standard error. SIGTERM and SIGINT stop the run as Stop does.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from typing import Any, Callable

from ..errors import GridJobsError
from ..grid.proj_data import ensure_proj_data
from ..logging_setup import configure_logging
from .channel import ChannelServer
from .engine import RunEngine
from .events import EventKind, Outcome
from .refusals import error_wire
from .request import RunRequest

_log = logging.getLogger(__name__)
#: exit codes of the engine process
EXIT_DONE, EXIT_REFUSED, EXIT_FAILED, EXIT_STOPPED = 0, 2, 1, 3


class EngineHost:
    """The engine and its channel, for one run."""

    def __init__(
        self, request: RunRequest, on_event: Callable[[dict[str, Any]], None] | None = None
    ) -> None:
        self.request = request
        self.on_event = on_event
        self.engine = RunEngine(request, self._emit)
        self.server: ChannelServer | None = None

    def open(self) -> None:
        """Lock the job database and open the channel; a typed error when refused."""
        self.engine.open()
        try:
            self.server = ChannelServer(self.engine.job_db, self.engine.hello, self.engine.command)
            self.server.start()
        except BaseException:
            self.engine.close()
            raise

    def serve(self) -> dict[str, Any]:
        """Run to the end (first waiting for a viewer, when asked); the ENDED event."""
        wait = self.request.wait_for_viewer
        if wait > 0 and self.server is not None and not self.server.wait_for_viewer(wait):
            _log.info("No viewer attached within %.0f s: the run starts without one.", wait)
        return self.engine.run()

    def stop(self) -> None:
        self.engine.stop_event.set()

    def close(self) -> None:
        """Let go of the job database at once (a new run may start on it), then give the
        viewers a moment to get the last events."""
        self._let_go()
        if self.server is not None:
            self.server.close()

    def _let_go(self) -> None:
        """No new viewer, then the job database free. In this order: a run started on it
        at once opens its channel where this one listened, which must not be removed
        from under it."""
        if self.server is not None:
            self.server.stop_listening()
        self.engine.close()

    def _emit(self, message: dict[str, Any]) -> None:
        if message.get("kind") == EventKind.ENDED:
            # a viewer that hears the end may start the next run at once (the dock's Run
            # right after a run): it must find the job database free, not this engine
            self._let_go()
        if self.server is not None:
            self.server.broadcast(message)
        if self.on_event is not None:
            self.on_event(message)


def exit_code(ended: dict[str, Any]) -> int:
    outcome = ended.get("outcome")
    if outcome == Outcome.DONE:
        return EXIT_DONE
    if outcome == Outcome.STOPPED:
        return EXIT_STOPPED
    return EXIT_FAILED


def main() -> None:
    """The detached engine process (see the module's docstring)."""
    handshake = sys.stdout
    configure_logging(sys.stderr)
    ensure_proj_data()
    try:
        request = RunRequest.from_wire(sys.stdin.buffer.read())
        host = EngineHost(request)
        host.open()
    except GridJobsError as exc:
        handshake.write(json.dumps({"failed": error_wire(exc)}) + "\n")
        handshake.flush()
        sys.exit(EXIT_REFUSED)
    except Exception as exc:  # a package missing from this interpreter, a bug
        _log.exception("The engine could not start (%s, path %s)", sys.executable, sys.path)
        wire = {"message": f"The run's engine could not start ({type(exc).__name__}: {exc})."}
        handshake.write(json.dumps({"failed": wire}) + "\n")
        handshake.flush()
        sys.exit(EXIT_FAILED)
    sys.stdin.close()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: host.stop())
    handshake.write(json.dumps({"ready": host.server.address if host.server else None}) + "\n")
    handshake.flush()
    _let_go_of_stdout()
    _log.info("Engine %s for %s (%s)", os.getpid(), request.job_db, request.holder)
    try:
        ended = host.serve()
    finally:
        host.close()
    _log.info("Run ended: %s", ended.get("outcome"))
    sys.exit(exit_code(ended))


def _let_go_of_stdout() -> None:
    """The handshake pipe is closed: a launcher that went away must not end us (a write
    to a pipe nobody reads kills with SIGPIPE), and nothing else is said there."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
