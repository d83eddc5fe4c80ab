"""Keep a run's NDVI mosaic in step with its finished tiles, without blocking the map.

Tiles finish one by one; results are gathered and the mosaic is rewritten at most
every few seconds, off the main thread, then the layer is refreshed. A rewrite
reads only the tiles it has not read before (:class:`SourceCache`).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from qgis.core import QgsVectorLayer
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QObject, QTimer, pyqtSignal

from ..core.mosaic_sources import SourceCache
from .run_worker import BackgroundCall

REWRITE_AFTER_MS = 2000
#: once the run has ended no tile comes any more: what is left is written at once
REWRITE_AFTER_END_MS = 100
MAX_TRIES = 5  # rewrites before a tile GDAL cannot read is left out of the mosaic


class MosaicUpdates(QObject):
    """Collects finished tiles' results; rewrites ``mosaic.vrt`` and shows it."""

    #: the mosaic layer was added or refreshed (QgsRasterLayer)
    shown = pyqtSignal(object)
    #: the mosaic could not be written: why
    failed = pyqtSignal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.grid: QgsVectorLayer | None = None
        self.vrt: Path | None = None
        self.results: dict[str, str] = {}
        self._written: set[str] = set()
        self._tries: Counter[str] = Counter()
        self._sources = SourceCache()  # the tiles read so far: a rewrite reads only new ones
        self._call: BackgroundCall | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REWRITE_AFTER_MS)
        self._timer.timeout.connect(self.write)

    def follow(self, grid: QgsVectorLayer | None, results_dir: Path | None) -> None:
        """Work on ``grid``'s run, whose results are downloaded into ``results_dir``."""
        self.grid, self.results, self._written, self._tries = grid, {}, set(), Counter()
        self._sources = SourceCache()
        self.vrt = results_dir / "mosaic.vrt" if results_dir is not None else None
        self._timer.setInterval(REWRITE_AFTER_MS)

    def run_ended(self) -> None:
        """Write the last tiles now rather than after the usual pause: the user looks
        at the mosaic when the run says it is complete."""
        self._timer.setInterval(REWRITE_AFTER_END_MS)
        if self._timer.isActive():
            self._timer.start()

    def add(self, updates: list) -> None:
        """Note the results among ``updates`` (TileUpdate); rewrite soon if any is new."""
        for update in updates:
            if update.status == "finished" and update.result:
                self.results[update.tile_id] = update.result
        if set(self.results.values()) != self._written and not self._timer.isActive():
            self._timer.start()

    def write(self) -> None:
        """Rewrite the VRT now (in the background); at most one rewrite at a time."""
        if self.vrt is None or self.grid is None or not self.results:
            return
        if self._call is not None and self._call.thread.isRunning():
            self._timer.start()  # the next rewrite once this one is done
            return
        results, vrt, grid = sorted(set(self.results.values())), self.vrt, self.grid
        sources = self._sources

        def build():
            from osgeo import gdal

            from ..core.mosaic import write_mosaic

            written = write_mosaic([p for p in results if Path(p).exists()], vrt, cache=sources)
            dataset = gdal.Open(str(written)) if written is not None else None
            files: set[str] = set()
            if dataset is not None:  # it has its statistics: closing it writes nothing
                files = set(dataset.GetFileList() or [])
            return written, [r for r in results if str(Path(r).absolute()) in files]

        self._call = BackgroundCall(build, lambda done: self._show(grid, *done), self._fail, self)

    def _show(self, grid: QgsVectorLayer, vrt: Path | None, included: list[str]) -> None:
        """Show the new mosaic; tiles GDAL could not read yet are tried again, a few times."""
        from .results import show_mosaic

        self._written = set(included)
        for path in set(self.results.values()) - self._written:
            self._tries[path] += 1
            if self._tries[path] >= MAX_TRIES:
                self._written.add(path)  # given up on: said once
                self.failed.emit(f"{path} cannot be read: left out of the results mosaic.")
        if set(self.results.values()) != self._written:
            self._timer.start()
        if vrt is None or sip.isdeleted(grid) or grid is not self.grid:
            return
        layer = show_mosaic(grid, Path(vrt))
        if layer is None:
            self.failed.emit(f"Cannot open the results mosaic {vrt}.")
        else:
            self.shown.emit(layer)

    def _fail(self, message: str) -> None:
        self.failed.emit(f"Results mosaic not updated: {message}")

    def stop(self, ms: int) -> None:
        """No more rewrites; wait for one in flight (GDAL must not outlive QGIS's exit)."""
        self._timer.stop()
        self.vrt = None
        if self._call is not None:
            self._call.thread.wait(ms)
