"""Runs as part of the QGIS project: the grid saved beside its job database, found again.

While a run is live its grid is a memory layer: a status batch costs a fraction
of what a file write would. When the project is saved, each such grid is
written to a GeoPackage beside its job database (``x.jobs.csv`` →
``x.jobs.gpkg``) and the project file points at that GeoPackage instead, so the
reopened project shows every tile with its last statuses, even in a QGIS
without this plugin. A reopened grid is file-backed; later statuses are written
straight into the file.

The layer carries its job database as a custom property; the project keeps the
list of its runs (for the dock's *Runs in this project*).
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from qgis.core import (
    QgsCoordinateTransformContext,
    QgsMapLayer,
    QgsProject,
    QgsVectorFileWriter,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QObject, pyqtSignal

from ...core.definitions import TileStatus
from ..i18n import translate
from .qgis_objects import current_project, present

JOB_DB_PROPERTY = "openeo_grid_jobs/job_db"
SCOPE = "openeo_grid_jobs"
RUNS_KEY = "runs"
#: the run the dock showed last: shown again when the project is reopened
ACTIVE_RUN_KEY = "active"


class SnapshotError(Exception):
    """The grid could not be written beside its job database; the message says why."""


@dataclass
class RunEntry:
    """One run of the project as the dock lists it."""

    job_db: str
    name: str
    tiles: int = 0
    counts: dict | None = None
    updated: float = 0.0  # seconds since the epoch

    def label(self) -> str:
        counts = self.counts or {}
        done = counts.get(TileStatus.FINISHED, 0)
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.updated)) if self.updated else ""
        return translate("ProjectRuns", "{name} — {done}/{tiles} finished · {when}").format(
            name=self.name, done=done, tiles=self.tiles, when=when
        )


def results_dir(job_db: str | Path) -> Path:
    """Where a run's results are downloaded: ``x.jobs.csv`` → ``x.jobs_results/``."""
    path = Path(job_db)
    return path.with_name(path.stem + "_results")


def snapshot_path(job_db: str | Path) -> Path:
    """Where a run's grid is saved: beside its job database, same name, ``.gpkg``."""
    return Path(job_db).with_suffix(".gpkg")


def write_snapshot(layer: QgsVectorLayer, path: Path) -> Path:
    """Write ``layer`` (tiles and statuses) to the GeoPackage ``path``, whole or not at all.

    Written under a temporary name and renamed, so an interrupted save never
    leaves a half-written grid where the project will look for it.
    """
    partial = path.with_name(path.stem + ".partial.gpkg")
    partial.unlink(missing_ok=True)
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = layer.name()
    options.fileEncoding = "UTF-8"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        result = QgsVectorFileWriter.writeAsVectorFormatV3(
            layer, str(partial), QgsCoordinateTransformContext(), options
        )
        if result[0] != QgsVectorFileWriter.WriterError.NoError:
            raise SnapshotError(
                translate("ProjectRuns", "Could not save the grid to {path}: {error}").format(
                    path=path, error=result[1] or result[0]
                )
            )
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise SnapshotError(
            translate("ProjectRuns", "Could not save the grid to {path}: {error}").format(
                path=path, error=exc.strerror or exc
            )
        ) from exc
    return path


def open_snapshot(path: Path) -> QgsVectorLayer | None:
    """The grid saved at ``path`` as a layer named as when it was made; None if unreadable."""
    probe = QgsVectorLayer(str(path), "grid", "ogr")
    if not probe.isValid():
        return None
    name = probe.name()
    provider = present(probe.dataProvider(), "snapshot's data provider")
    sublayers = provider.subLayers()
    if sublayers:  # "index!!::!!name!!::!!count!!::!!geometry type..."
        name = sublayers[0].split(provider.sublayerSeparator())[1]
    layer = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
    return layer if layer.isValid() else None


def job_db_of(layer: QgsMapLayer) -> Path | None:
    """The job database of a run's layer, also when the project's folder has moved.

    The property holds the path as it was; a layer reopened from its GeoPackage
    finds the job database beside that file when the old path is gone.
    """
    saved = layer.customProperty(JOB_DB_PROPERTY)
    if not saved:
        return None
    path = Path(str(saved))
    if path.exists() or layer.providerType() != "ogr":
        return path
    beside = Path(layer.source().split("|")[0]).with_name(path.name)
    return beside if beside.exists() else path


