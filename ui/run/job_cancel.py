"""Cancel jobs on the back-end: the selected tiles', or all of the run's once the user confirms.

With no tile selected, Cancel stops the whole run on the back-end, so the dock
asks first, with the count. A run going on cancels them itself; otherwise an
engine is started that only cancels.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qgis.core import Qgis, QgsFeatureRequest, QgsVectorLayer
from qgis.PyQt.QtWidgets import QMessageBox

from ...core.definitions import ACTIVE_STATUSES
from ..i18n import translate

if TYPE_CHECKING:
    from ..widgets.jobs_panel import JobsPanel


def cancel_jobs(panel: JobsPanel) -> bool:
    """Cancel the back-end jobs of the selected tiles; of all, once the user confirms."""
    layer = panel.layer
    if layer is None:
        return False
    say = panel.messages.say
    selected = [str(f["tile_id"]) for f in layer.selectedFeatures()] or None
    if selected is None:
        active = active_tiles(layer)
        if not active:
            say(
                translate(
                    "JobCancel", "No job of this run is queued or running: nothing to cancel."
                ),
                Qgis.MessageLevel.Info,
            )
            return False
        answer = QMessageBox.question(
            panel,
            translate("JobCancel", "Cancel jobs"),
            translate(
                "JobCancel",
                "Cancel all %n unfinished jobs of this run on the back-end?\n\n"
                "No tile is selected. To cancel only some, select their tiles on the map.",
                None,
                active,
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            say(translate("JobCancel", "Nothing canceled."), Qgis.MessageLevel.Info)
            return False
    if selected is None:
        started = panel.start_run(cancel_all=True)
    else:
        started = panel.start_run(cancel_only=selected)
    if started:
        text = (
            translate("JobCancel", "Canceling all unfinished jobs…")
            if selected is None
            else translate("JobCancel", "Canceling %n tiles' jobs…", None, len(selected))
        )
        say(text, Qgis.MessageLevel.Info)
    return started


def active_tiles(layer: QgsVectorLayer) -> int:
    """How many tiles of ``layer`` have a job the back-end may still be running."""
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.Flag.NoGeometry)
    request.setSubsetOfAttributes(["status"], layer.fields())
    return sum(1 for f in layer.getFeatures(request) if f["status"] in ACTIVE_STATUSES)
