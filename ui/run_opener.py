"""Open a run on the map: its layer if the project has it, else its saved grid, else the table.

A run is opened from a job database the user picks, from the project's runs,
or by itself when a project is read (the dock follows the project).

Reading a job database can take seconds (100 k rows), so it happens off the
main thread; the statuses always come from the job database, the run's truth,
and the layer is only brought up to date with them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qgis.core import Qgis, QgsProject, QgsVectorLayer
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QObject

from .background import BackgroundCall
from .i18n import translate
from .project_runs import (
    ACTIVE_RUN_KEY,
    JOB_DB_PROPERTY,
    SCOPE,
    job_db_of,
    layer_for,
    open_snapshot,
    read_runs,
    run_layers,
    snapshot_path,
)

if TYPE_CHECKING:
    from .jobs_panel import JobsPanel

#: seconds a run being started (its engine holds the job database) is given to write it
STARTING_WAIT = 30.0


@dataclass
class OpenedRun:
    """What the job database says, read in the background."""

    updates: list  # core.job_rows.TileUpdate
    counts: dict
    template: Any  # core.job_template.JobTemplate, or None for a notebook's tracker
    modified: float  # when the job database was last written (seconds since the epoch)
    summary: str  # core.run_summary.RunSummary.text()
    budget: float | None = None  # the run's credit cap
    download: bool = True  # whether the run downloads its results
    #: time limits the finished jobs' times suggest (core.time_limits.SuggestedLimits)
    suggested: Any = None
    tiles: Any = None  # a GeoDataFrame when a layer must be built from the table
    #: when its engine died without finishing (None: it did not; or it runs)
    died_at: float | None = None


def read_run(path: str, with_tiles: bool) -> OpenedRun:
    """Background: the job table's statuses and the run's saved settings."""
    from ..core.engine_launch import engine_state
    from ..core.job_db import JobDatabase
    from ..core.run_config import RunConfig, RunConfigError
    from ..core.runner import GridJobRunner
    from ..core.time_limits import suggest_limits
    from .grid_layer import table_tiles

    deadline = time.monotonic() + STARTING_WAIT
    while not Path(path).exists() and time.monotonic() < deadline and engine_state(path).live:
        time.sleep(0.1)  # a run starting: its engine holds the database, writes it soon
    frame = JobDatabase(path).read()
    modified = Path(path).stat().st_mtime
    state = engine_state(path)
    try:
        config = RunConfig.load(path)
    except RunConfigError:  # a notebook's tracker: the form's settings will be used
        config = None
    return OpenedRun(
        updates=GridJobRunner.updates_of(frame),
        counts={str(k): int(v) for k, v in frame["status"].value_counts().items()},
        template=config.template if config is not None else None,
        modified=modified,
        summary=summary_text(frame, modified, config),
        budget=config.budget if config is not None else None,
        download=config.download if config is not None else True,
        suggested=suggest_limits(frame),
        tiles=table_tiles(frame) if with_tiles else None,
        died_at=state.died_at,
    )


def summary_text(frame, now: float, config) -> str:
    """The run's summary line as of ``now`` (its elapsed time from its first job)."""
    from ..core.run_summary import RunSummary, first_start

    started = first_start(frame, now)
    parallel = sum(b.parallel_jobs for b in config.backends) if config is not None else 1
    text = RunSummary.from_frame(frame, started=started, parallel=parallel, now=now).text()
    # an ETA needs a run that is tracked: a reopened run's would be made up
    return " · ".join(p for p in text.split(" · ") if "ETA" not in p)


