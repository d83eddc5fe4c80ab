"""A run of units x time windows on the map: each unit's progress, the window selector,
each window's counts; and what a unit shows over its windows (core/jobs/unit_progress.py)."""

from __future__ import annotations

import pytest
from openeo_grid_jobs.core.jobs.database import JobDatabase
from openeo_grid_jobs.core.jobs.rows import TileUpdate
from openeo_grid_jobs.core.jobs.unit_progress import UnitProgress, split_row_id
from openeo_grid_jobs.ui.adapters.units_source import PROGRESS_FIELD
from openeo_grid_jobs.ui.widgets.windows_box import MODE_STEP, STEP_MONTH
from qgis.core import Qgis
from qgis.PyQt.QtCore import QDate

from tests.ui.widgets.test_units_box import units_of_the_dock

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


def run_two_fields(jobs_panel, local_backend, desktop, qtbot, tmp_path, months, failing=FEB):
    """Fields F-01 and F-02 run monthly over ``months`` from January 2024 through the
    dock; F-02's February job fails (``failing=""``: each of F-02's). Returns the unit
    layer."""
    from tests.ui.widgets.test_jobs_panel import run_and_wait

    local_backend.knobs(error_titles=[f"F-02@{failing}"])  # (unit, window) rows fail
    units = units_of_the_dock(
        jobs_panel, local_backend, desktop, qtbot, tmp_path / "jobs.csv", ["F-01", "F-02"]
    )
    form = jobs_panel.form
    form.start.setDate(QDate(2024, 1, 1))
    form.end.setDate(QDate(2024, 1 + months, 1))
    form.windows.mode.setCurrentIndex(form.windows.mode.findData(MODE_STEP))
    form.windows.step.setCurrentIndex(form.windows.step.findData(STEP_MONTH))
    rows, errors = 2 * months, 1 if failing else months
    assert run_and_wait(jobs_panel, qtbot) == {"finished": rows - errors, "error": errors}
    said = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Info)
    started = f"Run started: 2 units × {months} time windows ({rows} jobs) on Local"
    assert any(started in m for m in said)
    # the run's rows are (unit, window) jobs: counted as jobs, not tiles
    warned = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Warning)
    complete = f"Run complete: {rows - errors} of {rows} jobs finished, {errors} failed"
    assert any(complete in m for m in warned), warned
    assert len(JobDatabase(tmp_path / "jobs.csv").read()) == rows
    return units


def test_a_units_failed_rows_and_its_split_rows_forgotten():
    units = UnitProgress()
    statuses = {f"U@{JAN}": "error", f"U@{FEB}": "finished", f"U@{MAR}": "canceled"}
    units.add([row(r, s) for r, s in statuses.items()] + [row(f"V@{JAN}", "error")])
    assert units.failed_rows(["U"]) == [f"U@{JAN}", f"U@{MAR}"]
    assert units.failed_rows(["U"], FEB) == []
    assert units.failed_rows(["U", "V"], JAN) == [f"U@{JAN}", f"V@{JAN}"]
    # January split into pieces: U shows its other windows
    assert units.forget([f"U@{JAN}", "31N_1_2"]) == {"U"}
    assert (units.shown("U").status, units.progress("U")) == ("canceled", "1/2")
    assert units.forget([f"U@{FEB}", f"U@{MAR}"]) == {"U"}
    assert "U" not in units.rows
    assert units.windows() == [JAN]


@pytest.fixture
def windowed_run(jobs_panel, local_backend, desktop, qtbot, tmp_path):
    """Fields F-01 and F-02 run monthly from January to March 2024 through the dock; F-02's
    February job fails. Returns the unit layer."""
    return run_two_fields(jobs_panel, local_backend, desktop, qtbot, tmp_path, 3)


def test_two_units_by_three_windows_on_the_map(windowed_run, jobs_panel, qtbot):
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
    counting = units.countSymbolFeatures()  # None: a count is already under way
    if counting is not None:
        counting.waitForFinished()
    keys = {i.label(): i.ruleKey() for i in units.renderer().legendSymbolItems()}
    qtbot.waitUntil(lambda: units.featureCount(keys["error"]) == 1, timeout=5000)


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

    from openeo_grid_jobs.ui.adapters.results_series import WINDOW_PROPERTY, series_of, window_range
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
    from openeo_grid_jobs.ui.adapters.project_runs import snapshot_path
    from openeo_grid_jobs.ui.adapters.results_series import series_of
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

    from openeo_grid_jobs.ui.adapters.results_series import WINDOW_PROPERTY, series_of, window_range
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


