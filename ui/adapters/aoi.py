"""The area of interest, from the map canvas or a polygon layer, for ``core.grid.grid``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from qgis.core import QgsCoordinateReferenceSystem, QgsFeature, QgsVectorLayer, QgsWkbTypes

from ...core.errors import GridError
from ..i18n import translate

if TYPE_CHECKING:  # an annotation only: Processing uses this module without the GUI
    from qgis.gui import QgsMapCanvas


def pyproj_crs(crs: QgsCoordinateReferenceSystem) -> str:
    """A CRS definition pyproj understands: the EPSG code when there is one, else WKT."""
    if not crs.isValid():
        raise GridError(
            translate("Aoi", "The map or layer has no valid coordinate reference system.")
        )
    authid = crs.authid()
    if authid.upper().startswith("EPSG:"):
        return authid
    # QGIS 3.22's name; the stubs know only QGIS 3.36's Qgis.CrsWktVariant.Preferred
    return crs.toWkt(QgsCoordinateReferenceSystem.WktVariant.WKT_PREFERRED)  # type: ignore[attr-defined]


def canvas_aoi(canvas: QgsMapCanvas) -> tuple[tuple[float, float, float, float], str]:
    """The visible map extent and its CRS."""
    extent = canvas.extent()
    if extent.isEmpty():
        raise GridError(
            translate("Aoi", "The map view is empty; zoom to your area of interest first.")
        )
    bounds = (extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum())
    return bounds, pyproj_crs(canvas.mapSettings().destinationCrs())


def layer_aoi(layer: QgsVectorLayer | None, selected_only: bool) -> tuple[list[Any], str]:
    """The polygons of ``layer`` (or of its selection) as shapely geometries, and its CRS."""
    import shapely

    if layer is None or not layer.isValid():
        raise GridError(translate("Aoi", "Choose a polygon layer as area of interest."))
    # QGIS 3.22's name; the stubs know only QGIS 3.30's Qgis.GeometryType.Polygon
    if layer.geometryType() != QgsWkbTypes.GeometryType.PolygonGeometry:  # type: ignore[attr-defined]
        raise GridError(
            translate("Aoi", "Layer {name} has no polygons; choose a polygon layer.").format(
                name=repr(layer.name())
            )
        )
    features: Iterable[QgsFeature]
    if selected_only:
        if layer.selectedFeatureCount() == 0:
            raise GridError(
                translate("Aoi", "No features are selected in layer {name}.").format(
                    name=repr(layer.name())
                )
            )
        features = layer.selectedFeatures()
    else:
        features = layer.getFeatures()
    wkb = [bytes(f.geometry().asWkb()) for f in features if f.hasGeometry()]
    if not wkb:
        raise GridError(
            translate("Aoi", "Layer {name} has no polygon to cover.").format(
                name=repr(layer.name())
            )
        )
    return list(shapely.from_wkb(wkb)), pyproj_crs(layer.crs())
