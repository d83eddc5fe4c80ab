"""``openeogridjobs:runjobs``: one openEO batch job per tile, as a Processing algorithm.

It starts the same run engine as the dock, in a process of its own
(:func:`~..core.engine.launch.launch_engine`), and watches it to its end: the same
job database lock, saved settings and resume rules, the same outputs (mosaic, STAC
catalog, failures grouped by reason, summary). Processing only supplies the
parameters and shows what the engine reports: progress (tiles final / total),
notices in the log, and Cancel, which stops the run as Stop does (the jobs go on on
the back-end; run again with the same job database to resume). The dock can watch
the same run meanwhile.
"""

from __future__ import annotations

import queue
from typing import TYPE_CHECKING, Any

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingOutputRasterLayer,
    QgsProcessingOutputString,
)
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP

from ..core.definitions import TileStatus
from ..core.errors import GridJobsError, LoginRequiredError
from ..ui.i18n import translate
from .common import GridJobsAlgorithm, QgsProcessingException, count_text, given_or_silent, reported
from .run_help import RUN_HELP
from .run_parameters import RunParameters

if TYPE_CHECKING:
    from ..core.engine.channel import ChannelClient

HOLDER = "QGIS Processing (openEO Grid Jobs)"
#: seconds the engine waits for this algorithm to attach
WAIT_FOR_VIEWER = 30.0
#: how often the algorithm looks at the Cancel button while it waits (seconds)
CANCEL_CHECK = 0.2
LOGIN_HINT = QT_TRANSLATE_NOOP(
    "RunJobsAlgorithm",
    "Log in in the plugin's dock, then run again with the same job database to resume.",
)


def login_hint() -> str:
    return translate("RunJobsAlgorithm", LOGIN_HINT)


