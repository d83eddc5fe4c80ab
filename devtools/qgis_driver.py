"""Runs *inside* the QGIS desktop (``qgis --code``): sets up the demo and drives it.

Always: zoom the map to Antwerp (the seed notebook's area) unless the project
already has a saved view. With ``OGJ_SCREENSHOT`` set it also acts as a user
would: clicks the plugin's toolbar button, checks the dock, checks the geo
stack inside QGIS's own Python (shapely/pyogrio built against the GEOS/GDAL
QGIS loaded), clicks "Create grid", waits, saves a screenshot and quits.
Everything it saw goes to ``<screenshot>.json`` for the tests to assert on.
"""

import json
import os
import tempfile
import time
import traceback
from pathlib import Path

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QObject, Qt, QTimer
from qgis.PyQt.QtTest import QTest
from qgis.PyQt.QtWidgets import QDockWidget, QToolBar
from qgis.utils import iface, plugins

ANTWERP_LONLAT = (4.2, 51.1, 4.6, 51.35)
SCREENSHOT = os.environ.get("OGJ_SCREENSHOT")
#: also run the jobs of the grid (needs the local back-end, its login stored by the launcher)
DEMO_RUN = os.environ.get("OGJ_DEMO_RUN") == "1"
FAULTS = os.environ.get("OGJ_FAULTS") == "1"  # a fault proxy is in front of the back-end
#: first of two sessions: stop the run half-way, save the project here, quit
SAVE_AS = os.environ.get("OGJ_SAVE_PROJECT")
#: second session: QGIS opened the saved project; resume its run to the end, export it
RESUME = os.environ.get("OGJ_RESUME") == "1"
#: first of two sessions: save the project half-way with the run going on, say so in the
#: report, and wait there (the test kills this QGIS with SIGKILL)
SAVE_LIVE = os.environ.get("OGJ_SAVE_LIVE")
#: second session: QGIS opened that project; the dock attaches to the live run by
#: itself, which is watched to its end
ATTACH = os.environ.get("OGJ_ATTACH") == "1"
#: run monthly windows over a few fields instead of the grid, then show the Temporal
#: Controller at the second window (the time series demo)
DEMO_SERIES = os.environ.get("OGJ_DEMO_SERIES") == "1"
AFTER_MS = int(float(os.environ.get("OGJ_SCREENSHOT_AFTER", "3")) * 1000)
REPORT: dict = {"errors": []}


def _record(step):
    def wrapped(*args):
        try:
            step(*args)
        except Exception:
            REPORT["errors"].append(traceback.format_exc())

    return wrapped


def zoom_to_antwerp():
    canvas = iface.mapCanvas()
    crs = canvas.mapSettings().destinationCrs()
    to_canvas = QgsCoordinateTransform(
        QgsCoordinateReferenceSystem("EPSG:4326"), crs, QgsProject.instance()
    )
    canvas.setExtent(to_canvas.transformBoundingBox(QgsRectangle(*ANTWERP_LONLAT)))
    canvas.refresh()


@_record
def click_plugin_button():
    plugin = plugins.get("openeo_grid_jobs")
    REPORT["plugin_loaded"] = plugin is not None
    action = plugin.action
    buttons = [
        tb.widgetForAction(action)
        for tb in iface.mainWindow().findChildren(QToolBar)
        if tb.widgetForAction(action) is not None
    ]
    REPORT["toolbar_buttons"] = len(buttons)
    REPORT["toolbar_button_visible"] = any(b.isVisible() for b in buttons)
    QTest.mouseClick(buttons[0], Qt.MouseButton.LeftButton)
    dock = iface.mainWindow().findChild(QDockWidget, "OpenEOGridJobsDock")
    REPORT["dock_visible"] = bool(dock and dock.isVisible())
    REPORT["web_menu_entries"] = [a.text() for a in iface.webMenu().actions()]


@_record
def check_geo_stack():
    import geopandas
    import pyogrio
    import shapely
    from osgeo import gdal

    boxes = shapely.box([595000, 600000], [5660000, 5660000], [600000, 605000], [5665000, 5665000])
    wkb = shapely.to_wkb(boxes)
    frame = geopandas.GeoDataFrame({"tile_id": [0, 1]}, geometry=boxes, crs="EPSG:32631")
    lonlat = frame.to_crs("EPSG:4326")
    path = Path(tempfile.mkdtemp()) / "boxes.gpkg"
    lonlat.to_file(path, engine="pyogrio")
    layer = QgsVectorLayer(str(path), "boxes", "ogr")
    REPORT["geo_stack"] = {
        "wkb_sizes": [len(b) for b in wkb],
        "lonlat_bounds": [round(v, 4) for v in lonlat.total_bounds],
        "qgis_reads_gpkg_features": layer.featureCount(),
        "shapely_geos": ".".join(map(str, shapely.geos_version)),
        "pyogrio_gdal": pyogrio.__gdal_version_string__,
        "qgis_gdal": gdal.__version__,
    }


