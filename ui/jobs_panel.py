"""The dock's run controls: Run / Stop / Refresh / Retry failed / Cancel jobs, progress.

Everything that talks to a back-end or touches the job database runs in a
:class:`~.run_worker.RunThread`; this panel gathers input, shows progress,
applies status batches to the grid layer and always says whether the map is
being tracked. Its *Job* and *Run* pages are shown by the dock as tabs, while
the controls stay in view below them.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from qgis.core import Qgis, QgsProject, QgsSettings, QgsVectorLayer
from qgis.gui import QgisInterface
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QTimer, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QGridLayout,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core.backend import LoginRequiredError
from ..core.definitions import ACTIVE_STATUSES, FAILED_STATUSES, FINAL_STATUSES, PLUGIN_NAME
from ..core.errors import GridJobsError
from ..core.job_db import kind_of
from .backends_widget import BackendsWidget
from .grid_layer import ensure_job_fields
from .layer_updates import GridLayerUpdater
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
from .run_page import RunPage
from .run_status import RunStatus
from .run_worker import BackgroundCall, Relay, RunRequest, RunThread, layer_tiles, warm_up_imports
from .template_form import SETTINGS, TemplateForm

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
        self.layer: QgsVectorLayer | None = None
        self.updater: GridLayerUpdater | None = None
        self.thread: RunThread | None = None
        #: what the worker does: "run", "refresh" or "cancel"
        self.action = "run"

        # --- pages (the dock shows them as tabs) ---
        self.job_page = QWidget()
        job_layout = QVBoxLayout(self.job_page)
        self.backends = BackendsWidget(self.job_page)
        self.backends.setObjectName("backendsWidget")
        self.backends.message.connect(self._message)
        self.backends.logged_in.connect(self._logged_in)
        job_layout.addWidget(self.backends)
        self.form = TemplateForm(self.job_page)
        job_layout.addWidget(self.form)
        job_layout.addStretch(1)
        self.run_page = RunPage()
        self.job_db = self.run_page.job_db
        self.poll_interval = self.run_page.poll_interval

        # --- controls (always in view) ---
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.run_button = self._button("Run", "run", "Submit and track the tiles' jobs")
        self.stop_button = self._button(
            "Stop", "stop", "Stop tracking; jobs keep running on the back-end"
        )
        self.refresh_button = self._button(
            "Refresh", "refreshStatuses", "Ask the back-end once for the jobs' statuses"
        )
        self.retry_button = self._button("Retry failed", "retryFailed", "Resubmit failed tiles")
        self.cancel_button = self._button(
            "Cancel jobs", "cancelJobs", "Cancel the back-end jobs of the selected tiles (or all)"
        )
        for column, button in enumerate((self.run_button, self.stop_button, self.refresh_button)):
            grid.addWidget(button, 0, column)
        grid.addWidget(self.retry_button, 1, 0)
        grid.addWidget(self.cancel_button, 1, 1)
        self.status = RunStatus(self)
        grid.addWidget(self.status, 2, 0, 1, 3)
        self.progress = self.status.progress
        self.counts_label = self.status.counts_label
        self.summary_label = self.status.summary_label
        self.tracking_label = self.status.tracking_label

        self.run_button.clicked.connect(lambda: self.start_run())
        self.retry_button.clicked.connect(lambda: self.start_run(retry_failed=True))
        self.stop_button.clicked.connect(self.stop_run)
        self.refresh_button.clicked.connect(self.refresh_statuses)
        self.cancel_button.clicked.connect(self.cancel_jobs)
        self.run_page.open_button.clicked.connect(self.ask_open_job_db)
        self.run_page.results_button.clicked.connect(self.load_results)
        self.run_page.open_run_button.clicked.connect(self.open_selected_run)
        self._loader: BackgroundCall | None = None
        self.mosaic = MosaicUpdates(self)
        self.problems_page = ProblemsPage()
        self.problems = ProblemsController(self, self.problems_page)
        self.problems_page.split_requested.connect(self.split_and_retry)
        self.mosaic.failed.connect(lambda text: self._message(text, Qgis.MessageLevel.Warning))
        self._relays: list = []
        self._after_login: tuple[str, dict] | None = None
        self.map_dialog = None
        project = QgsProject.instance()
        project.readProject.connect(self._project_read)
        project.cleared.connect(self._project_cleared)
        self._update_enabled()
        self.show_runs()
        # while the user fills in the form: nothing to report, failures show at Run
        self._warm_up = BackgroundCall(warm_up_imports, lambda _: None, lambda _: None, self)
        if run_layers(project):  # the dock opened after a project with runs was read
            self._project_read()

    def _button(self, text: str, name: str, tip: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setToolTip(tip)
        return button

    # --- state -------------------------------------------------------------------------
    def _update_enabled(self) -> None:
        running = self.is_running()
        has_layer = self.layer is not None
        self.run_button.setEnabled(not running and has_layer)
        self.retry_button.setEnabled(not running and has_layer)
        self.refresh_button.setEnabled(not running and has_layer)
        self.stop_button.setEnabled(running)
        self.cancel_button.setEnabled(has_layer)
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
        self.updater = None
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

    def run_backends(self) -> tuple[list, list]:
        """The ticked back-ends as runner back-ends, and their configs for the run settings."""
        from .run_backends import runner_backends

        for relay in self._relays:  # the previous run has ended: its relays are unused
            relay.deleteLater()
        self._relays.clear()
        return runner_backends(self.backends.enabled_connections(), self._token_keeper)

    def _token_keeper(self, connection):
        """Refresh tokens renewed during a run (any thread) saved on the main thread."""
        from .connections import keep_refresh_token

        relay = Relay(lambda token: keep_refresh_token(connection, token), self)
        self._relays.append(relay)
        return relay

    def save_settings(self) -> None:
        """Remember the form for the next session (back-ends are saved connections)."""
        settings = QgsSettings()
        values = {**self.form.values(), "poll_interval": self.poll_interval.value()}
        for key, value in values.items():
            settings.setValue(SETTINGS + key, value)

    def _job_db_path(self) -> str:
        job_db = self.job_db.filePath().strip()
        if not job_db:
            raise GridJobsError("Choose where to keep the job database (.csv or .parquet).")
        kind_of(Path(job_db))  # an unknown extension fails here, before any work
        return job_db

    def _request(self, **extra) -> RunRequest:
        """Gather a run request on the main thread: form values and the tiles (in memory).

        Refresh and Cancel work on the run as it was saved: the form is not read,
        so a form changed since cannot make them refuse or alter the run.
        """
        from ..core.run_config import RunConfig

        if self.layer is None:
            raise GridJobsError("Create a grid first (or open a job database).")
        job_db = self._job_db_path()
        if extra.get("refresh_only") or extra.get("cancel_all") or extra.get("cancel_only"):
            if not Path(job_db).exists():
                raise GridJobsError("This grid has not been run yet: nothing to ask the back-end.")
            backends, _ = self.run_backends()
            return RunRequest(job_db=job_db, backends=backends, run_config=None, **extra)
        template = self.form.template()
        backends, configs = self.run_backends()
        output_dir = str(results_dir(job_db))
        run_config = RunConfig(
            template,
            configs,
            self.poll_interval.value(),
            output_dir,
            budget=self.run_page.budget_value(),
        )
        return RunRequest(
            job_db=job_db,
            backends=backends,
            run_config=run_config,
            tiles=layer_tiles(self.layer),
            **extra,
        )

    # --- actions ------------------------------------------------------------------------------
    def start_run(self, *, retry_failed: bool = False, **extra) -> bool:
        """Start the worker: a run, or (``extra``) a refresh, a cancel, a mapped resume."""
        if self.is_running():
            return False
        try:
            request = self._request(retry_failed=retry_failed, **extra)
        except LoginRequiredError as exc:
            self._ask_login(exc.backend, str(exc), dict(retry_failed=retry_failed, **extra))
            return False
        except GridJobsError as exc:
            self._message(str(exc), Qgis.MessageLevel.Warning)
            return False
        if request.run_config is not None:
            self.save_settings()
        self.layer.setCustomProperty(JOB_DB_PROPERTY, request.job_db)
        if self.updater is None:
            ensure_job_fields(self.layer)
            self.updater = GridLayerUpdater(self.layer)
        self.mosaic.follow(self.layer, results_dir(request.job_db))
        self.thread = RunThread(request, self)
        self.thread.worker.updates.connect(self._on_updates)
        self.thread.worker.done.connect(self._on_done)
        self.thread.worker.failed.connect(self._on_failed)
        self.thread.worker.notice.connect(self._on_event)
        self.thread.worker.summary.connect(self.status.summary_label.setText)
        self.thread.worker.tiles_split.connect(self._tiles_split)
        self.thread.worker.login_required.connect(
            lambda name, why: self._ask_login(name, why, dict(retry_failed=retry_failed, **extra))
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
            names = ", ".join(b.name for b in request.backends)
            verb = "Retrying failed tiles" if retry_failed else "Run started"
            self._message(
                f"{verb}: {self.layer.featureCount()} tiles on {names}; "
                f"kept in {Path(request.job_db).name}.",
                Qgis.MessageLevel.Info,
            )
        elif request.refresh_only:
            self._message("Asking the back-end for the jobs' statuses…", Qgis.MessageLevel.Info)
        return True

    def _ask_mapping(self, unknown: list, names: list, run_kwargs: dict) -> None:
        """A notebook's tracker names back-ends the run lacks: ask which connection runs
        each; the run starts by itself once the user has said."""
        from .backend_map_dialog import BackendMapDialog

        self.map_dialog = BackendMapDialog(unknown, names, self)
        self.map_dialog.accepted.connect(
            lambda: self.start_run(**{**run_kwargs, "backend_map": self.map_dialog.mapping()})
        )
        self.map_dialog.rejected.connect(
            lambda: self._message(
                "Run not started: the back-ends were not mapped.", Qgis.MessageLevel.Info
            )
        )
        self.map_dialog.open()
        self.run_finished.emit({})

    def _ask_login(self, name: str, reason: str, run_kwargs: dict) -> None:
        """Open the device login; when it succeeds, the run starts (again) by itself."""
        connection = next((c for c in self.backends.connections if c.name == name), None)
        if connection is None:
            self._message(reason, Qgis.MessageLevel.Warning)
            return
        self._after_login = (name, run_kwargs)
        self.backends.log_in(connection, reason)

    def _logged_in(self, name: str, ok: bool) -> None:
        pending, self._after_login = self._after_login, None
        if ok and pending is not None and pending[0] == name:
            self.start_run(**pending[1])

    def stop_run(self) -> None:
        if self.thread is not None:
            self.thread.stop()
            self._message("Stopping: jobs keep running on the back-end.", Qgis.MessageLevel.Info)

    def split_and_retry(self, tile_ids: list[str]) -> bool:
        """Replace these failed tiles by their four quarters and run them (with the rest)."""
        if not tile_ids:
            return False
        started = self.start_run(split=list(tile_ids))
        if started:
            self._message(
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
        self.updater = GridLayerUpdater(self.layer)  # new tiles: new feature ids
        self.progress.setRange(0, self.layer.featureCount())

    def refresh_statuses(self) -> bool:
        """Poll the run's jobs once and show their statuses; submit and start nothing."""
        return self.start_run(refresh_only=True)

    def cancel_jobs(self) -> bool:
        """Cancel the back-end jobs of the selected tiles; of all, once the user confirms."""
        if self.layer is None:
            return False
        selected = [str(f["tile_id"]) for f in self.layer.selectedFeatures()] or None
        if selected is None:
            active = self._active_tiles()
            if not active:
                self._message(
                    "No job of this run is queued or running: nothing to cancel.",
                    Qgis.MessageLevel.Info,
                )
                return False
            answer = QMessageBox.question(
                self,
                "Cancel jobs",
                f"Cancel all {active} unfinished jobs of this run on the back-end?\n\n"
                "No tile is selected. To cancel only some, select their tiles on the map.",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                self._message("Nothing canceled.", Qgis.MessageLevel.Info)
                return False
        if self.is_running():
            self.thread.worker.request_cancel(selected)
            started = True
        elif selected is None:
            started = self.start_run(cancel_all=True)
        else:
            started = self.start_run(cancel_only=selected)
        if started:
            what = "all unfinished jobs" if selected is None else f"{len(selected)} tiles' jobs"
            self._message(f"Canceling {what}…", Qgis.MessageLevel.Info)
        return started

    def _active_tiles(self) -> int:
        """How many tiles of the layer have a job the back-end may still be running."""
        from qgis.core import QgsFeatureRequest

        request = QgsFeatureRequest().setFlags(QgsFeatureRequest.Flag.NoGeometry)
        request.setSubsetOfAttributes(["status"], self.layer.fields())
        return sum(1 for f in self.layer.getFeatures(request) if f["status"] in ACTIVE_STATUSES)

    # --- runs of the project and job databases ------------------------------------------
    def ask_open_job_db(self) -> None:
        from qgis.PyQt.QtWidgets import QFileDialog

        from .run_opener import start_folder

        path, _ = QFileDialog.getOpenFileName(
            self, "Open job database", start_folder(), "Job database (*.csv *.parquet)"
        )
        if path:
            self.open_job_db(path)

    def open_selected_run(self) -> None:
        job_db = self.run_page.runs.currentData()
        if job_db:
            self.open_job_db(job_db)

    def open_job_db(self, path: str, *, zoom: bool = True) -> None:
        """Show a run on the map: its layer if the project has it, else its saved grid,
        else a layer built from the table; statuses from the job database (the truth)."""
        from .run_opener import open_run

        if self.is_running():
            self._message("Stop the run first.", Qgis.MessageLevel.Warning)
            return
        self._loader = open_run(path, self, zoom=zoom)

    def attach(self, path: str, layer: QgsVectorLayer, opened, *, zoom: bool) -> None:
        """Make ``layer`` the dock's run, as it was when it was made (called by run_opener)."""
        self.job_db_opened.emit(layer)  # the dock: every panel works on it now
        self.set_grid_layer(layer)
        self.job_db.setFilePath(path)
        ensure_job_fields(layer)
        self.updater = GridLayerUpdater(layer)
        self.updater.apply(opened.updates)
        self.mosaic.follow(layer, results_dir(path))
        self.mosaic.add(opened.updates)
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

    def _project_read(self, *_) -> None:
        """A project was opened: show its last run (the dock follows the project)."""
        from .run_opener import run_to_show

        self.show_runs()
        if self.is_running():
            return
        found = run_to_show(QgsProject.instance())
        if found is None:
            return
        path, layer = found
        if Path(path).exists():
            self.open_job_db(path, zoom=False)
        else:  # a grid saved before its first run
            self.job_db_opened.emit(layer)

    def _project_cleared(self) -> None:
        self.status.forget()
        self.show_runs()

    def load_results(self) -> list:
        """Add every finished tile's downloaded result as a raster layer, in one group."""
        from .results import add_results

        if self.layer is None:
            return []
        layers, problems, available = add_results(self.layer)
        for problem in problems:
            self._message(problem, Qgis.MessageLevel.Warning)
        if not available:
            self._message(
                "No downloaded results yet (finished tiles only).", Qgis.MessageLevel.Warning
            )
        elif layers:
            self._message(f"Loaded {len(layers)} tile results.", Qgis.MessageLevel.Success)
        elif not problems:
            self._message(
                f"All {available} tile results are already on the map.", Qgis.MessageLevel.Info
            )
        return layers

    # --- results from the worker (main thread) ------------------------------------------------
    def _on_updates(self, batch: list, counts: dict) -> None:
        if self.updater is not None:
            self.updater.apply(batch)
            self._refresh_legend()
            self.mosaic.add(batch)
            self.problems.updated(batch)
        self.show_counts(counts)
        if self.is_running():
            self.status.updated()

    def show_counts(self, counts: dict) -> None:
        self.status.show_counts(counts)

    def _on_done(self, counts: dict) -> None:
        self.show_counts(counts)
        total = sum(counts.values())
        finished = counts.get("finished", 0)
        failed = sum(counts.get(s, 0) for s in FAILED_STATUSES)
        if all(s in FINAL_STATUSES for s in counts):
            level = Qgis.MessageLevel.Success if not failed else Qgis.MessageLevel.Warning
            text = f"Run complete: {finished} of {total} tiles finished"
            if failed:
                text += f", {failed} failed (Retry failed resubmits them)"
            self._message(text + ".", level)
        else:
            self._message(self._ended_text(), Qgis.MessageLevel.Info)
        self.status.ended(counts)
        self.show_tracking(running=False)
        self.problems.refresh()
        self._remember(counts)
        self.run_finished.emit(counts)

    def _ended_text(self) -> str:
        if self.action == "refresh":
            return "Statuses refreshed; nothing was submitted. Run resumes tracking."
        if self.action == "cancel":
            return "Cancel requests sent. The other jobs keep running; Run resumes tracking."
        return (
            "Not tracking any more. Jobs keep running on the back-end; "
            "Run resumes tracking them, Refresh updates the map once."
        )

    def _on_event(self, level: str, message: str) -> None:
        """Outages, removed duplicates, a stopped launch: the bar and the plugin's log tab."""
        from qgis.core import QgsMessageLog

        levels = {
            "info": Qgis.MessageLevel.Info,
            "warning": Qgis.MessageLevel.Warning,
            "error": Qgis.MessageLevel.Critical,
        }
        QgsMessageLog.logMessage(message, PLUGIN_NAME, levels.get(level, Qgis.MessageLevel.Info))
        self._message(message, levels.get(level, Qgis.MessageLevel.Info))

    def _on_failed(self, message: str) -> None:
        ran = self.layer is not None and Path(self.job_db.filePath()).exists()
        if ran:
            self.status.ended({"unknown": 1})  # statuses as last seen, not tracked
        else:
            self.status.forget()
        self.show_tracking(running=False)
        self._message(message, Qgis.MessageLevel.Critical)
        self.run_finished.emit({})

    def _message(self, text: str, level: Qgis.MessageLevel) -> None:
        self.iface.messageBar().pushMessage(
            PLUGIN_NAME, text, level, 0 if level >= Qgis.MessageLevel.Warning else 8
        )

    def shutdown(self) -> None:
        """Stop the run (jobs go on on the back-end) and let every thread end.

        A QThread destroyed while running aborts QGIS, so unloading the plugin
        waits (briefly: the run loop ends within a tick) for each of them.
        """
        project = QgsProject.instance()
        project.readProject.disconnect(self._project_read)
        project.cleared.disconnect(self._project_cleared)
        if self.thread is not None:
            self.thread.stop()
            self.thread.wait(2000)
        self.backends.shutdown()
        self.mosaic.stop(10_000)
        self.problems.stop(10_000)
        for call in (self._warm_up, self._loader):
            if call is not None:
                call.thread.wait(10_000)
