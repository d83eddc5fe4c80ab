"""The parameters of ``runjobs`` and how they become a job template and a run.

The same choices as the dock's Jobs panel and the CLI's ``run``: the job
template (:class:`core.job_template.JobTemplate` checks it), the back-end, jobs
at once, poll interval, job database and results folder.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDateTime,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP, QDate

from ..core.job_template import DEFAULT_JOB_OPTIONS, OUTPUT_FORMATS
from ..ui.i18n import translate

if TYPE_CHECKING:
    import geopandas as gpd

    from ..core.job_template import JobTemplate

DEFAULT_DATES = ("2024-05-01", "2024-08-01")  # the seed notebook's summer, as in the dock
JOB_DB_FILTER = "CSV (*.csv);;Parquet (*.parquet)"

RUN_HELP = QT_TRANSLATE_NOOP(
    "RunJobsAlgorithm",
    """Submits one openEO batch job per tile of a grid to a back-end, at most \
<i>Jobs at once</i> at a time, and tracks them until every tile is final \
(finished, error, canceled...). Each finished tile's result is downloaded. \
The same run engine as the plugin's dock and the openeo-grid-jobs command.

<b>Cancel stops tracking</b>: the jobs keep running on the back-end. Run again \
with the same job database to resume: jobs already made are tracked, never \
submitted twice, and missing results are downloaded. A resumed run must use the \
same job settings (dates, bands, process...); other settings are refused with \
what differs.

<b>Grid</b>: a grid layer with tile_id, col and row fields (from Create tile grid \
or the dock). Needed to start a run; optional to resume (if given, it must hold \
the run's tiles).
<b>Connection</b>: the name of a back-end connection saved in the dock (Jobs › \
Back-ends). Its login comes from the QGIS authentication database, never from \
a parameter; a browser (OpenID Connect) login must have been done in the dock once.
<b>Collection</b>, <b>Bands (red, NIR)</b>: for the NDVI mean, e.g. SENTINEL2_L2A \
and B04,B08.
<b>Start date</b>, <b>End date</b> (exclusive): the dates of every job.
<b>Process graph file</b>: a process graph JSON to run instead of the NDVI mean; \
its load_collection gets each tile's extent and the dates.
<b>User-defined process</b>, <b>UDP namespace</b>: a UDP to call instead, with \
spatial_extent and temporal_extent.
<b>Output format</b>: of each job's result (NetCDF or GTiff).
<b>Job options</b>: JSON object passed to every job, e.g. {"executor-memory": "2G"}.
<b>Jobs at once</b>: empty for the connection's own setting.
<b>Poll interval</b>: seconds between status checks.
<b>Retry failed tiles</b>: resubmit tiles that ended error, start_failed or skipped.
<b>Job database</b>: .csv or .parquet, the openeo client's job-manager format \
(a notebook's MultiBackendJobManager tracker is continued too). An existing \
one is resumed.
<b>Results folder</b>: where each tile's result goes (a folder per tile). \
Empty: &lt;job database name&gt;_results beside the job database, as in the dock.
<b>Download results</b>: off: the results stay on the back-end and the catalog \
in the results folder points at their URLs; run again with it on to fetch them.
<b>Max. waiting</b>, <b>Max. running</b> (hours, empty: no limit): a job still \
created or queued that long after its start, or running longer, is canceled and \
its tile fails with the reason; Retry failed tiles takes it.

