"""The map canvas as the panels use it."""

from __future__ import annotations

from qgis.core import QgsCoordinateTransform, QgsProject, QgsVectorLayer
from qgis.gui import QgisInterface


def zoom_to(iface: QgisInterface, layer: QgsVectorLayer) -> None:
    """Show the whole of ``layer`` on the map, whatever the map's CRS."""
    canvas = iface.mapCanvas()
    transform = QgsCoordinateTransform(
        layer.crs(), canvas.mapSettings().destinationCrs(), QgsProject.instance()
    )
    extent = transform.transformBoundingBox(layer.extent())
    extent.scale(1.05)
    canvas.setExtent(extent)
    canvas.refresh()
