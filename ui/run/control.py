"""What the dock's run buttons do: start a run's engine, watch one, act on the run going on.

A run is carried out by an engine in a process of its own (:mod:`...core.engine.launch`).
:class:`RunControl` starts one with what :class:`~.inputs.RunInputs` reads from the
pages, or attaches to the one going on for the grid's job database (started by the
CLI, by Processing, by an earlier QGIS); while a run goes on, the buttons are
commands to it (Retry failed, Refresh, Cancel, the budget, a renewed login, Stop).
It keeps the panel's :class:`~.viewer.RunViewer`, whose events
:class:`~.link.RunLink` applies to the panel. Detaching leaves the run going.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from qgis.core import Qgis
from qgis.PyQt.QtCore import QObject, QTimer

from ...core.engine.events import Command
from ...core.engine.request import RunAction
from ...core.errors import GridJobsError, LoginRequiredError
from ..adapters.grid_layer import ensure_job_fields
from ..adapters.project_runs import JOB_DB_PROPERTY
from ..i18n import translate
from .link import RunLink
from .viewer import RunViewer

if TYPE_CHECKING:
    from ..widgets.jobs_panel import JobsPanel


class RunControl(QObject):
    """The run the panel watches (``viewer``: None when none) and what acts on it."""

    def __init__(self, panel: JobsPanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self.viewer: RunViewer | None = None
        self.link: RunLink | None = None

    def start(self, *, retry_failed: bool = False, **extra) -> bool:
        """Run (or resume) the grid's run, or (``extra``) refresh it, cancel jobs, resume a
        notebook's tracker with a back-end mapping, split failed tiles.

        A run going on for the job database is acted on instead (Retry failed, Refresh
        and Cancel are commands to it); one going on that this panel does not watch yet
        (the CLI's, Processing's, an earlier QGIS's) is attached to first.
        """
        cancel = extra.get("cancel_only") if "cancel_only" in extra else None
        action = (
            RunAction.REFRESH
            if extra.get("refresh_only")
            else RunAction.CANCEL
            if extra.get("cancel_all") or extra.get("cancel_only") is not None
            else RunAction.RUN
        )
        if not self.panel.is_running() and self.panel.layer is not None and self.attach_live():
            self.panel.messages.say(
                translate(
                    "JobsPanel", "This grid's run is going on (started elsewhere): watching it now."
                ),
                Qgis.MessageLevel.Info,
            )
            if action is RunAction.RUN and not retry_failed:
                return True
        if self.panel.is_running():
            return self._command(action, retry_failed, cancel)
        layer = self.panel.layer
        try:
            request, tiles = self.panel.inputs.request(
                layer,
                action=action,
                retry_failed=retry_failed,
                cancel=cancel,
                split=extra.get("split"),
                backend_map=extra.get("backend_map"),
            )
        except LoginRequiredError as exc:
            self.panel.prompts.ask_login(
                exc.backend, str(exc), dict(retry_failed=retry_failed, **extra)
            )
            return False
        except GridJobsError as exc:
            self.panel.messages.say(str(exc), Qgis.MessageLevel.Warning)
            return False
        if layer is None:  # (request refuses no layer)
            return False
        if request.config is not None:
            self.panel.inputs.save_settings()
        layer.setCustomProperty(JOB_DB_PROPERTY, request.job_db)
        self.prepare_layer()
        viewer = self.watch(request.job_db, action)
        viewer.login_required.connect(
            lambda name, why: self.panel.prompts.ask_login(
                name, why, dict(retry_failed=retry_failed, **extra)
            )
        )
        viewer.mapping_required.connect(
            lambda unknown, names: self._ask_mapping(
                unknown, names, dict(retry_failed=retry_failed, **extra)
            )
        )
        viewer.launch(request, tiles)
        self.panel.status.forget()
        self.panel.show_tracking()
        if request.config is not None:
            self.panel.status.show_windowed(bool(request.config.template.windows))
            self.panel.remember()
            budget = request.config.budget  # "no cap" later lifts this one
            if budget is not None:
                self.panel.run_page.keep_budget(budget)
        # said once the click's own work is done (the bar draws it in the next turn of
        # the event loop anyway): Run's click stays short
        count = layer.featureCount()
        QTimer.singleShot(0, lambda: self.panel.messages.started(request, count))
        return True

    def _command(self, action: RunAction, retry_failed: bool, cancel: list | None) -> bool:
        """A button pressed while the run goes on: a command to its engine."""
        if self.viewer is None:
            return False
        if retry_failed:
            return self.viewer.command(Command.RETRY_FAILED)
        if action is RunAction.REFRESH:
            self.send_logins()  # a login renewed since (an edited password) goes along
            return self.viewer.command(Command.REFRESH)
        if action is RunAction.CANCEL:
            return self.viewer.command(Command.CANCEL, tiles=cancel)
        return False

    def attach_live(self) -> bool:
        """Attach to the run going on for this grid's job database, if there is one."""
        from ...core.engine.launch import engine_state

        job_db = self.panel.job_db_path()
        if not job_db or not engine_state(job_db).live:
            return False
        self.prepare_layer()
        viewer = self.watch(job_db, RunAction.RUN)
        if not viewer.attach():
            self.viewer = self.link = None
            return False
        self.panel.show_tracking()
        return True

    def prepare_layer(self) -> None:
        if self.panel.layer_feed.updater is None and self.panel.layer is not None:
            ensure_job_fields(self.panel.layer)
            self.panel.layer_feed.prepare()

    def watch(self, job_db: str, action: RunAction) -> RunViewer:
        """A viewer for the run of ``job_db``, its events applied to this panel."""
        self.detach()
        self.viewer = RunViewer(job_db, self)
        self.link = RunLink(self.panel, self.viewer, action)
        layer = self.panel.layer
        self.panel.status.show_tile_count(layer.featureCount() if layer is not None else 0)
        return self.viewer

    def detach(self) -> None:
        """Stop watching the run; it goes on in its own process."""
        if self.viewer is not None:
            live = self.viewer.live
            self.viewer.detach()
            if live:
                self.panel.status.ended({"unknown": 1})
                self.panel.messages.say(
                    translate(
                        "JobsPanel",
                        "The run goes on in the background; open its grid to watch it again.",
                    ),
                    Qgis.MessageLevel.Info,
                )
        self.viewer = self.link = None

    def answered(self, run_kwargs: dict) -> None:
        """The user answered what a run asked: a login (renewed mid-run: hand it over;
        before it started: start it again), a back-end mapping."""
        name = run_kwargs.get("renew_login")
        if name is None:
            self.start(**run_kwargs)
        elif not self.send_logins([name]):
            self.panel.messages.say(
                translate(
                    "JobsPanel",
                    "The run no longer goes on: Run to resume it with the new login to {name}.",
                ).format(name=name),
                Qgis.MessageLevel.Info,
            )

    def send_logins(self, names: list[str] | None = None) -> bool:
        """Hand the current logins (of ``names``, default: the ticked back-ends) to the run."""
        from ..adapters.backends import connection_logins

        if self.viewer is None or not self.viewer.live:
            return False
        wanted = [
            c
            for c in self.panel.backends.connections
            if (names is None and c.enabled) or (names is not None and c.name in names)
        ]
        try:
            _, secrets = connection_logins(wanted) if wanted else ([], {})
        except GridJobsError as exc:
            self.panel.messages.say(str(exc), Qgis.MessageLevel.Warning)
            return False
        for name, login in secrets.items():
            values = {k: getattr(login, k) for k in login.__dataclass_fields__}
            self.viewer.command(Command.CREDENTIALS, backend=name, secrets=values)
        return True

    def budget_changed(self, budget: float | None) -> None:
        """A new credit budget (the Run page's, ``math.inf``: lifted) while the run goes
        on: the run takes it at once."""
        if self.panel.is_running() and self.viewer is not None:
            credits = None if budget is None or math.isinf(budget) else budget
            self.viewer.command(Command.BUDGET, credits=credits)

    def _ask_mapping(self, unknown: list, names: list, run_kwargs: dict) -> None:
        """The run did not start: it needs a back-end mapping."""
        self.panel.run_ended()
        self.panel.prompts.ask_mapping(unknown, names, run_kwargs)
        self.panel.run_finished.emit({})

    def stop(self) -> None:
        if self.viewer is not None and self.viewer.command(Command.STOP):
            self.panel.messages.say(
                translate("JobsPanel", "Stopping: jobs keep running on the back-end."),
                Qgis.MessageLevel.Info,
            )

    def split(self, tile_ids: list[str]) -> bool:
        """Replace these failed tiles by their four quarters and run them (with the rest);
        a windowed run's units: their failed (unit, window) rows in the window shown."""
        windows = self.panel.layer_feed.windows
        units = [t for t in tile_ids if t in windows.progress.rows]
        if units:  # a windowed run's units on the map: their failed (unit, window) rows
            tile_ids = [t for t in tile_ids if t not in units] + windows.failed_rows(units)
        if not tile_ids:
            return False
        if self.panel.is_running():
            self.panel.messages.say(
                translate(
                    "JobsPanel", "Stop the run first: splitting tiles changes the run's grid."
                ),
                Qgis.MessageLevel.Warning,
            )
            return False
        started = self.start(split=list(tile_ids))
        if started:
            self.panel.messages.say(
                translate(
                    "JobsPanel",
                    "Splitting %n tiles into {quarters} quarter tiles and running them.",
                    None,
                    len(tile_ids),
                ).format(quarters=4 * len(tile_ids)),
                Qgis.MessageLevel.Info,
            )
        return started
