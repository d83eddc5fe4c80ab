"""Dock section "Jobs": template, back-end, Run / Stop / Retry failed / Cancel jobs.

Everything that talks to a back-end or touches the job database runs in a
:class:`~.run_worker.RunThread`; this panel only gathers input, shows
progress, and applies status batches to the grid layer.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from qgis.core import Qgis, QgsProject, QgsSettings, QgsVectorLayer
from qgis.gui import QgisInterface, QgsFileWidget
from qgis.PyQt.QtCore import QDate, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QWidget,
)

from ..core.backend import LoginRequiredError
from ..core.errors import GridJobsError
from ..core.job_db import kind_of
from ..core.job_template import DEFAULT_JOB_OPTIONS, OUTPUT_FORMATS, PROCESSES
from ..core.statuses import FINAL_STATUSES, STATUSES
from .backends_widget import BackendsWidget
from .layer_updates import GridLayerUpdater
from .run_worker import BackgroundCall, Relay, RunRequest, RunThread, warm_up_imports

SETTINGS = "openeo_grid_jobs/"
MESSAGE_TITLE = "openEO Grid Jobs"
JOB_DB_PROPERTY = "openeo_grid_jobs/job_db"
PROCESS_LABELS = {
    "ndvi_mean": "NDVI, mean over the dates",
    "process_graph": "Process graph (JSON file)",
    "udp": "User-defined process (UDP)",
}


class JobsPanel(QGroupBox):
    """Run one openEO batch job per tile of the current grid layer."""

    run_finished = pyqtSignal(dict)
    #: a job database was opened into a new layer
    job_db_opened = pyqtSignal(QgsVectorLayer)

    def __init__(self, iface: QgisInterface, parent: QWidget | None = None) -> None:
        super().__init__("Jobs", parent)
        self.iface = iface
        self.layer: QgsVectorLayer | None = None
        self.updater: GridLayerUpdater | None = None
        self.thread: RunThread | None = None
        settings = QgsSettings()
        form = QFormLayout(self)
        form.setRowWrapPolicy(QFormLayout.WrapLongRows)  # a narrow dock: fields go below

        # --- back-ends ---
        self.backends = BackendsWidget(self)
        self.backends.setObjectName("backendsWidget")
        self.backends.message.connect(self._message)
        self.backends.logged_in.connect(self._logged_in)
        form.addRow(self.backends)

        # --- job template ---
        self.collection = QLineEdit(settings.value(SETTINGS + "collection", "SENTINEL2_L2A"), self)
        self.collection.setObjectName("collection")
        form.addRow("Collection", self.collection)
        self.bands = QLineEdit(settings.value(SETTINGS + "bands", "B04, B08"), self)
        self.bands.setObjectName("bands")
        self.bands.setToolTip("Red and near-infrared bands, in that order")
        form.addRow("Bands (red, NIR)", self.bands)
        dates = QHBoxLayout()
        self.start = QDateEdit(self)
        self.end = QDateEdit(self)
        for widget, key, default in (
            (self.start, "start", "2024-05-01"),
            (self.end, "end", "2024-08-01"),
        ):
            widget.setObjectName(key + "Date")
            widget.setCalendarPopup(True)
            widget.setDisplayFormat("yyyy-MM-dd")
            widget.setDate(QDate.fromString(settings.value(SETTINGS + key, default), "yyyy-MM-dd"))
            dates.addWidget(widget)
        form.addRow("Dates", dates)
        self.process = QComboBox(self)
        self.process.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.process.setMinimumContentsLength(12)
        self.process.setObjectName("process")
        for key in PROCESSES:
            self.process.addItem(PROCESS_LABELS[key], key)
        self.process.setCurrentIndex(
            max(0, self.process.findData(settings.value(SETTINGS + "process", "ndvi_mean")))
        )
        form.addRow("Process", self.process)
        self.graph_file = QgsFileWidget(self)
        self.graph_file.setObjectName("graphFile")
        self.graph_file.setFilter("Process graph (*.json)")
        self.graph_file.setFilePath(settings.value(SETTINGS + "graph_file", ""))
        form.addRow("Process graph", self.graph_file)
        self.udp_id = QLineEdit(settings.value(SETTINGS + "udp_id", ""), self)
        self.udp_id.setObjectName("udpId")
        form.addRow("UDP id", self.udp_id)
        self.out_format = QComboBox(self)
        self.out_format.setObjectName("outFormat")
        self.out_format.addItems(list(OUTPUT_FORMATS))
        self.out_format.setCurrentText(settings.value(SETTINGS + "out_format", "NetCDF"))
        form.addRow("Format", self.out_format)
        self.job_options = QLineEdit(
            settings.value(SETTINGS + "job_options", json.dumps(DEFAULT_JOB_OPTIONS)), self
        )
        self.job_options.setObjectName("jobOptions")
        form.addRow("Job options", self.job_options)

        # --- run ---
        self.job_db = QgsFileWidget(self)
        self.job_db.setObjectName("jobDb")
        self.job_db.setStorageMode(QgsFileWidget.SaveFile)
        self.job_db.setFilter("Job database (*.csv *.parquet)")
        form.addRow("Job database", self.job_db)
        self.poll_interval = QDoubleSpinBox(self)
        self.poll_interval.setObjectName("pollInterval")
        self.poll_interval.setRange(0.2, 600)
        self.poll_interval.setSuffix(" s")
        self.poll_interval.setValue(float(settings.value(SETTINGS + "poll_interval", 5.0)))
        form.addRow("Poll every", self.poll_interval)

        self.run_button = QPushButton("Run", self)
        self.run_button.setObjectName("run")
        self.stop_button = QPushButton("Stop", self)
        self.stop_button.setObjectName("stop")
        self.stop_button.setToolTip("Stop tracking; jobs keep running on the back-end")
        self.retry_button = QPushButton("Retry failed", self)
        self.retry_button.setObjectName("retryFailed")
        self.cancel_button = QPushButton("Cancel jobs", self)
        self.cancel_button.setObjectName("cancelJobs")
        self.cancel_button.setToolTip("Cancel the back-end jobs of the selected tiles (or all)")
        for pair in ((self.run_button, self.stop_button), (self.retry_button, self.cancel_button)):
            row = QHBoxLayout()
            for button in pair:
                row.addWidget(button)
            form.addRow(row)
        more = QHBoxLayout()
        self.open_button = QPushButton("Open job database…", self)
        self.open_button.setObjectName("openJobDb")
        self.open_button.setToolTip("Show a job tracker (this plugin's or a notebook's) on the map")
        self.results_button = QPushButton("Load results", self)
        self.results_button.setObjectName("loadResults")
        self.results_button.setToolTip("Add each finished tile's downloaded result as a layer")
        more.addWidget(self.open_button)
        more.addWidget(self.results_button)
        form.addRow(more)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("progress")
        self.progress.setFormat("%v / %m tiles done")
        form.addRow(self.progress)
        self.counts_label = QLabel("", self)
        self.counts_label.setObjectName("counts")
        self.counts_label.setWordWrap(True)
        form.addRow(self.counts_label)

        self.process.currentIndexChanged.connect(self._update_enabled)
        self.run_button.clicked.connect(lambda: self.start_run())
        self.retry_button.clicked.connect(lambda: self.start_run(retry_failed=True))
        self.stop_button.clicked.connect(self.stop_run)
        self.cancel_button.clicked.connect(self.cancel_jobs)
        self.open_button.clicked.connect(self.ask_open_job_db)
        self.results_button.clicked.connect(self.load_results)
        self._loader: BackgroundCall | None = None
        self._relays: list = []
        self._after_login: tuple[str, dict] | None = None
        self.map_dialog = None
        self._update_enabled()
        # while the user fills in the form: nothing to report, failures show at Run
        self._warm_up = BackgroundCall(warm_up_imports, lambda _: None, lambda _: None, self)

    # --- state -------------------------------------------------------------------------
    def _update_enabled(self) -> None:
        running = self.is_running()
        process = self.process.currentData()
        self.graph_file.setEnabled(process == "process_graph")
        self.udp_id.setEnabled(process == "udp")
        self.run_button.setEnabled(not running and self.layer is not None)
        self.retry_button.setEnabled(not running and self.layer is not None)
        self.stop_button.setEnabled(running)
        self.cancel_button.setEnabled(self.layer is not None)
        self.open_button.setEnabled(not running)
        self.results_button.setEnabled(self.layer is not None)

    def is_running(self) -> bool:
        return self.thread is not None and self.thread.is_running()

    def set_grid_layer(self, layer: QgsVectorLayer | None) -> None:
        """The grid whose tiles get jobs; its job database is remembered on the layer."""
        if self.is_running() and layer is not None:
            return  # a run keeps its grid; the new one is picked up after it
        self.layer = layer
        self.updater = None
        if layer is not None:
            saved = layer.customProperty(JOB_DB_PROPERTY)
            self.job_db.setFilePath(saved or str(default_job_db(layer.name())))
        self._update_enabled()

    # --- input -------------------------------------------------------------------------------
    def template(self):
        from ..core.job_template import JobTemplate, parse_job_options, parse_process_graph

        process = self.process.currentData()
        graph = None
        if process == "process_graph":
            path = Path(self.graph_file.filePath())
            if not path.is_file():
                raise GridJobsError("Choose the process graph JSON file.")
            graph = parse_process_graph(path.read_text())
        return JobTemplate(
            start=self.start.date().toString("yyyy-MM-dd"),
            end=self.end.date().toString("yyyy-MM-dd"),
            collection=self.collection.text().strip(),
            bands=[b.strip() for b in self.bands.text().split(",") if b.strip()],
            process=process,
            process_graph=graph,
            udp_id=self.udp_id.text().strip() or None,
            out_format=self.out_format.currentText(),
            job_options=parse_job_options(self.job_options.text()),
        ).validate()

    def show_template(self, template) -> None:
        """Fill the form with a run's saved job settings."""
        self.collection.setText(template.collection)
        self.bands.setText(", ".join(template.bands))
        self.start.setDate(QDate.fromString(template.start, "yyyy-MM-dd"))
        self.end.setDate(QDate.fromString(template.end, "yyyy-MM-dd"))
        self.process.setCurrentIndex(max(0, self.process.findData(template.process)))
        self.udp_id.setText(template.udp_id or "")
        self.out_format.setCurrentText(template.out_format)
        self.job_options.setText(json.dumps(template.job_options))

    def run_backends(self) -> tuple[list, list]:
        """The ticked back-ends as runner back-ends (secrets read here, on the main thread),
        and their configs for the run settings."""
        from ..core.runner import Backend
        from .auth_store import load_secrets

        for relay in self._relays:  # the previous run has ended: its relays are unused
            relay.deleteLater()
        self._relays.clear()
        connections = self.backends.enabled_connections()
        if not connections:
            raise GridJobsError("Tick at least one back-end (Add… one if the list is empty).")
        backends, configs = [], []
        for connection in connections:
            config = connection.config
            secrets = load_secrets(config.auth_method, connection.authcfg)
            if config.auth_method == "oidc_device" and not secrets.refresh_token:
                raise LoginRequiredError(f"Log in to {config.name} first.", config.name)
            if config.auth_method in ("basic", "oidc_client_credentials") and not (
                secrets.password or secrets.client_secret
            ):
                raise GridJobsError(f"Edit {config.name}: its login is not stored yet.")
            keep = self._token_keeper(connection)
            connect = lambda c=config, s=secrets, k=keep: c.connect(s, on_refresh_token=k)  # noqa: E731
            backends.append(Backend(config.name, connect, config.parallel_jobs))
            configs.append(config)
        return backends, configs

    def _token_keeper(self, connection):
        """Refresh tokens renewed during a run (any thread) saved on the main thread."""
        from .connections import keep_refresh_token

        relay = Relay(lambda token: keep_refresh_token(connection, token), self)
        self._relays.append(relay)
        return relay

    def save_settings(self) -> None:
        """Remember the form for the next session (back-ends are saved connections)."""
        settings = QgsSettings()
        values = {
            "collection": self.collection.text(),
            "bands": self.bands.text(),
            "start": self.start.date().toString("yyyy-MM-dd"),
            "end": self.end.date().toString("yyyy-MM-dd"),
            "process": self.process.currentData(),
            "graph_file": self.graph_file.filePath(),
            "udp_id": self.udp_id.text(),
            "out_format": self.out_format.currentText(),
            "job_options": self.job_options.text(),
            "poll_interval": self.poll_interval.value(),
        }
        for key, value in values.items():
            settings.setValue(SETTINGS + key, value)

    def _request(self, **extra) -> RunRequest:
        """Gather a run request on the main thread: form values and the tiles (in memory)."""
        from ..core.run_config import RunConfig

        if self.layer is None:
            raise GridJobsError("Create a grid first (or open a job database).")
        template = self.template()
        backends, configs = self.run_backends()
        job_db = self.job_db.filePath().strip()
        if not job_db:
            raise GridJobsError("Choose where to keep the job database (.csv or .parquet).")
        kind_of(Path(job_db))  # an unknown extension fails here, before any work
        output_dir = str(Path(job_db).with_name(Path(job_db).stem + "_results"))
        run_config = RunConfig(template, configs, self.poll_interval.value(), output_dir)
        return RunRequest(
            job_db=job_db,
            backends=backends,
            run_config=run_config,
            tiles=layer_tiles(self.layer),
            **extra,
        )

    # --- actions ------------------------------------------------------------------------------
    def start_run(self, *, retry_failed: bool = False, **extra) -> bool:
        if self.is_running():
            return False
        try:
            request = self._request(retry_failed=retry_failed, **extra)
        except LoginRequiredError as exc:
            self._ask_login(exc.backend, str(exc), dict(retry_failed=retry_failed, **extra))
            return False
        except GridJobsError as exc:
            self._message(str(exc), Qgis.Warning)
            return False
        self.save_settings()
        self.layer.setCustomProperty(JOB_DB_PROPERTY, request.job_db)
        if self.updater is None:
            self.updater = GridLayerUpdater(self.layer)
        self.thread = RunThread(request, self)
        self.thread.worker.updates.connect(self._on_updates)
        self.thread.worker.done.connect(self._on_done)
        self.thread.worker.failed.connect(self._on_failed)
        self.thread.worker.notice.connect(self._on_event)
        self.thread.worker.login_required.connect(
            lambda name, why: self._ask_login(name, why, dict(retry_failed=retry_failed, **extra))
        )
        self.thread.worker.mapping_required.connect(
            lambda unknown, names: self._ask_mapping(
                unknown, names, dict(retry_failed=retry_failed, **extra)
            )
        )
        self.thread.thread.finished.connect(self._update_enabled)
        self.progress.setRange(0, self.layer.featureCount())
        self.thread.start()
        self._update_enabled()
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
            lambda: self._message("Run not started: the back-ends were not mapped.", Qgis.Info)
        )
        self.map_dialog.open()
        self.run_finished.emit({})

    def _ask_login(self, name: str, reason: str, run_kwargs: dict) -> None:
        """Open the device login; when it succeeds, the run starts (again) by itself."""
        connection = next((c for c in self.backends.connections if c.name == name), None)
        if connection is None:
            self._message(reason, Qgis.Warning)
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

    def cancel_jobs(self) -> None:
        """Cancel the back-end jobs of the selected tiles, or of all when none is selected."""
        if self.layer is None:
            return
        selected = [str(f["tile_id"]) for f in self.layer.selectedFeatures()] or None
        if self.is_running():
            self.thread.worker.request_cancel(selected)
        elif selected is None:
            self.start_run(cancel_all=True)
        else:
            self.start_run(cancel_only=selected)

    def ask_open_job_db(self) -> None:
        from qgis.PyQt.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(
            self, "Open job database", "", "Job database (*.csv *.parquet)"
        )
        if path:
            self.open_job_db(path)

    def open_job_db(self, path: str) -> None:
        """Read a job table in the background, then show it as a grid layer by status."""

        def read():
            from ..core.job_db import JobDatabase
            from ..core.run_config import RunConfig, RunConfigError
            from ..core.runner import GridJobRunner
            from .grid_layer import table_tiles

            frame = JobDatabase(path).read()
            counts = dict(frame["status"].value_counts())
            updates = GridJobRunner.updates_of(frame)
            try:
                template = RunConfig.load(path).template
            except RunConfigError:  # a notebook's tracker: the form's settings will be used
                template = None
            return table_tiles(frame), updates, counts, template

        self._loader = BackgroundCall(
            read,
            lambda result: self._show_job_db(path, *result),
            lambda message: self._message(message, Qgis.Critical),
            self,
        )

    def _show_job_db(self, path: str, tiles, updates: list, counts: dict, template) -> None:
        from .grid_layer import tiles_layer
        from .status_style import apply_status_style

        layer = tiles_layer(tiles, Path(path).stem)
        QgsProject.instance().addMapLayer(layer)
        apply_status_style(layer)
        layer.setCustomProperty(JOB_DB_PROPERTY, path)
        GridLayerUpdater(layer).apply(updates)
        self.set_grid_layer(layer)
        self.job_db.setFilePath(path)
        if template is not None:
            self.show_template(template)  # Run resumes with the run's own settings
        self.show_counts(counts)
        self.job_db_opened.emit(layer)
        self._message(f"Opened {path}: {len(updates)} tiles.", Qgis.Info)

    def load_results(self) -> list:
        """Add every finished tile's downloaded result as a raster layer, in one group."""
        from qgis.core import QgsRasterLayer

        if self.layer is None:
            return []
        paths = [
            (str(f["tile_id"]), str(f["result"]))
            for f in self.layer.getFeatures()
            if f["status"] == "finished" and f["result"] and Path(str(f["result"])).is_file()
        ]
        if not paths:
            self._message("No downloaded results yet (finished tiles only).", Qgis.Warning)
            return []
        project = QgsProject.instance()
        group = project.layerTreeRoot().insertGroup(0, f"{self.layer.name()} results")
        layers = []
        for tile_id, path in paths:
            raster = QgsRasterLayer(path, tile_id)
            if not raster.isValid():
                self._message(f"Cannot open the result of tile {tile_id}: {path}", Qgis.Warning)
                continue
            project.addMapLayer(raster, False)
            group.addLayer(raster)
            layers.append(raster)
        self._message(f"Loaded {len(layers)} results.", Qgis.Success)
        return layers

    # --- results from the worker (main thread) ------------------------------------------------
    def _on_updates(self, batch: list, counts: dict) -> None:
        if self.updater is not None:
            self.updater.apply(batch)
            view = self.iface.layerTreeView() if hasattr(self.iface, "layerTreeView") else None
            if view is not None and self.layer is not None:
                view.refreshLayerSymbology(self.layer.id())
        self.show_counts(counts)

    def show_counts(self, counts: dict) -> None:
        done = sum(n for s, n in counts.items() if s in FINAL_STATUSES)
        self.progress.setMaximum(max(1, sum(counts.values())))
        self.progress.setValue(done)
        parts = [f"{s.replace('_', ' ')} {counts[s]}" for s in STATUSES if counts.get(s)]
        self.counts_label.setText(" · ".join(parts))

    def _on_done(self, counts: dict) -> None:
        self.show_counts(counts)
        total = sum(counts.values())
        finished = counts.get("finished", 0)
        failed = sum(counts.get(s, 0) for s in ("error", "start_failed"))
        if all(s in FINAL_STATUSES for s in counts):
            level = Qgis.Success if not failed else Qgis.Warning
            text = f"Run complete: {finished} of {total} tiles finished"
            if failed:
                text += f", {failed} failed (Retry failed resubmits them)"
            self._message(text + ".", level)
        else:
            self._message(
                "Stopped. Jobs keep running on the back-end; Run resumes tracking them.",
                Qgis.Info,
            )
        self.run_finished.emit(counts)

    def _on_event(self, level: str, message: str) -> None:
        """Outages, removed duplicates, a stopped launch: the bar and the plugin's log tab."""
        from qgis.core import QgsMessageLog

        levels = {"info": Qgis.Info, "warning": Qgis.Warning, "error": Qgis.Critical}
        QgsMessageLog.logMessage(message, MESSAGE_TITLE, levels.get(level, Qgis.Info))
        self._message(message, levels.get(level, Qgis.Info))

    def _on_failed(self, message: str) -> None:
        self._message(message, Qgis.Critical)
        self.run_finished.emit({})

    def _message(self, text: str, level: Qgis.MessageLevel) -> None:
        self.iface.messageBar().pushMessage(
            MESSAGE_TITLE, text, level, 0 if level >= Qgis.Warning else 8
        )

    def shutdown(self) -> None:
        """Stop the run (jobs go on on the back-end) and let every thread end.

        A QThread destroyed while running aborts QGIS, so unloading the plugin
        waits (briefly: the run loop ends within a tick) for each of them.
        """
        if self.thread is not None:
            self.thread.stop()
            self.thread.wait(2000)
        self.backends.shutdown()
        for call in (self._warm_up, self._loader):
            if call is not None:
                call.thread.wait(10_000)


