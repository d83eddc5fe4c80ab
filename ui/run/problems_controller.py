"""What the *Problems* tab does with the run's grid: list, zoom, fetch logs.

The list is read from the grid layer (the dock's view of the job table, kept up
to date by every status batch), so it costs no file read; logs are fetched from
the back-end in the background with the run's saved connection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qgis.core import Qgis, QgsFeatureRequest, QgsRectangle
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QObject, QTimer, pyqtSignal

from ...core.definitions import NO_RESULT_STATUSES
from ..adapters.background import BackgroundCall
from ..i18n import translate

if TYPE_CHECKING:
    from ..widgets.jobs_panel import JobsPanel
    from ..widgets.problems_page import ProblemsPage

REFRESH_AFTER_MS = 500


class ProblemsController(QObject):
    """Keeps the Problems tab in step with the grid; zooms to and explains failed tiles."""

    #: how many tiles did not finish (the dock shows it on the tab)
    count_changed = pyqtSignal(int)

    def __init__(self, panel: JobsPanel, page: ProblemsPage) -> None:
        super().__init__(panel)
        self.panel = panel
        self.page = page
        self._call: BackgroundCall | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_AFTER_MS)
        self._timer.timeout.connect(self.refresh)
        page.tiles_picked.connect(self.pick)
        page.logs_requested.connect(self.show_logs)

    def updated(self, batch: list) -> None:
        """A status batch: refresh soon if it touched a failed tile."""
        if any(u.status in NO_RESULT_STATUSES for u in batch) and not self._timer.isActive():
            self._timer.start()

    def clear(self) -> None:
        self.page.show_problems([], {})
        self.count_changed.emit(0)

    def refresh(self) -> None:
        """Group the grid's failed tiles by reason into the list."""
        from ...core.results.problems import grouped

        layer = self.panel.layer
        failed: list[tuple[str, str, str | None]] = []
        if layer is not None and not sip.isdeleted(layer):
            request = QgsFeatureRequest().setFlags(QgsFeatureRequest.Flag.NoGeometry)
            request.setSubsetOfAttributes(["tile_id", "status", "message"], layer.fields())
            for feature in layer.getFeatures(request):
                if feature["status"] in NO_RESULT_STATUSES:
                    message = feature["message"]
                    failed.append(
                        (
                            str(feature["tile_id"]),
                            feature["status"],
                            None if _null(message) else str(message),
                        )
                    )
        found = grouped(failed)
        self.page.show_problems(found, {tile_id: status for tile_id, status, _ in failed})
        self.count_changed.emit(sum(p.count for p in found))

    def pick(self, tile_ids: list[str]) -> None:
        """Select ``tile_ids`` on the map and zoom to them."""
        layer = self.panel.layer
        if layer is None:
            return
        wanted = set(tile_ids)
        request = QgsFeatureRequest().setSubsetOfAttributes(["tile_id"], layer.fields())
        features = [f for f in layer.getFeatures(request) if str(f["tile_id"]) in wanted]
        layer.selectByIds([f.id() for f in features])
        extent = QgsRectangle()
        for feature in features:
            extent.combineExtentWith(feature.geometry().boundingBox())
        if not extent.isEmpty():
            from ..adapters.canvas import zoom_to_extent

            zoom_to_extent(self.panel.iface, layer.crs(), extent, margin=1.5)

    def show_logs(self, tile_id: str) -> None:
        """Fetch the logs of ``tile_id``'s job in the background, then show them."""
        from ..adapters.backends import connection_backend

        layer = self.panel.layer
        feature = (
            next((f for f in layer.getFeatures() if str(f["tile_id"]) == tile_id), None)
            if layer is not None
            else None
        )
        if feature is None or _null(feature["job_id"]):
            reason = "" if feature is None or _null(feature["message"]) else feature["message"]
            text = (
                translate(
                    "ProblemsController", "Tile {tile} has no back-end job, so no logs: {reason}"
                )
                if reason
                else translate("ProblemsController", "Tile {tile} has no back-end job, so no logs.")
            )
            self.panel.messages.say(
                text.format(tile=tile_id, reason=reason), Qgis.MessageLevel.Info
            )
            return
        job_id, name = str(feature["job_id"]), str(feature["backend"])
        connection = next((c for c in self.panel.backends.connections if c.name == name), None)
        if connection is None:
            self.panel.messages.say(
                translate(
                    "ProblemsController",
                    "No saved connection named {name}: add it to see the logs of job {job}.",
                ).format(name=repr(name), job=job_id),
                Qgis.MessageLevel.Warning,
            )
            return
        try:
            backend = connection_backend(connection)
        except Exception as exc:  # a login not stored, a device login needed
            self.panel.messages.say(str(exc), Qgis.MessageLevel.Warning)
            return

        def fetch():
            from ...core.run.logs import fetch_job_logs

            return [line.text() for line in fetch_job_logs(backend, job_id)]

        title = translate(
            "ProblemsController", "Logs of job {job} (tile {tile}, {backend})"
        ).format(job=job_id, tile=tile_id, backend=name)
        self.panel.messages.say(
            translate("ProblemsController", "Fetching the logs of job {job}…").format(job=job_id),
            Qgis.MessageLevel.Info,
        )
        self._call = BackgroundCall(
            fetch,
            lambda lines: self.page.show_logs(title, lines),
            lambda message: self.panel.messages.say(message, Qgis.MessageLevel.Warning),
            self,
        )

    def stop(self, ms: int) -> None:
        self._timer.stop()
        if self._call is not None:
            self._call.thread.wait(ms)


def _null(value: object) -> bool:
    return value is None or (hasattr(value, "isNull") and value.isNull()) or value == ""
