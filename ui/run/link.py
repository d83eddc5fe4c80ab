"""What the dock does with the events of the run it watches: the map, the counts, the bar.

The run's engine is a process of its own (:mod:`...core.engine.host`); the dock is one
of its viewers (:class:`~.viewer.RunViewer`). Each event is applied here on the
main thread: tile updates to the grid layer (through :class:`~..adapters.layer_feed.LayerFeed`),
the mosaic shown or refreshed when the engine wrote it, notices in the message bar,
a renewed refresh token into the auth manager, a refused login to the login dialog,
and the end of the run (or an engine that died) to the tracking line.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from qgis.core import Qgis
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QTimer

from ...core.definitions import LoginMethod
from ...core.engine.events import hello_windowed, updates_from_rows
from ...core.engine.request import RunAction
from ..i18n import translate

if TYPE_CHECKING:
    from ..adapters.saved_run import OpenedRun
    from ..widgets.jobs_panel import JobsPanel
    from .viewer import RunViewer

#: after a run is watched, QGIS's results code is loaded (ms), then its raster machinery
#: opened: two short pieces of main-thread work at quiet moments, rather than one added
#: to the first mosaic's opening (:func:`~..adapters.results.prepare_raster_opening`)
PREPARE_RESULTS_MS = 1000
PREPARE_RASTERS_MS = 200


class RunLink:
    """Wires one viewer's signals to ``panel``; made for each run the dock watches."""

    def __init__(self, panel: JobsPanel, viewer: RunViewer, action: RunAction) -> None:
        self.panel = panel
        self.viewer = viewer
        #: what the engine does (for the closing words)
        self.action = action
        viewer.hello.connect(self.hello)
        viewer.updates.connect(self.updates)
        viewer.notice.connect(panel.messages.event)
        viewer.summary.connect(panel.status.show_summary)
        viewer.mosaic.connect(self.mosaic)
        viewer.login.connect(self.login)
        viewer.token.connect(self.token)
        viewer.ended.connect(self.ended)
        viewer.lost.connect(self.lost)
        viewer.missed_end.connect(self.missed_end)
        viewer.failed.connect(self.failed)
        viewer.notify.connect(panel.desktop_notifier.show)

    def _current(self) -> bool:
        """Whether this link's viewer is still the panel's (it may have moved on)."""
        return self.panel.viewer is self.viewer and not sip.isdeleted(self.panel)

    # --- the run as it is, and as it goes ------------------------------------------------
    def hello(self, message: dict) -> None:
        if not self._current():
            return
        panel = self.panel
        panel.status.show_windowed(hello_windowed(message))
        split = message.get("split")
        if split:
            panel.tiles_split(split["parents"], split["quarters"], split.get("gone"))
        panel.layer_feed.add(updates_from_rows(message["rows"]))
        panel.show_counts(message["counts"])
        summary = message.get("summary") or {}
        panel.status.show_summary(summary.get("text", ""))
        if message.get("budget") is not None:
            panel.run_page.show_budget(message["budget"])
        if message.get("mosaic"):
            self.mosaic(message["mosaic"])
        elif not message.get("ended"):
            QTimer.singleShot(PREPARE_RESULTS_MS, self._prepare_results)
        for token in message.get("tokens") or []:
            self.token(token["backend"], self.viewer_token(token))
        for name, why in (message.get("logins") or {}).items():
            self.login(name, why)
        panel.status.updated()
        panel.show_tracking()

    @staticmethod
    def viewer_token(values: dict):
        from ...core.backends.device_login import RefreshToken

        return RefreshToken(values["issuer"], values["client_id"], values["refresh_token"])

    def updates(self, batch: list, counts: dict) -> None:
        if not self._current():
            return
        self.panel.layer_feed.add(batch)
        self.panel.show_counts(counts)
        self.panel.status.updated()

    def _prepare_results(self) -> None:
        """Load the code that shows the run's mosaic, then open QGIS's raster machinery,
        before the first mosaic comes (each a short stall of its own)."""
        from ..adapters.results import prepare_raster_opening
        from ..adapters.results_series import show_window_mosaic  # noqa: F401 (loaded now)

        def rasters() -> None:
            layer = self.panel.layer
            if self._current() and layer is not None and not sip.isdeleted(layer):
                prepare_raster_opening(layer.crs())

        QTimer.singleShot(PREPARE_RASTERS_MS, rasters)

    def mosaic(self, path: str) -> None:
        """The run's mosaic, or one window's (a layer of the run's time series)."""
        from ..adapters.results import show_mosaic
        from ..adapters.results_series import show_window_mosaic, window_of

        layer = self.panel.layer
        if not self._current() or layer is None or sip.isdeleted(layer):
            return
        show = show_window_mosaic if window_of(Path(path)) is not None else show_mosaic
        if show(layer, Path(path)) is None:
            self.panel.messages.say(
                translate("RunLink", "Cannot open the results mosaic {path}.").format(path=path),
                Qgis.MessageLevel.Warning,
            )

    # --- logins --------------------------------------------------------------------------
    def login(self, name: str, why: str) -> None:
        """A back-end refused the run's login (the run goes on, that back-end waits); or
        it works again (``why`` empty)."""
        if not self._current():
            return
        if why:
            self.panel.prompts.ask_login(name, why, {"renew_login": name})

    def token(self, name: str, token) -> None:
        """A refresh token the run renewed: kept in the auth manager (never on disk)."""
        from ..adapters.connections import keep_refresh_token

        connection = next((c for c in self.panel.backends.connections if c.name == name), None)
        if connection is not None and connection.config.auth_method == LoginMethod.OIDC_DEVICE:
            keep_refresh_token(connection, token)

    # --- the end ---------------------------------------------------------------------------
    def ended(self, message: dict) -> None:
        """The run ended: shown once its last statuses are on the map (a big last batch
        goes in slices; the layer's index may still be being read)."""
        if self._current():
            self.panel.layer_feed.then(lambda: self._show_end(message))

    def _show_end(self, message: dict) -> None:
        if not self._current():
            return
        panel = self.panel
        counts = message.get("counts") or {}
        for path in ((message.get("outputs") or {}).get("mosaics") or {}).values():
            self.mosaic(path)  # each window's, as written last
        panel.run_ended()
        panel.show_counts(counts)
        summary = message.get("summary") or {}
        if summary.get("text"):
            panel.status.show_summary(summary["text"])
        panel.messages.ended(counts, self.action, panel.status.windowed)
        if message.get("message"):
            panel.messages.say(message["message"], Qgis.MessageLevel.Info)
        panel.status.ended(counts)
        panel.show_tracking(running=False)
        panel.problems.refresh()
        panel.remember(counts)
        panel.run_finished.emit(counts)

    def missed_end(self, opened: OpenedRun) -> None:
        """The run ended as the dock was getting in: its end as its job table says,
        shown as if heard, with the statuses it made meanwhile."""
        if self._current():
            self.panel.layer_feed.add(opened.updates)
            self.ended({"counts": opened.counts, "summary": {"text": opened.summary}})

    def lost(self) -> None:
        """The engine went away without a word (killed, a crash, the machine rebooted)."""
        if not self._current():
            return
        panel = self.panel
        panel.run_ended()
        since = time.strftime("%H:%M")
        panel.status.engine_died(time.time())
        panel.show_tracking(running=False)
        panel.messages.say(
            translate(
                "RunLink",
                "The run's engine stopped at {since} without finishing (killed?). Jobs keep "
                "running on the back-end: Run resumes the run.",
            ).format(since=since),
            Qgis.MessageLevel.Warning,
        )
        panel.run_finished.emit({})

    def failed(self, message: str) -> None:
        if not self._current():
            return
        panel = self.panel
        panel.run_ended()
        ran = panel.layer is not None and Path(panel.job_db_path()).exists()
        if ran:
            panel.status.ended({"unknown": 1})  # statuses as last seen, not tracked
        else:
            panel.status.forget()
        panel.show_tracking(running=False)
        panel.messages.say(message, Qgis.MessageLevel.Critical)
        panel.run_finished.emit({})
