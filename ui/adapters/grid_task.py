"""Build a grid and fill its memory layer in a QGIS background task.

A grid of a few hundred thousand tiles takes seconds to build and to put into a
layer; on the main thread that froze QGIS with no progress and no way out. The
task does both in a worker thread (QGIS's task manager shows its progress and can
cancel it); the layer, made in that thread, is handed to the main thread, which
only adds it to the project.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING

from qgis.core import Qgis, QgsMessageLog, QgsTask, QgsVectorLayer
from qgis.PyQt.QtCore import QCoreApplication, pyqtSignal

from ...core.definitions import PLUGIN_NAME
from ...core.errors import GridJobsError
from ..i18n import translate
from .grid_layer import FillCanceledError, create_grid_layer

if TYPE_CHECKING:
    from ...core.grid.grid import Grid

#: Share of the progress bar for building the tiles (core.grid.grid); the rest is the
#: layer fill, the longer part (``benchmarks/grid.py``).
BUILD_SHARE = 20.0


class GridTask(QgsTask):
    """Runs ``build`` (e.g. a bound ``core.grid.build_grid``), then fills the layer.

    When it is over, :attr:`done` is emitted on the main thread; then exactly one of
    these holds: :meth:`isCanceled`; :attr:`error` says why it failed; or
    :attr:`grid` and :attr:`layer` are the result (the layer lives in the main
    thread, not yet in the project).
    """

    #: the task is over (built, failed or canceled); emitted on the main thread
    done = pyqtSignal()

    def __init__(self, build: Callable[[], Grid], description: str = "") -> None:
        super().__init__(
            description or translate("GridTask", "Creating grid"), QgsTask.Flag.CanCancel
        )
        self._build = build
        self.grid: Grid | None = None
        self.layer: QgsVectorLayer | None = None
        self.error: str | None = None

    def run(self) -> bool:
        """In a worker thread: build the tiles, fill the layer, hand it to the main thread."""
        try:
            grid = self._build()
            if self.isCanceled():
                return False
            self.setProgress(BUILD_SHARE)
            layer = create_grid_layer(grid, feedback=_Scaled(self, BUILD_SHARE))
            layer.extent()  # computed here, not by the first zoom on the main thread
            layer.moveToThread(QCoreApplication.instance().thread())
        except GridJobsError as exc:  # too many tiles, an area off the Earth...
            self.error = str(exc)
            return False
        except FillCanceledError:
            return False
        except Exception as exc:  # a bug: say so, and leave QGIS usable
            self.error = translate(
                "GridTask", "Creating the grid failed: {error} (details in the message log)."
            ).format(error=repr(exc))
            QgsMessageLog.logMessage(
                traceback.format_exc(), PLUGIN_NAME, Qgis.MessageLevel.Critical
            )
            return False
        self.grid, self.layer = grid, layer
        return True

    def abandon(self, *_: object) -> None:
        """Cancel: whoever was waiting is gone (a slot for e.g. the dock's ``destroyed``)."""
        self.cancel()

    def finished(self, result: bool) -> None:
        """On the main thread, once ``run`` returned (or the task was canceled before)."""
        self.done.emit()


class _Scaled:
    """The layer fill's progress (0-100) as the part of the task's bar after ``start``."""

    def __init__(self, task: QgsTask, start: float) -> None:
        self.task, self.start = task, start

    def setProgress(self, progress: float) -> None:  # noqa: N802 (Qt's name)
        self.task.setProgress(self.start + (100.0 - self.start) * progress / 100.0)

    def isCanceled(self) -> bool:  # noqa: N802 (Qt's name)
        return self.task.isCanceled()
