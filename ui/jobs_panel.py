"""The dock's run controls: Run / Stop / Refresh / Retry failed / Cancel jobs, progress.

Everything that talks to a back-end or touches the job database runs in a
:class:`~.run_worker.RunThread`; this panel starts it with what
:class:`~.run_inputs.RunInputs` reads from the pages, applies its status batches
to the grid layer and always says whether the map is being tracked. What the
panel wires in lives beside it: opening runs (:mod:`.run_opener`), what a run
asks the user (:mod:`.run_prompts`), canceling (:mod:`.job_cancel`) and the
message bar (:mod:`.run_messages`). Its *Job* and *Run* pages are shown by the
dock as tabs, while the controls stay in view below them.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from qgis.core import Qgis, QgsProject, QgsVectorLayer
from qgis.gui import QgisInterface
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QTimer, pyqtSignal
from qgis.PyQt.QtWidgets import QVBoxLayout, QWidget

from ..core.errors import GridJobsError, LoginRequiredError
from .backends_widget import BackendsWidget
from .grid_layer import ensure_job_fields
from .job_cancel import cancel_jobs
from .layer_feed import LayerFeed
from .mosaic_updates import MosaicUpdates
from .problems_controller import ProblemsController
from .problems_page import ProblemsPage
from .project_runs import (
    ACTIVE_RUN_KEY,
    JOB_DB_PROPERTY,
    SCOPE,
    RunEntry,
    default_job_db,
    job_db_of,
    read_runs,
    remember_run,
    results_dir,
    run_layers,
)
from .run_buttons import RunButtons
from .run_inputs import RunInputs
from .run_messages import RunMessages
from .run_opener import RunOpener
from .run_page import RunPage
from .run_prompts import RunPrompts
from .run_status import RunStatus
from .run_worker import BackgroundCall, RunThread, warm_up_imports
from .template_form import TemplateForm

COUNT_AGAIN_MS = 500


class JobsPanel(QWidget):
    """Run one openEO batch job per tile of the current grid layer."""

    run_finished = pyqtSignal(dict)
    #: a run's layer was opened (from a job database, the project's runs, a reopened
    #: project): the dock makes it the grid every panel works on
    job_db_opened = pyqtSignal(QgsVectorLayer)

    def __init__(self, iface: QgisInterface, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.iface = iface
        self.messages = RunMessages(iface)
        self.layer: QgsVectorLayer | None = None
        self.layer_feed = LayerFeed(self._applied, self)  # status batches into the layer
        self.thread: RunThread | None = None
        #: what the worker does: "run", "refresh" or "cancel"
        self.action = "run"

        # --- pages (the dock shows them as tabs) ---
        self.job_page = QWidget()
        job_layout = QVBoxLayout(self.job_page)
        self.backends = BackendsWidget(self.job_page)
        self.backends.setObjectName("backendsWidget")
        self.backends.message.connect(self.messages.say)
        job_layout.addWidget(self.backends)
        self.form = TemplateForm(self.job_page)
        job_layout.addWidget(self.form)
        job_layout.addStretch(1)
        self.run_page = RunPage()
        self.job_db = self.run_page.job_db
        self.poll_interval = self.run_page.poll_interval

        # --- controls (always in view) ---
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.buttons = RunButtons(self)
        layout.addWidget(self.buttons)
        self.run_button = self.buttons.run
        self.stop_button = self.buttons.stop
        self.refresh_button = self.buttons.refresh
        self.retry_button = self.buttons.retry
        self.cancel_button = self.buttons.cancel
        self.status = RunStatus(self)
        layout.addWidget(self.status, 1)  # as in one grid: the buttons keep their height
        self.progress = self.status.progress
        self.counts_label = self.status.counts_label
        self.summary_label = self.status.summary_label
        self.tracking_label = self.status.tracking_label

        self.run_button.clicked.connect(lambda: self.start_run())
        self.retry_button.clicked.connect(lambda: self.start_run(retry_failed=True))
        self.stop_button.clicked.connect(self.stop_run)
        self.refresh_button.clicked.connect(self.refresh_statuses)
        self.cancel_button.clicked.connect(lambda: cancel_jobs(self))
        self.run_page.results_button.clicked.connect(self.load_results)
        self.inputs = RunInputs(self.backends, self.form, self.run_page, self)
        self.prompts = RunPrompts(self.backends, self.messages.say, self)
        self.prompts.answered.connect(lambda run_kwargs: self.start_run(**run_kwargs))
        self.opener = RunOpener(self)
        self.mosaic = MosaicUpdates(self)
        self.problems_page = ProblemsPage()
        self.problems = ProblemsController(self, self.problems_page)
        self.problems_page.split_requested.connect(self.split_and_retry)
        self.mosaic.failed.connect(lambda text: self.messages.say(text, Qgis.MessageLevel.Warning))
        self._update_enabled()
        self.show_runs()
        # while the user fills in the form: nothing to report, failures show at Run
        self._warm_up = BackgroundCall(warm_up_imports, lambda _: None, lambda _: None, self)
        if run_layers(QgsProject.instance()):  # the dock opened after a project was read
            self.opener.project_read()

    # --- state -------------------------------------------------------------------------
    def _update_enabled(self) -> None:
        running = self.is_running()
        has_layer = self.layer is not None
        self.buttons.update_enabled(running, has_layer)
        self.run_page.open_button.setEnabled(not running)
        self.run_page.open_run_button.setEnabled(not running and self.run_page.runs.count() > 0)
        self.run_page.results_button.setEnabled(has_layer)

    def is_running(self) -> bool:
        return self.thread is not None and self.thread.is_running()

    def set_grid_layer(self, layer: QgsVectorLayer | None) -> None:
        """The grid whose tiles get jobs; its job database is remembered on the layer."""
        if self.is_running() and layer is not None:
            return  # a run keeps its grid; the new one is picked up after it
        if layer is not self.layer:
            self.status.forget()
            self.run_page.run_budget = None  # a new grid's run has no cap to lift
        self.layer = layer
        self.layer_feed.follow(layer)
        if layer is not None:
            path = job_db_of(layer)
            if path is None:  # a new grid: a new job database (saved with the project)
                path = default_job_db(layer.name())
                layer.setCustomProperty(JOB_DB_PROPERTY, str(path))
            self.job_db.setFilePath(str(path))
        self._update_enabled()
        self.show_tracking()
        if layer is None or not Path(self.job_db.filePath()).exists():
            self.problems.clear()  # a new grid: nothing failed yet

    # --- what the map shows ----------------------------------------------------------
    def show_tracking(self, running: bool | None = None) -> None:
        """The tracking line and legend marks (``running=False``: the run just ended)."""
        running = self.is_running() if running is None else running
        self.status.show_tracking(self.layer, running)
        if not running and self.layer is not None:
            # the legend's counts: a count still running from the last batch reports
            # the tiles as they were; count again once it is done
            QTimer.singleShot(COUNT_AGAIN_MS, self._recount)
        self._refresh_legend()

    def _recount(self) -> None:
        from .layer_updates import refresh_symbol_counts

        if not sip.isdeleted(self) and self.layer is not None and not sip.isdeleted(self.layer):
            refresh_symbol_counts(self.layer)
            self._refresh_legend()

    def _refresh_legend(self) -> None:
        view = self.iface.layerTreeView() if hasattr(self.iface, "layerTreeView") else None
        if view is not None and self.layer is not None:
            view.refreshLayerSymbology(self.layer.id())

    def show_runs(self) -> None:
        self.run_page.show_runs(read_runs(QgsProject.instance()))
        self._update_enabled()

    def _remember(self, counts: dict | None = None) -> None:
        """Keep this run in the project's list (and as the one the dock shows on reopen)."""
        if self.layer is None:
            return
        project = QgsProject.instance()
        job_db = self.job_db.filePath()
        counts = counts or {}
        tiles = sum(counts.values()) or self.layer.featureCount()
        remember_run(project, RunEntry(job_db, self.layer.name(), tiles, counts, time.time()))
        project.writeEntry(SCOPE, ACTIVE_RUN_KEY, job_db)
        self.show_runs()

    # --- actions ------------------------------------------------------------------------------
    def start_run(self, *, retry_failed: bool = False, **extra) -> bool:
        """Start the worker: a run, or (``extra``) a refresh, a cancel, a mapped resume."""
        if self.is_running():
            return False
        try:
            request = self.inputs.request(self.layer, retry_failed=retry_failed, **extra)
        except LoginRequiredError as exc:
            self.prompts.ask_login(exc.backend, str(exc), dict(retry_failed=retry_failed, **extra))
            return False
        except GridJobsError as exc:
            self.messages.say(str(exc), Qgis.MessageLevel.Warning)
            return False
        if request.run_config is not None:
            self.inputs.save_settings()
        self.layer.setCustomProperty(JOB_DB_PROPERTY, request.job_db)
        if self.layer_feed.updater is None:
            ensure_job_fields(self.layer)
            self.layer_feed.prepare()
        self.mosaic.follow(self.layer, results_dir(request.job_db))
        self.thread = RunThread(request, self)
        self.thread.worker.updates.connect(self._on_updates)
        self.thread.worker.done.connect(self._on_done)
        self.thread.worker.failed.connect(self._on_failed)
        self.thread.worker.notice.connect(self.messages.event)
        self.thread.worker.summary.connect(self.status.summary_label.setText)
        self.thread.worker.tiles_split.connect(self._tiles_split)
        self.thread.worker.login_required.connect(
            lambda name, why: self.prompts.ask_login(
                name, why, dict(retry_failed=retry_failed, **extra)
            )
        )
        self.thread.worker.mapping_required.connect(
            lambda unknown, names: self._ask_mapping(
                unknown, names, dict(retry_failed=retry_failed, **extra)
            )
        )
        self.thread.thread.finished.connect(self._update_enabled)
        self.thread.thread.finished.connect(self.show_tracking)
        self.progress.setRange(0, self.layer.featureCount())
        self.status.forget()
        self.action = (
            "refresh"
            if request.refresh_only
            else "cancel"
            if request.cancel_all or request.cancel_only is not None
            else "run"
        )
        self.thread.start()
        self._update_enabled()
        self.show_tracking()
        if request.run_config is not None:
            self._remember()
            budget = request.run_config.budget  # "no cap" later lifts this one
            if budget is not None:
                self.run_page.run_budget = None if math.isinf(budget) else budget
        self.messages.started(request, self.layer.featureCount())
        return True

    def _ask_mapping(self, unknown: list, names: list, run_kwargs: dict) -> None:
        """The worker ended to ask for a back-end mapping: the run did not start."""
        self.prompts.ask_mapping(unknown, names, run_kwargs)
        self.run_finished.emit({})

    def stop_run(self) -> None:
        if self.thread is not None:
            self.thread.stop()
            self.messages.say(
                "Stopping: jobs keep running on the back-end.", Qgis.MessageLevel.Info
            )

    def split_and_retry(self, tile_ids: list[str]) -> bool:
        """Replace these failed tiles by their four quarters and run them (with the rest)."""
        if not tile_ids:
            return False
        started = self.start_run(split=list(tile_ids))
        if started:
            self.messages.say(
                f"Splitting {len(tile_ids)} tiles into {4 * len(tile_ids)} quarter tiles "
                "and running them.",
                Qgis.MessageLevel.Info,
            )
        return started

    def _tiles_split(self, parents: list, quarters) -> None:
        """The run replaced ``parents`` by ``quarters`` (job table rows): so does the map."""
        from .grid_layer import replace_tiles, table_tiles

        if self.layer is None:
            return
        replace_tiles(self.layer, parents, table_tiles(quarters))
        self.layer_feed.reindex()  # new tiles: new feature ids
        self.progress.setRange(0, self.layer.featureCount())

    def refresh_statuses(self) -> bool:
        """Poll the run's jobs once and show their statuses; submit and start nothing."""
        return self.start_run(refresh_only=True)

    # --- runs of the project and job databases ------------------------------------------
    def open_job_db(self, path: str, *, zoom: bool = True) -> None:
        """Show the run kept in ``path`` on the map and make it the dock's run."""
        self.opener.open_job_db(path, zoom=zoom)

    def attach(self, path: str, layer: QgsVectorLayer, opened, *, zoom: bool) -> None:
        """Make ``layer`` the dock's run, as it was when it was made (called by run_opener)."""
        self.job_db_opened.emit(layer)  # the dock: every panel works on it now
        self.set_grid_layer(layer)
        self.job_db.setFilePath(path)
        ensure_job_fields(layer)
        self.layer_feed.reindex()
        self.layer_feed.updater.apply(opened.updates)
        self.mosaic.follow(layer, results_dir(path))
        self.mosaic.add(opened.updates)
        self.mosaic.run_ended()  # not running: its mosaic is written at once
        if opened.template is not None:
            self.form.show_template(opened.template)  # Run resumes with the run's settings
            self.run_page.show_budget(opened.budget)
        self.show_counts(opened.counts)
        self.summary_label.setText(opened.summary)
        self.status.ended(opened.counts, opened.modified)
        self.show_tracking()
        self.problems.refresh()
        self._remember(opened.counts)
        if zoom:
            from .canvas import zoom_to

            zoom_to(self.iface, layer)

    def load_results(self) -> list:
        """Add every finished tile's downloaded result as a raster layer, in one group."""
        from .results import add_results

        if self.layer is None:
            return []
        layers, problems, available = add_results(self.layer)
        self.messages.results_loaded(len(layers), problems, available)
        return layers

    # --- results from the worker (main thread) ------------------------------------------------
    def _on_updates(self, batch: list, counts: dict) -> None:
        self.layer_feed.add(batch)
        self.show_counts(counts)
        if self.is_running():
            self.status.updated()

    def _applied(self, batch: list) -> None:
        self._refresh_legend()
        self.mosaic.add(batch)
        self.problems.updated(batch)

    def show_counts(self, counts: dict) -> None:
        self.status.show_counts(counts)

    def _on_done(self, counts: dict) -> None:
        self.mosaic.run_ended()
        self.show_counts(counts)
        self.messages.ended(counts, self.action)
        self.status.ended(counts)
        self.show_tracking(running=False)
        self.problems.refresh()
        self._remember(counts)
        self.run_finished.emit(counts)

    def _on_failed(self, message: str) -> None:
        self.mosaic.run_ended()
        ran = self.layer is not None and Path(self.job_db.filePath()).exists()
        if ran:
            self.status.ended({"unknown": 1})  # statuses as last seen, not tracked
        else:
            self.status.forget()
        self.show_tracking(running=False)
        self.messages.say(message, Qgis.MessageLevel.Critical)
        self.run_finished.emit({})

    def shutdown(self) -> None:
        """Stop the run (jobs go on on the back-end) and let every thread end.

        A QThread destroyed while running aborts QGIS, so unloading the plugin
        waits (briefly: the run loop ends within a tick) for each of them.
        """
        if self.thread is not None:
            self.thread.stop()
            self.thread.wait(2000)
        self.backends.shutdown()
        self.mosaic.stop(10_000)
        self.layer_feed.stop(10_000)
        self.problems.stop(10_000)
        self._warm_up.thread.wait(10_000)
        self.opener.stop(10_000)
