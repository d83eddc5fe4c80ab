"""Write a grid layer (with its statuses) to Shapefile, GeoPackage or GeoJSON."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsVectorFileWriter,
    QgsVectorLayer,
)

from ..i18n import translate
from .qgis_objects import current_project, message_bar

if TYPE_CHECKING:
    from qgis.gui import QgisInterface
    from qgis.PyQt.QtWidgets import QWidget

DRIVERS = {".gpkg": "GPKG", ".shp": "ESRI Shapefile", ".geojson": "GeoJSON", ".json": "GeoJSON"}
FILE_FILTER = "GeoPackage (*.gpkg);;ESRI Shapefile (*.shp);;GeoJSON (*.geojson)"


class ExportError(Exception):
    """The layer could not be written; the message says why."""


def export_layer(layer: QgsVectorLayer, path: str | Path) -> Path:
    """Write ``layer`` to ``path``; the format follows the file extension.

    GeoJSON is written in WGS 84 lon/lat (RFC 7946); the other formats keep the
    grid's CRS, so tiles stay exact squares. Field names are at most 10
    characters, so a Shapefile keeps them as they are.
    """
    path = Path(path)
    driver = DRIVERS.get(path.suffix.lower())
    if driver is None:
        raise ExportError(
            translate(
                "Export", "Cannot tell the format of {name}: use .gpkg, .shp or .geojson."
            ).format(name=repr(path.name))
        )
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = driver
    options.fileEncoding = "UTF-8"
    if driver == "GeoJSON":
        options.ct = QgsCoordinateTransform(
            layer.crs(), QgsCoordinateReferenceSystem("EPSG:4326"), current_project()
        )
        options.layerOptions = ["RFC7946=YES"]
    if driver == "GPKG":
        options.layerName = layer.name()
    result = QgsVectorFileWriter.writeAsVectorFormatV3(
        layer, str(path), current_project().transformContext(), options
    )
    error, message = result[0], result[1]
    if error != QgsVectorFileWriter.WriterError.NoError:
        raise ExportError(
            translate("Export", "Could not write {path}: {error}").format(
                path=path, error=message or error
            )
        )
    return path


def ask_export(parent: QWidget | None, iface: QgisInterface, layer: QgsVectorLayer) -> None:
    """Ask where to export ``layer`` (beside its job database, or the project), then do."""
    from qgis.PyQt.QtWidgets import QFileDialog

    from .project_runs import JOB_DB_PROPERTY

    job_db = layer.customProperty(JOB_DB_PROPERTY)
    home = current_project().homePath()
    folder = Path(job_db).parent if job_db else Path(home) if home else Path.home()
    path, _ = QFileDialog.getSaveFileName(
        parent,
        translate("GridPanel", "Export grid"),
        str(folder / f"{layer.name()}.gpkg"),
        FILE_FILTER,
    )
    if path:
        export_and_say(iface, layer, path)


def export_and_say(iface: QgisInterface, layer: QgsVectorLayer, path: str) -> None:
    """Export ``layer``, reporting the outcome in the message bar."""
    from qgis.core import Qgis

    from ...core.definitions import PLUGIN_NAME

    try:
        written = export_layer(layer, path)
    except ExportError as exc:
        message_bar(iface).pushMessage(PLUGIN_NAME, str(exc), Qgis.MessageLevel.Critical, 0)
        return
    message_bar(iface).pushMessage(
        PLUGIN_NAME,
        translate("GridPanel", "Grid exported to {path}").format(path=written),
        Qgis.MessageLevel.Success,
        5,
    )
