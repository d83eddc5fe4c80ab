"""A run of units x time windows on the map: each unit's progress, the window selector,
each window's counts; and what a unit shows over its windows (core/unit_progress.py)."""

from __future__ import annotations

import pytest
from openeo_grid_jobs.core.job_db import JobDatabase
from openeo_grid_jobs.core.job_rows import TileUpdate
from openeo_grid_jobs.core.unit_progress import UnitProgress, split_row_id
from openeo_grid_jobs.ui.units_source import PROGRESS_FIELD
from openeo_grid_jobs.ui.windows_box import MODE_STEP, STEP_MONTH
from qgis.core import Qgis
from qgis.PyQt.QtCore import QDate
from test_units_ui import units_of_the_dock

JAN, FEB, MAR = "2024-01-01_2024-02-01", "2024-02-01_2024-03-01", "2024-03-01_2024-04-01"


def row(tile_id, status):
    return TileUpdate(0, tile_id, status, None, None, None, None, None, None, None)


def test_split_row_id():
    assert split_row_id(f"F@1@{JAN}") == ("F@1", JAN)
    assert split_row_id("31N_1_2") is None
    assert split_row_id("a@b") is None


@pytest.mark.parametrize(
    ("statuses", "shown", "progress"),
    [
        (["finished", "running", "error"], "error", "1/3"),
        (["finished", "queued", "running"], "running", "1/3"),
        (["finished", "not_started", "finished"], "not_started", "2/3"),
        (["finished", "finished", "finished"], "finished", "3/3"),
    ],
)
def test_a_unit_shows_what_needs_the_user_most(statuses, shown, progress):
    units = UnitProgress()
    units.add(row(f"U@{w}", s) for w, s in zip((JAN, FEB, MAR), statuses))
    assert units.shown("U").status == shown
    assert units.shown("U").tile_id == "U"
    assert units.shown("U", FEB).status == statuses[1]
    assert units.progress("U") == progress


@pytest.fixture
def windowed_run(jobs_panel, local_backend, desktop, qtbot, tmp_path):
    """Fields F-01 and F-02 run monthly from January to March 2024 through the dock; F-02's
    February job fails. Returns the unit layer."""
    from test_jobs_ui import run_and_wait

    local_backend.knobs(error_titles=[f"F-02@{FEB}"])  # one (unit, window) fails
    units = units_of_the_dock(
        jobs_panel, local_backend, desktop, qtbot, tmp_path / "jobs.csv", ["F-01", "F-02"]
    )
    form = jobs_panel.form
    form.start.setDate(QDate(2024, 1, 1))
    form.end.setDate(QDate(2024, 4, 1))
    form.windows.mode.setCurrentIndex(form.windows.mode.findData(MODE_STEP))
    form.windows.step.setCurrentIndex(form.windows.step.findData(STEP_MONTH))
    assert run_and_wait(jobs_panel, qtbot) == {"finished": 5, "error": 1}
    said = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Info)
    assert any("Run started: 2 units × 3 time windows (6 jobs) on Local" in m for m in said)
    saved = JobDatabase(tmp_path / "jobs.csv").read()
    assert len(saved) == 6

    return units


def test_two_units_by_three_windows_on_the_map(windowed_run, jobs_panel):
    units = windowed_run

    def shown():
        return {f["tile_id"]: (f["status"], f[PROGRESS_FIELD]) for f in units.getFeatures()}

    # all windows: error beats finished; how many windows are finished, as labels
    assert shown() == {"F-01": ("finished", "3/3"), "F-02": ("error", "2/3")}
    assert units.labelsEnabled()
    assert units.labeling().settings().fieldName == PROGRESS_FIELD
    view = jobs_panel.window_view
    assert not view.isHidden()
    assert [view.selector.itemData(i) for i in range(view.selector.count())] == [
        "",
        JAN,
        FEB,
        MAR,
    ]
    assert f"{FEB}: error 1, finished 1" in view.counts.text()
    assert f"{JAN}: finished 2" in view.counts.text()
    # one window: that window's statuses
    view.selector.setCurrentIndex(view.selector.findData(FEB))
    assert {k: v[0] for k, v in shown().items()} == {"F-01": "finished", "F-02": "error"}
    view.selector.setCurrentIndex(view.selector.findData(MAR))
    assert {k: v[0] for k, v in shown().items()} == {"F-01": "finished", "F-02": "finished"}
    assert shown()["F-02"][1] == "2/3"  # progress stays the unit's over all windows
    view.selector.setCurrentIndex(0)
    assert shown()["F-02"][0] == "error"
    # the legend counts follow the window shown
    units.countSymbolFeatures().waitForFinished()
    keys = {i.label(): i.ruleKey() for i in units.renderer().legendSymbolItems()}
    assert units.featureCount(keys["error"]) == 1


