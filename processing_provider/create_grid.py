"""``openeogridjobs:creategrid``: the dock's *Create grid* as a Processing algorithm.

The tiles come from :func:`core.grid.grid.build_grid` and the layer from
:func:`ui.adapters.grid_layer.create_grid_layer`, exactly as in the dock, so a grid
made in a model, in batch or with ``qgis_process`` has the same tiles, ids, fields
and refusals (too many tiles, an area off the Earth...).
"""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsFeatureSource,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterCrs,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP

from ..ui.i18n import translate
from .common import (
    POLYGONS,
    GridJobsAlgorithm,
    QgsProcessingException,
    copy_to_sink,
    given_or_silent,
    reported,
    style_on_load,
)

HELP_TEXT = QT_TRANSLATE_NOOP(
    "CreateGridAlgorithm",
    """Builds a square tile grid over an area, for one openEO batch job per tile \
(openEO Grid Jobs › Run one openEO batch job per tile).

Tile corners are multiples of the tile size in the grid CRS, so grids made on \
different days or over different areas line up, and each tile keeps its \
<i>tile_id</i> (<code>&lt;zone&gt;_&lt;col&gt;_&lt;row&gt;</code>, e.g. 31N_119_1132).

<b>Extent</b>: the area as a rectangle, in any CRS. Give this or an area layer.
<b>Area of interest (polygon layer)</b>: the tiles touching its polygons are kept; \
tick <i>Selected features only</i> to use the selection.
<b>Tile size (m)</b>: the edge of a tile, in metres of the grid CRS.
<b>Grid CRS</b>: a projected CRS in metres. Empty: the UTM zone (north/south) of \
the area's centre. An area across UTM zones gets one grid in the centre's zone \
and a warning.
<b>Tile limit</b>: nothing is built when the area needs more tiles than this (a typo \
in a coordinate can ask for millions).
<b>Grid</b>: the tiles, in the grid CRS, with the tile fields (tile_id, col, row, \
west/south/east/north in lon/lat) and the job fields a run fills in (status \
not_started, job_id, backend, ...). Added to the map styled by status.

Refused with a message: no area or both, an empty area, a tile size ≤ 0, \
a geographic grid CRS, an area across the antimeridian or off the Earth, more \
tiles than the limit.""",
)