def test_window_mosaics_fill_in_during_the_run(
    temporal_controller, jobs_panel, local_backend, desktop, qtbot, tmp_path
):
    """ "Scrubs the Temporal Controller through the NDVI months as they fill in": three
    fields × three months, three jobs at once, each job 3 s (longer than the engine's
    pause between two mosaic rewrites), so January's three rows finish before March's
    start. January's mosaic is on the map, and is the Temporal Controller's first frame,
    while the run still goes on; at the end each month has its mosaic of the three
    fields and a frame of its own; one back-end job per (unit, window) row. The dock
    counts the run's rows as jobs (nine), not as tiles."""
    import datetime as dt

    from helpers.runs import assert_one_job_per_tile
    from openeo_grid_jobs.ui.adapters.results_series import WINDOW_PROPERTY, series_of, window_range
    from openeo_grid_jobs.ui.widgets.close_prompt import left_text
    from qgis.core import QgsProject
    from qgis.PyQt.QtCore import Qt

    from tests.ui.adapters.test_results import tiles_in
    from tests.ui.widgets.test_jobs_panel import RUN_TIMEOUT_MS

    local_backend.knobs(job_duration=3)
    job_db = tmp_path / "jobs.csv"
    ids = ["F-01", "F-02", "F-03"]
    units = units_of_the_dock(jobs_panel, local_backend, desktop, qtbot, job_db, ids)
    form = jobs_panel.form
    form.start.setDate(QDate(2024, 1, 1))
    form.end.setDate(QDate(2024, 4, 1))
    form.windows.mode.setCurrentIndex(form.windows.mode.findData(MODE_STEP))
    form.windows.step.setCurrentIndex(form.windows.step.findData(STEP_MONTH))
    project = QgsProject.instance()
    controller = temporal_controller

    def shown():
        """The windows whose mosaic is on the map, by window."""
        return {m.customProperty(WINDOW_PROPERTY): m for m in series_of(project, units)}

    def in_frame(number):
        frame = controller.dateTimeRangeForFrameNumber(number)
        return [
            w for w, m in shown().items() if m.temporalProperties().isVisibleInTemporalRange(frame)
        ]

    with qtbot.waitSignal(jobs_panel.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(jobs_panel.buttons.run, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(shown()), timeout=60_000)
        # mid-run: the months finished so far, January first, each a frame to scrub to
        assert jobs_panel.is_running(), "a window's mosaic should appear before the run ends"
        so_far = sorted(shown())
        assert so_far in ([JAN], [JAN, FEB]), so_far
        assert controller.totalFrameCount() == len(so_far)
        controller.setCurrentFrameNumber(0)
        assert controller.dateTimeRangeForFrameNumber(0) == window_range(
            dt.date(2024, 1, 1), dt.date(2024, 2, 1)
        )
        assert in_frame(0) == [JAN]
        # counted as (unit, window) jobs: nine, not three units or "tiles"
        status = jobs_panel.status
        assert status.progress.text().endswith(" / 9 jobs done"), status.progress.text()
        assert " of 9 jobs left" in left_text(jobs_panel)  # what closing QGIS would ask
    assert blocker.args[0] == {"finished": 9}
    qtbot.waitUntil(lambda: not jobs_panel.is_running(), timeout=5000)
    said = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Success)
    assert any("Run complete: 9 of 9 jobs finished." in m for m in said), said
    assert status.progress.text() == "9 / 9 jobs done"
    assert status.summary_label.text().startswith("9 jobs: 9 finished · ")
    assert status.tracking_label.text().endswith("every job is final.")

    # the end: every month's mosaic, over its three fields, a frame each
    def complete():
        series = shown()
        return sorted(series) == [JAN, FEB, MAR] and all(tiles_in(m) == 3 for m in series.values())

    qtbot.waitUntil(complete, timeout=5000)
    months = [(dt.date(2024, m, 1), dt.date(2024, m + 1, 1)) for m in (1, 2, 3)]
    assert controller.totalFrameCount() == 3
    assert [controller.dateTimeRangeForFrameNumber(n) for n in range(3)] == [
        window_range(*m) for m in months
    ]
    assert [in_frame(n) for n in range(3)] == [[JAN], [FEB], [MAR]]
    frame = JobDatabase(job_db).read()
    assert len(frame) == 9
    assert set(frame["status"]) == {"finished"}
    assert_one_job_per_tile([local_backend], frame)
    tag = f"[{frame['run_tag'].iloc[0]}"
    assert len([j for j in local_backend.all_jobs() if tag in (j["title"] or "")]) == 9


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


