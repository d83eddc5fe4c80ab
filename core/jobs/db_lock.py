"""One owner per job database: a run holds an OS-level lock on it for its whole life.

Two runs on one job database (two CLIs, or the dock and a CLI) would both submit
every tile. The lock is ``flock`` on ``<job db>.lock`` (``msvcrt.locking`` on
Windows): the operating system releases it when the process ends, even by
``kill -9``, so a crash never leaves a stale lock behind. The file also says who
holds it, for the message the second run gets.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..errors import GridJobsError

#: tries to take a lock someone else holds (see _lock_soon), this far apart (seconds):
#: a viewer looks at it for an instant; an engine that just ended lets go of it a
#: moment after it said so
ACQUIRE_TRIES = 40
ACQUIRE_PAUSE = 0.05


class JobDatabaseLockedError(GridJobsError):
    """Another run (in this or another process) owns the job database."""


class JobDatabaseLock:
    def __init__(self, job_db: str | Path, holder: str) -> None:
        self.job_db = Path(job_db)
        self.path = self.job_db.with_name(self.job_db.name + ".lock")
        self.holder = holder
        self._file: IO[str] | None = None

    def acquire(self) -> JobDatabaseLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 - held until release
        try:
            _lock_soon(handle)
        except OSError:
            handle.seek(0)
            who = _describe(handle.read())
            handle.close()
            raise JobDatabaseLockedError(
                f"{self.job_db.name} is in use by another run ({who}). Stop that run first, "
                "or start a new run in a new job database."
            ) from None
        handle.seek(0)
        handle.truncate()
        info = {
            "holder": self.holder,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "since": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        handle.write(json.dumps(info))
        handle.flush()
        self._file = handle
        return self

    def release(self) -> None:
        if self._file is None:
            return
        try:
            self._file.seek(0)
            self._file.truncate()
            _unlock(self._file)
        finally:
            self._file.close()
            self._file = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def __enter__(self) -> JobDatabaseLock:
        return self.acquire()

    def __exit__(self, *_: Any) -> None:
        self.release()


@dataclass(frozen=True)
class LockState:
    """Whether a run holds a job database now, and what its lock file says."""

    held: bool
    #: holder, pid, host, since: written by the holder, left behind by one that died
    info: dict[str, Any] | None

    @property
    def died(self) -> bool:
        """Not held, yet not released either: its holder ended without letting go
        (``kill -9``, a crash, a reboot)."""
        return not self.held and self.info is not None


def lock_state(job_db: str | Path) -> LockState:
    """Look at the lock of ``job_db`` without keeping it (held for an instant when free:
    :meth:`JobDatabaseLock.acquire` tries a few times for that)."""
    path = Path(job_db).with_name(Path(job_db).name + ".lock")
    try:
        handle = open(path, encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError:
        return LockState(False, None)
    with handle:
        info = _info(handle.read())
        try:
            _lock(handle)
        except OSError:
            return LockState(True, info)
        _unlock(handle)
    return LockState(False, info)


def _lock_soon(handle: IO[str]) -> None:
    """The lock, tried for a moment: a viewer looking at it (:func:`lock_state`) holds
    it for an instant."""
    for _ in range(ACQUIRE_TRIES - 1):
        try:
            _lock(handle)
            return
        except OSError:
            time.sleep(ACQUIRE_PAUSE)
    _lock(handle)


def _info(text: str) -> dict[str, Any] | None:
    try:
        info = json.loads(text)
    except ValueError:
        return None
    return info if isinstance(info, dict) else None


def _describe(text: str) -> str:
    try:
        info = json.loads(text)
        return f"{info['holder']}, process {info['pid']} on {info['host']}, since {info['since']}"
    except (ValueError, KeyError, TypeError):
        return "holder unknown"


if sys.platform == "win32":  # pragma: no cover - tested on Linux only
    import msvcrt

    def _lock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