class CreateGridAlgorithm(GridJobsAlgorithm):
    EXTENT = "EXTENT"
    AOI = "AOI"
    TILE_SIZE = "TILE_SIZE"
    GRID_CRS = "GRID_CRS"
    MAX_TILES = "MAX_TILES"
    OUTPUT = "OUTPUT"
    TILE_COUNT = "TILE_COUNT"
    CRS_OUTPUT = "GRID_CRS_USED"
    TAGS = (*GridJobsAlgorithm.TAGS, "utm", "fishnet", "create grid", "vector", "aoi")
    NAME = "creategrid"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("CreateGridAlgorithm", "Create tile grid")
    DESCRIPTION = QT_TRANSLATE_NOOP(
        "CreateGridAlgorithm",
        "A metric tile grid (UTM by default) over an extent or polygons, one job per tile.",
    )
    HELP = HELP_TEXT

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:  # noqa: N802
        from ..core.grid.grid import DEFAULT_MAX_TILES

        self.addParameter(
            QgsProcessingParameterExtent(self.EXTENT, self.tr("Extent (any CRS)"), optional=True)
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.AOI,
                self.tr("Area of interest (polygon layer)"),
                [POLYGONS],
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.TILE_SIZE,
                self.tr("Tile size (m)"),
                QgsProcessingParameterNumber.Type.Double,
                5000.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterCrs(
                self.GRID_CRS, self.tr("Grid CRS (empty: the area's UTM zone)"), optional=True
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.MAX_TILES,
                self.tr("Tile limit"),
                QgsProcessingParameterNumber.Type.Integer,
                DEFAULT_MAX_TILES,
                minValue=1,
            )
        )
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("Grid"), POLYGONS))
        self.addOutput(QgsProcessingOutputNumber(self.TILE_COUNT, self.tr("Number of tiles")))
        self.addOutput(QgsProcessingOutputString(self.CRS_OUTPUT, self.tr("Grid CRS used")))

    def processAlgorithm(  # noqa: N802 (QGIS API)
        self,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback | None,
    ) -> dict[str, Any]:
        from ..core.grid.grid import build_grid
        from ..ui.adapters.aoi import pyproj_crs
        from ..ui.adapters.grid_layer import FillCanceledError, create_grid_layer

        feedback = given_or_silent(feedback)
        aoi, aoi_crs = self._area(parameters, context)
        chosen = self.parameterAsCrs(parameters, self.GRID_CRS, context)
        grid_crs = reported(lambda: pyproj_crs(chosen)) if chosen.isValid() else None
        size = self.parameterAsDouble(parameters, self.TILE_SIZE, context)
        limit = self.parameterAsInt(parameters, self.MAX_TILES, context)
        grid = reported(lambda: build_grid(aoi, aoi_crs, size, grid_crs=grid_crs, max_tiles=limit))
        for warning in grid.warnings:
            feedback.pushWarning(warning)
        feedback.pushInfo(f"{grid.summary()} (EPSG:{grid.epsg}).")
        try:
            layer = create_grid_layer(grid, feedback=feedback)
        except FillCanceledError:
            raise QgsProcessingException(self.tr("Canceled: no grid was written.")) from None
        dest_id = copy_to_sink(self, parameters, self.OUTPUT, layer, context)
        style_on_load(context, dest_id)
        authid = f"EPSG:{grid.epsg}" if grid.epsg else grid.crs.to_wkt()
        return {self.OUTPUT: dest_id, self.TILE_COUNT: len(grid), self.CRS_OUTPUT: authid}

    def _area(self, parameters: dict[str, Any], context: QgsProcessingContext) -> tuple[Any, str]:
        """The area to cover and its CRS (for pyproj): the polygon layer, or the extent."""
        from ..ui.adapters.aoi import pyproj_crs

        source = self.parameterAsSource(parameters, self.AOI, context)
        has_extent = parameters.get(self.EXTENT) not in (None, "")
        if source is not None and has_extent:
            raise QgsProcessingException(
                self.tr(
                    "Give an extent or an area-of-interest layer, not both: the grid covers "
                    "one area."
                )
            )
        if source is not None:
            return source_polygons(source), reported(lambda: pyproj_crs(source.sourceCrs()))
        if not has_extent:
            raise QgsProcessingException(
                self.tr("Give the area to cover: an extent (EXTENT) or a polygon layer (AOI).")
            )
        extent = self.parameterAsExtent(parameters, self.EXTENT, context)
        crs = self.parameterAsExtentCrs(parameters, self.EXTENT, context)
        if extent.isNull() or extent.isEmpty():
            raise QgsProcessingException(
                self.tr("The extent is empty: give xmin, xmax, ymin, ymax that enclose an area.")
            )
        if not crs.isValid():
            raise QgsProcessingException(
                self.tr(
                    "The extent has no CRS: add it, e.g. 595000,610000,5660000,5670000 "
                    "[EPSG:32631]."
                )
            )
        bounds = (extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum())
        return bounds, reported(lambda: pyproj_crs(crs))


def source_polygons(source: QgsFeatureSource) -> list[Any]:
    """The polygons of a Processing source (all its features, or the selection that
    Processing already applied) as shapely geometries."""
    import shapely

    name = source.sourceName() or translate("CreateGridAlgorithm", "the area layer")
    # QGIS 3.22's name; the stubs know only QGIS 3.30's Qgis.GeometryType.Polygon
    polygon = QgsWkbTypes.GeometryType.PolygonGeometry  # type: ignore[attr-defined]
    if QgsWkbTypes.geometryType(source.wkbType()) != polygon:
        raise QgsProcessingException(
            translate(
                "CreateGridAlgorithm", "{layer} has no polygons; choose a polygon layer."
            ).format(layer=name)
        )
    wkb = [bytes(f.geometry().asWkb()) for f in source.getFeatures() if f.hasGeometry()]
    if not wkb:
        raise QgsProcessingException(
            translate(
                "CreateGridAlgorithm", "{layer} has no polygon to cover (no features selected?)."
            ).format(layer=name)
        )
    return list(shapely.from_wkb(wkb))
