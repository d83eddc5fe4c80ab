"""Open a run on the map: its layer if the project has it, else its saved grid, else the table.

A run is opened from a job database the user picks, from the project's runs,
or by itself when a project is read (the dock follows the project).

Reading a job database can take seconds (100 k rows), so it happens off the
main thread; the statuses always come from the job database, the run's truth,
and the layer is only brought up to date with them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from qgis.core import Qgis, QgsProject, QgsVectorLayer
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QObject

from ..adapters.background import BackgroundCall
from ..adapters.project_runs import (
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
from ..adapters.qgis_objects import current_project
from ..adapters.saved_run import OpenedRun, read_run
from ..i18n import translate

if TYPE_CHECKING:
    from ..widgets.jobs_panel import JobsPanel


def open_run(path: str, panel: JobsPanel, *, zoom: bool) -> BackgroundCall:
    """Read ``path`` in the background, then show the run and hand it to ``panel``."""
    project = current_project()
    existing = layer_for(project, path)
    snapshot = snapshot_path(path)
    with_tiles = existing is None and not snapshot.exists()

    def show(opened: OpenedRun) -> None:
        from ..adapters.grid_layer import tiles_layer
        from ..adapters.status_style import apply_status_style

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
    runs = read_runs(current_project())
    if runs:
        return str(Path(runs[0].job_db).parent)
    return current_project().homePath() or str(Path.home())


class RunOpener(QObject):
    """Opens runs into ``panel``: picked in a file dialog or the runs list, or a project's.

    The panel connects the Run page's *Open job database…* (:meth:`ask_open_job_db`)
    and *Open* (:meth:`open_job_db`) here."""

    def __init__(self, panel: JobsPanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self._loader: BackgroundCall | None = None
        project = current_project()
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

    def open_job_db(self, path: str, *, zoom: bool = True) -> None:
        """Show a run on the map: its layer if the project has it, else its saved grid,
        else a layer built from the table; statuses from the job database (the truth)."""
        self._loader = open_run(path, self.panel, zoom=zoom)

    def project_read(self, *_) -> None:
        """A project was opened: show its last run (the dock follows the project)."""
        self.panel.show_runs()
        if self.panel.is_running():
            return
        found = run_to_show(current_project())
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
        project = current_project()
        project.readProject.disconnect(self.project_read)
        project.cleared.disconnect(self._project_cleared)
        if self._loader is not None:
            self._loader.thread.wait(ms)