def test_split_and_retry_splits_one_unit_window_row(
    jobs_panel, local_backend, desktop, qtbot, tmp_path
):
    """2 fields x 2 months, F-02's February failed: *Split and retry* of F-02 from the
    Problems tab replaces that one row by F-02's pieces (units of their own, February
    only, a job each); F-02's January row keeps its job; the map shows the pieces with
    their own progress; a resume submits nothing: one job per row."""
    import shapely
    from helpers.runs import assert_one_job_per_tile
    from openeo_grid_jobs.core.engine.config import RunConfig
    from qgis.core import QgsProject
    from qgis.PyQt.QtCore import Qt

    from tests.ui.widgets.test_jobs_panel import RUN_TIMEOUT_MS, run_and_wait

    units = run_two_fields(jobs_panel, local_backend, desktop, qtbot, tmp_path, 2)
    job_db = tmp_path / "jobs.csv"
    before = JobDatabase(job_db).read().set_index("tile_id")
    january = before.at[f"F-02@{JAN}", "id"]
    jobs = len(local_backend.all_jobs())
    f02 = next(f.geometry() for f in units.getFeatures() if f["tile_id"] == "F-02")
    local_backend.knobs(error_titles=[])  # smaller pieces fit (the out-of-memory cure)

    page = jobs_panel.problems_page
    reason = page.tree.topLevelItem(0)
    assert [reason.child(i).text(0) for i in range(reason.childCount())] == ["F-02 (error)"]
    reason.child(0).setSelected(True)
    assert page.split_button.isEnabled()
    with qtbot.waitSignal(jobs_panel.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(page.split_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not jobs_panel.is_running(), timeout=5000)

    (record,) = RunConfig.load(job_db).splits
    assert record["tile_id"] == f"F-02@{FEB}"
    pieces = record["into"]
    assert pieces == [f"F-02_q{k}@{FEB}" for k in range(len(pieces))]
    assert blocker.args[0] == {"finished": 3 + len(pieces)}
    after = JobDatabase(job_db).read()
    assert sorted(after["tile_id"]) == sorted(
        [f"F-01@{JAN}", f"F-01@{FEB}", f"F-02@{JAN}", *pieces]
    )
    rows = after.set_index("tile_id")
    assert set(rows.loc[pieces, "window"]) == {FEB}
    assert rows.at[f"F-02@{JAN}", "id"] == january  # the other window untouched
    assert set(rows["status"]) == {"finished"}
    assert len(local_backend.all_jobs()) == jobs + len(pieces)  # a job per piece, no more
    assert_one_job_per_tile([local_backend], after)

    # the map: F-02 (its January) and its pieces, each a unit with its own progress
    shown = {f["tile_id"]: f for f in units.getFeatures()}
    piece_units = [p.split("@")[0] for p in pieces]
    assert sorted(shown) == sorted(["F-01", "F-02", *piece_units])
    assert {k: (f["status"], f[PROGRESS_FIELD]) for k, f in shown.items()} == {
        "F-01": ("finished", "2/2"),
        "F-02": ("finished", "1/1"),
        **{u: ("finished", "1/1") for u in piece_units},
    }
    assert units.labeling().settings().fieldName == PROGRESS_FIELD  # "k/n" as labels
    union = shapely.union_all([shapely.from_wkt(shown[u].geometry().asWkt()) for u in piece_units])
    assert union.symmetric_difference(shapely.from_wkt(f02.asWkt())).area < 1e-6
    assert page.tree.topLevelItemCount() == 0  # no problems left

    # resumed (Run): the table is the same run, every row keeps its one job
    assert run_and_wait(jobs_panel, qtbot) == {"finished": 3 + len(pieces)}
    resumed = JobDatabase(job_db).read()
    assert list(resumed["tile_id"]) == list(after["tile_id"])
    assert list(resumed["id"]) == list(after["id"])
    assert len(local_backend.all_jobs()) == jobs + len(pieces)
    assert_one_job_per_tile([local_backend], resumed)

    # reopened from its job database: the same units, pieces included
    QgsProject.instance().removeAllMapLayers()
    with qtbot.waitSignal(jobs_panel.job_db_opened, timeout=20_000):
        jobs_panel.open_job_db(str(job_db))
    reopened = {f["tile_id"]: f[PROGRESS_FIELD] for f in jobs_panel.layer.getFeatures()}
    assert reopened == {"F-01": "2/2", "F-02": "1/1", **{u: "1/1" for u in piece_units}}


def test_split_and_retry_splits_the_failed_row_of_the_window_shown(
    jobs_panel, local_backend, desktop, qtbot, tmp_path
):
    """F-02 failed in January and in February; with February on the map, *Split and
    retry* of F-02 splits February's row alone: January's stays failed, with its job."""
    from openeo_grid_jobs.core.engine.config import RunConfig
    from qgis.PyQt.QtCore import Qt

    from tests.ui.widgets.test_jobs_panel import RUN_TIMEOUT_MS

    run_two_fields(jobs_panel, local_backend, desktop, qtbot, tmp_path, 2, failing="")
    job_db = tmp_path / "jobs.csv"
    january = JobDatabase(job_db).read().set_index("tile_id").at[f"F-02@{JAN}", "id"]
    view = jobs_panel.window_view
    view.selector.setCurrentIndex(view.selector.findData(FEB))
    page = jobs_panel.problems_page
    page.tree.topLevelItem(0).child(0).setSelected(True)
    with qtbot.waitSignal(jobs_panel.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(page.split_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not jobs_panel.is_running(), timeout=5000)
    (record,) = RunConfig.load(job_db).splits
    assert record["tile_id"] == f"F-02@{FEB}"
    assert blocker.args[0] == {"finished": 2 + len(record["into"]), "error": 1}
    rows = JobDatabase(job_db).read().set_index("tile_id")
    assert (rows.at[f"F-02@{JAN}", "status"], rows.at[f"F-02@{JAN}", "id"]) == ("error", january)
