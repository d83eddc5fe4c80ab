"""The Job tab's time windows: one date range, a step over the dates, or a list of ranges.

What it makes is what :mod:`...core.grid.windows` reads and ``JobTemplate.windows`` stores:
ISO 8601 intervals (``2024-01-01/2025-01-01/P1M``, or ``start/end`` each). One date
range is no windows at all (the run's dates, one job per unit, as before windows).
"""

from __future__ import annotations

from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QComboBox, QHBoxLayout, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from ...core.grid.windows import SEASON
from ..i18n import translate

#: how the windows are given; the values are what the settings store
MODE_ONE, MODE_STEP, MODE_LIST = "one", "step", "list"
#: the steps offered; "days" takes the number of days from its spin box; "season" is
#: core's meteorological seasons (DJF, MAM, JJA, SON)
STEP_MONTH, STEP_QUARTER, STEP_SEASON, STEP_DAYS = "P1M", "P3M", SEASON, "days"
#: between the ranges of a list
LIST_SEPARATOR = ";"


class WindowsBox(QWidget):
    """Mode, step and list of the run's time windows."""

    def __init__(self, values: dict, parent: QWidget | None = None) -> None:
        """``values``: what :meth:`values` gave last time (the user's settings)."""
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.mode = self._combo(
            "windowsMode",
            (MODE_ONE, translate("WindowsBox", "One date range")),
            (MODE_STEP, translate("WindowsBox", "Steps over the dates")),
            (MODE_LIST, translate("WindowsBox", "A list of ranges")),
        )
        column.addWidget(self.mode)
        steps = QHBoxLayout()
        self.step = self._combo(
            "windowsStep",
            (STEP_MONTH, translate("WindowsBox", "Month")),
            (STEP_QUARTER, translate("WindowsBox", "Quarter")),
            (STEP_SEASON, translate("WindowsBox", "Season (DJF, MAM, JJA, SON)")),
            (STEP_DAYS, translate("WindowsBox", "Days")),
        )
        self.step.setItemData(
            self.step.findData(STEP_SEASON),
            translate(
                "WindowsBox",
                "Meteorological seasons from 1 Dec, 1 Mar, 1 Jun and 1 Sep; the first and "
                "the last clipped to the dates",
            ),
            Qt.ItemDataRole.ToolTipRole,
        )
        self.days = QSpinBox(self)
        self.days.setObjectName("windowsDays")
        self.days.setRange(1, 3660)
        self.days.setSuffix(translate("WindowsBox", " days"))
        steps.addWidget(self.step)
        steps.addWidget(self.days)
        column.addLayout(steps)
        self.ranges = QLineEdit(self)
        self.ranges.setObjectName("windowsList")
        self.ranges.setPlaceholderText("2024-03-01/2024-06-01; 2024-06-01/2024-09-01")
        self.ranges.setToolTip(
            translate("WindowsBox", "Date ranges start/end, separated by ';' (the end is excluded)")
        )
        column.addWidget(self.ranges)
        self._select(self.mode, str(values.get("windows_mode") or MODE_ONE))
        self._select(self.step, str(values.get("windows_step") or STEP_MONTH))
        self.days.setValue(int(values.get("windows_days") or 10))
        self.ranges.setText(str(values.get("windows_list") or ""))
        self.mode.currentIndexChanged.connect(self._update_enabled)
        self.step.currentIndexChanged.connect(self._update_enabled)
        self._update_enabled()

    def _combo(self, name: str, *items: tuple[str, str]) -> QComboBox:
        """A combo box of (stored key, label) items."""
        combo = QComboBox(self)
        combo.setObjectName(name)
        for key, label in items:
            combo.addItem(label, key)
        return combo

    @staticmethod
    def _select(combo: QComboBox, key: str) -> None:
        combo.setCurrentIndex(max(0, combo.findData(key)))

    def _update_enabled(self) -> None:
        mode = self.mode.currentData()
        self.step.setVisible(mode == MODE_STEP)
        self.days.setVisible(mode == MODE_STEP and self.step.currentData() == STEP_DAYS)
        self.ranges.setVisible(mode == MODE_LIST)

    def specs(self, start: str, end: str) -> list[str]:
        """The windows as ``JobTemplate.windows`` holds them (``start``/``end``: the
        form's dates, the period a step divides); empty for one date range."""
        mode = self.mode.currentData()
        if mode == MODE_STEP:
            step = self.step.currentData()
            duration = f"P{self.days.value()}D" if step == STEP_DAYS else step
            return [f"{start}/{end}/{duration}"]
        if mode == MODE_LIST:
            return [r.strip() for r in self.ranges.text().split(LIST_SEPARATOR) if r.strip()]
        return []

    def show_specs(self, specs: list[str]) -> None:
        """Show a run's saved windows (its dates are the form's own)."""
        if not specs:
            self._select(self.mode, MODE_ONE)
        elif len(specs) == 1 and specs[0].count("/") == 2:
            self._select(self.mode, MODE_STEP)
            duration = specs[0].rsplit("/", 1)[1].strip().upper()
            if duration in (STEP_MONTH, STEP_QUARTER):
                self._select(self.step, duration)
            elif duration.lower() == STEP_SEASON:
                self._select(self.step, STEP_SEASON)
            elif duration.startswith("P") and duration.endswith("D") and duration[1:-1].isdigit():
                self._select(self.step, STEP_DAYS)
                self.days.setValue(int(duration[1:-1]))
            else:  # a step the box does not offer (weeks, years): shown as written
                self._select(self.mode, MODE_LIST)
                self.ranges.setText(specs[0])
        else:
            self._select(self.mode, MODE_LIST)
            self.ranges.setText(f"{LIST_SEPARATOR} ".join(specs))

    def values(self) -> dict:
        """What the settings keep (keys without the plugin's prefix)."""
        return {
            "windows_mode": self.mode.currentData(),
            "windows_step": self.step.currentData(),
            "windows_days": self.days.value(),
            "windows_list": self.ranges.text(),
        }