Outputs: the job database, the results folder, the NDVI mosaic of the finished \
tiles (mosaic.vrt, added to the map) and a STAC catalog (catalog.json) in it, and \
the tiles per status.""",
)


class RunParameters:
    """Mixin of the run algorithm: its parameter names, their definitions and readers.

    Must come before :class:`QgsProcessingAlgorithm` in the bases; ``self`` is the
    algorithm (``addParameter``, ``parameterAs...``). Its words are the run algorithm's
    (translation context ``RunJobsAlgorithm``).
    """

    GRID = "GRID"
    CONNECTION = "CONNECTION"
    COLLECTION = "COLLECTION"
    BANDS = "BANDS"
    START_DATE = "START_DATE"
    END_DATE = "END_DATE"
    PROCESS_GRAPH = "PROCESS_GRAPH"
    UDP_ID = "UDP_ID"
    UDP_NAMESPACE = "UDP_NAMESPACE"
    FORMAT = "FORMAT"
    JOB_OPTIONS = "JOB_OPTIONS"
    PARALLEL_JOBS = "PARALLEL_JOBS"
    POLL_INTERVAL = "POLL_INTERVAL"
    RETRY_FAILED = "RETRY_FAILED"
    JOB_DB = "JOB_DB"
    OUTPUT_FOLDER = "OUTPUT_FOLDER"
    DOWNLOAD = "DOWNLOAD"
    MAX_WAITING = "MAX_WAITING"
    MAX_RUNNING = "MAX_RUNNING"

    def add_run_parameters(self: Any) -> None:
        from .run_inputs import default_connection

        date = QgsProcessingParameterDateTime.Type.Date
        advanced = QgsProcessingParameterDefinition.Flag.FlagAdvanced
        number = QgsProcessingParameterNumber
        params = [
            QgsProcessingParameterFeatureSource(
                self.GRID,
                translate("RunJobsAlgorithm", "Grid"),
                [QgsProcessing.SourceType.TypeVectorPolygon],
                optional=True,
            ),
            QgsProcessingParameterString(
                self.CONNECTION,
                translate("RunJobsAlgorithm", "Connection (saved in the dock)"),
                default_connection() or None,
            ),
            QgsProcessingParameterString(
                self.COLLECTION, translate("RunJobsAlgorithm", "Collection"), "SENTINEL2_L2A"
            ),
            QgsProcessingParameterString(
                self.BANDS, translate("RunJobsAlgorithm", "Bands (red, NIR)"), "B04,B08"
            ),
            QgsProcessingParameterDateTime(
                self.START_DATE,
                translate("RunJobsAlgorithm", "Start date"),
                date,
                QDate.fromString(DEFAULT_DATES[0], "yyyy-MM-dd"),
            ),
            QgsProcessingParameterDateTime(
                self.END_DATE,
                translate("RunJobsAlgorithm", "End date (exclusive)"),
                date,
                QDate.fromString(DEFAULT_DATES[1], "yyyy-MM-dd"),
            ),
            QgsProcessingParameterFile(
                self.PROCESS_GRAPH,
                translate("RunJobsAlgorithm", "Process graph file (instead of the NDVI mean)"),
                extension="json",
                optional=True,
            ),
            QgsProcessingParameterString(
                self.UDP_ID,
                translate("RunJobsAlgorithm", "User-defined process (instead of the NDVI mean)"),
                optional=True,
            ),
            QgsProcessingParameterString(
                self.UDP_NAMESPACE,
                translate("RunJobsAlgorithm", "UDP namespace (URL)"),
                optional=True,
            ),
            QgsProcessingParameterEnum(
                self.FORMAT,
                translate("RunJobsAlgorithm", "Output format"),
                list(OUTPUT_FORMATS),
                defaultValue=0,
            ),
            QgsProcessingParameterString(
                self.JOB_OPTIONS,
                translate("RunJobsAlgorithm", "Job options (JSON)"),
                _json(DEFAULT_JOB_OPTIONS),
                optional=True,
            ),
            number(
                self.PARALLEL_JOBS,
                translate("RunJobsAlgorithm", "Jobs at once"),
                number.Integer,
                None,
                True,
                1,
            ),
            number(
                self.POLL_INTERVAL,
                translate("RunJobsAlgorithm", "Poll interval (s)"),
                number.Double,
                5.0,
                False,
                0.1,
            ),
            QgsProcessingParameterBoolean(
                self.RETRY_FAILED, translate("RunJobsAlgorithm", "Retry failed tiles"), False
            ),
            QgsProcessingParameterFileDestination(
                self.JOB_DB, translate("RunJobsAlgorithm", "Job database"), JOB_DB_FILTER
            ),
            QgsProcessingParameterFolderDestination(
                self.OUTPUT_FOLDER,
                translate("RunJobsAlgorithm", "Results folder"),
                optional=True,
                createByDefault=False,
            ),
            QgsProcessingParameterBoolean(
                self.DOWNLOAD, translate("RunJobsAlgorithm", "Download results"), True
            ),
            QgsProcessingParameterNumber(
                self.MAX_WAITING,
                translate("RunJobsAlgorithm", "Max. waiting (hours)"),
                number.Double,
                None,
                True,
                0.0,
            ),
            QgsProcessingParameterNumber(
                self.MAX_RUNNING,
                translate("RunJobsAlgorithm", "Max. running (hours)"),
                number.Double,
                None,
                True,
                0.0,
            ),
        ]
        for param in params:
            advanced_ones = (self.UDP_NAMESPACE, self.JOB_OPTIONS, self.POLL_INTERVAL)
            if param.name() in (*advanced_ones, self.MAX_WAITING, self.MAX_RUNNING):
                param.setFlags(param.flags() | advanced)
            self.addParameter(param)

    def template(
        self: Any, parameters: dict[str, Any], context: QgsProcessingContext
    ) -> JobTemplate:
        """The job template of the parameters, checked (a TemplateError says what is wrong)."""
        from ..core.errors import GridJobsError
        from ..core.job_template import (
            PROCESS_GRAPH,
            PROCESS_NDVI,
            PROCESS_UDP,
            JobTemplate,
            parse_job_options,
            parse_process_graph,
        )

        text = lambda name: self.parameterAsString(parameters, name, context).strip()  # noqa: E731
        graph_file, udp = text(self.PROCESS_GRAPH), text(self.UDP_ID)
        if graph_file and udp:
            raise GridJobsError(
                translate(
                    "RunJobsAlgorithm",
                    "Give a process graph file or a user-defined process, not both.",
                )
            )
        graph = None
        if graph_file:
            if not Path(graph_file).is_file():
                raise GridJobsError(
                    translate(
                        "RunJobsAlgorithm", "Process graph file {path} does not exist."
                    ).format(path=graph_file)
                )
            graph = parse_process_graph(Path(graph_file).read_text())
        return JobTemplate(
            start=self._date(parameters, self.START_DATE, context),
            end=self._date(parameters, self.END_DATE, context),
            collection=text(self.COLLECTION),
            bands=[b.strip() for b in text(self.BANDS).split(",") if b.strip()],
            process=PROCESS_GRAPH if graph else PROCESS_UDP if udp else PROCESS_NDVI,
            process_graph=graph,
            udp_id=udp or None,
            udp_namespace=text(self.UDP_NAMESPACE) or None,
            out_format=OUTPUT_FORMATS[self.parameterAsEnum(parameters, self.FORMAT, context)],
            job_options=parse_job_options(text(self.JOB_OPTIONS)),
        ).validate()

    def _date(self: Any, parameters: dict[str, Any], name: str, context: Any) -> str:
        value = self.parameterAsDateTime(parameters, name, context).date()
        if not value.isValid():
            raise QgsProcessingException(
                translate("RunJobsAlgorithm", "{name} is not a date like 2024-05-01.").format(
                    name=name
                )
            )
        return str(value.toString("yyyy-MM-dd"))

    def job_db(self: Any, parameters: dict[str, Any], context: QgsProcessingContext) -> str:
        from ..core.job_db import kind_of

        path = self.parameterAsFileOutput(parameters, self.JOB_DB, context)
        if not path:
            raise QgsProcessingException(
                translate("RunJobsAlgorithm", "Choose the job database file (.csv or .parquet).")
            )
        kind_of(Path(path))  # an unknown extension fails here, before any work
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return str(path)

    def output_dir(self: Any, parameters: dict[str, Any], context: Any, job_db: str) -> str:
        folder = self.parameterAsFileOutput(parameters, self.OUTPUT_FOLDER, context)
        if folder:
            return str(folder)
        path = Path(job_db)
        return str(path.with_name(path.stem + "_results"))  # as the dock does

    def tiles(self: Any, parameters: dict[str, Any], context: Any) -> gpd.GeoDataFrame | None:
        from .run_inputs import source_tiles

        source = self.parameterAsSource(parameters, self.GRID, context)
        return None if source is None else source_tiles(source)

    def time_limits(self: Any, parameters: dict[str, Any], context: Any) -> dict[str, float]:
        """The run policy's time limits (seconds) from the hours given; empty or 0: none."""
        limits = {}
        for name, key in (("max_waiting", self.MAX_WAITING), ("max_running", self.MAX_RUNNING)):
            if parameters.get(key) in (None, ""):
                continue
            hours = self.parameterAsDouble(parameters, key, context)
            if hours > 0:
                limits[name] = hours * 3600
        return limits

    def parallel_jobs(self: Any, parameters: dict[str, Any], context: Any) -> int | None:
        if parameters.get(self.PARALLEL_JOBS) in (None, ""):
            return None
        return int(self.parameterAsInt(parameters, self.PARALLEL_JOBS, context))

    def poll_interval(self: Any, parameters: dict[str, Any], context: Any) -> float:
        value = self.parameterAsDouble(parameters, self.POLL_INTERVAL, context)
        if not math.isfinite(value) or value <= 0:
            raise QgsProcessingException(
                translate(
                    "RunJobsAlgorithm", "The poll interval must be > 0 seconds, got {value}."
                ).format(value=value)
            )
        return float(value)


def _json(value: dict[str, Any]) -> str:
    import json

    return json.dumps(value)