class RunJobsAlgorithm(RunParameters, GridJobsAlgorithm):
    TOTAL = "TOTAL"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    NOT_FINAL = "NOT_FINAL"
    SUMMARY = "SUMMARY"
    MOSAIC = "MOSAIC"
    CATALOG = "CATALOG"
    TAGS = (*GridJobsAlgorithm.TAGS, "run", "ndvi", "sentinel-2", "job manager", "resume")
    NAME = "runjobs"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("RunJobsAlgorithm", "Run one openEO batch job per tile")
    DESCRIPTION = QT_TRANSLATE_NOOP(
        "RunJobsAlgorithm",
        "Submit and track one openEO batch job per grid tile; Cancel stops, rerun resumes.",
    )
    HELP = RUN_HELP

    def __init__(self) -> None:
        super().__init__()
        self._login: tuple[Any, Any, Any] | None = None
        self._proxy: Any = None

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:  # noqa: N802
        self.add_run_parameters()
        self.addOutput(QgsProcessingOutputNumber(self.TOTAL, self.tr("Tiles")))
        self.addOutput(QgsProcessingOutputNumber(self.FINISHED, self.tr("Tiles finished")))
        self.addOutput(QgsProcessingOutputNumber(self.FAILED, self.tr("Tiles failed")))
        self.addOutput(
            QgsProcessingOutputNumber(self.NOT_FINAL, self.tr("Tiles not final (stopped)"))
        )
        self.addOutput(QgsProcessingOutputString(self.SUMMARY, self.tr("Tiles per status")))
        self.addOutput(QgsProcessingOutputRasterLayer(self.MOSAIC, self.tr("NDVI mosaic")))
        self.addOutput(QgsProcessingOutputFile(self.CATALOG, self.tr("STAC catalog")))

    def prepareAlgorithm(  # noqa: N802 (QGIS API)
        self,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback | None,
    ) -> bool:
        """On the main thread: the saved connection and its login (QGIS may ask for
        its master password, which it can only do here)."""
        from ..ui.adapters.network_proxy import qgis_proxy
        from .run_inputs import saved_connection

        name = self.parameterAsString(parameters, self.CONNECTION, context)
        self._login = saved_connection(name, self.parallel_jobs(parameters, context))
        self._proxy = qgis_proxy()  # QGIS's proxy, its login from the auth database too
        return True

    def processAlgorithm(  # noqa: N802 (QGIS API)
        self,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback | None,
    ) -> dict[str, Any]:
        from ..core.engine.channel import ChannelClient
        from ..core.engine.config import RunConfig
        from ..core.engine.launch import launch_engine
        from ..core.engine.request import RunRequest

        feedback = given_or_silent(feedback)
        if self._login is None:
            raise QgsProcessingException(self.tr("The connection was not read (prepareAlgorithm)."))
        config, secrets, connection = self._login
        template = reported(lambda: self.template(parameters, context))
        job_db = reported(lambda: self.job_db(parameters, context))
        output_dir = self.output_dir(parameters, context, job_db)
        request = RunRequest(
            job_db,
            config=RunConfig(
                template,
                [config],
                self.poll_interval(parameters, context),
                output_dir,
                download=self.parameterAsBoolean(parameters, self.DOWNLOAD, context),
            ),
            tiles=reported(lambda: self.tiles(parameters, context, template.bound_columns())),
            secrets={config.name: secrets},
            retry_failed=self.parameterAsBoolean(parameters, self.RETRY_FAILED, context),
            holder=HOLDER,
            wait_for_viewer=WAIT_FOR_VIEWER,
            proxy=self._proxy,
            policy=self.time_limits(parameters, context),
        )
        events: queue.Queue[dict] = queue.Queue()
        try:
            launch_engine(request)
            client = ChannelClient.attach(job_db, events.put)
        except LoginRequiredError as exc:
            raise QgsProcessingException(f"{exc} {login_hint()}") from exc
        except GridJobsError as exc:
            raise QgsProcessingException(str(exc)) from exc
        ended = _watch(client, events, feedback, connection)
        results = self._results(job_db, ended, feedback)
        outputs = ended.get("outputs") or {}
        if outputs.get("mosaic"):
            from pathlib import Path

            from .common import load_mosaic_on_completion

            results[self.MOSAIC] = outputs["mosaic"]
            name = translate("Results", "{grid} — NDVI").format(grid=Path(job_db).stem)
            load_mosaic_on_completion(context, outputs["mosaic"], name)
        if outputs.get("catalog"):
            results[self.CATALOG] = outputs["catalog"]
        if outputs.get("output_dir"):
            results[self.OUTPUT_FOLDER] = outputs["output_dir"]
        summary = (ended.get("summary") or {}).get("text")
        if summary:
            feedback.pushInfo(summary)
        return results

    def _results(
        self, job_db: str, ended: dict[str, Any], feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        """The outputs, and what the user should read about how the run ended."""
        from ..core.definitions import FAILED_STATUSES, FINAL_STATUSES
        from ..core.engine.events import Outcome
        from ..core.engine.outputs import failure_text

        counts: dict[str, int] = ended.get("counts") or {}
        total = sum(counts.values())
        failed = sum(n for s, n in counts.items() if s in FAILED_STATUSES)
        not_final = sum(n for s, n in counts.items() if s not in FINAL_STATUSES)
        if ended.get("outcome") == Outcome.STOPPED and not_final:
            feedback.pushWarning(
                self.tr(
                    "Stopped with {not_final} of {total} tiles not final. Their jobs keep running "
                    "on the back-end: run again with the same job database ({job_db}) to resume."
                ).format(not_final=not_final, total=total, job_db=job_db)
            )
        problems = [p for p in ended.get("problems") or [] if p["reason"] != "canceled by you"]
        if problems:
            feedback.pushWarning(failure_text(problems))
        return {
            self.JOB_DB: job_db,
            self.TOTAL: total,
            self.FINISHED: counts.get(TileStatus.FINISHED, 0),
            self.FAILED: failed,
            self.NOT_FINAL: not_final,
            self.SUMMARY: count_text(counts),
        }


def _watch(
    client: ChannelClient, events: queue.Queue, feedback: QgsProcessingFeedback, connection: Any
) -> dict[str, Any]:
    """Follow the run to its ENDED event; Cancel stops it (the engine writes what it has)."""
    from ..core.engine.channel import LOST
    from ..core.engine.events import Command, ErrorKind, EventKind, Outcome, hello_windowed
    from .run_inputs import keep_token

    progress = _Progress(feedback)
    stop_sent = False
    try:
        while True:
            try:
                message = events.get(timeout=CANCEL_CHECK)
            except queue.Empty:
                message = None
            if feedback.isCanceled() and not stop_sent:
                stop_sent = client.send({"op": str(Command.STOP)})
            if message is None:
                continue
            kind = message.get("kind")
            if kind == EventKind.HELLO:
                progress.windowed = hello_windowed(message)
            if kind in (EventKind.UPDATES, EventKind.HELLO):
                progress(message["counts"])
            elif kind == EventKind.NOTICE:
                progress.event(message["level"], message["message"])
            elif kind == EventKind.LOGIN and message.get("message"):
                feedback.pushWarning(f"{message['message']} {login_hint()}")
            elif kind == EventKind.RENEWED_LOGIN:
                from ..core.backends.device_login import RefreshToken

                token = RefreshToken(
                    message["issuer"], message["client_id"], message["refresh_token"]
                )
                keep_token(connection, token)
            elif kind == LOST:
                raise QgsProcessingException(
                    translate(
                        "RunJobsAlgorithm",
                        "The run's engine stopped without finishing (killed?). Run again with the "
                        "same job database to resume: every tile keeps its one job.",
                    )
                )
            elif kind == EventKind.ENDED:
                if message.get("outcome") == Outcome.FAILED:
                    error = message.get("error") or {}
                    hint = (
                        f" {login_hint()}" if error.get("kind") == ErrorKind.LOGIN_REQUIRED else ""
                    )
                    raise QgsProcessingException(f"{message.get('message')}{hint}")
                progress(message["counts"])
                return message
    finally:
        client.detach()


class _Progress:
    """The run's counts as Processing progress (tiles final / total) and log lines; a run
    with time windows counts its rows as jobs, each one (unit, window)."""

    def __init__(self, feedback: QgsProcessingFeedback) -> None:
        self.feedback = feedback
        self.last: dict[str, int] | None = None
        self.windowed = False

    def __call__(self, counts: dict[str, int]) -> None:
        from ..core.definitions import FINAL_STATUSES

        if counts == self.last:
            return
        self.last = dict(counts)
        total = sum(counts.values()) or 1
        final = sum(n for s, n in counts.items() if s in FINAL_STATUSES)
        self.feedback.setProgress(100.0 * final / total)
        if self.windowed:
            short = translate("RunJobsAlgorithm", "{final} / {total} jobs final")
            long = translate("RunJobsAlgorithm", "{final} / {total} jobs final: {statuses}")
        else:
            short = translate("RunJobsAlgorithm", "{final} / {total} tiles final")
            long = translate("RunJobsAlgorithm", "{final} / {total} tiles final: {statuses}")
        self.feedback.setProgressText(short.format(final=final, total=total))
        self.feedback.pushInfo(long.format(final=final, total=total, statuses=count_text(counts)))

    def event(self, level: str, message: str) -> None:
        """Outages and their end, duplicates removed...: said once, as in the dock."""
        if level in ("warning", "error"):
            self.feedback.pushWarning(message)
        else:
            self.feedback.pushInfo(message)
