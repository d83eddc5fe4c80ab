"""Closing QGIS during a run: keep it going in the background, or stop it? Asked once.

A run's engine is a process of its own, so closing QGIS does not end it; a user who
meant to stop it should not find jobs still being submitted tomorrow, nor a user
who did not mean to find it stopped. When QGIS's main window is asked to close
while the dock watches a run going on, this asks which (with how many tiles are
left and the ETA), with *Remember my choice*. The answer is carried out when the
plugin unloads, as QGIS quits: if the user then cancels QGIS's own "save the
project?" question, nothing has happened to the run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from qgis.PyQt.QtCore import QEvent, QObject
from qgis.PyQt.QtWidgets import QCheckBox, QMessageBox, QWidget

from ...core.definitions import FINAL_STATUSES, PLUGIN_NAME
from ..adapters import settings

if TYPE_CHECKING:
    from .jobs_panel import JobsPanel
from ..i18n import translate

#: the remembered answer (``settings.ON_CLOSE``): KEEP or STOP ("" or missing: ask)
KEEP = "keep"
STOP = "stop"


class ClosePrompt(QObject):
    """Watches ``window`` for its close; ``panel()`` is the dock's jobs panel, if built."""

    def __init__(self, window: QWidget, panel: Callable[[], JobsPanel | None]) -> None:
        super().__init__(window)
        self.window = window
        self.panel = panel
        #: what to do with the run when the plugin unloads (None: nothing was asked)
        self.choice: str | None = None
        window.installEventFilter(self)

    def remove(self) -> None:
        self.window.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if watched is self.window and event.type() == QEvent.Type.Close:
            self.closing()
        return False  # QGIS goes on closing as it would

    def closing(self) -> None:
        panel = self.panel()
        if panel is None or not panel.is_running():
            return
        remembered = str(settings.ON_CLOSE.read() or "")
        self.choice = remembered if remembered in (KEEP, STOP) else self.ask(panel)

    def ask(self, panel: JobsPanel) -> str:
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle(PLUGIN_NAME)
        box.setText(
            translate("ClosePrompt", "A run is going on. Keep it running after QGIS closes?")
        )
        box.setInformativeText(
            translate(
                "ClosePrompt",
                "{left} It runs on its own: reopen the project (or open its job database) to "
                "watch it again. Stopped, its jobs go on on the back-end but no new job is "
                "submitted until you Run again.",
            ).format(left=left_text(panel))
        )
        keep = box.addButton(
            translate("ClosePrompt", "Keep running"), QMessageBox.ButtonRole.AcceptRole
        )
        box.addButton(
            translate("ClosePrompt", "Stop the run"), QMessageBox.ButtonRole.DestructiveRole
        )
        remember = QCheckBox(translate("ClosePrompt", "Remember my choice"), box)
        box.setCheckBox(remember)
        box.setDefaultButton(keep)
        box.exec()
        choice = KEEP if box.clickedButton() is keep else STOP
        if remember.isChecked():
            settings.ON_CLOSE.write(choice)
        return choice


def left_text(panel: JobsPanel) -> str:
    """ "120 of 500 tiles left (ETA 14:35)." from what the dock shows."""
    counts = panel.status.counts
    total = sum(counts.values())
    left = sum(n for s, n in counts.items() if s not in FINAL_STATUSES)
    eta = panel.status.eta_text()
    if panel.status.windowed:  # (unit, window) rows: jobs, more than the units
        text = (
            translate("ClosePrompt", "{left} of {total} jobs left ({eta}).")
            if eta
            else translate("ClosePrompt", "{left} of {total} jobs left.")
        )
    else:
        text = (
            translate("ClosePrompt", "{left} of {total} tiles left ({eta}).")
            if eta
            else translate("ClosePrompt", "{left} of {total} tiles left.")
        )
    return text.format(left=left, total=total, eta=eta)
