"""The dock's job template form: what each tile's batch job computes.

Kept apart from the run controls so that the form can fill itself from a
run's saved settings (resume uses them) and remember the user's last values.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qgis.gui import QgsFileWidget
from qgis.PyQt.QtCore import QDate
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from ...core.errors import GridJobsError
from ...core.jobs.template import (
    EXTENT_BBOX,
    EXTENT_GEOJSON,
    OUTPUT_FORMATS,
    PROCESS_GRAPH,
    PROCESS_NDVI,
    PROCESSES,
)
from ..adapters.qgis_objects import current_project
from ..adapters.settings import form_values
from ..i18n import translate
from .parameters_dialog import ParametersDialog, saved_bindings
from .windows_box import WindowsBox

if TYPE_CHECKING:
    from ...core.jobs.template import JobTemplate


def process_labels() -> dict[str, str]:
    """What each kind of job computes, as the form names it."""
    return {
        "ndvi_mean": translate("TemplateForm", "NDVI, mean over the dates"),
        "process_graph": translate("TemplateForm", "Process graph (JSON file)"),
        "udp": translate("TemplateForm", "User-defined process (UDP)"),
    }


class TemplateForm(QWidget):
    """Collection, bands, dates, process, format and job options of the run's jobs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        saved = form_values()  # as last used (ui/adapters/settings.py: the keys and defaults)
        form = QFormLayout(self)
        form.setRowWrapPolicy(
            QFormLayout.RowWrapPolicy.WrapLongRows
        )  # a narrow dock: fields go below
        self.collection = QLineEdit(saved["collection"], self)
        self.collection.setObjectName("collection")
        form.addRow(translate("TemplateForm", "Collection"), self.collection)
        self.bands = QLineEdit(saved["bands"], self)
        self.bands.setObjectName("bands")
        self.bands.setToolTip(
            translate("TemplateForm", "Red and near-infrared bands, in that order")
        )
        form.addRow(translate("TemplateForm", "Bands (red, NIR)"), self.bands)
        dates = QHBoxLayout()
        self.start = QDateEdit(self)
        self.end = QDateEdit(self)
        for widget, key in ((self.start, "start"), (self.end, "end")):
            widget.setObjectName(key + "Date")
            widget.setCalendarPopup(True)
            widget.setDisplayFormat("yyyy-MM-dd")
            widget.setDate(QDate.fromString(saved[key], "yyyy-MM-dd"))
            dates.addWidget(widget)
        form.addRow(translate("TemplateForm", "Dates"), dates)
        keys = ("windows_mode", "windows_step", "windows_days", "windows_list")
        self.windows = WindowsBox({k: saved[k] for k in keys}, self)
        self.windows.setObjectName("windows")
        form.addRow(translate("TemplateForm", "Time windows"), self.windows)
        self.extent = QComboBox(self)
        self.extent.setObjectName("extent")
        self.extent.addItem(
            translate("TemplateForm", "Bounding box (the layer's CRS)"), EXTENT_BBOX
        )
        self.extent.addItem(translate("TemplateForm", "Polygon (GeoJSON, lon/lat)"), EXTENT_GEOJSON)
        self.extent.setToolTip(
            translate(
                "TemplateForm",
                "How each tile or unit is sent: its bounding box, or its own polygon for "
                "processes that clip to it (fields, admin areas)",
            )
        )
        self.extent.setCurrentIndex(max(0, self.extent.findData(saved["extent"])))
        form.addRow(translate("TemplateForm", "Area sent"), self.extent)
        self.process = QComboBox(self)
        self.process.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.process.setMinimumContentsLength(12)
        self.process.setObjectName("process")
        labels = process_labels()
        for key in PROCESSES:
            self.process.addItem(labels[key], key)
        self.process.setCurrentIndex(max(0, self.process.findData(saved["process"])))
        form.addRow(translate("TemplateForm", "Process"), self.process)
        self.graph_file = QgsFileWidget(self)
        self.graph_file.setObjectName("graphFile")
        self.graph_file.setFilter(translate("TemplateForm", "Process graph (*.json)"))
        self.graph_file.setFilePath(saved["graph_file"])
        self.graph_file.setDefaultRoot(current_project().homePath())  # not QGIS's cwd
        self.udp_id = QLineEdit(saved["udp_id"], self)
        self.udp_id.setObjectName("udpId")
        # one row for the process's source, the graph file or the UDP id as chosen, and
        # its parameters' button: the Job tab fits a laptop's screen without scrolling
        self.process_source = QStackedWidget(self)
        self.process_source.addWidget(self.graph_file)
        self.process_source.addWidget(self.udp_id)
        #: the parameters' bindings (:mod:`...core.jobs.parameters`), edited in a dialog
        self.bindings = saved_bindings(saved["parameters"])
        #: the fields of the run's units a parameter can be bound to, read when the
        #: dialog opens (the dock gives its layer's)
        self.fields_of_units: Callable[[], list[str]] = list
        self.parameters_dialog: ParametersDialog | None = None
        self.parameters_button = QPushButton(self)
        self.parameters_button.setObjectName("parametersButton")
        self.parameters_button.setToolTip(
            translate(
                "TemplateForm",
                "Bind the process's parameters to a field of the units, the row's extent or "
                "dates, or a value",
            )
        )
        self.parameters_button.clicked.connect(self.edit_parameters)
        source_row = QHBoxLayout()
        source_row.setContentsMargins(0, 0, 0, 0)
        source_row.addWidget(self.process_source, 1)
        source_row.addWidget(self.parameters_button)
        form.addRow(translate("TemplateForm", "Process graph"), source_row)
        self._source_label = form.labelForField(source_row)
        self._show_bound()
        self.out_format = QComboBox(self)
        self.out_format.setObjectName("outFormat")
        self.out_format.addItems(list(OUTPUT_FORMATS))
        self.out_format.setCurrentText(saved["out_format"])
        form.addRow(translate("TemplateForm", "Format"), self.out_format)
        self.job_options = QLineEdit(saved["job_options"], self)
        self.job_options.setObjectName("jobOptions")
        form.addRow(translate("TemplateForm", "Job options"), self.job_options)
        self.process.currentIndexChanged.connect(self._update_enabled)
        self._update_enabled()

    def _update_enabled(self) -> None:
        process = self.process.currentData()
        self.graph_file.setEnabled(process == "process_graph")
        self.udp_id.setEnabled(process == "udp")
        self.parameters_button.setEnabled(process != PROCESS_NDVI)
        udp = process == "udp"
        self.process_source.setCurrentWidget(self.udp_id if udp else self.graph_file)
        label = translate("TemplateForm", "UDP id") if udp else None
        self._source_label.setText(label or translate("TemplateForm", "Process graph"))

    # --- parameters ---------------------------------------------------------------------
    def set_bindings(self, bindings: dict) -> None:
        self.bindings = dict(bindings)
        self._show_bound()

    def _show_bound(self) -> None:
        count = len(self.bindings)
        self.parameters_button.setText(
            translate("TemplateForm", "Parameters ({count})").format(count=count)
            if count
            else translate("TemplateForm", "Parameters…")
        )

    def edit_parameters(self) -> ParametersDialog:
        """Open the parameters' dialog (OK keeps its bindings), prefilled with the
        parameters a graph file declares."""
        declared: list = []
        note = ""
        if self.process.currentData() == PROCESS_GRAPH:
            try:
                declared = self._graph_document()[1]
            except GridJobsError as exc:
                note = translate(
                    "TemplateForm", "The process graph's parameters cannot be listed: {error}"
                ).format(error=exc)
            if not declared and not note:
                note = translate(
                    "TemplateForm", "The process graph declares no parameters: add their names."
                )
        else:
            note = translate(
                "TemplateForm",
                "Add the user-defined process's parameters by name; its required ones are "
                "checked on each back-end before anything is submitted.",
            )
        dialog = ParametersDialog(self.bindings, declared, self.fields_of_units(), note, self)
        dialog.accepted.connect(lambda: self.set_bindings(dialog.result_bindings))
        self.parameters_dialog = dialog
        dialog.open()
        return dialog

    def _graph_document(self) -> tuple[dict, list[dict[str, Any]]]:
        """The chosen graph file's flat graph and declared parameters."""
        from ...core.jobs.template import parse_process_document

        path = Path(self.graph_file.filePath())
        if not path.is_file():
            raise GridJobsError(translate("TemplateForm", "Choose the process graph JSON file."))
        return parse_process_document(path.read_text())

    # --- the template ---------------------------------------------------------------------
    def template(self) -> JobTemplate:
        """The form as a validated :class:`~...core.jobs.template.JobTemplate`."""
        from ...core.jobs.template import JobTemplate, parse_job_options

        process = self.process.currentData()
        graph: dict | None = None
        declared: list[dict[str, Any]] = []
        if process == PROCESS_GRAPH:
            graph, declared = self._graph_document()
        start, end = (
            self.start.date().toString("yyyy-MM-dd"),
            self.end.date().toString("yyyy-MM-dd"),
        )
        windows = self.windows.specs(start, end)
        if windows:  # the template's dates are the windows' period, as the CLI's
            from ...core.grid.windows import parse_windows, span

            start, end = span(parse_windows(windows))
        return JobTemplate(
            start=start,
            end=end,
            collection=self.collection.text().strip(),
            bands=[b.strip() for b in self.bands.text().split(",") if b.strip()],
            process=process,
            process_graph=graph,
            udp_id=self.udp_id.text().strip() or None,
            out_format=self.out_format.currentText(),
            job_options=parse_job_options(self.job_options.text()),
            windows=windows,
            extent=self.extent.currentData(),
            # the bindings stay while the NDVI mean is chosen; its jobs take none
            parameters={} if process == PROCESS_NDVI else dict(self.bindings),
            process_parameters=declared,
        ).validate()

    def show_template(self, template) -> None:
        """Fill the form with a run's saved job settings."""
        self.collection.setText(template.collection)
        self.bands.setText(", ".join(template.bands))
        self.start.setDate(QDate.fromString(template.start, "yyyy-MM-dd"))
        self.end.setDate(QDate.fromString(template.end, "yyyy-MM-dd"))
        self.process.setCurrentIndex(max(0, self.process.findData(template.process)))
        self.udp_id.setText(template.udp_id or "")
        self.out_format.setCurrentText(template.out_format)
        self.job_options.setText(json.dumps(template.job_options))
        self.windows.show_specs(list(template.windows))
        self.extent.setCurrentIndex(max(0, self.extent.findData(template.extent)))
        self.set_bindings(template.parameters)

    def values(self) -> dict:
        """The form as the dock remembers it (QgsSettings keys without the plugin prefix)."""
        return {
            "collection": self.collection.text(),
            "bands": self.bands.text(),
            "start": self.start.date().toString("yyyy-MM-dd"),
            "end": self.end.date().toString("yyyy-MM-dd"),
            "process": self.process.currentData(),
            "graph_file": self.graph_file.filePath(),
            "udp_id": self.udp_id.text(),
            "out_format": self.out_format.currentText(),
            "job_options": self.job_options.text(),
            **self.windows.values(),
            "extent": self.extent.currentData(),
            "parameters": json.dumps(self.bindings),  # field names and plain values
        }
