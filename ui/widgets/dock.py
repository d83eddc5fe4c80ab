"""The plugin's dock panel: the one place where the user drives grids and jobs.

Three tabs (Grid, Job, Run) keep the dock within a laptop's height; the run
controls, progress and the tracking line sit below them, always in view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qgis.core import Qgis
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QScrollArea, QTabWidget, QVBoxLayout, QWidget

from ...core.definitions import PLUGIN_NAME
from ..adapters.project_runs import ProjectRuns
from ..adapters.qgis_objects import current_project, message_bar
from ..i18n import translate
from .grid_panel import GridPanel
from .jobs_panel import JobsPanel

if TYPE_CHECKING:
    from qgis.gui import QgisInterface
    from qgis.PyQt.QtWidgets import QWidget as _Parent


def scrolled(page: QWidget, parent: QWidget) -> QScrollArea:
    """``page`` in a vertical scroll area: a short screen scrolls a tab, never cuts it."""
    scroll = QScrollArea(parent)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # fit the width
    scroll.setWidget(page)
    return scroll


class GridJobsDock(QgsDockWidget):
    """Dock with the grid and job panels."""

    OBJECT_NAME = "OpenEOGridJobsDock"

    def __init__(self, iface: QgisInterface, parent: _Parent | None = None) -> None:
        super().__init__(PLUGIN_NAME, parent)
        self.setObjectName(self.OBJECT_NAME)
        self.iface = iface
        body = QWidget(self)
        layout = QVBoxLayout(body)
        self.tabs = QTabWidget(body)
        self.tabs.setObjectName("tabs")
        self.grid_panel = GridPanel(iface)
        self.grid_panel.setFlat(True)
        self.grid_panel.setTitle("")
        self.jobs_panel = JobsPanel(iface, body)
        self.tabs.addTab(scrolled(self.grid_panel, self.tabs), translate("GridJobsDock", "Grid"))
        self.tabs.addTab(
            scrolled(self.jobs_panel.job_page, self.tabs), translate("GridJobsDock", "Job")
        )
        self.tabs.addTab(
            scrolled(self.jobs_panel.run_page, self.tabs), translate("GridJobsDock", "Run")
        )
        self.tabs.addTab(self.jobs_panel.problems_page, translate("GridJobsDock", "Problems"))
        self.jobs_panel.problems.count_changed.connect(self._show_problem_count)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.jobs_panel)
        self.setWidget(body)

        # one grid for every panel: made here, opened from a job database or a project
        self.grid_panel.grid_layer_changed.connect(self.jobs_panel.set_grid_layer)
        self.jobs_panel.job_db_opened.connect(self.grid_panel.set_grid_layer)
        self.project_runs = ProjectRuns(current_project(), self)
        self.project_runs.failed.connect(
            lambda text: message_bar(iface).pushMessage(
                PLUGIN_NAME, text, Qgis.MessageLevel.Critical, 0
            )
        )

    def _show_problem_count(self, count: int) -> None:
        index = self.tabs.indexOf(self.jobs_panel.problems_page)
        self.tabs.setTabText(
            index,
            translate("GridJobsDock", "Problems ({count})").format(count=count)
            if count
            else translate("GridJobsDock", "Problems"),
        )

    def shutdown(self) -> None:
        """Stop background work before the plugin unloads (jobs go on on the back-end)."""
        self.project_runs.disconnect_project()
        self.jobs_panel.shutdown()