def open_run(path: str, panel: JobsPanel, *, zoom: bool) -> BackgroundCall:
    """Read ``path`` in the background, then show the run and hand it to ``panel``."""
    project = QgsProject.instance()
    existing = layer_for(project, path)
    snapshot = snapshot_path(path)
    with_tiles = existing is None and not snapshot.exists()

    def show(opened: OpenedRun) -> None:
        from .grid_layer import tiles_layer
        from .status_style import apply_status_style

        if sip.isdeleted(panel):  # the dock closed (plugin unloaded) while reading
            return
        layer = layer_for(project, path)  # may have been added meanwhile
        if layer is None:
            layer = open_snapshot(snapshot) if snapshot.exists() else None
            if layer is None:
                if opened.tiles is None:
                    opened.tiles = read_run(path, True).tiles
                layer = tiles_layer(opened.tiles, run_name(project, path))
            project.addMapLayer(layer)
            apply_status_style(layer)
            layer.setCustomProperty(JOB_DB_PROPERTY, path)
        panel.attach(path, layer, opened, zoom=zoom)
        panel.messages.say(
            translate("RunOpener", "Opened {path}: %n tiles.", None, len(opened.updates)).format(
                path=path
            ),
            Qgis.MessageLevel.Info,
        )

    return BackgroundCall(
        lambda: read_run(path, with_tiles),
        show,
        lambda message: (
            None
            if sip.isdeleted(panel)
            else panel.messages.say(message, Qgis.MessageLevel.Critical)
        ),
        panel,
    )


def run_name(project: QgsProject, path: str) -> str:
    """The run's grid name as the project knows it, else the job database's name."""
    for entry in read_runs(project):
        if entry.job_db == str(Path(path).resolve()):
            return entry.name
    name = Path(path).name
    for suffix in (".csv", ".parquet", ".jobs"):
        name = name.removesuffix(suffix)
    return name


def run_to_show(project: QgsProject) -> tuple[str, QgsVectorLayer] | None:
    """The run a reopened project shows: the one shown last, else its first run layer."""
    layers = run_layers(project)
    if not layers:
        return None
    active, _ = project.readEntry(SCOPE, ACTIVE_RUN_KEY, "")
    paths = {str(job_db_of(layer)): layer for layer in layers}
    chosen = next((p for p in paths if active and Path(p).name == Path(active).name), None)
    path = chosen or next(iter(paths))
    return path, paths[path]


def start_folder() -> str:
    """Where file dialogs open: the last run's folder, else the project's, else home."""
    runs = read_runs(QgsProject.instance())
    if runs:
        return str(Path(runs[0].job_db).parent)
    return QgsProject.instance().homePath() or str(Path.home())


class RunOpener(QObject):
    """Opens runs into ``panel``: picked in a file dialog or the runs list, or a project's."""

    def __init__(self, panel: JobsPanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self._loader: BackgroundCall | None = None
        panel.run_page.open_button.clicked.connect(self.ask_open_job_db)
        panel.run_page.open_run_button.clicked.connect(self.open_selected_run)
        project = QgsProject.instance()
        project.readProject.connect(self.project_read)
        project.cleared.connect(self._project_cleared)

    def ask_open_job_db(self) -> None:
        from qgis.PyQt.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(
            self.panel,
            translate("RunOpener", "Open job database"),
            start_folder(),
            translate("RunOpener", "Job database (*.csv *.parquet)"),
        )
        if path:
            self.open_job_db(path)

    def open_selected_run(self) -> None:
        job_db = self.panel.run_page.runs.currentData()
        if job_db:
            self.open_job_db(job_db)

    def open_job_db(self, path: str, *, zoom: bool = True) -> None:
        """Show a run on the map: its layer if the project has it, else its saved grid,
        else a layer built from the table; statuses from the job database (the truth)."""
        self._loader = open_run(path, self.panel, zoom=zoom)

    def project_read(self, *_) -> None:
        """A project was opened: show its last run (the dock follows the project)."""
        self.panel.show_runs()
        if self.panel.is_running():
            return
        found = run_to_show(QgsProject.instance())
        if found is None:
            return
        path, layer = found
        if Path(path).exists():
            self.open_job_db(path, zoom=False)
        else:  # a grid saved before its first run
            self.panel.job_db_opened.emit(layer)

    def _project_cleared(self) -> None:
        self.panel.status.forget()
        self.panel.show_runs()

    def stop(self, ms: int) -> None:
        """Follow the project no more; wait up to ``ms`` for a job database being read."""
        project = QgsProject.instance()
        project.readProject.disconnect(self.project_read)
        project.cleared.disconnect(self._project_cleared)
        if self._loader is not None:
            self._loader.thread.wait(ms)
