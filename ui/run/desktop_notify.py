"""Desktop notifications of a run's moments that matter (see core.engine.notifications): the
run ended, stopped on its budget, or waits for a login.

The message bar says it inside QGIS; a user away from QGIS for a 40-hour run learns it
from the desktop's notification area instead (QGIS's own native notifications are not
reachable from Python: a system tray icon shows the message, where the desktop has a
tray). Each notification the engine sends is shown once; without a tray (a headless
session), :meth:`DesktopNotifier.show` returns False and the message bar alone says it.
"""

from __future__ import annotations

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QObject, QTimer
from qgis.PyQt.QtWidgets import QSystemTrayIcon

from ...core.definitions import PLUGIN_NAME
from ..i18n import translate

#: milliseconds the desktop shows a notification, and the tray icon stays after it
SHOWN_MS = 15_000


def notify_title(reason: str) -> str:
    """The notification's title for a NotifyReason value."""
    titles = {
        "ended": translate("DesktopNotify", "openEO run ended"),
        "budget": translate("DesktopNotify", "openEO run stopped on its budget"),
        "login": translate("DesktopNotify", "openEO run waits for a login"),
    }
    return titles.get(reason, PLUGIN_NAME)


class DesktopNotifier(QObject):
    """Shows notifications in the desktop's notification area, one tray icon at most."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.tray: QSystemTrayIcon | None = None
        self._hide = QTimer(self)
        self._hide.setSingleShot(True)
        self._hide.timeout.connect(self._hide_tray)

    def show(self, reason: str, message: str) -> bool:
        """Notify; whether the desktop could show it (False: no notification area)."""
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return False
        if self.tray is None:
            self.tray = QSystemTrayIcon(QgsApplication.getThemeIcon("/mIconInfo.svg"), self)
        title = notify_title(reason)
        self.tray.show()
        self.tray.showMessage(title, message, QSystemTrayIcon.MessageIcon.Information, SHOWN_MS)
        self._hide.start(SHOWN_MS)
        return True

    def _hide_tray(self) -> None:
        if self.tray is not None:
            self.tray.hide()
