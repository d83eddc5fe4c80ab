"""Work off QGIS's main thread, with the answer delivered back on it.

:class:`BackgroundCall` runs a function (file I/O, parsing, starting a run's engine)
in a QThread of its own; its result or failure arrives as a signal on the main
thread. :class:`Relay` is a callback any thread may call to have a slot run on the
main thread. A :class:`~...core.errors.GridJobsError` is a message for the user;
anything else is a bug, logged in full to the QGIS log with a short message.
"""

from __future__ import annotations

import traceback
from typing import Any, Callable

from qgis.core import Qgis, QgsMessageLog
from qgis.PyQt.QtCore import QObject, Qt, QThread, pyqtSignal

from ...core.definitions import PLUGIN_NAME
from ...core.errors import GridJobsError
from ..i18n import translate


def guarded(func: Callable[[], Any], failed: Any) -> tuple[bool, Any]:
    """Call ``func``; report a failure through the ``failed`` signal instead of raising."""
    try:
        return True, func()
    except GridJobsError as exc:
        failed.emit(str(exc))
    except Exception as exc:
        QgsMessageLog.logMessage(traceback.format_exc(), PLUGIN_NAME, Qgis.MessageLevel.Critical)
        failed.emit(
            translate("Background", "Unexpected error ({error}); see the log.").format(
                error=f"{type(exc).__name__}: {exc}"
            )
        )
    return False, None


class _Call(QObject):
    done = pyqtSignal(object)
    failed = pyqtSignal(str)

    def __init__(self, func: Callable[[], Any]) -> None:
        super().__init__()
        self.func = func

    def run(self) -> None:
        ok, value = guarded(self.func, self.failed)
        if ok:
            self.done.emit(value)


class Relay(QObject):
    """A callback for any thread that runs ``slot`` on the main thread (queued)."""

    carried = pyqtSignal(object)

    def __init__(self, slot: Callable[[Any], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.carried.connect(slot, Qt.ConnectionType.QueuedConnection)

    def __call__(self, value: object) -> None:
        self.carried.emit(value)


class BackgroundCall(QObject):
    """Run ``func`` off the main thread; its result or failure arrives as a signal."""

    def __init__(
        self,
        func: Callable[[], Any],
        on_done: Callable[[Any], Any],
        on_failed: Callable[[str], Any],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.call = _Call(func)
        self.call.moveToThread(self.thread)
        self.thread.started.connect(self.call.run)
        self.call.done.connect(on_done)
        self.call.failed.connect(on_failed)
        # Direct: quit from the call's thread itself, so that a main thread blocked in
        # wait() (plugin unload) does not have to deliver it (QThread.quit is thread-safe)
        self.call.done.connect(self.thread.quit, Qt.ConnectionType.DirectConnection)
        self.call.failed.connect(self.thread.quit, Qt.ConnectionType.DirectConnection)
        self.thread.start()
