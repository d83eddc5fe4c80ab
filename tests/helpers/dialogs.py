"""Answer the modal dialogs a click opens, as a user would (QMessageBox.question blocks)."""

from __future__ import annotations

from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication, QMessageBox


def answer_next_question(button: QMessageBox.StandardButton) -> list[str]:
    """Press ``button`` in the next message box that opens; the list gets its text."""
    seen: list[str] = []

    def press() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            box.button(button).click()
        else:
            QTimer.singleShot(20, press)

    QTimer.singleShot(0, press)
    return seen
