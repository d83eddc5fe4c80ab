"""What the worker is asked to do, read from the dock on the main thread.

The form, the ticked back-ends (with their secrets: QGIS's auth manager is not
thread-safe) and the grid's tiles are all read here, before the worker starts,
so the worker never touches a widget or a layer.
"""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsSettings, QgsVectorLayer
from qgis.PyQt.QtCore import QObject

from ..core.errors import GridJobsError
from ..core.job_db import kind_of
from .backends_widget import BackendsWidget
from .project_runs import results_dir
from .run_page import RunPage
from .run_worker import LayerTiles, Relay, RunRequest
from .template_form import SETTINGS, TemplateForm


class RunInputs(QObject):
    """Turns the Job and Run pages into a :class:`~.run_worker.RunRequest`."""

    def __init__(
        self, backends: BackendsWidget, form: TemplateForm, run_page: RunPage, parent: QObject
    ) -> None:
        super().__init__(parent)
        self.backends = backends
        self.form = form
        self.run_page = run_page
        self._relays: list[Relay] = []

    def _run_backends(self) -> tuple[list, list]:
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
        values = {**self.form.values(), "poll_interval": self.run_page.poll_interval.value()}
        for key, value in values.items():
            settings.setValue(SETTINGS + key, value)

    def _job_db_path(self) -> str:
        job_db = self.run_page.job_db.filePath().strip()
        if not job_db:
            raise GridJobsError("Choose where to keep the job database (.csv or .parquet).")
        kind_of(Path(job_db))  # an unknown extension fails here, before any work
        return job_db

    def request(self, layer: QgsVectorLayer | None, **extra) -> RunRequest:
        """Gather a run request: form values and ``layer``'s tiles (in memory).

        Refresh and Cancel work on the run as it was saved: the form is not read,
        so a form changed since cannot make them refuse or alter the run.
        """
        from ..core.run_config import RunConfig

        if layer is None:
            raise GridJobsError("Create a grid first (or open a job database).")
        job_db = self._job_db_path()
        if extra.get("refresh_only") or extra.get("cancel_all") or extra.get("cancel_only"):
            if not Path(job_db).exists():
                raise GridJobsError("This grid has not been run yet: nothing to ask the back-end.")
            backends, _ = self._run_backends()
            return RunRequest(job_db=job_db, backends=backends, run_config=None, **extra)
        template = self.form.template()
        backends, configs = self._run_backends()
        output_dir = str(results_dir(job_db))
        run_config = RunConfig(
            template,
            configs,
            self.run_page.poll_interval.value(),
            output_dir,
            budget=self.run_page.budget_value(),
        )
        return RunRequest(
            job_db=job_db,
            backends=backends,
            run_config=run_config,
            tiles=LayerTiles.of(layer),
            **extra,
        )
