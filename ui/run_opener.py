"""Open a run on the map: its layer if the project has it, else its saved grid, else the table.

Reading a job database can take seconds (100 k rows), so it happens off the
main thread; the statuses always come from the job database, the run's truth,
and the layer is only brought up to date with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qgis.core import Qgis, QgsProject, QgsVectorLayer
from qgis.PyQt import sip

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
from .run_worker import BackgroundCall

if TYPE_CHECKING:
    from .jobs_panel import JobsPanel


@dataclass
class OpenedRun:
    """What the job database says, read in the background."""

    updates: list  # core.job_rows.TileUpdate
    counts: dict
    template: Any  # core.job_template.JobTemplate, or None for a notebook's tracker
    modified: float  # when the job database was last written (seconds since the epoch)
    summary: str  # core.run_summary.RunSummary.text()
    budget: float | None = None  # the run's credit cap
    tiles: Any = None  # a GeoDataFrame when a layer must be built from the table


def read_run(path: str, with_tiles: bool) -> OpenedRun:
    """Background: the job table's statuses and the run's saved settings."""
    from ..core.job_db import JobDatabase
    from ..core.run_config import RunConfig, RunConfigError
    from ..core.runner import GridJobRunner
    from .grid_layer import table_tiles

    frame = JobDatabase(path).read()
    modified = Path(path).stat().st_mtime
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
        tiles=table_tiles(frame) if with_tiles else None,
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
        panel._message(f"Opened {path}: {len(opened.updates)} tiles.", Qgis.MessageLevel.Info)

    return BackgroundCall(
        lambda: read_run(path, with_tiles),
        show,
        lambda message: (
            None if sip.isdeleted(panel) else panel._message(message, Qgis.MessageLevel.Critical)
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
