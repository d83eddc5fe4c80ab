"""The local channel between a run engine and its viewers (the dock, Processing, tests).

One channel per job database, found by its path: a Unix domain socket in a folder
only its user can enter (``$XDG_RUNTIME_DIR/openeo-grid-jobs`` or
``<tmp>/openeo-grid-jobs-<uid>``, mode 0700, checked), the socket itself 0600,
and on Linux each peer's user id checked again (``SO_PEERCRED``). No network port:
another user of the machine can neither watch a run nor drive it. On Windows it
is a named pipe with an HMAC handshake whose key sits in the user's own
``%LOCALAPPDATA%`` (not tested here: no Windows machine).

Messages are JSON (:mod:`.events`), framed by
:mod:`multiprocessing.connection`; never pickles. The server sends each viewer
the engine's ``hello`` first, then every event; a viewer that does not keep up
is let go (it attaches again and gets a fresh ``hello``), so the engine never
waits for a viewer.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import queue
import secrets
import socket
import struct
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from typing import Any, Callable

from ..errors import GridJobsError

_log = logging.getLogger(__name__)
WINDOWS = sys.platform == "win32"
FAMILY = "AF_PIPE" if WINDOWS else "AF_UNIX"
#: events queued for a viewer that does not read them before it is let go
VIEWER_BACKLOG = 2000
#: the pseudo-event a viewer gets when the channel closes without its asking
LOST = "lost"

Handler = Callable[[dict[str, Any]], None]


class ChannelError(GridJobsError):
    """The channel cannot be opened (a folder that is not private, no such run...)."""


def channel_address(job_db: str | os.PathLike[str]) -> str:
    """Where the engine of ``job_db`` listens (the same for every process of the user)."""
    key = hashlib.sha256(str(Path(job_db).resolve()).encode("utf-8")).hexdigest()[:24]
    if WINDOWS:  # pragma: no cover - not tested here
        user = hashlib.sha256(os.environ.get("USERNAME", "").encode()).hexdigest()[:8]
        return rf"\\.\pipe\openeo-grid-jobs-{user}-{key}"
    return str(private_dir() / f"{key}.sock")


def private_dir() -> Path:
    """A folder of this user's that no one else may enter (made, or checked, here)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if WINDOWS:  # pragma: no cover
        base = Path(os.environ.get("LOCALAPPDATA") or tempfile.gettempdir())
        folder = base / "openeo-grid-jobs"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    if runtime and Path(runtime).is_dir() and _private(Path(runtime)):
        folder = Path(runtime) / "openeo-grid-jobs"
    else:
        folder = Path(tempfile.gettempdir()) / f"openeo-grid-jobs-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
    except OSError as exc:
        raise ChannelError(f"Cannot make the run channels' folder {folder}: {exc}") from None
    if folder.is_symlink() or not _private(folder):
        raise ChannelError(
            f"{folder} is not private to you (its owner or permissions let others in): runs "
            "cannot be watched safely. Remove it, or set XDG_RUNTIME_DIR."
        )
    return folder


def _private(folder: Path) -> bool:
    info = folder.lstat()
    return info.st_uid == os.getuid() and not info.st_mode & 0o077


def _authkey() -> bytes | None:
    """Windows only: the named pipe's handshake key, in the user's own folder."""
    if not WINDOWS:
        return None
    path = private_dir() / "channel.key"  # pragma: no cover
    if not path.exists():  # pragma: no cover
        path.write_bytes(secrets.token_bytes(32))
    return path.read_bytes()  # pragma: no cover


def _same_user(connection: Connection) -> bool:
    """Linux: the peer runs as this user (the folder's permissions say so already)."""
    if not sys.platform.startswith("linux"):
        return True
    peer = socket.socket(fileno=os.dup(connection.fileno()))
    try:
        raw = peer.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    finally:
        peer.close()
    _pid, uid, _gid = struct.unpack("3i", raw)
    return uid == os.getuid()


class _Viewer:
    """One attached viewer: a queue of encoded events and the thread that sends them."""

    def __init__(self, connection: Connection, on_command: Handler, on_gone: Callable) -> None:
        self.connection = connection
        self.outbox: queue.Queue[bytes | None] = queue.Queue()
        self._on_command = on_command
        self._on_gone = on_gone
        self.closed = False
        threading.Thread(target=self._send, name="ogj-viewer-out", daemon=True).start()
        threading.Thread(target=self._receive, name="ogj-viewer-in", daemon=True).start()

    def push(self, data: bytes) -> None:
        if self.outbox.qsize() > VIEWER_BACKLOG:
            _log.info("A viewer did not keep up: let go (it attaches again for a fresh view).")
            self.close()
            return
        self.outbox.put(data)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.outbox.put(None)

    def _send(self) -> None:
        try:
            while True:
                data = self.outbox.get()
                if data is None:
                    break
                self.connection.send_bytes(data)
        except OSError:
            pass  # the viewer went away: it may attach again
        finally:
            self.closed = True
            self.connection.close()
            self._on_gone(self)

    def _receive(self) -> None:
        try:
            while not self.closed:
                message = json.loads(self.connection.recv_bytes())
                if isinstance(message, dict):
                    self._on_command(message)
        except (EOFError, OSError, ValueError):
            self.close()


