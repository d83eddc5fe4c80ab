"""``openeogridjobs:runjobs``: one openEO batch job per tile, as a Processing algorithm.

It opens the same :class:`core.run_session.RunSession` as the dock and the CLI
(the job database locked for the run's life, its settings saved beside it,
resume rules and all) and runs the same :class:`core.runner.GridJobRunner`:
Processing only supplies the parameters, the progress bar and the Cancel button.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingOutputRasterLayer,
    QgsProcessingOutputString,
)
from qgis.PyQt.QtCore import Qt

from ..core.errors import GridJobsError, LoginRequiredError
from .common import GridJobsAlgorithm, count_text, reported
from .run_parameters import RUN_HELP, RunParameters

if TYPE_CHECKING:
    from ..core.runner import GridJobRunner, RunEvent

HOLDER = "QGIS Processing (openEO Grid Jobs)"


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
    DISPLAY_NAME = "Run one openEO batch job per tile"
    DESCRIPTION = (
        "Submit and track one openEO batch job per grid tile; Cancel stops, rerun resumes."
    )
    HELP = RUN_HELP

    def __init__(self) -> None:
        super().__init__()
        self._backend: Any = None
        self._backend_config: Any = None

    def initAlgorithm(self, config: dict[str, Any] | None = None) -> None:  # noqa: N802
        self.add_run_parameters()
        self.addOutput(QgsProcessingOutputNumber(self.TOTAL, "Tiles"))
        self.addOutput(QgsProcessingOutputNumber(self.FINISHED, "Tiles finished"))
        self.addOutput(QgsProcessingOutputNumber(self.FAILED, "Tiles failed"))
        self.addOutput(QgsProcessingOutputNumber(self.NOT_FINAL, "Tiles not final (stopped)"))
        self.addOutput(QgsProcessingOutputString(self.SUMMARY, "Tiles per status"))
        self.addOutput(QgsProcessingOutputRasterLayer(self.MOSAIC, "NDVI mosaic"))
        self.addOutput(QgsProcessingOutputFile(self.CATALOG, "STAC catalog"))

    def prepareAlgorithm(  # noqa: N802 (QGIS API)
        self,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback,
    ) -> bool:
        """On the main thread: the saved connection and its login (QGIS may ask for
        its master password, which it can only do here)."""
        from .run_inputs import saved_backend

        name = self.parameterAsString(parameters, self.CONNECTION, context)
        self._backend, self._backend_config = saved_backend(
            name, self.parallel_jobs(parameters, context)
        )
        return True

    def processAlgorithm(  # noqa: N802 (QGIS API)
        self,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback,
    ) -> dict[str, Any]:
        from ..core.run_config import RunConfig
        from ..core.run_session import RunSession
        from ..core.run_summary import RunSummary

        template = reported(lambda: self.template(parameters, context))
        job_db = reported(lambda: self.job_db(parameters, context))
        output_dir = self.output_dir(parameters, context, job_db)
        tiles = self.tiles(parameters, context)
        config = RunConfig(
            template, [self._backend_config], self.poll_interval(parameters, context), output_dir
        )
        retry = self.parameterAsBoolean(parameters, self.RETRY_FAILED, context)
        stop = threading.Event()
        # Cancel = Stop (the jobs go on on the back-end). Direct: Cancel is pressed on the
        # main thread, and this task's thread has no event loop to deliver a queued call.
        feedback.canceled.connect(stop.set, Qt.ConnectionType.DirectConnection)
        if feedback.isCanceled():
            stop.set()
        try:
            with reported(
                lambda: RunSession.open(
                    job_db, holder=HOLDER, config=config, tiles=tiles, retry_failed=retry
                )
            ) as session:
                for note in session.notes:
                    feedback.pushInfo(note)
                progress = _Progress(feedback)
                runner: GridJobRunner = reported(
                    lambda: session.runner(
                        [self._backend],
                        on_update=lambda _: progress(runner.counts()),
                        on_event=progress.event,
                    )
                )
                progress(runner.counts())
                started = time.time()
                counts = reported(lambda: runner.run(stop))
                frame = session.frame
                output_dir = session.config.output_dir or output_dir
        except LoginRequiredError as exc:
            raise QgsProcessingException(
                f"{exc} Log in in the plugin's dock, then run again with the same job "
                "database to resume."
            ) from exc
        finally:
            feedback.canceled.disconnect(stop.set)
        results = self._results(
            job_db, output_dir, counts, frame, stopped=stop.is_set(), feedback=feedback
        )
        results.update(self._write_outputs(frame, output_dir, job_db, context, feedback))
        parallel = self._backend_config.parallel_jobs
        feedback.pushInfo(RunSummary.from_frame(frame, started=started, parallel=parallel).text())
        return results

    def _write_outputs(
        self,
        frame: Any,
        output_dir: str | None,
        job_db: str,
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback,
    ) -> dict[str, str]:
        """The NDVI mosaic (``mosaic.vrt``) and the STAC catalog in the results folder, as
        the CLI and the dock leave them; a failure is a warning (the run went as it went)."""
        from ..core.mosaic import MOSAIC_NAME, finished_results, write_mosaic
        from ..core.stac_catalog import write_catalog
        from .common import load_mosaic_on_completion

        results = finished_results(frame)
        if not output_dir or not results:
            return {}
        written: dict[str, str] = {}
        try:
            mosaic = write_mosaic(results, Path(output_dir) / MOSAIC_NAME)
            if mosaic is not None:
                written[self.MOSAIC] = str(mosaic)
                load_mosaic_on_completion(context, str(mosaic), f"{Path(job_db).stem} — NDVI")
        except GridJobsError as exc:
            feedback.pushWarning(f"No mosaic: {exc}")
        try:
            written[self.CATALOG] = str(write_catalog(frame, output_dir))
        except GridJobsError as exc:
            feedback.pushWarning(f"No STAC catalog: {exc}")
        return written

    def _results(
        self,
        job_db: str,
        output_dir: str | None,
        counts: dict[str, int],
        frame: Any,
        *,
        stopped: bool,
        feedback: QgsProcessingFeedback,
    ) -> dict[str, Any]:
        """The outputs, and what the user should read about how the run ended."""
        from ..core.cli_run import failure_summary
        from ..core.definitions import FAILED_STATUSES, FINAL_STATUSES

        total = sum(counts.values())
        failed = sum(n for s, n in counts.items() if s in FAILED_STATUSES)
        not_final = sum(n for s, n in counts.items() if s not in FINAL_STATUSES)
        if stopped and not_final:
            feedback.pushWarning(
                f"Stopped with {not_final} of {total} tiles not final. Their jobs keep running "
                f"on the back-end: run again with the same job database ({job_db}) to resume."
            )
        if failed:
            failed_rows = frame["status"].isin(list(FAILED_STATUSES))
            feedback.pushWarning(failure_summary(frame.loc[failed_rows, "message"]))
        results: dict[str, Any] = {
            self.JOB_DB: job_db,
            self.TOTAL: total,
            self.FINISHED: counts.get("finished", 0),
            self.FAILED: failed,
            self.NOT_FINAL: not_final,
            self.SUMMARY: count_text(counts),
        }
        if output_dir:
            results[self.OUTPUT_FOLDER] = output_dir
        return results


class _Progress:
    """The run's counts as Processing progress (tiles final / total) and log lines."""

    def __init__(self, feedback: QgsProcessingFeedback) -> None:
        self.feedback = feedback
        self.last: dict[str, int] | None = None

    def __call__(self, counts: dict[str, int]) -> None:
        from ..core.definitions import FINAL_STATUSES

        if counts == self.last:
            return
        self.last = dict(counts)
        total = sum(counts.values()) or 1
        final = sum(n for s, n in counts.items() if s in FINAL_STATUSES)
        self.feedback.setProgress(100.0 * final / total)
        self.feedback.setProgressText(f"{final} / {total} tiles final")
        self.feedback.pushInfo(f"{final} / {total} tiles final: {count_text(counts)}")

    def event(self, event: RunEvent) -> None:
        """Outages and their end, duplicates removed...: said once, as in the dock."""
        if event.level in ("warning", "error"):
            self.feedback.pushWarning(event.message)
        else:
            self.feedback.pushInfo(event.message)
