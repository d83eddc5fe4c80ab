"""The map canvas as the panels use it."""

from __future__ import annotations

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.gui import QgisInterface

from .qgis_objects import current_project, present


def zoom_to(iface: QgisInterface, layer: QgsVectorLayer) -> None:
    """Show the whole of ``layer`` on the map, whatever the map's CRS."""
    zoom_to_extent(iface, layer.crs(), layer.extent())


def zoom_to_extent(
    iface: QgisInterface,
    crs: QgsCoordinateReferenceSystem,
    extent: QgsRectangle,
    margin: float = 1.05,
) -> None:
    """Show ``extent`` (in ``crs``) on the map, ``margin`` times as wide."""
    canvas = present(iface.mapCanvas(), "map canvas")
    transform = QgsCoordinateTransform(
        crs, canvas.mapSettings().destinationCrs(), current_project()
    )
    shown = transform.transformBoundingBox(extent)
    shown.scale(margin)
    canvas.setExtent(shown)
    canvas.refresh()
