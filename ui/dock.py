"""The plugin's dock panel: the one place where the user drives grids and jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from .grid_panel import GridPanel
from .jobs_panel import JobsPanel

if TYPE_CHECKING:
    from qgis.gui import QgisInterface
    from qgis.PyQt.QtWidgets import QWidget as _Parent


class GridJobsDock(QgsDockWidget):
    """Dock with the grid and job panels."""

    OBJECT_NAME = "OpenEOGridJobsDock"

    def __init__(self, iface: QgisInterface, parent: _Parent | None = None) -> None:
        super().__init__("openEO Grid Jobs", parent)
        self.setObjectName(self.OBJECT_NAME)
        self.iface = iface
        body = QWidget(self)
        layout = QVBoxLayout(body)
        intro = QLabel(
            "Build a tile grid over the map, then run one openEO batch job per tile.", body
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.grid_panel = GridPanel(iface, body)
        layout.addWidget(self.grid_panel)
        self.jobs_panel = JobsPanel(iface, body)
        layout.addWidget(self.jobs_panel)
        layout.addStretch(1)
        self.grid_panel.grid_layer_changed.connect(self.jobs_panel.set_grid_layer)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)  # fit the width, never cut
        scroll.setWidget(body)
        self.setWidget(scroll)

    def shutdown(self) -> None:
        """Stop background work before the plugin unloads (jobs go on on the back-end)."""
        self.jobs_panel.shutdown()
