"""Runs *inside* the QGIS desktop (``qgis --code``): drives the plugin like a user.

Clicks the plugin's toolbar button, checks that the dock opened and that the
geo stack works inside QGIS's own Python (shapely/pyogrio built against the
same GEOS/GDAL that QGIS loaded), waits, saves a screenshot and quits.
Everything it saw goes to ``<screenshot>.json`` for the tests to assert on.
"""

import json
import os
import tempfile
import traceback
from pathlib import Path

from qgis.core import QgsApplication, QgsVectorLayer
from qgis.PyQt.QtCore import Qt, QTimer
from qgis.PyQt.QtTest import QTest
from qgis.PyQt.QtWidgets import QDockWidget, QToolBar
from qgis.utils import iface, plugins

SCREENSHOT = Path(os.environ["OGJ_SCREENSHOT"])
AFTER_MS = int(float(os.environ.get("OGJ_SCREENSHOT_AFTER", "3")) * 1000)
REPORT: dict = {"errors": []}


def _record(step):
    def wrapped():
        try:
            step()
        except Exception:
            REPORT["errors"].append(traceback.format_exc())

    return wrapped


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
    QTest.mouseClick(buttons[0], Qt.LeftButton)
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


def screenshot_and_quit():
    try:
        QgsApplication.primaryScreen().grabWindow(0).save(str(SCREENSHOT))
        REPORT["screenshot"] = str(SCREENSHOT)
    except Exception:
        REPORT["errors"].append(traceback.format_exc())
    SCREENSHOT.with_suffix(".json").write_text(json.dumps(REPORT, indent=2))
    QTimer.singleShot(0, lambda: QgsApplication.exit(0))


iface.mainWindow().showMaximized()
QTimer.singleShot(500, click_plugin_button)
QTimer.singleShot(800, check_geo_stack)
QTimer.singleShot(max(AFTER_MS, 1500), screenshot_and_quit)
