"""What a run is asked to do, read from the dock on the main thread.

The form, the ticked back-ends (with their secrets: QGIS's auth manager is not
thread-safe), QGIS's proxy (its login too) and a snapshot of the grid's features
are taken here; the tiles are
read, and the engine started, off the main thread (:class:`~.viewer.RunViewer`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from qgis.core import QgsVectorLayer
from qgis.PyQt.QtCore import QObject

from ...core.engine.request import RunAction, RunRequest
from ...core.errors import GridJobsError
from ...core.jobs.database import kind_of
from ..adapters.layer_tiles import LayerTiles
from ..adapters.network_proxy import qgis_proxy
from ..adapters.project_runs import results_dir
from ..adapters.settings import POLL_INTERVAL, save_form
from ..i18n import translate

if TYPE_CHECKING:
    from ..widgets.backends_widget import BackendsWidget
    from ..widgets.run_page import RunPage
    from ..widgets.template_form import TemplateForm

#: who holds a job database the dock's engine runs
HOLDER = "QGIS (openEO Grid Jobs)"
#: seconds the dock's engine waits for the dock to attach before it starts anyway
WAIT_FOR_VIEWER = 30.0


class RunInputs(QObject):
    """Turns the Job and Run pages into a run request."""

    def __init__(
        self, backends: BackendsWidget, form: TemplateForm, run_page: RunPage, parent: QObject
    ) -> None:
        super().__init__(parent)
        self.backends = backends
        self.form = form
        self.run_page = run_page

    def save_settings(self) -> None:
        """Remember the form for the next session (back-ends are saved connections)."""
        save_form(self.form.values())
        POLL_INTERVAL.write(self.run_page.poll_seconds())

    def job_db_path(self) -> str:
        job_db = self.run_page.job_db_path()
        if not job_db:
            raise GridJobsError(
                translate("RunInputs", "Choose where to keep the job database (.csv or .parquet).")
            )
        kind_of(Path(job_db))  # an unknown extension fails here, before any work
        return job_db

    def request(
        self,
        layer: QgsVectorLayer | None,
        *,
        action: RunAction = RunAction.RUN,
        retry_failed: bool = False,
        cancel: list[str] | None = None,
        split: list[str] | None = None,
        backend_map: dict[str, str] | None = None,
    ) -> tuple[RunRequest, LayerTiles | None]:
        """The request, and the grid's tiles to read with it (None: not needed).

        Refresh and Cancel work on the run as it was saved: the form is not read,
        so a form changed since cannot make them refuse or alter the run.
        """
        from ...core.engine.config import RunConfig

        if layer is None:
            raise GridJobsError(
                translate("RunInputs", "Create a grid first (or open a job database).")
            )
        job_db = self.job_db_path()
        configs, secrets = self._logins()
        request = RunRequest(
            job_db,
            action=action,
            secrets=secrets,
            retry_failed=retry_failed,
            split=list(split or []),
            cancel=cancel,
            backend_map=dict(backend_map or {}),
            holder=HOLDER,
            wait_for_viewer=WAIT_FOR_VIEWER,
            proxy=qgis_proxy(),
            policy=self.run_page.time_limits() if action is RunAction.RUN else {},
        )
        if action is not RunAction.RUN:
            if not Path(job_db).exists():
                raise GridJobsError(
                    translate(
                        "RunInputs", "This grid has not been run yet: nothing to ask the back-end."
                    )
                )
            return request, None
        template = self.form.template()
        keep = template.bound_columns()
        missing = [c for c in keep if layer.fields().indexOf(c) < 0]
        if missing and not Path(job_db).exists():  # a resumed run's table has the values
            raise GridJobsError(
                translate(
                    "RunInputs",
                    "{layer} has no field {fields}, which job parameters are bound to "
                    "(Job › Parameters…). Nothing was submitted.",
                ).format(layer=layer.name(), fields=", ".join(map(repr, missing)))
            )
        request.config = RunConfig(
            template,
            configs,
            self.run_page.poll_seconds(),
            str(results_dir(job_db)),
            budget=self.run_page.budget_value(),
            download=self.run_page.downloads(),
        )
        return request, LayerTiles.of(layer, keep)

    def _logins(self) -> tuple[list, dict]:
        from ..adapters.backends import connection_logins

        return connection_logins(self.backends.enabled_connections())
