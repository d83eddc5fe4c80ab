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
from pathlib import Path
from typing import IO, Any

from .errors import GridJobsError


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
            _lock(handle)
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
