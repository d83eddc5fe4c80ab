"""A run with time windows on the map: one polygon per unit for its many (unit, window) rows.

The run's events name rows (``<unit>@<start>_<end>``); the unit layer has a feature per
unit. :class:`UnitWindows` turns each batch into what the units show (all windows: the
status that needs the user most, and ``windows`` = "8/12 finished"; or the chosen
window's own statuses), and :class:`WindowView` is the dock's window selector with the
counts of each window. The layer stays a view of the run's rows.
"""

from __future__ import annotations

from collections.abc import Iterable

from qgis.core import QgsPalLayerSettings, QgsVectorLayer, QgsVectorLayerSimpleLabeling
from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from ...core.jobs.rows import TileUpdate
from ...core.jobs.unit_progress import UnitProgress
from ..i18n import translate
from .grid_layer import grid_field
from .qgis_objects import present
from .status_style import is_progress_labeling
from .units_source import PROGRESS_FIELD


class UnitWindows:
    """The windowed rows seen so far, and the window the units show (None: all)."""

    def __init__(self) -> None:
        self.progress = UnitProgress()
        self.window: str | None = None
        self._changed: set[str] = set()

    def shown(self, batch: list[TileUpdate], fid_of: dict[str, int]) -> list[TileUpdate]:
        """``batch`` as the layer's features see it: a grid's own rows as they are, a
        windowed row as its unit (see :meth:`UnitProgress.shown`)."""
        rows = [u for u in batch if u.tile_id not in fid_of]
        changed = self.progress.add(rows)
        if not changed:
            return batch
        self._changed |= changed
        return [u for u in batch if u.tile_id in fid_of] + self._units(changed)

    def choose(self, window: str | None) -> list[TileUpdate]:
        """Show ``window`` (None: all); the units' updates that show it."""
        self.window = window
        return self._units(self.progress.rows)

    def split(self, parents: Iterable[str], pieces: Iterable[str]) -> list[TileUpdate]:
        """Rows ``parents`` were split into the units ``pieces``: the updates their units
        (the parents', whose other windows stay, and the pieces') show now."""
        units = self.progress.forget(parents) | (set(pieces) & set(self.progress.rows))
        self._changed |= units
        return self._units(units)

    def failed_rows(self, units: Iterable[str]) -> list[str]:
        """The failed (unit, window) rows of ``units`` in the window shown (all windows:
        every failed one): what the Problems tab's units stand for."""
        return self.progress.failed_rows(units, self.window)

    def _units(self, units: Iterable[str]) -> list[TileUpdate]:
        shown = (self.progress.shown(u, self.window) for u in sorted(units))
        return [s for s in shown if s is not None]

    def write_progress(self, layer: QgsVectorLayer, fid_of: dict[str, int]) -> None:
        """Write "finished/windows" of the units changed since last time, labelled (in
        place of the running jobs' progress labels: a unit stands for many jobs)."""
        if not self._changed:
            return
        index = layer.fields().indexOf(PROGRESS_FIELD)
        if index < 0:  # a grid run with windows: the grid gets the field
            present(layer.dataProvider(), "layer's data provider").addAttributes(
                [grid_field(PROGRESS_FIELD, "str")]
            )
            layer.updateFields()
            index = layer.fields().indexOf(PROGRESS_FIELD)
        if not layer.labelsEnabled() or is_progress_labeling(layer):  # the user's labels stay
            label_progress(layer)
        changes = {
            fid_of[u]: {index: self.progress.progress(u)} for u in self._changed if u in fid_of
        }
        provider = present(layer.dataProvider(), "layer's data provider")
        if changes and not provider.changeAttributeValues(changes):
            return  # the layer refuses writes (a locked file): written with the next
        self._changed = set()
        if changes:
            layer.triggerRepaint()


def label_progress(layer: QgsVectorLayer) -> None:
    """Label each unit with how many of its windows are finished."""
    settings = QgsPalLayerSettings()
    settings.fieldName = PROGRESS_FIELD
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)


class WindowView(QWidget):
    """The window the map shows, and each window's counts; hidden without windows."""

    #: the window chosen (None: all windows)
    chosen = pyqtSignal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.selector = QComboBox(self)
        self.selector.setObjectName("windowSelector")
        self.selector.setToolTip(
            translate("WindowView", "The time window whose statuses the map shows")
        )
        self.counts = QLabel(self)
        self.counts.setObjectName("windowCounts")
        self.counts.setWordWrap(True)
        column.addWidget(self.selector)
        column.addWidget(self.counts)
        self.selector.currentIndexChanged.connect(
            lambda _: self.chosen.emit(self.selector.currentData() or None)
        )
        self.setVisible(False)

    def refresh(self, progress: UnitProgress) -> None:
        """Offer the run's windows and show their counts."""
        windows = progress.windows()
        self.setVisible(bool(windows))
        offered = [self.selector.itemData(i) for i in range(1, self.selector.count())]
        if windows != offered:
            current = self.selector.currentData()
            self.selector.blockSignals(True)
            self.selector.clear()
            self.selector.addItem(translate("WindowView", "All windows"), "")
            for window in windows:
                self.selector.addItem(window.replace("_", " – "), window)
            self.selector.setCurrentIndex(max(0, self.selector.findData(current or "")))
            self.selector.blockSignals(False)
        lines = []
        for window, counts in progress.window_counts().items():
            text = ", ".join(f"{status} {n}" for status, n in sorted(counts.items()))
            lines.append(
                translate("WindowView", "{window}: {counts}").format(window=window, counts=text)
            )
        self.counts.setText("\n".join(lines))

    def forget(self) -> None:
        self.selector.blockSignals(True)
        self.selector.clear()
        self.selector.blockSignals(False)
        self.counts.clear()
        self.setVisible(False)
