"""The dock's run panel: the Job and Run pages, the run buttons, progress and tracking.

The panel shows the grid's run: its pages (the dock shows *Job* and *Run* as tabs,
the buttons and the run's status stay in view below them), the layer fed with the
run's statuses (:class:`~..adapters.layer_feed.LayerFeed`), the project's runs. What the
buttons do with a run — start its engine, a process of its own that outlives QGIS,
or attach to the one going on, and act on it — is :class:`~..run.control.RunControl`;
what the run reports is applied by :class:`~..run.link.RunLink`. Beside it: opening
runs (:mod:`..run.opener`), what a run asks the user (:mod:`.run_prompts`), canceling
(:mod:`..run.job_cancel`) and the message bar (:mod:`..run.messages`).
"""

from __future__ import annotations

import time
from pathlib import Path

from qgis.core import Qgis, QgsVectorLayer
from qgis.gui import QgisInterface
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QTimer, pyqtSignal
from qgis.PyQt.QtWidgets import QVBoxLayout, QWidget

from ..adapters.grid_layer import ensure_job_fields
from ..adapters.layer_feed import LayerFeed
from ..adapters.project_runs import (
    ACTIVE_RUN_KEY,
    JOB_DB_PROPERTY,
    SCOPE,
    RunEntry,
    default_job_db,
    job_db_of,
    read_runs,
    remember_run,
    run_layers,
)
from ..adapters.qgis_objects import current_project
from ..adapters.unit_windows import WindowView
from ..adapters.units_source import bindable_fields
from ..i18n import translate
from ..run.control import RunControl
from ..run.desktop_notify import DesktopNotifier
from ..run.inputs import RunInputs
from ..run.job_cancel import cancel_jobs
from ..run.messages import RunMessages
from ..run.opener import RunOpener
from ..run.problems_controller import ProblemsController
from ..run.viewer import RunViewer
from .backends_widget import BackendsWidget
from .problems_page import ProblemsPage
from .run_buttons import RunButtons
from .run_page import RunPage
from .run_prompts import RunPrompts
from .run_status import RunStatus
from .template_form import TemplateForm

COUNT_AGAIN_MS = 500