@_record
def click_create_grid():
    """Click "Create grid"; the grid is built in a background task: on_grid_created."""
    dock = iface.mainWindow().findChild(QDockWidget, "OpenEOGridJobsDock")
    dock.grid_panel.grid_created.connect(on_grid_created)
    QTest.mouseClick(dock.grid_panel.create_button, Qt.MouseButton.LeftButton)


@_record
def on_grid_created(layer):
    REPORT["grid"] = {
        "features": layer.featureCount(),
        "crs": layer.crs().authid(),
        "renderer": layer.renderer().type(),
        "statuses": sorted({f["status"] for f in layer.getFeatures()}),
        "in_project": layer.id() in QgsProject.instance().mapLayers(),
        "messages": [item.text() for item in iface.messageBar().items()],
    }
    if DEMO_RUN:  # quits when the run ends (or after a safety timeout)
        QTimer.singleShot(600, click_run)


def colored_share(image) -> float:
    """Share of a 40×40 sample of ``image`` in strong colours: the NDVI mosaic under the
    finished tiles (the canvas's background, the grid's outlines and grey tiles are not)."""
    samples = [
        image.pixelColor(int(image.width() * (i + 0.5) / 40), int(image.height() * (j + 0.5) / 40))
        for i in range(40)
        for j in range(40)
    ]
    return sum(color.hsvSaturation() > 80 for color in samples) / len(samples)


def grab(path):
    QgsApplication.primaryScreen().grabWindow(0).save(str(path))


def jobs_panel():
    return iface.mainWindow().findChild(QDockWidget, "OpenEOGridJobsDock").jobs_panel


@_record
def click_run():
    panel = jobs_panel()
    panel.run_finished.connect(on_run_finished)
    QTest.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    REPORT["run"] = {
        "started": panel.is_running(),
        "backends": [c.name for c in panel.backends.enabled_connections()],
        # QGIS unlocked its auth database itself (QGIS_AUTH_PASSWORD_FILE): no prompt
        "master_password_set": QgsApplication.authManager().masterPasswordIsSet(),
    }
    QTimer.singleShot(200, watch_mid_run)
    if FAULTS:
        REPORT["run"]["notices"] = []
        iface.messageBar().widgetAdded.connect(on_message)


@_record
def on_message(item):
    """With faults: keep every notice, and a picture of the first outage notice."""
    current = iface.messageBar().currentItem()  # the signal hands over a plain QWidget
    text = current.text() if current is not None else ""
    REPORT["run"]["notices"].append(text)
    if "since" in text and "outage_screenshot" not in REPORT["run"]:
        path = Path(SCREENSHOT).with_name(Path(SCREENSHOT).stem + "-outage.png")
        REPORT["run"]["outage_screenshot"] = str(path)
        QTimer.singleShot(300, lambda: grab(path))


def layer_statuses():
    layer = iface.mainWindow().findChild(QDockWidget, "OpenEOGridJobsDock").grid_panel.grid_layer
    return sorted(f["status"] for f in layer.getFeatures())


@_record
def watch_mid_run():
    from openeo_grid_jobs.core.definitions import TileStatus

    statuses = layer_statuses()
    # the picture of a run half-way: the NDVI mosaic filling in under the grid
    half_way = statuses.count(TileStatus.FINISHED) >= (0.15 if SAVE_AS else 0.4) * len(statuses)
    if half_way and (TileStatus.RUNNING in statuses or TileStatus.QUEUED in statuses):
        iface.mapCanvas().refresh()
        QTimer.singleShot(300, lambda: _mid_run_shot(statuses))
        if SAVE_LIVE:
            QTimer.singleShot(600, save_live_and_wait)
    elif "run_counts" not in REPORT:
        QTimer.singleShot(100, watch_mid_run)