class ChannelServer:
    """The engine's side: viewers attach and detach at will, as often as they like."""

    def __init__(
        self, job_db: str | os.PathLike[str], hello: Callable[[], dict], on_command: Handler
    ):
        self.address = channel_address(job_db)
        self._hello = hello
        self._on_command = on_command
        self._viewers: list[_Viewer] = []
        self._lock = threading.Lock()
        self._attached = threading.Event()
        self._listener: Listener | None = None

    def start(self) -> None:
        """Listen (the caller holds the job database's lock: a socket left by an engine
        that died is its own to replace)."""
        if not WINDOWS and os.path.exists(self.address):
            os.unlink(self.address)
        try:
            self._listener = Listener(self.address, FAMILY, authkey=_authkey())
        except OSError as exc:
            raise ChannelError(f"Cannot open the run's channel {self.address}: {exc}") from None
        if not WINDOWS:
            os.chmod(self.address, 0o600)
        threading.Thread(target=self._accept, name="ogj-channel", daemon=True).start()

    def _accept(self) -> None:
        listener = self._listener
        while listener is not None:
            try:
                connection = listener.accept()
            except OSError:
                return  # closed
            except Exception:  # a peer that failed the handshake: next
                _log.debug("A connection was refused.", exc_info=True)
                continue
            if not _same_user(connection):
                connection.close()
                continue
            with self._lock:  # the hello and the events after it, in order
                try:
                    hello = json.dumps(self._hello()).encode("utf-8")
                except Exception:  # a bug: said in the log; the next viewer is welcome
                    _log.exception("The run's state could not be sent to a viewer.")
                    connection.close()
                    continue
                viewer = _Viewer(connection, self._on_command, self._gone)
                viewer.push(hello)
                self._viewers.append(viewer)
            self._attached.set()

    def _gone(self, viewer: _Viewer) -> None:
        with self._lock:
            if viewer in self._viewers:
                self._viewers.remove(viewer)

    @property
    def viewers(self) -> int:
        with self._lock:
            return len(self._viewers)

    def wait_for_viewer(self, timeout: float) -> bool:
        return self._attached.wait(timeout)

    def broadcast(self, message: dict[str, Any]) -> None:
        data = json.dumps(message).encode("utf-8")
        with self._lock:
            for viewer in list(self._viewers):
                viewer.push(data)

    def stop_listening(self) -> None:
        """No new viewer; those attached still get what is sent."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
        if not WINDOWS and os.path.exists(self.address):
            with contextlib.suppress(OSError):
                os.unlink(self.address)

    def close(self, linger: float = 2.0) -> None:
        """Stop listening; give the viewers ``linger`` seconds to get what is queued."""
        self.stop_listening()
        with self._lock:
            viewers = list(self._viewers)
        for viewer in viewers:
            viewer.close()
        deadline = linger
        step = 0.05
        while deadline > 0 and any(not v.outbox.empty() for v in viewers):
            threading.Event().wait(step)
            deadline -= step


class ChannelClient:
    """A viewer's side: events arrive on ``on_event`` (a thread of this client's)."""

    def __init__(self, connection: Connection, on_event: Handler) -> None:
        self._connection = connection
        self._on_event = on_event
        self._closing = False
        self._send_lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, name="ogj-viewer", daemon=True)
        self._thread.start()

    @classmethod
    def attach(
        cls, job_db: str | os.PathLike[str], on_event: Handler, wait: float = 0.0
    ) -> ChannelClient:
        """Attach to the live run of ``job_db``; :class:`ChannelError` when none is live.

        ``wait``: seconds to keep trying (an engine opens its channel a moment after it
        took the job database: reading a large table comes first)."""
        address = channel_address(job_db)
        deadline = time.monotonic() + wait
        while True:
            try:
                connection = Client(address, FAMILY, authkey=_authkey())
            except (OSError, EOFError) as exc:
                if time.monotonic() >= deadline:
                    name = Path(job_db).name
                    raise ChannelError(f"No run of {name} is going on ({exc}).") from None
                time.sleep(0.05)
                continue
            return cls(connection, on_event)

    def send(self, command: dict[str, Any]) -> bool:
        """Send a command; False when the engine is gone."""
        try:
            with self._send_lock:
                self._connection.send_bytes(json.dumps(command).encode("utf-8"))
        except OSError:
            return False
        return True

    def detach(self) -> None:
        """Let the run go on without this viewer."""
        self._closing = True
        with contextlib.suppress(OSError):
            self._connection.close()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the channel is closed (the run ended, or this viewer detached)."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _read(self) -> None:
        ended = False
        try:
            while True:
                message = json.loads(self._connection.recv_bytes())
                if isinstance(message, dict):
                    kind = message.get("kind")
                    ended = (
                        ended or kind == "ended" or bool(kind == "hello" and message.get("ended"))
                    )
                    self._on_event(message)
        except (EOFError, OSError, ValueError, TypeError):  # TypeError: detached meanwhile
            pass
        if not (self._closing or ended):  # gone without a word: killed, crashed
            self._on_event({"kind": LOST})