def render(layers, extent, window=None):
    """``layers`` drawn over ``extent`` (at ``window``'s time range, as the Temporal
    Controller asks, when given)."""
    from qgis.core import QgsMapRendererSequentialJob, QgsMapSettings
    from qgis.PyQt.QtCore import QSize

    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(layers[0].crs())
    settings.setExtent(extent)
    settings.setOutputSize(QSize(120, 120))
    if window is not None:
        settings.setIsTemporal(True)
        settings.setTemporalRange(window)
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    return job.renderedImage()


def test_window_mosaics_play_in_the_temporal_controller(windowed_run):
    import datetime as dt

    from openeo_grid_jobs.ui.results_series import WINDOW_PROPERTY, series_of, window_range
    from qgis.core import QgsProject

    project = QgsProject.instance()
    series = {m.customProperty(WINDOW_PROPERTY): m for m in series_of(project, windowed_run)}
    assert sorted(series) == [JAN, FEB, MAR]
    group = project.layerTreeRoot().findGroup(f"{windowed_run.name()} — NDVI by window")
    assert [n.layer().customProperty(WINDOW_PROPERTY) for n in group.findLayers()] == [
        MAR,
        FEB,
        JAN,
    ]
    february = window_range(dt.date(2024, 2, 1), dt.date(2024, 3, 1))
    visible = [
        w for w, m in series.items() if m.temporalProperties().isVisibleInTemporalRange(february)
    ]
    assert visible == [FEB]
    assert project.timeSettings().temporalRange() == window_range(
        dt.date(2024, 1, 1), dt.date(2024, 4, 1)
    )
    # drawn at February's time, the series is February's mosaic alone (F-02 failed then)
    extent = windowed_run.extent()
    layers = [series[MAR], series[FEB], series[JAN]]
    at_february = render(layers, extent, february)
    assert at_february == render([series[FEB]], extent)
    assert at_february != render([series[JAN]], extent)
    assert render(layers, extent) == render([series[MAR]], extent)  # no time: the top one


def test_a_windowed_run_reopens_as_its_units(windowed_run, jobs_panel, qtbot, tmp_path):
    from openeo_grid_jobs.ui.project_runs import snapshot_path
    from openeo_grid_jobs.ui.results_series import series_of
    from qgis.core import QgsProject

    project = QgsProject.instance()
    project.removeAllMapLayers()
    job_db = tmp_path / "jobs.csv"
    assert not snapshot_path(job_db).exists()  # the layer is made from the job table
    with qtbot.waitSignal(jobs_panel.job_db_opened, timeout=20_000):
        jobs_panel.open_job_db(str(job_db))
    units = jobs_panel.layer
    shown = {f["tile_id"]: (f["status"], f[PROGRESS_FIELD]) for f in units.getFeatures()}
    assert shown == {"F-01": ("finished", "3/3"), "F-02": ("error", "2/3")}
    assert jobs_panel.window_view.selector.count() == 4
    assert len(series_of(project, units)) == 3


@pytest.fixture
def temporal_controller(desktop):
    """The map canvas's Temporal Controller, as QGIS's desktop gives it its panel's."""
    from qgis.core import QgsTemporalNavigationObject

    controller = QgsTemporalNavigationObject()
    canvas = desktop.iface.mapCanvas()
    canvas.setTemporalController(controller)
    yield controller
    canvas.setTemporalController(None)


