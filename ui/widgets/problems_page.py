"""The dock's *Problems* tab: why tiles failed, grouped by reason, with what to do next.

A red tile's reason used to sit in its attributes, cut off in Identify. Here the
failed tiles are grouped ("out of memory — 12 tiles"); clicking a reason or a
tile selects those tiles and zooms to them; *Show logs* fetches a tile's full
back-end logs; *Split and retry* replaces failed tiles by their four quarters
(the usual cure for a tile too big for the back-end's memory).
"""

from __future__ import annotations

from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QFontDatabase
from qgis.PyQt.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.definitions import FAILED_STATUSES
from ..i18n import translate

TILE_ROLE = Qt.ItemDataRole.UserRole


class ProblemsPage(QWidget):
    """Failed tiles by reason; select to zoom; Show logs; Split and retry."""

    #: tiles the user picked in the list (zoom to them, select them on the map)
    tiles_picked = pyqtSignal(list)
    #: *Show logs* for this tile
    logs_requested = pyqtSignal(str)
    #: *Split and retry* these tiles
    split_requested = pyqtSignal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.summary = QLabel(translate("ProblemsPage", "No problems."), self)
        self.summary.setObjectName("problemsSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("problems")
        self.tree.setHeaderLabels(
            [translate("ProblemsPage", "Reason / tile"), translate("ProblemsPage", "Tiles")]
        )
        self.tree.setSelectionMode(QTreeWidget.SelectionMode.ExtendedSelection)
        self.tree.setColumnWidth(0, 280)
        layout.addWidget(self.tree, 1)
        buttons = QHBoxLayout()
        self.logs_button = QPushButton(translate("ProblemsPage", "Show logs"), self)
        self.logs_button.setObjectName("showLogs")
        self.logs_button.setToolTip(
            translate("ProblemsPage", "The back-end's full logs of the selected tile's job")
        )
        self.split_button = QPushButton(translate("ProblemsPage", "Split and retry"), self)
        self.split_button.setObjectName("splitRetry")
        self.split_button.setToolTip(
            translate(
                "ProblemsPage",
                "Replace the selected failed tiles by their four quarters and run them",
            )
        )
        buttons.addWidget(self.logs_button)
        buttons.addWidget(self.split_button)
        layout.addLayout(buttons)
        self.tree.itemSelectionChanged.connect(self._selection_changed)
        self.logs_button.clicked.connect(self._ask_logs)
        self.split_button.clicked.connect(lambda: self.split_requested.emit(self.selected()))
        self.statuses: dict[str, str] = {}
        #: the last job's logs shown (*Show logs*)
        self.logs_dialog: LogsDialog | None = None
        self._selection_changed()

    def show_problems(self, found: list, statuses: dict[str, str]) -> None:
        """List ``found`` (core.results.problems.Problem); ``statuses``: tile id → status."""
        from ...core.results.problems import problems_text

        self.statuses = statuses
        self.tree.clear()
        for problem in found:
            group = QTreeWidgetItem([problem.reason, str(problem.count)])
            group.setToolTip(0, problem.example or problem.reason)
            group.setData(0, TILE_ROLE, list(problem.tile_ids))
            for tile_id in problem.tile_ids:
                child = QTreeWidgetItem([f"{tile_id} ({statuses.get(tile_id, '?')})", ""])
                child.setData(0, TILE_ROLE, [tile_id])
                group.addChild(child)
            self.tree.addTopLevelItem(group)
        count = sum(p.count for p in found)
        self.summary.setText(
            translate("ProblemsPage", "%n tiles did not finish: {problems}.", None, count).format(
                problems=problems_text(found, limit=3)
            )
            if found
            else translate("ProblemsPage", "No problems.")
        )
        self._selection_changed()

    def show_logs(self, title: str, lines: list[str]) -> None:
        """A job's back-end logs (``lines``, fetched for :attr:`logs_requested`), in a
        window of their own."""
        self.logs_dialog = LogsDialog(title, lines, self)
        self.logs_dialog.show()

    def selected(self) -> list[str]:
        """The tiles of the selected reasons and tiles, in list order, once each."""
        tiles: list[str] = []
        for item in self.tree.selectedItems():
            for tile_id in item.data(0, TILE_ROLE) or []:
                if tile_id not in tiles:
                    tiles.append(tile_id)
        return tiles

    def _selection_changed(self) -> None:
        tiles = self.selected()
        self.logs_button.setEnabled(len(tiles) == 1)
        # failed tiles only: canceled ones were stopped on purpose
        self.split_button.setEnabled(
            bool(tiles) and all(self.statuses.get(t) in FAILED_STATUSES for t in tiles)
        )
        if tiles:
            self.tiles_picked.emit(tiles)

    def _ask_logs(self) -> None:
        tiles = self.selected()
        if len(tiles) == 1:
            self.logs_requested.emit(tiles[0])


class LogsDialog(QDialog):
    """A job's back-end logs, read-only and selectable (non-modal: the map stays usable)."""

    def __init__(self, title: str, lines: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobLogs")
        self.setWindowTitle(title)
        self.resize(760, 420)
        layout = QVBoxLayout(self)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setPlainText(
            "\n".join(lines) if lines else translate("LogsDialog", "The back-end logged nothing.")
        )
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