@_record
def _mid_run_shot(statuses):
    path = Path(SCREENSHOT).with_name(Path(SCREENSHOT).stem + "-running.png")
    grab(path)
    REPORT["run"]["mid_run_statuses"] = sorted(set(statuses))
    REPORT["run"]["mid_run_screenshot"] = str(path)
    if SAVE_AS:
        QTest.mouseClick(jobs_panel().buttons.stop, Qt.MouseButton.LeftButton)


def legend_counts(layer):
    """What the Layers panel shows per status ("finished [6]"), statuses with tiles."""
    view = iface.layerTreeView()
    node = QgsProject.instance().layerTreeRoot().findLayer(layer.id())
    counts = {}
    for legend_node in view.layerTreeModel().layerLegendNodes(node):
        label, _, count = legend_node.data(Qt.ItemDataRole.DisplayRole).rpartition(" [")
        count = count.rstrip("]")
        if count.isdigit() and int(count):
            counts[label.split(" — ")[0]] = int(count)
    return counts


def dock_report():
    """What the dock and the legend say about the run."""
    panel = jobs_panel()
    layer = panel.layer
    return {
        "provider": layer.providerType(),
        "name": layer.name(),
        "features": layer.featureCount(),
        "statuses": {str(f["tile_id"]): f["status"] for f in layer.getFeatures()},
        "job_db": panel.job_db_path(),
        "tracking": panel.status.tracking_label.text(),
        "counts_label": panel.status.counts_label.text(),
        "export_enabled": iface.mainWindow()
        .findChild(QDockWidget, "OpenEOGridJobsDock")
        .grid_panel.export_button.isEnabled(),
        "run_enabled": panel.buttons.run.isEnabled(),
        "legend": {str(c.value()): c.label() for c in layer.renderer().categories()},
        "legend_counts": legend_counts(layer),
        "project_runs": [
            panel.run_page.runs.itemText(i) for i in range(panel.run_page.runs.count())
        ],
    }


@_record
def save_project():
    REPORT["saved"] = dock_report()
    REPORT["saved"]["written"] = QgsProject.instance().write(SAVE_AS)


@_record
def save_live_and_wait():
    """First session: the project saved with the run going on; then the test kills us."""
    REPORT["saved"] = dock_report()
    REPORT["saved"]["written"] = QgsProject.instance().write(SAVE_LIVE)
    REPORT["saved"]["running"] = jobs_panel().is_running()
    REPORT["pid"] = os.getpid()
    Path(SCREENSHOT).with_suffix(".json").write_text(json.dumps(REPORT, indent=2))


@_record
def wait_for_live_run(tries=0, started=None):
    """Second session: the dock, opened on the project, attaches to the run by itself."""
    started = started or time.monotonic()
    panel = jobs_panel()
    if not (panel.is_running() and panel.status.tracking_label.text().startswith("Tracking")):
        if tries < 600:
            QTimer.singleShot(100, lambda: wait_for_live_run(tries + 1, started))
        return
    REPORT["attached"] = dock_report()
    REPORT["attached"]["seconds"] = time.monotonic() - started
    REPORT["run"] = {}
    panel.run_finished.connect(on_attached_run_finished)
    from openeo_grid_jobs.ui.adapters.canvas import zoom_to

    zoom_to(iface, panel.layer)  # the whole run in the picture
    iface.mapCanvas().refresh()
    QTimer.singleShot(1500, lambda: grab(Path(SCREENSHOT).with_name("reattached.png")))


@_record
def on_attached_run_finished(counts):
    REPORT["run_counts"] = counts
    REPORT["run"]["final_statuses"] = sorted(set(layer_statuses()))
    REPORT["run"]["tracking"] = jobs_panel().status.tracking_label.text()
    REPORT["run"]["job_db"] = jobs_panel().job_db_path()
    iface.mapCanvas().refresh()
    QTimer.singleShot(1500, screenshot_and_quit)


@_record
def wait_for_reopened_run(tries=0):
    """Second session: the dock finds the project's run by itself (within 30 s)."""
    panel = jobs_panel()
    if panel.layer is None or not panel.status.tracking_label.text():
        if tries < 300:
            QTimer.singleShot(100, lambda: wait_for_reopened_run(tries + 1))
        return
    REPORT["reopened"] = dock_report()
    dock = iface.mainWindow().findChild(QDockWidget, "OpenEOGridJobsDock")
    dock.tabs.setCurrentIndex(2)  # the Run tab: the project's runs
    iface.mapCanvas().refresh()
    QTimer.singleShot(800, lambda: grab(Path(SCREENSHOT).with_name("reopened.png")))
    QTimer.singleShot(1200, click_run)


