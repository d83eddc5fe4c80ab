"""Result downloads on a fixed-size pool, to a temporary folder renamed when complete.

A few threads at a time (each one competes for the GIL with QGIS's main thread);
a partial download never counts as a result: files land in
``<tile>.partial-<pid>`` and the folder is renamed to ``<tile>`` only when every
file arrived. A failed download is retried with backoff a few times per run; a
later run tries again (the job table has no result for it yet).
"""

from __future__ import annotations

import logging
import os
import queue
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .failures import Failure, FailureKind
from .gateway import CallFailed
from .workers import WorkerPool

if TYPE_CHECKING:
    from .gateway import BackendGateway

_log = logging.getLogger(__name__)
DATA_SUFFIXES = (".nc", ".tif", ".tiff", ".gpkg", ".geojson", ".json", ".parquet", ".csv")


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
            shutil.rmtree(partial, ignore_errors=True)
            paths = gateway.download(job_id, partial)
            if target.exists():
                shutil.rmtree(target)
            partial.rename(target)
            data = [
                target / p.name
                for p in paths
                if p.suffix in DATA_SUFFIXES and p.name != "job-results.json"
            ]
            self._results.put(DownloadResult(row, str(data[0] if data else target), None))
            return
        except CallFailed as exc:
            failure = exc.failure
        except OSError as exc:  # disk full, read-only folder: said once per tile
            failure = Failure(FailureKind.PERMANENT, f"cannot write the result: {exc.strerror}")
        except Exception as exc:
            failure = Failure(FailureKind.TRANSIENT, str(exc) or type(exc).__name__)
        finally:
            shutil.rmtree(partial, ignore_errors=True)
        _log.info("Download of job %s failed: %s", job_id, failure.message)
        self._results.put(DownloadResult(row, None, failure))
