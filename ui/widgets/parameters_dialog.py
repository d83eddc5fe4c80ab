"""The dock's per-job parameters: each parameter of the chosen process bound to a field
of the run's units, the row's extent or dates, or a constant.

A dialog rather than rows of the Job tab, which must fit a laptop's screen without
scrolling: the tab keeps one button (*Parameters (2)*) beside the process's source.
The bindings are :mod:`...core.jobs.parameters`'s (``{"column": FIELD}``, ``{"row":
"extent"|"dates"}``, ``{"value": v}``), checked by it, so that the dock refuses what
the CLI and Processing refuse, with the same words.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...core.jobs.parameters import (
    AUTO_FILLED,
    COLUMN_PREFIX,
    ROW_PREFIX,
    ParameterError,
    binding_of,
    check_bindings,
)
from ..i18n import translate

NAME, BOUND_TO, VALUE = range(3)
#: the "bound to" choices besides the fields (a field is ``column:NAME``)
UNBOUND, EXTENT, DATES, CONSTANT = "", ROW_PREFIX + "extent", ROW_PREFIX + "dates", "value"


class ParametersDialog(QDialog):
    """A table of parameter | bound to | value; the declared parameters of a graph file
    are listed (required ones in bold), other names are added by hand (a UDP's)."""

    def __init__(
        self,
        bindings: Mapping[str, Mapping[str, Any]],
        declared: Sequence[Mapping[str, Any]],
        fields: Sequence[str],
        note: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("ParametersDialog", "Job parameters"))
        self.setObjectName("parametersDialog")
        self.fields = list(fields)
        #: what OK accepted, checked
        self.result_bindings: dict[str, dict[str, Any]] = {}
        self._declared = {str(p["name"]): p for p in declared}
        layout = QVBoxLayout(self)
        info = QLabel(note, self)
        info.setWordWrap(True)
        info.setVisible(bool(note))
        layout.addWidget(info)
        self.table = QTableWidget(0, 3, self)
        self.table.setObjectName("parametersTable")
        self.table.setHorizontalHeaderLabels(
            [
                translate("ParametersDialog", "Parameter"),
                translate("ParametersDialog", "Bound to"),
                translate("ParametersDialog", "Value"),
            ]
        )
        header = self.table.horizontalHeader()
        # a name and a choice are read whole ("Field threshold", not "Field thresh")
        for column in (NAME, BOUND_TO):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(VALUE, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        layout.addWidget(self.table)
        legend = QLabel(
            translate(
                "ParametersDialog",
                'Bold: required. A value is JSON (30, [1, 2], "text") or plain text. '
                "Unbound: the parameter's default; spatial_extent and temporal_extent get "
                "the row's own.",
            ),
            self,
        )
        legend.setWordWrap(True)
        layout.addWidget(legend)
        self.error = QLabel(self)
        self.error.setObjectName("parametersError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020")
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(translate("ParametersDialog", "Add"), self)
        self.add_button.setObjectName("addParameter")
        self.remove_button = QPushButton(translate("ParametersDialog", "Remove"), self)
        self.remove_button.setObjectName("removeParameter")
        self.remove_button.setToolTip(
            translate("ParametersDialog", "Remove the selected names you added")
        )
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        self.box = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.addWidget(self.box)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(lambda: self.add_row())
        self.remove_button.clicked.connect(self.remove_selected)
        self.box.accepted.connect(self.accept)
        self.box.rejected.connect(self.reject)
        for name in self._declared:
            self.add_row(name, bindings.get(name))
        for name, binding in bindings.items():
            if name not in self._declared:
                self.add_row(name, binding)
        self.resize(560, 340)

    # --- rows -----------------------------------------------------------------------------
    def add_row(self, name: str = "", binding: Mapping[str, Any] | None = None) -> int:
        """A row for ``name`` (empty: a new name to type) bound as ``binding``."""
        row = self.table.rowCount()
        self.table.insertRow(row)
        item = QTableWidgetItem(name)
        declared = self._declared.get(name)
        if declared is not None:  # its name is the process's: not edited, not removed
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            item.setToolTip(_describe(declared))
            if _required(declared):
                font = item.font()
                font.setBold(True)
                item.setFont(font)
        self.table.setItem(row, NAME, item)
        combo = QComboBox(self.table)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        combo.addItem(translate("ParametersDialog", "(not bound)"), UNBOUND)
        for field in self.fields:
            combo.addItem(
                translate("ParametersDialog", "Field {name}").format(name=field),
                COLUMN_PREFIX + field,
            )
        combo.addItem(translate("ParametersDialog", "The row's extent"), EXTENT)
        combo.addItem(translate("ParametersDialog", "The row's dates"), DATES)
        combo.addItem(translate("ParametersDialog", "A value"), CONSTANT)
        self.table.setCellWidget(row, BOUND_TO, combo)
        self.table.setItem(row, VALUE, QTableWidgetItem(""))
        self.bind(row, *_choice(binding or {}))
        combo.currentIndexChanged.connect(lambda _i, c=combo: self._value_editable(c))
        if not name:
            self.table.editItem(item)
        return row

    def bind(self, row: int, choice: str, value: str = "") -> None:
        """Bind ``row`` to ``choice`` (``column:FIELD``, ``row:extent``, ``row:dates``,
        ``value`` with ``value``'s text, or ``""``)."""
        combo = self._combo(row)
        index = combo.findData(choice)
        if index < 0 and choice.startswith(COLUMN_PREFIX):  # a run's field the units lack
            field = choice[len(COLUMN_PREFIX) :]
            combo.addItem(
                translate("ParametersDialog", "Field {name} (not in the units)").format(name=field),
                choice,
            )
            index = combo.count() - 1
        combo.setCurrentIndex(max(0, index))
        self.table.item(row, VALUE).setText(value)
        self._value_editable(combo)

    def row_of(self, name: str) -> int:
        """The row of parameter ``name`` (-1: none)."""
        names = [self._name(r) for r in range(self.table.rowCount())]
        return names.index(name) if name in names else -1

    def remove_selected(self) -> None:
        """Remove the selected rows of names added by hand (a declared one stays: it is
        unbound by choosing "(not bound)")."""
        rows = {i.row() for i in self.table.selectionModel().selectedRows()}
        for row in sorted(rows, reverse=True):
            if self._name(row) not in self._declared:
                self.table.removeRow(row)

    # --- result ---------------------------------------------------------------------------
    def bindings(self) -> dict[str, dict[str, Any]]:
        """The table's bindings, checked (a :class:`ParameterError` names what is wrong)."""
        bindings: dict[str, dict[str, Any]] = {}
        for row in range(self.table.rowCount()):
            name, choice = self._name(row), self._combo(row).currentData()
            if not choice:
                continue
            if not name:
                raise ParameterError(
                    translate("ParametersDialog", "Row {row} is bound but has no name.").format(
                        row=row + 1
                    )
                )
            if name in bindings:
                raise ParameterError(
                    translate("ParametersDialog", "Parameter {name} is listed twice.").format(
                        name=repr(name)
                    )
                )
            if choice == CONSTANT:
                bindings[name] = {"value": _constant(self.table.item(row, VALUE).text())}
            else:
                bindings[name] = binding_of(choice)
        check_bindings(bindings)
        return bindings

    def accept(self) -> None:
        """OK: keep the checked bindings, or say what is wrong and stay open."""
        try:
            self.result_bindings = self.bindings()
        except ParameterError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        super().accept()

    def _name(self, row: int) -> str:
        item = self.table.item(row, NAME)
        return item.text().strip() if item is not None else ""

    def _combo(self, row: int) -> QComboBox:
        return cast(QComboBox, self.table.cellWidget(row, BOUND_TO))  # every row has one

    def _value_editable(self, combo: QComboBox) -> None:
        for row in range(self.table.rowCount()):
            if self.table.cellWidget(row, BOUND_TO) is combo:
                item = self.table.item(row, VALUE)
                editable = combo.currentData() == CONSTANT
                flags = item.flags() | Qt.ItemFlag.ItemIsEditable
                item.setFlags(flags if editable else flags & ~Qt.ItemFlag.ItemIsEditable)
                item.setToolTip(
                    "" if editable else translate("ParametersDialog", "Only a value is typed")
                )


def _choice(binding: Mapping[str, Any]) -> tuple[str, str]:
    """A binding as the row's choice and value text."""
    if "column" in binding:
        return COLUMN_PREFIX + str(binding["column"]), ""
    if "row" in binding:
        return ROW_PREFIX + str(binding["row"]), ""
    if "value" in binding:
        value = binding["value"]
        plain_text = isinstance(value, str) and _constant(value) == value
        return CONSTANT, value if plain_text else json.dumps(value)
    return UNBOUND, ""


def _constant(text: str) -> Any:
    """A typed value: JSON when it is (30, [1, 2], "a"), else the text itself."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text.strip()


def _required(declared: Mapping[str, Any]) -> bool:
    return (
        not declared.get("optional")
        and "default" not in declared
        and declared["name"] not in AUTO_FILLED
    )


def _describe(declared: Mapping[str, Any]) -> str:
    """A declared parameter's tooltip: required or its default, and its description."""
    lines = []
    if _required(declared):
        lines.append(translate("ParametersDialog", "Required"))
    elif "default" in declared:
        lines.append(
            translate("ParametersDialog", "Default: {value}").format(
                value=json.dumps(declared["default"])
            )
        )
    else:
        lines.append(translate("ParametersDialog", "Optional"))
    if declared.get("description"):
        lines.append(str(declared["description"]))
    return "\n".join(lines)


def saved_bindings(text: object) -> dict:
    """The remembered bindings (none when unreadable: an older or hand-edited setting)."""
    try:
        bindings = json.loads(str(text or "{}"))
        check_bindings(bindings)
    except (json.JSONDecodeError, ParameterError):
        return {}
    return dict(bindings)
