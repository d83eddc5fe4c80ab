"""The Grid tab's other area: units from a polygon layer (layer, selection, id field)."""

from __future__ import annotations

from qgis.core import Qgis, QgsMapLayerProxyModel, QgsVectorLayer
from qgis.gui import QgisInterface, QgsFieldComboBox, QgsMapLayerComboBox
from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import QCheckBox, QFormLayout, QPushButton, QWidget

from ...core.definitions import PLUGIN_NAME
from ...core.grid.units import UnitsError
from ..adapters.qgis_objects import current_project, message_bar
from ..i18n import translate


class UnitsBox(QWidget):
    """Picks a polygon layer and its id field; *Use units* makes the run's unit layer."""

    #: the unit layer, once it is in the project
    units_created = pyqtSignal(QgsVectorLayer)

    def __init__(self, iface: QgisInterface, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.iface = iface
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.layer = QgsMapLayerComboBox(self)
        self.layer.setObjectName("unitsLayer")
        self.layer.setFilters(QgsMapLayerProxyModel.Filter.PolygonLayer)
        form.addRow(translate("UnitsBox", "Polygon layer"), self.layer)
        self.selected_only = QCheckBox(translate("UnitsBox", "Selected features only"), self)
        self.selected_only.setObjectName("unitsSelectedOnly")
        form.addRow(self.selected_only)
        self.id_field = QgsFieldComboBox(self)
        self.id_field.setObjectName("unitsIdField")
        self.id_field.setToolTip(
            translate("UnitsBox", "Each unit's id: unique and not empty (one job per unit).")
        )
        form.addRow(translate("UnitsBox", "Id field"), self.id_field)
        self.use_button = QPushButton(translate("UnitsBox", "Use units"), self)
        self.use_button.setObjectName("useUnits")
        form.addRow(self.use_button)
        self.layer.layerChanged.connect(self.id_field.setLayer)
        self.id_field.setLayer(self.layer.currentLayer())
        self.use_button.clicked.connect(self.use_units)

    def use_units(self) -> QgsVectorLayer | None:
        """Check the chosen layer's units and add their unit layer to the map (None:
        the message bar says why not)."""
        from ..adapters.status_style import apply_status_style
        from ..adapters.units_source import carried_fields, create_units_layer, layer_units

        layer = self.layer.currentLayer()  # the box lists polygon layers only
        source = layer if isinstance(layer, QgsVectorLayer) else None
        bar = message_bar(self.iface)
        try:
            units = layer_units(
                source, self.id_field.currentField(), self.selected_only.isChecked()
            )
        except UnitsError as exc:
            bar.pushMessage(PLUGIN_NAME, str(exc), Qgis.MessageLevel.Warning, 0)
            return None
        if source is None:  # (layer_units refuses no layer)
            return None
        name = translate("UnitsBox", "Units of {layer}").format(layer=source.name())
        units_layer = create_units_layer(
            units, name, carried_fields(source, self.id_field.currentField())
        )
        current_project().addMapLayer(units_layer)
        apply_status_style(units_layer)
        bar.pushMessage(
            PLUGIN_NAME,
            translate("UnitsBox", "{count} units from {layer} ({field}).").format(
                count=len(units), layer=source.name(), field=self.id_field.currentField()
            ),
            Qgis.MessageLevel.Success,
            5,
        )
        self.units_created.emit(units_layer)
        return units_layer