def test_the_temporal_controller_steps_window_by_window(temporal_controller, windowed_run):
    """As the windows' mosaics come, the Temporal Controller's frames become the windows:
    three frames for three months, play (next) goes from one month's mosaic to the next."""
    import datetime as dt

    from openeo_grid_jobs.ui.results_series import WINDOW_PROPERTY, series_of, window_range
    from qgis.core import QgsProject, QgsUnitTypes

    project = QgsProject.instance()
    series = series_of(project, windowed_run)
    months = [(dt.date(2024, m, 1), dt.date(2024, m + 1, 1)) for m in (1, 2, 3)]
    controller = temporal_controller
    assert controller.totalFrameCount() == 3
    frames = [controller.dateTimeRangeForFrameNumber(n) for n in range(3)]
    assert frames == [window_range(*m) for m in months]
    assert controller.temporalExtents() == window_range(months[0][0], months[-1][1])
    assert project.timeSettings().timeStepUnit() in (
        getattr(getattr(Qgis, "TemporalUnit", None), "IrregularStep", None),
        getattr(QgsUnitTypes.TemporalUnit, "TemporalIrregularStep", None),
    )
    controller.setCurrentFrameNumber(0)
    shown = []
    for _ in range(3):
        frame = controller.dateTimeRangeForFrameNumber(controller.currentFrameNumber())
        shown.append(
            [
                m.customProperty(WINDOW_PROPERTY)
                for m in series
                if m.temporalProperties().isVisibleInTemporalRange(frame)
            ]
        )
        controller.next()
    assert shown == [[JAN], [FEB], [MAR]]


def test_load_results_loads_every_windows_files(windowed_run, jobs_panel, desktop):
    """Each unit's polygon shows one window, but *Load results* adds every finished
    (unit, window) row's file, a group per window; twice adds nothing more."""
    from pathlib import Path

    from qgis.core import QgsProject

    layers = jobs_panel.load_results()
    assert len(layers) == 5  # 2 fields x 3 months, F-02's February failed
    root = QgsProject.instance().layerTreeRoot()
    group = root.findGroup(f"{windowed_run.name()} — tiles")
    assert [g.name() for g in group.children()] == [JAN, FEB, MAR]
    assert {g.name(): [n.layer().name() for n in g.findLayers()] for g in group.children()} == {
        JAN: ["F-01", "F-02"],
        FEB: ["F-01"],
        MAR: ["F-01", "F-02"],
    }
    sources = {Path(n.layer().source()) for n in group.findLayers()}
    assert len(sources) == 5
    assert all(p.is_file() for p in sources)
    assert jobs_panel.load_results() == []
    said = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Info)
    assert any("All 5 tile results are already on the map." in m for m in said)


def test_split_and_retry_of_a_windowed_unit_is_refused_saying_why(
    windowed_run, jobs_panel, local_backend, desktop, qtbot, tmp_path
):
    """The Problems tab lists units, but a windowed run's rows are (unit, window): its
    *Split and retry* is refused with a message naming the unit and what to do instead;
    nothing is submitted and the job table stays as it was."""
    from qgis.PyQt.QtCore import Qt

    qtbot.waitUntil(lambda: not jobs_panel.is_running(), timeout=5000)
    before = JobDatabase(tmp_path / "jobs.csv").read()
    jobs = len(local_backend.all_jobs())
    page = jobs_panel.problems_page
    reason = page.tree.topLevelItem(0)
    assert [reason.child(i).text(0) for i in range(reason.childCount())] == ["F-02 (error)"]
    reason.child(0).setSelected(True)
    desktop.iface.messageBar().clear_messages()
    qtbot.mouseClick(page.split_button, Qt.MouseButton.LeftButton)
    assert not jobs_panel.is_running()
    warnings = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Warning)
    assert any(
        "does not split the units of a run with time windows (F-02:" in w
        and "use Retry failed" in w
        for w in warnings
    ), warnings
    after = JobDatabase(tmp_path / "jobs.csv").read()
    assert list(after["tile_id"]) == list(before["tile_id"])
    assert list(after["status"]) == list(before["status"])
    assert len(local_backend.all_jobs()) == jobs