def layer_tiles(layer: QgsVectorLayer) -> dict:
    """The grid layer's tiles as plain lists (read in memory on the main thread)."""
    from qgis.core import QgsFeatureRequest

    request = QgsFeatureRequest()
    request.setSubsetOfAttributes(["tile_id", "col", "row"], layer.fields())
    tiles: dict = {"tile_id": [], "col": [], "row": [], "wkb": []}
    for feature in layer.getFeatures(request):
        tiles["tile_id"].append(str(feature["tile_id"]))
        tiles["col"].append(feature["col"])
        tiles["row"].append(feature["row"])
        tiles["wkb"].append(bytes(feature.geometry().asWkb()))
    tiles["crs"] = layer.crs().toWkt()
    if layer.crs().authid().upper().startswith("EPSG:"):
        tiles["crs"] = layer.crs().authid()
    return tiles


def default_job_db(layer_name: str) -> Path:
    """A new file next to the project when it is saved, else in ~/openeo-grid-jobs.

    Never an existing file: a new grid must not pick up another grid's jobs.
    """
    home = QgsProject.instance().homePath()
    folder = Path(home) if home else Path.home() / "openeo-grid-jobs"
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", layer_name).strip("_") or "grid"
    path = folder / f"{safe}.jobs.csv"
    number = 2
    while path.exists():
        path = folder / f"{safe}-{number}.jobs.csv"
        number += 1
    return path
