"""``openeogridjobs:openjobdatabase``: a job tracker as a status-styled layer.

Reads the tracker the way the dock's *Open job database…* does
(:func:`ui.adapters.saved_run.read_run`): this plugin's job database, or the CSV/Parquet
that the openeo client's ``MultiBackendJobManager`` writes in a notebook, and
writes its tiles with their job fields (status, job id, back-end, times,
message, result) to a layer, styled by status when it lands on the map.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFile,
)
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP

from .common import (
    POLYGONS,
    GridJobsAlgorithm,
    QgsProcessingException,
    copy_to_sink,
    count_text,
    given_or_silent,
    reported,
    style_on_load,
)

HELP_TEXT = QT_TRANSLATE_NOOP(
    "OpenJobDatabaseAlgorithm",
    """Shows a job tracker on the map: one tile per row, with its job status, \
job id, back-end, start/end times, duration, costs, failure message and result \
path; styled by status (finished lime, error dark red, running navy...) with \
the counts per status in the legend.

<b>Job database</b>: a .csv or .parquet job tracker: one written by this plugin \
(the dock, the openeo-grid-jobs command or Run one openEO batch job per tile), or \
by the openeo client's MultiBackendJobManager in a notebook (tiles then come from \
its spatial_extent column, in lon/lat).
<b>Job statuses</b>: the tiles with their job fields, in the grid CRS when the \
tracker names one.

The file is only read. To continue the run, use Run one openEO batch job per \
tile with the same job database, or the dock.""",
)


class OpenJobDatabaseAlgorithm(GridJobsAlgorithm):
    INPUT = "INPUT"
    OUTPUT = "OUTPUT"
    TILE_COUNT = "TILE_COUNT"
    SUMMARY = "SUMMARY"
    TAGS = (
        *GridJobsAlgorithm.TAGS,
        "job database",
        "tracker",
        "status",
        "MultiBackendJobManager",
        "csv",
        "parquet",
    )
    NAME = "openjobdatabase"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("OpenJobDatabaseAlgorithm", "Open job database")
    DESCRIPTION = QT_TRANSLATE_NOOP(
        "OpenJobDatabaseAlgorithm",
        "A job tracker (CSV/Parquet, this plugin's or a notebook's) as a layer by status.",
    )
    HELP = HELP_TEXT

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:  # noqa: N802
        self.addParameter(
            QgsProcessingParameterFile(
                self.INPUT,
                self.tr("Job database"),
                fileFilter=self.tr("Job database (*.csv *.parquet *.geoparquet)"),
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("Job statuses"), POLYGONS)
        )
        self.addOutput(QgsProcessingOutputNumber(self.TILE_COUNT, self.tr("Number of tiles")))
        self.addOutput(QgsProcessingOutputString(self.SUMMARY, self.tr("Tiles per status")))

    def processAlgorithm(  # noqa: N802 (QGIS API)
        self,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback | None,
    ) -> dict[str, Any]:
        from ..ui.adapters.grid_layer import FillCanceledError, tiles_layer
        from ..ui.adapters.layer_updates import GridLayerUpdater
        from ..ui.adapters.saved_run import read_run

        feedback = given_or_silent(feedback)
        path = self.parameterAsFile(parameters, self.INPUT, context)
        if not path or not Path(path).is_file():
            raise QgsProcessingException(
                self.tr("Job database {path} does not exist.").format(
                    path=path or self.tr("(none)")
                )
            )
        opened = reported(lambda: read_run(path, with_tiles=True))
        name = _run_name(path)
        try:
            layer = tiles_layer(opened.tiles, name, feedback=feedback)
        except FillCanceledError:
            raise QgsProcessingException(self.tr("Canceled: no layer was written.")) from None
        GridLayerUpdater(layer).apply(opened.updates)
        if opened.template is None:
            feedback.pushInfo(
                self.tr(
                    "{name} has no run settings beside it (a notebook's tracker?): "
                    "a run continues it with the job settings it is given."
                ).format(name=Path(path).name)
            )
        dest_id = copy_to_sink(self, parameters, self.OUTPUT, layer, context)
        style_on_load(context, dest_id, name)
        summary = count_text(opened.counts)
        counted = (
            self.tr("{count} jobs: {statuses}")  # (unit, window) rows
            if opened.windowed
            else self.tr("{count} tiles: {statuses}")
        )
        feedback.pushInfo(counted.format(count=len(opened.updates), statuses=summary))
        return {self.OUTPUT: dest_id, self.TILE_COUNT: len(opened.updates), self.SUMMARY: summary}


def _run_name(path: str) -> str:
    """The layer's name: the job database's, without its extension."""
    name = Path(path).name
    for suffix in (".csv", ".parquet", ".geoparquet"):
        name = name.removesuffix(suffix)
    return name
