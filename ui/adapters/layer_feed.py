"""A run's status batches into its grid layer, the layer's index read off the main thread."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from qgis.core import QgsVectorLayer, QgsVectorLayerFeatureSource
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QObject, QTimer, pyqtSignal

from .background import BackgroundCall
from .layer_updates import GridLayerUpdater, LayerIndex, read_index
from .unit_windows import UnitWindows

#: tile updates applied to the layer in one turn of QGIS's event loop, at most: a bigger
#: batch (the first event of a 10,000-tile run, a retry of thousands) is applied in
#: slices, in order, one per turn, so the map never waits for all of it at once; the
#: map is redrawn after the last
SLICE = 1000
#: a write the layer refused (a GeoPackage another program holds locked) is tried again
#: after this long, then twice as long each time, up to RETRY_MAX_MS
RETRY_MS = 1000
RETRY_MAX_MS = 30_000


class LayerFeed(QObject):
    """Feeds status batches to the grid layer's :class:`GridLayerUpdater`.

    The updater starts from an index of the layer (each tile's feature id and job
    fields), a read in proportion to the tiles that in the Run click froze the map
    just as the run's threads got busy. :meth:`prepare` reads it in the
    background; batches added meanwhile are held and applied, in order, once the
    updater is made. A batch of more than :data:`SLICE` updates goes to the layer in
    slices, one per turn of the event loop, and the batches behind it wait their
    turn. ``applied(batch)`` follows each batch once all of it is applied (legend,
    mosaic, problems).

    A write the layer refuses is not lost: it goes with the next batch, or is tried
    again on its own (:data:`RETRY_MS`, doubling), and ``refused`` says why, once
    until a write works again.
    """

    #: the layer refused the statuses (why, in the provider's words); said once until
    #: a write works again
    refused = pyqtSignal(str)

    def __init__(self, applied: Callable[[list], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.layer: QgsVectorLayer | None = None
        self.updater: GridLayerUpdater | None = None
        self._applied = applied
        self._held: list[list] | None = None  # batches waiting for the index
        self._call: BackgroundCall | None = None
        #: a run with time windows: its rows as the layer's units
        self.windows = UnitWindows()
        #: slices still to apply, in order, each with its batch when it is the last one
        self._slices: deque[tuple[list, list | None]] = deque()
        self._next_slice = QTimer(self)
        self._next_slice.setSingleShot(True)
        self._next_slice.timeout.connect(self._apply_slice)
        #: what waits for every batch added so far to be on the layer (:meth:`then`)
        self._waiting: list[Callable[[], None]] = []
        self._retry = QTimer(self)
        self._retry.setSingleShot(True)
        self._retry.timeout.connect(self._write_again)
        self._retry_ms = RETRY_MS

    def follow(self, layer: QgsVectorLayer | None) -> None:
        """Feed ``layer`` from now on (its updater is made when first needed)."""
        self.layer, self.updater, self._held = layer, None, None
        self.windows = UnitWindows()
        self._slices.clear()
        self._retry.stop()
        self._flush_waiting()

    def reindex(self) -> None:
        """The layer's tiles changed (split): read it again, now."""
        if self.layer is not None:
            self.updater = GridLayerUpdater(self.layer)

    def prepare(self) -> None:
        """Read the layer's index in the background, unless the updater is made."""
        layer = self.layer
        if layer is None or self.updater is not None or self._held is not None:
            return
        self._held = []
        source, fields = QgsVectorLayerFeatureSource(layer), layer.fields()

        def made(index: LayerIndex | None) -> None:
            if layer is self.layer and self.updater is None and not sip.isdeleted(layer):
                self.updater = GridLayerUpdater(layer, index)  # None: read here, then
            held, self._held = self._held or [], None
            for batch in held:
                self.add(batch)
            if not self._slices:
                self._flush_waiting()

        self._call = BackgroundCall(
            lambda: read_index(source, fields), made, lambda _why: made(None), self
        )

    def stop(self, ms: int) -> None:
        """Wait for an index being read (a QThread destroyed while running aborts QGIS)."""
        if self._call is not None:
            self._call.thread.wait(ms)

    def add(self, batch: list) -> None:
        """Apply ``batch`` (TileUpdate), or hold it while the index is read; a batch of
        more than :data:`SLICE` updates, or one behind such a batch, is applied in
        slices over the next turns of the event loop."""
        if self._held is not None:
            self._held.append(batch)
            return
        if not self._slices and len(batch) <= SLICE:
            if self._apply(batch):
                self._applied(batch)
            return
        pieces = [batch[start : start + SLICE] for start in range(0, len(batch), SLICE)] or [[]]
        for piece in pieces[:-1]:
            self._slices.append((piece, None))
        self._slices.append((pieces[-1], batch))
        if not self._next_slice.isActive():
            self._apply_slice()

    def _apply_slice(self) -> None:
        if not self._slices:
            return
        piece, batch = self._slices.popleft()
        if self.layer is None or sip.isdeleted(self.layer):
            self._slices.clear()
            return
        # the map is redrawn (and the legend recounted) once, after the last slice
        if self._apply(piece, redraw=not self._slices) and batch is not None:
            self._applied(batch)
        if self._slices:
            self._next_slice.start(0)
        else:
            self._flush_waiting()

    def then(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once every batch added so far is on the layer (at once when
        none waits): the end of a run is shown after its last statuses, not before."""
        if self._held is None and not self._slices:
            callback()
        else:
            self._waiting.append(callback)

    def _flush_waiting(self) -> None:
        waiting, self._waiting = self._waiting, []
        for callback in waiting:
            callback()

    def _apply(self, batch: list, redraw: bool = True) -> bool:
        """Apply ``batch`` to the layer; whether there was one to apply it to."""
        if self.updater is None:
            self.reindex()
        if self.updater is None:
            return False
        shown = self.windows.shown(batch, self.updater.fid_of)
        if self._retry.isActive():  # the layer refuses writes: kept for the next try
            self.updater.keep(shown)
            return True
        self.updater.apply(shown, redraw)
        self.windows.write_progress(self.updater.layer, self.updater.fid_of)
        self._watch_refusals()
        return True

    def _watch_refusals(self) -> None:
        """After a write: when the layer refused it, say so (once until a write works)
        and try again later, waiting longer each time."""
        updater = self.updater
        if updater is None or not updater.unwritten:
            self._retry_ms = RETRY_MS  # writes work: the next refusal is news
            return
        if self._retry_ms == RETRY_MS:
            self.refused.emit(updater.refusal)
        self._retry.start(self._retry_ms)
        self._retry_ms = min(2 * self._retry_ms, RETRY_MAX_MS)

    def _write_again(self) -> None:
        """What the layer refused goes with a write of no new update."""
        if self.layer is not None and not sip.isdeleted(self.layer):
            self._apply([])

    def rows_split(self, parents: list[str], pieces: list[str]) -> None:
        """A windowed run's rows ``parents`` were split into the units ``pieces`` (their
        features just added): read the layer again and show what those units are now."""
        self.reindex()
        if self.updater is not None:
            self.updater.apply(self.windows.split(parents, pieces))
            self.windows.write_progress(self.updater.layer, self.updater.fid_of)

    def show_window(self, window: str | None) -> None:
        """Show one time window's statuses on the units (None: all windows)."""
        if self.updater is None:
            self.windows.window = window  # applied with the first batch
            return
        self.updater.apply(self.windows.choose(window))