def run_layers(project: QgsProject) -> list[QgsVectorLayer]:
    """The project's grid layers that belong to a run (or are ready for one)."""
    return [
        layer
        for layer in project.mapLayers().values()
        if isinstance(layer, QgsVectorLayer) and layer.customProperty(JOB_DB_PROPERTY)
    ]


def layer_for(project: QgsProject, job_db: str | Path) -> QgsVectorLayer | None:
    """The project's layer of the run kept in ``job_db``, if there is one."""
    wanted = Path(job_db).resolve()
    for layer in run_layers(project):
        path = job_db_of(layer)
        if path is not None and path.resolve() == wanted:
            return layer
    return None


def read_runs(project: QgsProject) -> list[RunEntry]:
    """The runs this project remembers, most recent first."""
    text, ok = project.readEntry(SCOPE, RUNS_KEY, "[]")
    try:
        raw = json.loads(text) if ok else []
    except ValueError:
        return []
    runs = []
    for item in raw if isinstance(raw, list) else []:
        try:
            entry = RunEntry(**item)
        except TypeError:
            continue
        path = Path(entry.job_db).resolve()
        if not path.exists() and project.homePath():  # moved with the project's folder
            path = Path(project.homePath()).resolve() / path.name
        entry.job_db = str(path)
        runs.append(entry)
    return runs


def remember_run(project: QgsProject, entry: RunEntry) -> None:
    """Put ``entry`` first in the project's runs (one entry per job database)."""
    entry.updated = entry.updated or time.time()
    entry.job_db = str(Path(entry.job_db).resolve())
    runs = [r for r in read_runs(project) if r.job_db != entry.job_db]
    runs.insert(0, entry)
    # absolute: the project may be saved elsewhere later (its layers' paths are relative)
    project.writeEntry(SCOPE, RUNS_KEY, json.dumps([asdict(r) for r in runs[:20]]))


class ProjectRuns(QObject):
    """Saves live grids beside their job databases when the project is written."""

    #: a grid could not be saved (the message says which and why)
    failed = pyqtSignal(str)

    def __init__(self, project: QgsProject, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.project = project
        project.writeMapLayer.connect(self._write_layer)

    def disconnect_project(self) -> None:
        self.project.writeMapLayer.disconnect(self._write_layer)

    def _write_layer(self, layer: QgsMapLayer, element, document) -> None:
        """Point the project at the grid's GeoPackage instead of the memory layer."""
        if not isinstance(layer, QgsVectorLayer) or layer.providerType() != "memory":
            return
        job_db = job_db_of(layer)
        if job_db is None:
            return
        path = snapshot_path(job_db)
        try:
            write_snapshot(layer, path)
        except SnapshotError as exc:
            self.failed.emit(
                translate(
                    "ProjectRuns", "{error} — the grid will be empty when the project is reopened."
                ).format(error=exc)
            )
            return
        source = f"{self.project.pathResolver().writePath(str(path))}|layername={layer.name()}"
        _set_text(element.firstChildElement("datasource"), source, document)
        provider = element.firstChildElement("provider")
        provider.setAttribute("encoding", "UTF-8")
        _set_text(provider, "ogr", document)


def _set_text(element, text: str, document) -> None:
    """Replace the text of a project XML element (which may have none yet)."""
    while not element.firstChild().isNull():
        element.removeChild(element.firstChild())
    element.appendChild(document.createTextNode(text))


def default_job_db(layer_name: str) -> Path:
    """A new file next to the project when it is saved, else in ~/openeo-grid-jobs.

    Never an existing file: a new grid must not pick up another grid's jobs, nor
    overwrite another grid's saved layer.
    """
    home = current_project().homePath()
    folder = Path(home) if home else Path.home() / "openeo-grid-jobs"
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", layer_name).strip("_") or "grid"
    path = folder / f"{safe}.jobs.csv"
    number = 2
    while path.exists() or snapshot_path(path).exists():
        path = folder / f"{safe}-{number}.jobs.csv"
        number += 1
    return path
