"""The dock's *Run* page: where the run is kept, how often it polls, the project's runs.

The page says what the user asks for as signals (open a run, load results, a new
budget) and has methods for what it shows and what is set on it, so the run's
controllers (``ui/run/``) never reach its widgets: a widget moved or replaced here
changes nothing there.
"""

from __future__ import annotations

import math
from typing import Any

from qgis.gui import QgsFileWidget
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from ..adapters.project_runs import RunEntry
from ..adapters.settings import POLL_INTERVAL
from ..i18n import translate


class RunPage(QWidget):
    """Job database, poll interval, *Runs in this project*, open a tracker, load results."""

    #: *Open job database…*: pick one in a file dialog
    open_requested = pyqtSignal()
    #: *Open* beside the project's runs: the chosen run's job database
    open_run_requested = pyqtSignal(str)
    #: *Load results*
    results_requested = pyqtSignal()
    #: the credit budget edited: as :meth:`budget_value` reads it (``object``: None)
    budget_changed = pyqtSignal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.job_db = QgsFileWidget(self)
        self.job_db.setObjectName("jobDb")
        self.job_db.setStorageMode(QgsFileWidget.StorageMode.SaveFile)
        self.job_db.setFilter(translate("RunPage", "Job database (*.csv *.parquet)"))
        self.job_db.setToolTip(
            translate(
                "RunPage",
                "The run's job table (one row per tile); its grid is saved beside it (.gpkg)",
            )
        )
        form.addRow(translate("RunPage", "Job database"), self.job_db)
        self.poll_interval = QDoubleSpinBox(self)
        self.poll_interval.setObjectName("pollInterval")
        self.poll_interval.setRange(0.2, 600)
        self.poll_interval.setSuffix(" s")
        self.poll_interval.setValue(POLL_INTERVAL.read())
        form.addRow(translate("RunPage", "Poll every"), self.poll_interval)
        self.budget = QDoubleSpinBox(self)
        self.budget.setObjectName("budget")
        self.budget.setRange(0, 1e9)
        self.budget.setDecimals(2)
        self.budget.setSpecialValueText(translate("RunPage", "no cap"))
        self.budget.setSuffix(translate("RunPage", " credits"))
        self.budget.setToolTip(
            translate(
                "RunPage",
                "Stop launching jobs before the run's costs (spent plus expected for the jobs "
                "out) would pass this; the rest are skipped and say why. Raise it and Run "
                "to go on.",
            )
        )
        form.addRow(translate("RunPage", "Credit budget"), self.budget)
        self.budget.editingFinished.connect(lambda: self.budget_changed.emit(self.budget_value()))
        self.download = QCheckBox(translate("RunPage", "Download results"), self)
        self.download.setObjectName("download")
        self.download.setChecked(True)
        self.download.setToolTip(
            translate(
                "RunPage",
                "Off: results stay on the back-end, the map shows statuses only, and the "
                "catalog in the results folder points at their URLs. Tick it and Run again "
                "to fetch them.",
            )
        )
        form.addRow(self.download)
        self.max_waiting = self._hours(
            "maxWaiting",
            translate(
                "RunPage",
                "Cancel a job still created or queued this long after its start (a lost "
                "start); its tile fails with the reason, and Retry failed takes it",
            ),
        )
        form.addRow(translate("RunPage", "Max. waiting"), self.max_waiting)
        self.max_running = self._hours(
            "maxRunning",
            translate(
                "RunPage",
                "Cancel a job running longer than this; its tile fails with the reason, "
                "and Retry failed or Split and retry take it",
            ),
        )
        form.addRow(translate("RunPage", "Max. running"), self.max_running)
        self.limits_hint = QLabel(self)
        self.limits_hint.setObjectName("limitsHint")
        self.limits_hint.setWordWrap(True)
        self.limits_hint.setVisible(False)
        form.addRow(self.limits_hint)
        #: the cap of the run last opened (None: none, or a new grid)
        self.run_budget: float | None = None

        self.runs = QComboBox(self)
        self.runs.setObjectName("projectRuns")
        self.runs.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.runs.setMinimumContentsLength(16)
        self.runs.setToolTip(
            translate("RunPage", "The runs of this project: open one to show and resume it")
        )
        self.open_run_button = QPushButton(translate("RunPage", "Open"), self)
        self.open_run_button.setObjectName("openRun")
        row = QHBoxLayout()
        row.addWidget(self.runs, 1)
        row.addWidget(self.open_run_button)
        form.addRow(translate("RunPage", "Runs in this project"), row)

        more = QHBoxLayout()
        self.open_button = QPushButton(translate("RunPage", "Open job database…"), self)
        self.open_button.setObjectName("openJobDb")
        self.open_button.setToolTip(
            translate("RunPage", "Show a job tracker (this plugin's or a notebook's) on the map")
        )
        self.results_button = QPushButton(translate("RunPage", "Load results"), self)
        self.results_button.setObjectName("loadResults")
        self.results_button.setToolTip(
            translate("RunPage", "Add each finished tile's downloaded result as a layer")
        )
        more.addWidget(self.open_button)
        more.addWidget(self.results_button)
        form.addRow(more)
        self.open_button.clicked.connect(self.open_requested)
        self.open_run_button.clicked.connect(self._open_run)
        self.results_button.clicked.connect(self.results_requested)

    def _open_run(self) -> None:
        job_db = self.runs.currentData()
        if job_db:
            self.open_run_requested.emit(job_db)

    def _hours(self, name: str, tip: str) -> QDoubleSpinBox:
        """A time limit in hours; 0 reads "no limit" (the default)."""
        box = QDoubleSpinBox(self)
        box.setObjectName(name)
        box.setRange(0, 24 * 30)
        box.setDecimals(1)
        box.setSuffix(" h")
        box.setSpecialValueText(translate("RunPage", "no limit"))
        box.setToolTip(tip)
        return box

    def suggest(self, suggested: Any) -> None:
        """Say, under the time limits, what the finished jobs' times suggest
        (core.run.time_limits.SuggestedLimits; None: too few finished yet)."""
        self.limits_hint.setText(suggested.text() if suggested is not None else "")
        self.limits_hint.setVisible(suggested is not None)

    def time_limits(self) -> dict[str, float]:
        """The run policy's time limits set here, in seconds (none: no limits)."""
        limits = {"max_waiting": self.max_waiting.value(), "max_running": self.max_running.value()}
        return {name: hours * 3600 for name, hours in limits.items() if hours > 0}

    def job_db_path(self) -> str:
        """Where the run is kept, as typed ("" when nothing is)."""
        return self.job_db.filePath().strip()

    def show_job_db(self, path: str) -> None:
        self.job_db.setFilePath(path)

    def poll_seconds(self) -> float:
        return self.poll_interval.value()

    def downloads(self) -> bool:
        """Whether the run downloads its results (off: they stay on the back-end)."""
        return self.download.isChecked()

    def show_downloads(self, download: bool) -> None:
        self.download.setChecked(download)

    def update_enabled(self, has_layer: bool) -> None:
        """Load results needs a grid; Open, a run in the list."""
        self.open_run_button.setEnabled(self.runs.count() > 0)
        self.results_button.setEnabled(has_layer)

    def budget_value(self) -> float | None:
        """The cap asked for. "No cap": None (nothing to keep), or ``math.inf`` when the
        run shown had a cap (lifts it: None would keep it on resume)."""
        if self.budget.value() == 0:
            return math.inf if self.run_budget is not None else None
        return self.budget.value()

    def show_budget(self, budget: float | None) -> None:
        """Show the cap of the run just opened (None: it has none)."""
        self.keep_budget(budget)
        self.budget.setValue(self.run_budget or 0)

    def keep_budget(self, budget: float | None) -> None:
        """The cap of the run shown is ``budget`` (None or ``math.inf``: none), the box
        unchanged: "no cap" then lifts it (see :meth:`budget_value`)."""
        self.run_budget = None if budget is None or math.isinf(budget) else budget

    def show_runs(self, runs: list[RunEntry]) -> None:
        """List ``runs`` (most recent first); their job databases are the items' data."""
        self.runs.clear()
        for entry in runs:
            self.runs.addItem(entry.label(), entry.job_db)
            self.runs.setItemData(self.runs.count() - 1, entry.job_db, Qt.ItemDataRole.ToolTipRole)
        self.open_run_button.setEnabled(bool(runs))
