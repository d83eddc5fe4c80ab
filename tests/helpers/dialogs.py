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


def press_in_next_box(text: str, *, check: str | None = None) -> list[str]:
    """Press the button labelled ``text`` in the next message box (ticking its check box
    ``check`` first, when given); the list gets the box's text."""
    seen: list[str] = []

    def press() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, press)
            return
        seen.append(f"{box.text()} {box.informativeText()}")
        if check is not None and box.checkBox() is not None:
            box.checkBox().setChecked(True)
        next(b for b in box.buttons() if b.text() == text).click()

    QTimer.singleShot(0, press)
    return seen
