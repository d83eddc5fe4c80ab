"""The parameters of ``runjobs`` and how they become a job template and a run.

The same choices as the dock's Jobs panel and the CLI's ``run``: the job
template (:class:`core.jobs.template.JobTemplate` checks it; its area sent, the
CLI's ``--extent``), the back-end, jobs at once, poll interval, job database and
results folder.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDateTime,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QDate

from ..core.definitions import (
    DEFAULT_BANDS,
    DEFAULT_COLLECTION,
    DEFAULT_END,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_START,
)
from ..core.jobs.template import DEFAULT_JOB_OPTIONS, EXTENTS, OUTPUT_FORMATS
from ..ui.i18n import translate
from .common import POLYGONS, QgsProcessingException

if TYPE_CHECKING:
    import geopandas as gpd

    from ..core.jobs.template import JobTemplate

JOB_DB_FILTER = "CSV (*.csv);;Parquet (*.parquet)"


class RunParameters:
    """Mixin of the run algorithm: its parameter names, their definitions and readers.

    Must come before :class:`QgsProcessingAlgorithm` in the bases; ``self`` is the
    algorithm (``addParameter``, ``parameterAs...``). Its words are the run algorithm's
    (translation context ``RunJobsAlgorithm``).
    """

    GRID = "GRID"
    ID_FIELD = "ID_FIELD"
    WINDOWS = "WINDOWS"
    AREA_SENT = "AREA_SENT"
    PARAMETERS = "PARAMETERS"
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
        # QGIS 3.22's name; the stubs know only QGIS 3.36's Qgis.ProcessingParameterFlag
        advanced = QgsProcessingParameterDefinition.Flag.FlagAdvanced  # type: ignore[attr-defined]
        number = QgsProcessingParameterNumber
        params = [
            QgsProcessingParameterFeatureSource(
                self.GRID,
                translate("RunJobsAlgorithm", "Units (a tile grid or any polygon layer)"),
                [POLYGONS],
                optional=True,
            ),
            QgsProcessingParameterField(
                self.ID_FIELD,
                translate("RunJobsAlgorithm", "Unit id field"),
                "tile_id",
                self.GRID,
                optional=True,
            ),
            QgsProcessingParameterString(
                self.CONNECTION,
                translate("RunJobsAlgorithm", "Connection (saved in the dock)"),
                default_connection() or None,
            ),
            QgsProcessingParameterString(
                self.COLLECTION, translate("RunJobsAlgorithm", "Collection"), DEFAULT_COLLECTION
            ),
            QgsProcessingParameterString(
                self.BANDS,
                translate("RunJobsAlgorithm", "Bands (red, NIR)"),
                ",".join(DEFAULT_BANDS),
            ),
            QgsProcessingParameterDateTime(
                self.START_DATE,
                translate("RunJobsAlgorithm", "Start date"),
                date,
                QDate.fromString(DEFAULT_START, "yyyy-MM-dd"),
            ),
            QgsProcessingParameterDateTime(
                self.END_DATE,
                translate("RunJobsAlgorithm", "End date (exclusive)"),
                date,
                QDate.fromString(DEFAULT_END, "yyyy-MM-dd"),
            ),
            QgsProcessingParameterString(
                self.WINDOWS,
                translate(
                    "RunJobsAlgorithm", "Time windows (instead of the dates; one job per window)"
                ),
                optional=True,
            ),
            QgsProcessingParameterEnum(
                self.AREA_SENT,
                translate("RunJobsAlgorithm", "Area sent"),
                [  # in the order of EXTENTS; the dock's words
                    translate("RunJobsAlgorithm", "Bounding box (the layer's CRS)"),
                    translate("RunJobsAlgorithm", "Polygon (GeoJSON, lon/lat)"),
                ],
                defaultValue=0,  # a bounding box, as before this choice
                optional=True,  # a model saved before it stays valid (and sends the bbox)
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
            QgsProcessingParameterString(
                self.PARAMETERS,
                translate("RunJobsAlgorithm", "Process parameters (JSON)"),
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
                DEFAULT_POLL_INTERVAL,
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
        from ..core.grid.windows import window_specs, windowed_dates
        from ..core.jobs.parameters import parse_parameter_map
        from ..core.jobs.template import (
            PROCESS_GRAPH,
            PROCESS_NDVI,
            PROCESS_UDP,
            JobTemplate,
            parse_job_options,
            parse_process_document,
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
        graph, declared = None, []
        if graph_file:
            if not Path(graph_file).is_file():
                raise GridJobsError(
                    translate(
                        "RunJobsAlgorithm", "Process graph file {path} does not exist."
                    ).format(path=graph_file)
                )
            graph, declared = parse_process_document(Path(graph_file).read_text())
        windows, start, end = [], "", ""
        if text(self.WINDOWS):  # the CLI's --windows specs, their period the dates
            windows, start, end = windowed_dates(window_specs(text(self.WINDOWS)))
        return JobTemplate(
            start=start or self._date(parameters, self.START_DATE, context),
            end=end or self._date(parameters, self.END_DATE, context),
            collection=text(self.COLLECTION),
            bands=[b.strip() for b in text(self.BANDS).split(",") if b.strip()],
            process=PROCESS_GRAPH if graph else PROCESS_UDP if udp else PROCESS_NDVI,
            process_graph=graph,
            udp_id=udp or None,
            udp_namespace=text(self.UDP_NAMESPACE) or None,
            out_format=OUTPUT_FORMATS[self.parameterAsEnum(parameters, self.FORMAT, context)],
            extent=EXTENTS[self.parameterAsEnum(parameters, self.AREA_SENT, context)],
            job_options=parse_job_options(text(self.JOB_OPTIONS)),
            windows=windows,
            parameters=parse_parameter_map(text(self.PARAMETERS)),
            process_parameters=declared,
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
        from ..core.jobs.database import kind_of

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

    def tiles(
        self: Any, parameters: dict[str, Any], context: Any, keep: Sequence[str] = ()
    ) -> gpd.GeoDataFrame | None:
        """The units of the GRID layer (any polygons), ids from ID_FIELD (``tile_id``
        when empty), with the fields ``keep`` bound to job parameters."""
        from .run_inputs import source_units

        source = self.parameterAsSource(parameters, self.GRID, context)
        if source is None:
            return None
        id_field = self.parameterAsString(parameters, self.ID_FIELD, context).strip()
        return source_units(source, id_field or "tile_id", keep)

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
