"""Write the example Processing model shipped with the plugin: create a grid, run its jobs.

``python -m devtools.make_example_model`` (re)writes
``processing_provider/models/grid_and_run.model3`` from code, so the model's
wiring is reviewed here rather than in QGIS's XML. The modeler layout puts the
inputs on the left, the two algorithms in the middle and the outputs right.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MODEL_PATH = REPO_ROOT / "processing_provider" / "models" / "grid_and_run.model3"
DESCRIPTION = (
    "Builds a tile grid over an area (Create tile grid) and runs one openEO batch job "
    "per tile on a connection saved in the plugin's dock (Run one openEO batch job per "
    "tile): the NDVI mean of the dates from SENTINEL2_L2A B04/B08. Run it again with "
    "the same job database to resume."
)


def build_model():  # -> QgsProcessingModelAlgorithm (needs a QgsApplication)
    from qgis.core import (
        QgsProcessingModelAlgorithm,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelChildParameterSource,
        QgsProcessingModelParameter,
        QgsProcessingParameterDateTime,
        QgsProcessingParameterExtent,
        QgsProcessingParameterNumber,
        QgsProcessingParameterString,
    )
    from qgis.PyQt.QtCore import QDate, QPointF

    model = QgsProcessingModelAlgorithm("Grid and run", "Example models", "examplemodels")
    date = QgsProcessingParameterDateTime.Type.Date
    number = QgsProcessingParameterNumber
    inputs = [
        QgsProcessingParameterExtent("area", "Area"),
        number("tile_size", "Tile size (m)", number.Double, 5000.0),
        QgsProcessingParameterString("connection", "Connection"),
        QgsProcessingParameterDateTime("start_date", "Start date", date, QDate(2024, 5, 1)),
        QgsProcessingParameterDateTime("end_date", "End date (exclusive)", date, QDate(2024, 8, 1)),
        number("poll_interval", "Poll interval (s)", number.Double, 5.0, False, 0.1),
    ]
    for row, definition in enumerate(inputs):
        component = QgsProcessingModelParameter(definition.name())
        component.setPosition(QPointF(120, 80 + 90 * row))
        model.addModelParameter(definition, component)
    source = QgsProcessingModelChildParameterSource

    grid = QgsProcessingModelChildAlgorithm("openeogridjobs:creategrid")
    grid.setChildId("creategrid")
    grid.setDescription("Create tile grid")
    grid.setPosition(QPointF(420, 160))
    grid.addParameterSources("EXTENT", [source.fromModelParameter("area")])
    grid.addParameterSources("TILE_SIZE", [source.fromModelParameter("tile_size")])
    grid.addParameterSources("MAX_TILES", [source.fromStaticValue(10_000)])
    grid.setModelOutputs({"Grid": _output("Grid", "creategrid", "OUTPUT", QPointF(700, 110))})
    model.addChildAlgorithm(grid)

    run = QgsProcessingModelChildAlgorithm("openeogridjobs:runjobs")
    run.setChildId("runjobs")
    run.setDescription("Run one job per tile")
    run.setPosition(QPointF(420, 420))
    run.addParameterSources("GRID", [source.fromChildOutput("creategrid", "OUTPUT")])
    for name, parameter in (
        ("CONNECTION", "connection"),
        ("START_DATE", "start_date"),
        ("END_DATE", "end_date"),
        ("POLL_INTERVAL", "poll_interval"),
    ):
        run.addParameterSources(name, [source.fromModelParameter(parameter)])
    statics = (("COLLECTION", "SENTINEL2_L2A"), ("BANDS", "B04,B08"), ("FORMAT", 0))
    for name, value in (*statics, ("RETRY_FAILED", False), ("DOWNLOAD", True)):
        run.addParameterSources(name, [source.fromStaticValue(value)])
    run.setModelOutputs(
        {"Job database": _output("Job database", "runjobs", "JOB_DB", QPointF(700, 480))}
    )
    model.addChildAlgorithm(run)
    model.setHelpContent(
        {
            "ALG_DESC": DESCRIPTION,
            "area": "The area to cover, in any CRS; the grid is in its UTM zone.",
            "tile_size": "Edge of a tile in metres.",
            "connection": "Name of a back-end connection saved in the plugin's dock.",
            "start_date": "First date of every job.",
            "end_date": "End date (exclusive) of every job.",
            "poll_interval": "Seconds between status checks.",
            "Grid": "The tiles, styled by status.",
            "Job database": "The job tracker (.csv or .parquet); run again with it to resume.",
        }
    )
    return model


def _output(name: str, child: str, child_output: str, position):  # -> QgsProcessingModelOutput
    from qgis.core import QgsProcessingModelOutput

    output = QgsProcessingModelOutput(name)
    output.setChildId(child)
    output.setChildOutputName(child_output)
    output.setPosition(position)
    return output


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args()
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if not build_model().toFile(str(args.out)):
        print(f"could not write {args.out}", file=sys.stderr)
        return 1
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
