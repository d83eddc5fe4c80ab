"""The dock's run buttons: Run / Stop / Refresh / Retry failed / Cancel jobs.

Which can be pressed follows from two facts only: whether a worker runs (there
is one at a time) and whether there is a grid to work on.
"""

from __future__ import annotations

from qgis.PyQt.QtWidgets import QGridLayout, QPushButton, QWidget

from ..i18n import translate


class RunButtons(QWidget):
    """Two rows of buttons that fit the dock's width."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.run = self._button(
            translate("RunButtons", "Run"),
            "run",
            translate("RunButtons", "Submit and track the tiles' jobs"),
        )
        self.stop = self._button(
            translate("RunButtons", "Stop"),
            "stop",
            translate("RunButtons", "Stop tracking; jobs keep running on the back-end"),
        )
        self.refresh = self._button(
            translate("RunButtons", "Refresh"),
            "refreshStatuses",
            translate("RunButtons", "Ask the back-end once for the jobs' statuses"),
        )
        self.retry = self._button(
            translate("RunButtons", "Retry failed"),
            "retryFailed",
            translate("RunButtons", "Resubmit failed tiles"),
        )
        self.cancel = self._button(
            translate("RunButtons", "Cancel jobs"),
            "cancelJobs",
            translate("RunButtons", "Cancel the back-end jobs of the selected tiles (or all)"),
        )
        for column, button in enumerate((self.run, self.stop, self.refresh)):
            grid.addWidget(button, 0, column)
        grid.addWidget(self.retry, 1, 0)
        grid.addWidget(self.cancel, 1, 1)

    def _button(self, text: str, name: str, tip: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setToolTip(tip)
        return button

    def update_enabled(self, running: bool, has_layer: bool) -> None:
        """A run, retry or refresh needs a grid and no worker; Cancel also works mid-run."""
        self.run.setEnabled(not running and has_layer)
        self.retry.setEnabled(not running and has_layer)
        self.refresh.setEnabled(not running and has_layer)
        self.stop.setEnabled(running)
        self.cancel.setEnabled(has_layer)
