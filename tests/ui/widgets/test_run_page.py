"""The Run page says what the user asks for as signals, which the panel hands to the
run's controllers (they never reach the page's widgets); real clicks and key presses."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from qgis.PyQt.QtCore import Qt


@pytest.fixture
def page(qtbot):
    from openeo_grid_jobs.ui.widgets.run_page import RunPage

    page = RunPage()
    qtbot.addWidget(page)
    return page


def edit_budget(page, qtbot, value: float) -> list:
    """Type ``value`` as the budget and press Enter, as a user does; what the page said."""
    page.budget.setValue(value)
    with qtbot.waitSignal(page.budget_changed, timeout=1000) as blocker:
        qtbot.keyClick(page.budget, Qt.Key.Key_Return)
    return blocker.args


def test_an_edited_budget_is_said_as_the_run_takes_it(page, qtbot):
    assert edit_budget(page, qtbot, 20) == [20.0]
    assert edit_budget(page, qtbot, 0) == [None]  # no cap, and none to lift
    page.show_budget(50)  # a run with a cap is shown: "no cap" now lifts it
    assert edit_budget(page, qtbot, 0) == [math.inf]


def test_open_and_load_results_are_asked_for(page, qtbot):
    page.update_enabled(has_layer=True)
    with qtbot.waitSignal(page.open_requested, timeout=1000):
        qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(page.results_requested, timeout=1000):
        qtbot.mouseClick(page.results_button, Qt.MouseButton.LeftButton)


def test_open_beside_the_projects_runs_opens_the_chosen_one(jobs_panel, qtbot, tmp_path):
    from openeo_grid_jobs.ui.adapters.project_runs import RunEntry, remember_run
    from qgis.core import QgsProject

    from tests.core.jobs.test_database import SEED_TRACKER

    chosen, other = tmp_path / "chosen.csv", tmp_path / "other.csv"
    for path in (chosen, other):
        path.write_text(SEED_TRACKER)
        remember_run(QgsProject.instance(), RunEntry(str(path), path.stem, 2))
    jobs_panel.show_runs()
    page = jobs_panel.run_page
    assert page.open_run_button.isEnabled()
    page.runs.setCurrentIndex(page.runs.findText("chosen", Qt.MatchFlag.MatchContains))
    with (
        qtbot.waitSignal(jobs_panel.job_db_opened, timeout=20_000),
        qtbot.waitSignal(page.open_run_requested, timeout=1000) as asked,
    ):
        qtbot.mouseClick(page.open_run_button, Qt.MouseButton.LeftButton)
    assert asked.args == [str(chosen.resolve())]
    assert Path(jobs_panel.job_db_path()) == chosen.resolve()
