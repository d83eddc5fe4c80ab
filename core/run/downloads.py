"""Result downloads on a fixed-size pool, to a temporary folder renamed when complete.

A few threads at a time (each one competes for the GIL with QGIS's main thread);
a partial download never counts as a result: files land in
``<tile>.partial-<pid>`` and the folder is renamed to ``<tile>`` only when every
file arrived. A failed download is retried with backoff a few times per run; a
later run tries again (the job table has no result for it yet).

Never twice: a ``<tile>`` folder that holds the complete results of the same job
(its ``job-results.json`` names the job; a crash came between the rename and the
table's save) is taken as it is, without a request.

A results folder that cannot be written (read-only, disk full, quota) is one
failure of the tile's download (``cannot write the result in <folder>: <reason>``;
the run tries it again later, see :mod:`.fetching`) and one warning in the log
per run, not a warning per tile.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import queue
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .failures import Failure, FailureKind
from .gateway import CallFailed
from .workers import WorkerPool

if TYPE_CHECKING:
    import openeo

    from .gateway import BackendGateway

_log = logging.getLogger(__name__)
DATA_SUFFIXES = (".nc", ".tif", ".tiff", ".gpkg", ".geojson", ".json", ".parquet", ".csv")
METADATA_NAME = "job-results.json"
#: errors of the local disk (as opposed to the network) while saving a result
DISK_ERRNOS = frozenset(
    getattr(errno, name)
    for name in ("ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "EFBIG", "ENOTDIR", "EEXIST")
    if hasattr(errno, name)
)


@dataclass(frozen=True)
class DownloadResult:
    row: int
    path: str | None
    failure: Failure | None


class Downloads:
    def __init__(self, threads: int, on_done: Callable[[], None] | None = None) -> None:
        self._pool = WorkerPool(threads, "ogj-download", on_done)
        self._results: queue.Queue[DownloadResult] = queue.Queue()
        self.pending: set[int] = set()
        self._lock = threading.Lock()
        self._disk_warned = False

    def request(self, row: int, gateway: BackendGateway, job_id: str, target: Path) -> None:
        if row in self.pending:
            return
        self.pending.add(row)
        self._pool.submit(self._download, row, gateway, job_id, target)

    def finished(self) -> list[DownloadResult]:
        """Downloads that ended since the last call (run on the run's own thread)."""
        done: list[DownloadResult] = []
        while True:
            try:
                result = self._results.get_nowait()
            except queue.Empty:
                return done
            self.pending.discard(result.row)
            done.append(result)

    def shutdown(self) -> None:
        self._pool.shutdown()

    def _download(self, row: int, gateway: BackendGateway, job_id: str, target: Path) -> None:
        partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
        try:
            files = complete_download(target, job_id)
            if files is None:
                shutil.rmtree(partial, ignore_errors=True)
                partial.mkdir(parents=True)  # a folder that cannot be written fails here
                paths = _fetch(gateway, job_id, partial)
                if target.exists():
                    shutil.rmtree(target)
                partial.rename(target)
                files = [target / p.name for p in paths]
            data = [p for p in files if p.suffix in DATA_SUFFIXES and p.name != METADATA_NAME]
            self._results.put(DownloadResult(row, str(data[0] if data else target), None))
            return
        except CallFailed as exc:
            failure = exc.failure
        except OSError as exc:  # disk full, read-only folder: said once per tile
            failure = self._disk_failure(target.parent, exc)
        except Exception as exc:
            failure = Failure(FailureKind.TRANSIENT, str(exc) or type(exc).__name__)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
        _log.info("Download of job %s failed: %s", job_id, failure.message)
        self._results.put(DownloadResult(row, None, failure))

    def _disk_failure(self, folder: Path, exc: OSError) -> Failure:
        """The failure of a result that cannot be saved; the first one of a run is also
        said in the log as a warning, with what to do."""
        reason = exc.strerror or str(exc) or type(exc).__name__
        with self._lock:
            first = not self._disk_warned
            self._disk_warned = True
        if first:  # the run says it too, as a run event (the message bar, the CLI)
            _log.info(
                "Cannot write results in %s (%s): the run goes on tracking the jobs, and the "
                "downloads wait until the folder can be written.",
                folder,
                reason,
            )
        return Failure(FailureKind.PERMANENT, f"cannot write the result in {folder}: {reason}")


def complete_download(target: Path, job_id: str) -> list[Path] | None:
    """The files of ``target`` when it already holds job ``job_id``'s complete results
    (it exists only once every file arrived, and its ``job-results.json`` names the
    job); else None."""
    try:
        metadata = json.loads((target / METADATA_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(metadata, dict) or metadata.get("id") != job_id:
        return None
    assets = metadata.get("assets")
    names = list(assets) if isinstance(assets, dict) else []
    files = [target / name for name in names if (target / name).is_file()]
    return files if files and len(files) == len(names) else None


def _fetch(gateway: BackendGateway, job_id: str, folder: Path) -> list[Path]:
    """Download the job's result files into ``folder``; an error of the local disk goes
    up as the :class:`OSError` it is (not as a failed back-end call)."""
    disk: list[OSError] = []

    def fetch(connection: openeo.Connection) -> list[Path]:
        try:
            return list(connection.job(job_id).get_results().download_files(folder))
        except OSError as exc:
            if exc.errno in DISK_ERRNOS:
                disk.append(exc)
            raise

    try:
        return gateway.call(fetch)
    except CallFailed:
        if disk:
            raise disk[0] from None
        raise