@_record
def export_grid():
    dock = iface.mainWindow().findChild(QDockWidget, "OpenEOGridJobsDock")
    path = Path(SCREENSHOT).with_name("export") / "grid.shp"
    path.parent.mkdir(exist_ok=True)
    dock.grid_panel.export(str(path))
    exported = QgsVectorLayer(str(path), "exported", "ogr")
    REPORT["exported"] = {
        "path": str(path),
        "statuses": sorted({f["status"] for f in exported.getFeatures()}),
        "features": exported.featureCount(),
    }


@_record
def on_run_finished(counts):
    REPORT["run_counts"] = counts
    REPORT["run"]["final_statuses"] = sorted(set(layer_statuses()))
    REPORT["run"]["counts_label"] = jobs_panel().status.counts_label.text()
    REPORT["run"]["messages"] = [item.text() for item in iface.messageBar().items()]
    REPORT["run"]["tracking"] = jobs_panel().status.tracking_label.text()
    REPORT["run"]["job_db"] = jobs_panel().job_db_path()  # for the one-job-per-tile check
    if SAVE_AS:
        QTimer.singleShot(1500, save_project)  # after the legend's last count
    if RESUME:
        export_grid()
    iface.mapCanvas().refresh()
    QTimer.singleShot(2000 if SAVE_AS else 800, screenshot_and_quit)


#: four irregular fields near Antwerp (UTM 31N), their ids in field_id
SERIES_FIELDS = {
    "F-01": "POLYGON((595000 5660000, 597500 5660300, 596000 5662800, 595000 5660000))",
    "F-02": "POLYGON((600000 5660000, 602000 5660500, 602500 5662000, 601000 5663000,"
    " 599800 5661500, 600000 5660000))",
    "F-03": "POLYGON((605000 5660000, 608000 5660000, 608000 5661000, 606000 5661000,"
    " 606000 5664000, 605000 5664000, 605000 5660000))",
    "F-04": "POLYGON((600000 5665000, 604000 5665200, 604500 5667000, 600500 5666500,"
    " 600000 5665000))",
}
#: the series demo's period and its monthly windows
SERIES_START, SERIES_END = (2024, 1, 1), (2024, 4, 1)


@_record
def use_fields_as_units():
    """As a user: a field layer in the project, picked as units in the dock, monthly
    windows over three months on the Job tab; then Run."""
    from openeo_grid_jobs.ui.widgets.grid_panel import AREA_UNITS
    from openeo_grid_jobs.ui.widgets.windows_box import MODE_STEP, STEP_MONTH
    from qgis.core import QgsFeature, QgsGeometry
    from qgis.PyQt.QtCore import QDate

    fields = QgsVectorLayer("Polygon?crs=EPSG:32631&field=field_id:string", "fields", "memory")
    features = []
    for field_id, wkt in SERIES_FIELDS.items():
        feature = QgsFeature(fields.fields())
        feature.setAttributes([field_id])
        feature.setGeometry(QgsGeometry.fromWkt(wkt))
        features.append(feature)
    fields.dataProvider().addFeatures(features)
    fields.updateExtents()
    QgsProject.instance().addMapLayer(fields)
    dock = iface.mainWindow().findChild(QDockWidget, "OpenEOGridJobsDock")
    grid = dock.grid_panel
    grid.area_kind.setCurrentIndex(AREA_UNITS)
    grid.units.layer.setLayer(fields)
    grid.units.id_field.setField("field_id")
    QTest.mouseClick(grid.units.use_button, Qt.MouseButton.LeftButton)
    panel = jobs_panel()
    form = panel.form
    form.start.setDate(QDate(*SERIES_START))
    form.end.setDate(QDate(*SERIES_END))
    form.windows.mode.setCurrentIndex(form.windows.mode.findData(MODE_STEP))
    form.windows.step.setCurrentIndex(form.windows.step.findData(STEP_MONTH))
    REPORT["series"] = {
        "units": sorted(f["tile_id"] for f in panel.layer.getFeatures()),
        "windows": form.windows.specs(
            form.start.date().toString("yyyy-MM-dd"), form.end.date().toString("yyyy-MM-dd")
        ),
    }
    from openeo_grid_jobs.ui.adapters.canvas import zoom_to

    zoom_to(iface, panel.layer)
    panel.run_finished.connect(on_series_finished)
    QTest.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    REPORT["run"] = {"started": panel.is_running()}


