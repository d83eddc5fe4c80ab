"""Runs *inside* the QGIS desktop (``qgis --code``): pictures of the Processing side.

Started by :mod:`devtools.processing_shots`. Shows the Processing Toolbox searched
for "openeo" (the plugin's three algorithms and its example model), then for
"grid" (next to ``native:creategrid``), then the example model in the Graphical Modeler, then the
parameters dialog of *Run one openEO batch job per tile*; saves a PNG of each in
``OGJ_SHOTS_DIR`` with a JSON report of what it saw, and quits.
"""

import json
import os
import traceback
from pathlib import Path

from qgis.core import QgsApplication, QgsProject
from qgis.PyQt.QtCore import QTimer
from qgis.utils import iface, plugins

OUT = Path(os.environ["OGJ_SHOTS_DIR"])
REPORT: dict = {"errors": [], "shots": []}
KEEP: list = []  # dialogs shown, kept alive until the end


def shot(name: str, widget=None) -> None:
    """A PNG of the whole screen (the Toolbox is a dock of the main window) or a dialog."""
    path = OUT / f"{name}.png"
    target = widget.winId() if widget is not None else 0
    QgsApplication.primaryScreen().grabWindow(target).save(str(path))
    REPORT["shots"].append(str(path))


def step(func):
    def wrapped():
        try:
            func()
        except Exception:
            REPORT["errors"].append(traceback.format_exc())

    return wrapped


@step
def toolbox():
    box = plugins["processing"].toolbox
    box.setVisible(True)
    box.raise_()
    box.searchBox.setText("openeo")
    box.algorithmTree.expandAll()
    model = box.algorithmTree.model()
    REPORT["toolbox_rows"] = model.rowCount()
    registry = QgsApplication.processingRegistry()
    provider = registry.providerById("openeogridjobs")
    REPORT["algorithms"] = sorted(a.id() for a in provider.algorithms()) if provider else []
    QTimer.singleShot(800, step(lambda: shot("toolbox")))
    QTimer.singleShot(1600, step(lambda: box.searchBox.setText("grid")))
    QTimer.singleShot(1800, step(box.algorithmTree.expandAll))
    QTimer.singleShot(2400, step(lambda: shot("toolbox-grid")))


@step
def modeler():
    from processing.modeler.ModelerDialog import ModelerDialog

    model = QgsApplication.processingRegistry().algorithmById("openeogridjobs:Grid and run")
    dialog = ModelerDialog.create(model.create())
    dialog.setGeometry(100, 60, 1300, 800)
    dialog.show()
    KEEP.append(dialog)
    QTimer.singleShot(1200, step(lambda: shot("model", dialog)))


@step
def run_dialog():
    import processing

    dialog = processing.createAlgorithmDialog("openeogridjobs:runjobs")
    dialog.setGeometry(200, 60, 900, 900)
    dialog.show()
    KEEP.append(dialog)
    QTimer.singleShot(1200, step(lambda: shot("runjobs-dialog", dialog)))


def quit_qgis():
    for dialog in KEEP:
        dialog.close()
    (OUT / "processing-shots.json").write_text(json.dumps(REPORT, indent=2))
    QgsProject.instance().setDirty(False)
    QTimer.singleShot(0, iface.mainWindow().close)


iface.mainWindow().setGeometry(0, 0, 1600, 1000)  # no window manager under Xvfb
QTimer.singleShot(1500, toolbox)
QTimer.singleShot(5000, modeler)
QTimer.singleShot(8000, run_dialog)
QTimer.singleShot(11_000, quit_qgis)