class JobsPanel(QWidget):
    """Run one openEO batch job per tile of the current grid layer.

    The panel wires its pages' signals to the run's controllers (``ui/run/``), which
    call its methods and its parts' (``status``, ``run_page``, ``messages``), never a
    widget inside a part."""

    run_finished = pyqtSignal(dict)
    #: a run's layer was opened (from a job database, the project's runs, a reopened
    #: project): the dock makes it the grid every panel works on
    job_db_opened = pyqtSignal(QgsVectorLayer)

    def __init__(self, iface: QgisInterface, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.iface = iface
        self.messages = RunMessages(iface)
        #: the run's moments that matter on the desktop too (the bar says them in QGIS)
        self.desktop_notifier = DesktopNotifier(self)
        self.layer: QgsVectorLayer | None = None
        self.layer_feed = LayerFeed(self._applied, self)  # status batches into the layer
        self.layer_feed.refused.connect(
            lambda why: self.messages.layer_refused(self.layer.name() if self.layer else "", why)
        )
        #: starts, watches and drives the run (its viewer)
        self.control = RunControl(self)

        # --- pages (the dock shows them as tabs) ---
        self.job_page = QWidget()
        job_layout = QVBoxLayout(self.job_page)
        self.backends = BackendsWidget(self.job_page)
        self.backends.setObjectName("backendsWidget")
        self.backends.message.connect(self.messages.say)
        job_layout.addWidget(self.backends)
        self.form = TemplateForm(self.job_page)
        self.form.fields_of_units = lambda: bindable_fields(self.layer)
        job_layout.addWidget(self.form)
        job_layout.addStretch(1)
        self.run_page = RunPage()

        # --- controls (always in view) ---
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.buttons = RunButtons(self)
        layout.addWidget(self.buttons)
        self.status = RunStatus(self)
        layout.addWidget(self.status, 1)  # as in one grid: the buttons keep their height
        self.window_view = WindowView(self)  # a run with time windows: which one the map shows
        self.window_view.chosen.connect(self.layer_feed.show_window)
        layout.addWidget(self.window_view)

        self.buttons.run.clicked.connect(lambda: self.start_run())
        self.buttons.retry.clicked.connect(lambda: self.start_run(retry_failed=True))
        self.buttons.stop.clicked.connect(self.stop_run)
        self.buttons.refresh.clicked.connect(self.refresh_statuses)
        self.buttons.cancel.clicked.connect(lambda: cancel_jobs(self))
        self.run_page.results_requested.connect(self.load_results)
        #: Load results started a run to fetch results left on the back-end
        self._fetching = False
        self.run_finished.connect(self._fetched)
        self.run_page.budget_changed.connect(self.control.budget_changed)
        self.inputs = RunInputs(self.backends, self.form, self.run_page, self)
        self.prompts = RunPrompts(self.backends, self.messages.say, self)
        self.prompts.answered.connect(self.control.answered)
        self.opener = RunOpener(self)
        self.run_page.open_requested.connect(self.opener.ask_open_job_db)
        self.run_page.open_run_requested.connect(self.opener.open_job_db)
        self.problems_page = ProblemsPage()
        self.problems = ProblemsController(self, self.problems_page)
        self.problems_page.split_requested.connect(self.split_and_retry)
        self._update_enabled()
        self.show_runs()
        if run_layers(current_project()):  # the dock opened after a project was read
            self.opener.project_read()

    # --- state -------------------------------------------------------------------------
    def _update_enabled(self) -> None:
        running = self.is_running()
        has_layer = self.layer is not None
        self.buttons.update_enabled(running, has_layer)
        self.run_page.update_enabled(has_layer)

    def is_running(self) -> bool:
        """Whether the panel watches a run that goes on (or is being started)."""
        return self.viewer is not None and self.viewer.live

    def job_db_path(self) -> str:
        """The grid's job database, as the Run page says ("" when none is set)."""
        return self.run_page.job_db_path()

    def set_grid_layer(self, layer: QgsVectorLayer | None) -> None:
        """The grid whose tiles get jobs; its job database is remembered on the layer."""
        if self.is_running() and layer is not None and layer is not self.layer:
            self.detach()  # the run goes on; it is shown again when its grid is opened
        if layer is not self.layer:
            self.status.forget()
            self.status.show_windowed(False)  # told again by its run, if it has windows
            self.run_page.keep_budget(None)  # a new grid's run has no cap to lift
        self.layer = layer
        self.layer_feed.follow(layer)
        self.window_view.forget()
        if layer is not None:
            path = job_db_of(layer)
            if path is None:  # a new grid: a new job database (saved with the project)
                path = default_job_db(layer.name())
                layer.setCustomProperty(JOB_DB_PROPERTY, str(path))
            self.run_page.show_job_db(str(path))
        self._update_enabled()
        self.show_tracking()
        if layer is None or not Path(self.job_db_path()).exists():
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
        self._update_enabled()

    def _recount(self) -> None:
        from ..adapters.layer_updates import refresh_symbol_counts

        if not sip.isdeleted(self) and self.layer is not None and not sip.isdeleted(self.layer):
            refresh_symbol_counts(self.layer)
            self._refresh_legend()

    def _refresh_legend(self) -> None:
        view = self.iface.layerTreeView() if hasattr(self.iface, "layerTreeView") else None
        if view is not None and self.layer is not None:
            view.refreshLayerSymbology(self.layer.id())

    def show_runs(self) -> None:
        self.run_page.show_runs(read_runs(current_project()))
        self._update_enabled()

    def remember(self, counts: dict | None = None) -> None:
        """Keep this run in the project's list (and as the one the dock shows on reopen)."""
        if self.layer is None:
            return
        project = current_project()
        job_db = self.job_db_path()
        counts = counts or {}
        tiles = sum(counts.values()) or self.layer.featureCount()
        remember_run(project, RunEntry(job_db, self.layer.name(), tiles, counts, time.time()))
        project.writeEntry(SCOPE, ACTIVE_RUN_KEY, job_db)
        self.show_runs()

    # --- actions ------------------------------------------------------------------------------
    def start_run(self, *, retry_failed: bool = False, **extra) -> bool:
        """Run (or resume) the grid's run, or (``extra``) refresh it, cancel jobs, resume a
        notebook's tracker with a back-end mapping, split failed tiles (see
        :meth:`~..run.control.RunControl.start`)."""
        return self.control.start(retry_failed=retry_failed, **extra)

    def stop_run(self) -> None:
        self.control.stop()

    def split_and_retry(self, tile_ids: list[str]) -> bool:
        return self.control.split(tile_ids)

    def detach(self) -> None:
        """Stop watching the run; it goes on in its own process."""
        self.control.detach()

    @property
    def viewer(self) -> RunViewer | None:
        """The run this panel watches, if any."""
        return self.control.viewer

    def run_ended(self) -> None:
        """The watched run ended (or its engine is gone): the buttons follow."""
        self._update_enabled()

    def tiles_split(self, parents: list, quarters: list[dict], gone: list | None = None) -> None:
        """The run replaced ``parents`` by ``quarters`` (job table rows): so does the map.

        A windowed run's pieces are units of their own (``unit_id``), each a feature
        beside its unit, whose other windows keep their rows; a unit goes from the map
        only when none of its rows is left (``gone``)."""
        import pandas as pd

        from ..adapters.grid_layer import replace_tiles, table_tiles

        if self.layer is None:
            return
        frame = pd.DataFrame(quarters)
        windowed = "unit_id" in frame.columns
        replace_tiles(self.layer, list(gone or []) if windowed else parents, table_tiles(frame))
        if windowed:
            self.layer_feed.rows_split(parents, [str(u) for u in frame["unit_id"]])
        else:
            self.layer_feed.reindex()  # new tiles: new feature ids
        self.status.show_tile_count(self.layer.featureCount())

    def refresh_statuses(self) -> bool:
        """Poll the run's jobs once and show their statuses; submit and start nothing."""
        return self.start_run(refresh_only=True)

    # --- runs of the project and job databases ------------------------------------------
    def open_job_db(self, path: str, *, zoom: bool = True) -> None:
        """Show the run kept in ``path`` on the map and make it the dock's run."""
        self.opener.open_job_db(path, zoom=zoom)

    def attach(self, path: str, layer: QgsVectorLayer, opened, *, zoom: bool) -> None:
        """Make ``layer`` the dock's run, as its job database says (called by
        :class:`~..run.opener.RunOpener`); when its engine is running, watch it live."""
        from ..adapters.project_runs import results_dir
        from ..adapters.results_series import show_run_mosaics

        self.job_db_opened.emit(layer)  # the dock: every panel works on it now
        self.set_grid_layer(layer)
        self.run_page.show_job_db(path)
        ensure_job_fields(layer)
        self.layer_feed.reindex()
        self.layer_feed.add(opened.updates)  # a windowed run's rows as their units
        show_run_mosaics(layer, results_dir(path))
        self.status.show_windowed(opened.windowed)
        if opened.template is not None:
            self.form.show_template(opened.template)  # Run resumes with the run's settings
            self.run_page.show_budget(opened.budget)
            self.run_page.show_downloads(opened.download)
            self.run_page.suggest(opened.suggested)
        self.show_counts(opened.counts)
        self.status.show_summary(opened.summary)
        if opened.died_at is not None:
            self.status.engine_died(opened.died_at)
        else:
            self.status.ended(opened.counts, opened.modified)
        if self.control.attach_live():
            name = Path(path).name
            self.messages.say(
                translate("JobsPanel", "Watching the run of {name} live.").format(name=name),
                Qgis.MessageLevel.Info,
            )
        self.show_tracking()
        self.problems.refresh()
        self.remember(opened.counts)
        if zoom:
            from ..adapters.canvas import zoom_to

            zoom_to(self.iface, layer)

    def load_results(self, *, fetch: bool = True) -> list:
        """Add every finished tile's downloaded result as a raster layer, in one group
        (a windowed run's: every window's, a group per window).

        Finished tiles whose results were left on the back-end (a run without downloads)
        are fetched first (``fetch``): the run resumes with downloads, and the results
        are added when it ends, once (a result the back-end no longer has is not asked
        for again and again). Never while some tile has no job yet: that run would
        submit it, and a click on *Load results* must not spend credits."""
        from ..adapters.results import add_results, not_downloaded, not_submitted

        if self.layer is None:
            return []
        windows = self.layer_feed.windows.progress.rows
        missing = fetch and not self.is_running() and not_downloaded(self.layer, windows)
        waiting = not_submitted(self.layer, windows) if missing else 0
        if waiting:
            self.messages.say(
                translate(
                    "JobsPanel",
                    "Results left on the back-end are fetched by a run, and {count} tiles have "
                    "no job yet, which it would submit: Run to go on (with Download results "
                    "ticked), then Load results.",
                ).format(count=waiting),
                Qgis.MessageLevel.Warning,
            )
        elif missing:
            self.run_page.show_downloads(True)
            if self.control.start():
                self._fetching = True
                self.messages.say(
                    translate(
                        "JobsPanel",
                        "Fetching the finished tiles' results from the back-end; they are "
                        "added to the map when they are downloaded.",
                    ),
                    Qgis.MessageLevel.Info,
                )
                return []
        layers, problems, available = add_results(self.layer, windows)
        self.messages.results_loaded(len(layers), problems, available)
        return layers

    def _fetched(self, _counts: dict) -> None:
        """The run Load results started to fetch results has ended: add them now."""
        if self._fetching:
            self._fetching = False
            self.load_results(fetch=False)

    # --- status batches (main thread) ------------------------------------------------------
    def _applied(self, batch: list) -> None:
        self._refresh_legend()
        self.window_view.refresh(self.layer_feed.windows.progress)
        self.problems.updated(batch)

    def show_counts(self, counts: dict) -> None:
        self.status.show_counts(counts)

    def shutdown(self) -> None:
        """Let the run go on without this dock, and every thread of the dock end.

        A QThread destroyed while running aborts QGIS, so unloading the plugin waits
        (briefly) for each of them.
        """
        if self.viewer is not None:
            self.viewer.wait_started(10_000)
            self.viewer.detach()
        self.backends.shutdown()
        self.layer_feed.stop(10_000)
        self.problems.stop(10_000)
        self.opener.stop(10_000)
