"""Time windows on the Job tab: one date range, a step over the dates, a list; kept in the
settings and in the run's saved template; a bad one named in the message bar."""

from __future__ import annotations

import pytest
from openeo_grid_jobs.ui.widgets.template_form import TemplateForm
from openeo_grid_jobs.ui.widgets.windows_box import (
    MODE_LIST,
    MODE_ONE,
    MODE_STEP,
    STEP_DAYS,
    STEP_SEASON,
)
from qgis.core import Qgis
from qgis.PyQt.QtCore import QDate, Qt


@pytest.fixture
def form(qgis_new_project, qtbot):
    form = TemplateForm()
    qtbot.addWidget(form)
    form.start.setDate(QDate(2024, 1, 1))
    form.end.setDate(QDate(2024, 4, 1))
    return form


def choose(combo, key):
    combo.setCurrentIndex(combo.findData(key))


def test_one_date_range_has_no_windows(form):
    choose(form.windows.mode, MODE_ONE)
    template = form.template()
    assert template.windows == []
    assert (template.start, template.end) == ("2024-01-01", "2024-04-01")


@pytest.mark.parametrize(
    ("step", "days", "spec", "count"),
    [
        ("P1M", 0, "2024-01-01/2024-04-01/P1M", 3),
        ("P3M", 0, "2024-01-01/2024-04-01/P3M", 1),
        (STEP_DAYS, 30, "2024-01-01/2024-04-01/P30D", 4),
    ],
)
def test_a_step_over_the_dates(form, step, days, spec, count):
    choose(form.windows.mode, MODE_STEP)
    choose(form.windows.step, step)
    if days:
        form.windows.days.setValue(days)
    template = form.template()
    assert template.windows == [spec]
    assert len(template.time_windows()) == count


def test_a_season_step_gives_meteorological_seasons_clipped_to_the_dates(form, qtbot):
    """Season over 2024: DJF cut at 1 January, MAM, JJA, SON, and December's DJF; the
    step is kept in the settings and shown again from a saved run."""
    from openeo_grid_jobs.ui.adapters.settings import save_form

    form.end.setDate(QDate(2025, 1, 1))
    choose(form.windows.mode, MODE_STEP)
    choose(form.windows.step, STEP_SEASON)
    assert form.windows.step.currentText().startswith("Season")
    assert not form.windows.step.isHidden()
    assert form.windows.days.isHidden()  # no number of days to give
    template = form.template()
    assert template.windows == ["2024-01-01/2025-01-01/season"]
    assert [w.dates() for w in template.time_windows()] == [
        ("2024-01-01", "2024-03-01"),
        ("2024-03-01", "2024-06-01"),
        ("2024-06-01", "2024-09-01"),
        ("2024-09-01", "2024-12-01"),
        ("2024-12-01", "2025-01-01"),
    ]
    assert (template.start, template.end) == ("2024-01-01", "2025-01-01")
    save_form(form.values())
    again = TemplateForm()
    qtbot.addWidget(again)
    assert again.windows.step.currentData() == STEP_SEASON
    choose(again.windows.mode, MODE_ONE)
    choose(again.windows.step, "P1M")
    again.show_template(template)
    assert again.windows.mode.currentData() == MODE_STEP
    assert again.windows.step.currentData() == STEP_SEASON
    assert again.template().windows == ["2024-01-01/2025-01-01/season"]


def test_a_list_of_ranges_sets_the_runs_period(form):
    choose(form.windows.mode, MODE_LIST)
    form.windows.ranges.setText("2024-06-01/2024-09-01; 2024-03-01/2024-06-01")
    template = form.template()
    assert template.windows == ["2024-06-01/2024-09-01", "2024-03-01/2024-06-01"]
    assert (template.start, template.end) == ("2024-03-01", "2024-09-01")


def test_windows_and_extent_are_remembered_and_shown_from_a_saved_run(form, qtbot):
    from openeo_grid_jobs.ui.adapters.settings import save_form

    choose(form.windows.mode, MODE_STEP)
    choose(form.windows.step, STEP_DAYS)
    form.windows.days.setValue(12)
    form.extent.setCurrentIndex(form.extent.findData("geojson"))
    save_form(form.values())
    again = TemplateForm()
    qtbot.addWidget(again)
    assert again.windows.mode.currentData() == MODE_STEP
    assert again.extent.currentData() == "geojson"
    assert again.windows.days.value() == 12
    assert again.windows.step.currentData() == STEP_DAYS
    saved = form.template()
    choose(again.windows.mode, MODE_ONE)
    choose(again.extent, "bbox")
    again.show_template(saved)
    assert again.template().extent == "geojson"
    assert again.template().windows == ["2024-01-01/2024-04-01/P12D"]
    saved.windows = ["2024-03-01/2024-06-01", "2024-07-01/2024-08-01"]
    again.show_template(saved)
    assert again.windows.mode.currentData() == MODE_LIST
    assert again.template().windows == saved.windows


def test_a_bad_window_is_named_in_the_message_bar(jobs_panel, local_backend, desktop, qtbot):
    from helpers.connections import add_connection

    add_connection(local_backend.url, "Local")
    jobs_panel.backends.reload()
    choose(jobs_panel.form.windows.mode, MODE_LIST)
    jobs_panel.form.windows.ranges.setText("2024-03-01/2024-06-01; 2024-05-32/2024-07-01")
    with qtbot.assertNotEmitted(jobs_panel.run_finished, wait=100):
        qtbot.mouseClick(jobs_panel.buttons.run, Qt.MouseButton.LeftButton)
    warnings = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Warning)
    assert any("'2024-05-32' in time window 2024-05-32/2024-07-01" in w for w in warnings), warnings
