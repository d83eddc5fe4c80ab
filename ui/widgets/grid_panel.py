"""Dock section "Grid": make a tile grid from the map or a polygon layer, export it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsMapLayerProxyModel,
    QgsVectorLayer,
)
from qgis.gui import (
    QgisInterface,
    QgsDoubleSpinBox,
    QgsMapLayerComboBox,
    QgsProjectionSelectionWidget,
)
from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ...core.definitions import PLUGIN_NAME
from ...core.errors import GridJobsError
from ..adapters.grid_task import GridTask
from ..adapters.qgis_objects import current_project, message_bar, present
from ..i18n import translate
from .units_box import UnitsBox

if TYPE_CHECKING:
    from ...core.grid.grid import Bounds

SOURCE_CANVAS, SOURCE_LAYER, SOURCE_SELECTION = range(3)
#: what a run covers: the plugin's grid, or units from a polygon layer
AREA_GRID, AREA_UNITS = range(2)


class GridPanel(QGroupBox):
    """Tile size, area of interest, grid CRS; Create grid; Export."""

    #: emitted with the new grid layer once it is in the project
    grid_created = pyqtSignal(QgsVectorLayer)
    #: the grid layer the dock works on changed (None: it was removed)
    grid_layer_changed = pyqtSignal(object)

    def __init__(self, iface: QgisInterface, parent: QWidget | None = None) -> None:
        super().__init__(translate("GridPanel", "Grid"), parent)
        self.iface = iface
        self.grid_layer: QgsVectorLayer | None = None
        form = QFormLayout(self)
        form.setRowWrapPolicy(
            QFormLayout.RowWrapPolicy.WrapLongRows
        )  # a narrow dock: fields go below

        self.area_kind = QComboBox(self)
        self.area_kind.setObjectName("areaKind")
        self.area_kind.addItems(
            [
                translate("GridPanel", "Grid of tiles"),
                translate("GridPanel", "Units from a polygon layer"),
            ]
        )
        form.addRow(translate("GridPanel", "Run over"), self.area_kind)
        self.units = UnitsBox(iface, self)
        form.addRow(self.units)
        self.units.units_created.connect(self.set_grid_layer)

        self.tile_size = QgsDoubleSpinBox(self)
        self.tile_size.setObjectName("tileSize")
        self.tile_size.setDecimals(0)
        self.tile_size.setRange(10, 1_000_000)
        self.tile_size.setSingleStep(1000)
        self.tile_size.setClearValue(5000)
        self.tile_size.setValue(5000)
        self.tile_size.setSuffix(" m")
        form.addRow(translate("GridPanel", "Tile size"), self.tile_size)

        self.source = QComboBox(self)
        self.source.setObjectName("aoiSource")
        self.source.addItems(
            [
                translate("GridPanel", "Map canvas extent"),
                translate("GridPanel", "Polygon layer"),
                translate("GridPanel", "Selected features"),
            ]
        )
        form.addRow(translate("GridPanel", "Area"), self.source)

        self.aoi_layer = QgsMapLayerComboBox(self)
        self.aoi_layer.setObjectName("aoiLayer")
        self.aoi_layer.setFilters(QgsMapLayerProxyModel.Filter.PolygonLayer)
        form.addRow(translate("GridPanel", "Polygon layer"), self.aoi_layer)

        self.grid_crs = QgsProjectionSelectionWidget(self)
        self.grid_crs.setObjectName("gridCrs")
        self.grid_crs.setOptionVisible(QgsProjectionSelectionWidget.CrsOption.CrsNotSet, True)
        self.grid_crs.setNotSetText(translate("GridPanel", "Automatic UTM zone"))
        self.grid_crs.setCrs(QgsCoordinateReferenceSystem())
        form.addRow(translate("GridPanel", "Grid CRS"), self.grid_crs)

        self.max_tiles = QSpinBox(self)
        self.max_tiles.setObjectName("maxTiles")
        self.max_tiles.setRange(1, 10_000_000)
        self.max_tiles.setValue(10_000)
        self.max_tiles.setToolTip(
            translate("GridPanel", "Refuse to build more tiles than this (protects from typos).")
        )
        form.addRow(translate("GridPanel", "Tile limit"), self.max_tiles)

        buttons = QHBoxLayout()
        self.create_button = QPushButton(translate("GridPanel", "Create grid"), self)
        self.create_button.setObjectName("createGrid")
        self.export_button = QPushButton(translate("GridPanel", "Export…"), self)
        self.export_button.setObjectName("exportGrid")
        self.export_button.setToolTip(
            translate(
                "GridPanel", "Save the grid with its statuses (GeoPackage, Shapefile, GeoJSON)"
            )
        )
        self.export_button.setEnabled(False)
        buttons.addWidget(self.create_button)
        buttons.addWidget(self.export_button)
        form.addRow(buttons)

        self._grid_rows = [
            self.tile_size,
            self.source,
            self.aoi_layer,
            self.grid_crs,
            self.max_tiles,
            self.create_button,
        ]
        self._form = form
        self.area_kind.currentIndexChanged.connect(self._show_area)
        self._show_area()
        self.source.currentIndexChanged.connect(self._update_enabled)
        self.create_button.clicked.connect(self.create_grid)
        self.export_button.clicked.connect(self.ask_export)
        self._update_enabled()

    def _show_area(self) -> None:
        """Show the grid's settings or the units' (the other's are hidden, not lost)."""
        units = self.area_kind.currentIndex() == AREA_UNITS
        self.units.setVisible(units)
        for widget in self._grid_rows:
            widget.setVisible(not units)
            label = self._form.labelForField(widget)
            if label is not None:
                label.setVisible(not units)

    def _update_enabled(self) -> None:
        self.aoi_layer.setEnabled(self.source.currentIndex() != SOURCE_CANVAS)

    # --- actions --------------------------------------------------------------------
    def create_grid(self) -> GridTask | None:
        """Start building the grid in a background task, or cancel the one being built.

        The task (returned) makes the tiles and their layer off the main thread, so
        QGIS stays usable and shows its progress; meanwhile the Create grid button
        reads Cancel. When it is done the layer is added, styled and zoomed to, and
        ``grid_created`` is emitted. Problems are reported in the message bar.
        """
        from functools import partial

        from qgis.core import QgsApplication

        from ...core.grid.grid import build_grid
        from ..adapters.aoi import canvas_aoi, layer_aoi, pyproj_crs

        building = self._grid_task_running()
        if building is not None:
            building.cancel()
            return None
        aoi: Bounds | list[Any]
        try:  # the area is read here: QGIS layers belong to the main thread
            if self.source.currentIndex() == SOURCE_CANVAS:
                aoi, aoi_crs = canvas_aoi(present(self.iface.mapCanvas(), "map canvas"))
            else:
                selected = self.source.currentIndex() == SOURCE_SELECTION
                layer = self.aoi_layer.currentLayer()  # the box lists polygon layers only
                vector = layer if isinstance(layer, QgsVectorLayer) else None
                aoi, aoi_crs = layer_aoi(vector, selected)
            chosen = self.grid_crs.crs()
            grid_crs = pyproj_crs(chosen) if chosen.isValid() else None
        except GridJobsError as exc:
            message_bar(self.iface).pushMessage(PLUGIN_NAME, str(exc), Qgis.MessageLevel.Warning, 0)
            return None

        size = self.tile_size.value()
        build = partial(
            build_grid, aoi, aoi_crs, size, grid_crs=grid_crs, max_tiles=self.max_tiles.value()
        )
        task = GridTask(
            build,
            translate("GridPanel", "Creating a grid of {size} m tiles").format(size=f"{size:g}"),
        )
        task.done.connect(self._grid_task_done)
        self.destroyed.connect(task.abandon)  # the dock closes: stop building for nobody
        self._grid_task: GridTask | None = task  # also keeps the Python task alive
        self.create_button.setText(translate("GridPanel", "Cancel"))
        self.create_button.setToolTip(
            translate("GridPanel", "Stop creating the grid; nothing is added.")
        )
        present(QgsApplication.taskManager(), "task manager").addTask(task)
        return task

    def _grid_task_running(self) -> GridTask | None:
        return getattr(self, "_grid_task", None)

    def _grid_task_done(self) -> None:
        """On the main thread: put the finished grid on the map, or say why there is none."""
        from ..adapters.status_style import apply_status_style

        task, self._grid_task = self._grid_task_running(), None
        self.create_button.setText(translate("GridPanel", "Create grid"))
        self.create_button.setToolTip("")
        bar = message_bar(self.iface)
        if task is None:
            return
        if task.isCanceled():
            bar.pushMessage(
                PLUGIN_NAME,
                translate("GridPanel", "Grid creation canceled; no layer added."),
                Qgis.MessageLevel.Info,
                5,
            )
            return
        grid, layer = task.grid, task.layer
        if grid is None or layer is None:
            bar.pushMessage(
                PLUGIN_NAME,
                task.error or translate("GridPanel", "No grid was made."),
                Qgis.MessageLevel.Warning,
                0,
            )
            return
        current_project().addMapLayer(layer)
        apply_status_style(layer)
        self.set_grid_layer(layer)
        self._zoom_to(layer)
        epsg = f"EPSG:{grid.epsg}" if grid.epsg else grid.crs.name
        bar.pushMessage(
            PLUGIN_NAME,
            translate("GridPanel", "{count} tiles of {size} m, {crs} ({epsg}).").format(
                count=f"{len(grid):,}", size=f"{grid.tile_size:g}", crs=grid.crs.name, epsg=epsg
            ),
            Qgis.MessageLevel.Success,
            5,
        )
        for warning in grid.warnings:
            bar.pushMessage(PLUGIN_NAME, warning, Qgis.MessageLevel.Warning, 0)
        self.grid_created.emit(layer)

    def set_grid_layer(self, layer: QgsVectorLayer | None) -> None:
        """Make ``layer`` the grid that Export (and later Run) work on."""
        if self.grid_layer is not None:
            self.grid_layer.willBeDeleted.disconnect(self._grid_layer_deleted)
        self.grid_layer = layer
        self.export_button.setEnabled(layer is not None)
        if layer is not None:
            # A bound method: Qt drops the connection when this panel is destroyed.
            layer.willBeDeleted.connect(self._grid_layer_deleted)
        self.grid_layer_changed.emit(layer)

    def _grid_layer_deleted(self) -> None:
        self.grid_layer = None
        self.export_button.setEnabled(False)
        self.grid_layer_changed.emit(None)

    def _zoom_to(self, layer: QgsVectorLayer) -> None:
        from ..adapters.canvas import zoom_to

        zoom_to(self.iface, layer)

    def ask_export(self) -> None:
        from ..adapters.export import ask_export

        if self.grid_layer is not None:
            ask_export(self, self.iface, self.grid_layer)

    def export(self, path: str) -> None:
        """Export the grid layer, reporting the outcome in the message bar."""
        from ..adapters.export import export_and_say

        if self.grid_layer is not None:
            export_and_say(self.iface, self.grid_layer, path)
