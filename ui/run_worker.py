"""Runs the job manager in a QThread: the GUI never waits on the network or disk.

The worker opens the run session (the job database, locked for the run's
life, with its saved settings), builds the runner and runs it;
every batch of status changes comes back to the main thread as a signal
(queued connection), where the layer is updated.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from qgis.core import Qgis, QgsMessageLog
from qgis.PyQt.QtCore import QObject, Qt, QThread, pyqtSignal

from ..core.definitions import PLUGIN_NAME
from ..core.errors import GridJobsError, LoginRequiredError
from .run_interpreter import sharing_with_the_map

SUMMARY_EVERY_S = 1.0


def guarded(func, failed) -> tuple[bool, Any]:
    """Call ``func``; report a failure through the ``failed`` signal instead of raising.

    A :class:`GridJobsError` carries a message fit for the user; anything else is
    a bug, logged in full to the QGIS log with a short message for the user.
    """
    try:
        return True, func()
    except GridJobsError as exc:
        failed.emit(str(exc))
    except Exception as exc:
        QgsMessageLog.logMessage(traceback.format_exc(), PLUGIN_NAME, Qgis.MessageLevel.Critical)
        failed.emit(f"Unexpected error ({type(exc).__name__}: {exc}); see the log.")
    return False, None


@dataclass
class RunRequest:
    """Everything the worker needs, gathered on the main thread (no I/O there)."""

    job_db: str
    backends: list  # core.runner.Backend
    #: core.run_config.RunConfig: template, back-ends, poll, output folder; None: the
    #: run's saved settings (Refresh, Cancel)
    run_config: Any
    tiles: LayerTiles | None = None  # the grid layer's
    retry_failed: bool = False
    cancel_only: list[str] | None = field(default=None)  # tile ids
    cancel_all: bool = False
    refresh_only: bool = False  # poll once, launch nothing
    #: a tracker's back-end names → the run's connections (a notebook's tracker)
    backend_map: dict | None = None
    #: failed tiles to replace by their four quarters before the run (split and retry)
    split: list[str] | None = None


class RunWorker(QObject):
    #: a batch of TileUpdate, and the per-status counts after it
    updates = pyqtSignal(list, dict)
    #: the run ended (done or stopped): per-status counts
    done = pyqtSignal(dict)
    #: the run could not start or broke off: a message for the user
    failed = pyqtSignal(str)
    #: a back-end needs an interactive login first: its name, and why
    login_required = pyqtSignal(str, str)
    #: rows name back-ends the run lacks: those names, and the run's back-ends to map them to
    mapping_required = pyqtSignal(list, list)
    #: something to read once (an outage, a duplicate job removed...): level, message
    notice = pyqtSignal(str, str)
    #: the run in one line: counts, elapsed, ETA, credits, downloaded size
    summary = pyqtSignal(str)
    #: tiles split: the parents' ids, and the quarters' rows of the job table (a frame)
    tiles_split = pyqtSignal(list, object)

    def __init__(self, request: RunRequest) -> None:
        super().__init__()
        self.request = request
        self.stop_event = threading.Event()
        self.runner = None
        self._started = time.time()
        self._summarized = 0.0

    def run(self) -> None:
        from ..core.run_session import UnknownBackendsError
        from ..core.workers import yield_cpu_to_foreground

        yield_cpu_to_foreground()  # this QThread is the run's: it ends with it

        def run_or_ask_login():
            try:
                return self._run()
            except LoginRequiredError as exc:
                self.login_required.emit(exc.backend, str(exc))
            except UnknownBackendsError as exc:
                self.mapping_required.emit(exc.unknown, exc.available)
            return None

        with sharing_with_the_map():
            ok, counts = guarded(run_or_ask_login, self.failed)
        if ok and counts is not None:
            self.done.emit(counts)

    def _run(self) -> dict:
        """Own the job database (its lock) for the whole run, then let it go."""
        from ..core.run_session import RunSession

        req = self.request
        tiles = req.tiles.frame() if req.tiles is not None else None
        with RunSession.open(
            req.job_db,
            holder="QGIS (openEO Grid Jobs)",
            config=req.run_config,
            tiles=tiles,
            retry_failed=req.retry_failed,
            backend_map=req.backend_map,
            split=req.split,
        ) as session:
            if req.split:
                self._emit_split(session.frame, req.split)
            for note in session.notes:
                self.notice.emit("info", note)
            self.runner = session.runner(
                req.backends, on_update=self._emit, on_event=self._on_event
            )
            self._emit(self.runner.snapshot())  # the table as it is now (e.g. a resumed run)
            if req.cancel_only is not None or req.cancel_all:
                rows = None if req.cancel_all else self.runner.indices_of(req.cancel_only or [])
                self.runner.cancel_now(rows, self.stop_event)
                return self.runner.counts()
            if req.refresh_only:
                return self.runner.refresh_now(self.stop_event)
            try:
                return self.runner.run(self.stop_event)
            finally:
                self._summarize(force=True)
                self._write_catalog(session.config.output_dir)

    def _write_catalog(self, output_dir: str | None) -> None:
        """The results as a static STAC catalog (``catalog.json``), as the CLI leaves them."""
        from ..core.stac_catalog import write_catalog

        if (
            self.runner is None
            or not output_dir
            or not (self.runner.frame["status"] == "finished").any()
        ):
            return
        try:
            path = write_catalog(self.runner.frame, output_dir)
        except (GridJobsError, OSError) as exc:
            self.notice.emit("warning", f"STAC catalog not written: {exc}")
            return
        QgsMessageLog.logMessage(
            f"STAC catalog of the results: {path}", PLUGIN_NAME, Qgis.MessageLevel.Info
        )

    def _emit_split(self, frame, parents: list[str]) -> None:
        """The quarters that replaced ``parents`` (those really split) for the layer."""
        ids = frame["tile_id"].astype(str)
        split = [p for p in parents if not ids.eq(p).any() and ids.str.startswith(p + "_q").any()]
        quarters = frame[ids.str.rsplit("_q", n=1).str[0].isin(split)].copy()
        if split:
            self.tiles_split.emit(split, quarters)

    def _on_event(self, event) -> None:
        self.notice.emit(event.level, event.message)

    def _emit(self, batch: list) -> None:
        self.updates.emit(batch, self.runner.counts())
        self._summarize()

    def _summarize(self, force: bool = False) -> None:
        """The run summary, at most once a second (it reads the results' sizes on disk)."""
        from ..core.run_summary import RunSummary, first_start

        now = time.time()
        if self.runner is None or (not force and now - self._summarized < SUMMARY_EVERY_S):
            return
        self._summarized = now
        frame = self.runner.frame
        started = first_start(frame, self._started)
        parallel = sum(b.parallel_jobs for b in self.request.backends)
        summary = RunSummary.from_frame(
            frame, started=min(started, self._started), parallel=parallel
        )
        self.summary.emit(summary.text())

    def request_stop(self) -> None:
        self.stop_event.set()

    def request_cancel(self, tile_ids: list[str] | None) -> None:
        """Cancel these tiles' jobs (all when None) from the running loop."""
        if self.runner is not None:
            rows = None if tile_ids is None else self.runner.indices_of(tile_ids)
            self.runner.request_cancel(rows)


@dataclass
class LayerTiles:
    """A grid layer's tiles, read in the run's thread rather than in the Run click
    (~7 ms at 1,000 tiles, while the run's start keeps the map busy already).

    Taken on the main thread (:meth:`of`): a feature source, which is a snapshot of
    the layer's provider that any thread may read, with the layer's fields and CRS.
    """

    source: Any  # QgsAbstractFeatureSource, or a Processing QgsFeatureSource
    fields: Any  # QgsFields
    crs: Any  # QgsCoordinateReferenceSystem

    @classmethod
    def of(cls, layer) -> LayerTiles:
        from qgis.core import QgsVectorLayerFeatureSource

        return cls(QgsVectorLayerFeatureSource(layer), layer.fields(), layer.crs())

    def frame(self):
        """The tiles (tile_id, col, row, square) as the run session wants them."""
        import geopandas as gpd
        import shapely
        from qgis.core import QgsFeatureRequest

        request = QgsFeatureRequest()
        request.setSubsetOfAttributes(["tile_id", "col", "row"], self.fields)
        ids, cols, rows, wkb = [], [], [], []
        for feature in self.source.getFeatures(request):
            ids.append(str(feature["tile_id"]))
            cols.append(feature["col"])
            rows.append(feature["row"])
            wkb.append(bytes(feature.geometry().asWkb()))
        authid = self.crs.authid()
        crs = authid if authid.upper().startswith("EPSG:") else self.crs.toWkt()
        return gpd.GeoDataFrame(
            {"tile_id": ids, "col": cols, "row": rows}, geometry=shapely.from_wkb(wkb), crs=crs
        )


class RunThread(QObject):
    """Owns one worker and its QThread; ``stop`` returns at once."""

    def __init__(self, request: RunRequest, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.worker = RunWorker(request)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        # Direct: quit from the worker thread itself, so that a main thread blocked
        # in wait() (plugin unload) does not have to deliver it (QThread.quit is
        # thread-safe).
        self.worker.done.connect(self.thread.quit, Qt.ConnectionType.DirectConnection)
        self.worker.failed.connect(self.thread.quit, Qt.ConnectionType.DirectConnection)
        self.worker.login_required.connect(self.thread.quit, Qt.ConnectionType.DirectConnection)
        self.worker.mapping_required.connect(self.thread.quit, Qt.ConnectionType.DirectConnection)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Ask the loop to end; it does within a tenth of a second (no waiting here)."""
        self.worker.request_stop()

    def is_running(self) -> bool:
        return self.thread.isRunning()

    def wait(self, ms: int) -> bool:
        return self.thread.wait(ms)


class _Call(QObject):
    done = pyqtSignal(object)
    failed = pyqtSignal(str)

    def __init__(self, func) -> None:
        super().__init__()
        self.func = func

    def run(self) -> None:
        from ..core.workers import yield_cpu_to_foreground

        yield_cpu_to_foreground()  # this QThread is the call's: it ends with it
        ok, value = guarded(self.func, self.failed)
        if ok:
            self.done.emit(value)


class Relay(QObject):
    """A callback for any thread that runs ``slot`` on the main thread (queued)."""

    carried = pyqtSignal(object)

    def __init__(self, slot, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.carried.connect(slot, Qt.ConnectionType.QueuedConnection)

    def __call__(self, value: object) -> None:
        self.carried.emit(value)


class BackgroundCall(QObject):
    """Run ``func`` (file I/O, parsing) off the main thread; results arrive as signals."""

    def __init__(self, func, on_done, on_failed, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.call = _Call(func)
        self.call.moveToThread(self.thread)
        self.thread.started.connect(self.call.run)
        self.call.done.connect(on_done)
        self.call.failed.connect(on_failed)
        self.call.done.connect(self.thread.quit, Qt.ConnectionType.DirectConnection)
        self.call.failed.connect(self.thread.quit, Qt.ConnectionType.DirectConnection)
        self.thread.start()


def warm_up_imports() -> None:
    """Import the run's heavy packages now, off the main thread.

    Importing openeo (and what it pulls in) takes a few hundred milliseconds,
    much of it in C-extension set-up that holds the GIL; done at the first Run,
    that would freeze the map for a moment just as jobs start. The plugin's own
    modules that the Run click imports come too (a few ms).
    """
    import importlib

    for name in ("pandas", "shapely", "openeo", "openeo.rest.job"):
        importlib.import_module(name)
    for name in ("..core.run_config", "..core.run_session", ".run_backends"):
        importlib.import_module(name, __package__)