@_record
def on_series_finished(counts):
    """The series is on the map: open the Temporal Controller, go to the second window."""
    from openeo_grid_jobs.ui.adapters.results_series import WINDOW_PROPERTY, series_of

    REPORT["run_counts"] = counts
    panel = jobs_panel()
    REPORT["run"]["progress"] = sorted({f["windows"] for f in panel.layer.getFeatures()})
    series = series_of(QgsProject.instance(), panel.layer)
    REPORT["series"]["mosaics"] = sorted(m.customProperty(WINDOW_PROPERTY) for m in series)
    action = iface.mainWindow().findChild(QObject, "mActionTemporalController")
    if action is not None and not action.isChecked():
        action.trigger()
    controller = iface.mapCanvas().temporalController()
    REPORT["series"]["controller_open"] = any(
        d.isVisible() and "emporal" in d.objectName()
        for d in iface.mainWindow().findChildren(QDockWidget)
    )
    QTimer.singleShot(800, lambda: to_second_window(controller))


@_record
def to_second_window(controller):
    from openeo_grid_jobs.ui.adapters.results_series import WINDOW_PROPERTY, series_of

    # the frames are the plugin's (the windows); a user turns on the animation, picks one
    animated = getattr(Qgis, "TemporalNavigationMode", None)
    if animated is None:  # QGIS < 3.36
        animated = controller.NavigationMode
    controller.setNavigationMode(animated.Animated)
    controller.setCurrentFrameNumber(1)
    frame = controller.dateTimeRangeForFrameNumber(1)
    series = series_of(QgsProject.instance(), jobs_panel().layer)

    def day(moment):
        return moment.toString("yyyy-MM-dd HH:mm:ss")

    REPORT["series"]["frames"] = [
        [day(r.begin()), day(r.end())]
        for r in map(controller.dateTimeRangeForFrameNumber, range(controller.totalFrameCount()))
    ]
    REPORT["series"]["current_frame"] = controller.currentFrameNumber()
    REPORT["series"]["visible_at_second_frame"] = sorted(
        m.customProperty(WINDOW_PROPERTY)
        for m in series
        if m.temporalProperties().isVisibleInTemporalRange(frame)
    )
    iface.mapCanvas().refresh()
    QTimer.singleShot(2500, screenshot_and_quit)


def screenshot_and_quit():
    if REPORT.get("screenshot"):
        return  # already quitting
    try:
        run = REPORT.setdefault("run", {})  # (no run: a plain screenshot)
        run["canvas_colored_share"] = colored_share(iface.mapCanvas().grab().toImage())
        grab(SCREENSHOT)
        REPORT["screenshot"] = SCREENSHOT
    except Exception:
        REPORT["errors"].append(traceback.format_exc())
    Path(SCREENSHOT).with_suffix(".json").write_text(json.dumps(REPORT, indent=2))
    # Quit as a user does (File > Exit): QgsApplication.exit() skips QGIS's own
    # close sequence and crashes 3.22 on exit when the project has layers.
    QgsProject.instance().setDirty(False)
    QTimer.singleShot(0, iface.mainWindow().close)


iface.mainWindow().setGeometry(0, 0, 1600, 1000)  # no window manager under Xvfb
if not RESUME:  # a reopened project shows the view it was saved with
    QTimer.singleShot(200, zoom_to_antwerp)
if SCREENSHOT and ATTACH:
    QTimer.singleShot(500, click_plugin_button)
    QTimer.singleShot(600, wait_for_live_run)
    QTimer.singleShot(180_000, screenshot_and_quit)
elif SCREENSHOT and DEMO_SERIES:
    QTimer.singleShot(500, click_plugin_button)
    QTimer.singleShot(1200, use_fields_as_units)
    QTimer.singleShot(180_000, screenshot_and_quit)
elif SCREENSHOT and RESUME:
    QTimer.singleShot(500, click_plugin_button)
    QTimer.singleShot(800, wait_for_reopened_run)
    QTimer.singleShot(180_000, screenshot_and_quit)
elif SCREENSHOT:
    QTimer.singleShot(500, click_plugin_button)
    QTimer.singleShot(800, check_geo_stack)
    QTimer.singleShot(1200, click_create_grid)
    if DEMO_RUN:  # Run is clicked once the grid is made (on_grid_created)
        QTimer.singleShot(420_000 if FAULTS else 180_000, screenshot_and_quit)
    else:
        QTimer.singleShot(max(AFTER_MS, 2500), screenshot_and_quit)
