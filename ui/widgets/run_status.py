"""What the dock says about a run, always in view: progress, counts, and whether it is tracked.

A map whose tiles say ``running`` while nothing polls the back-end would lie;
this line says when the statuses were last seen, and the legend marks the
unfinished ones as last known until a run tracks them again.
"""

from __future__ import annotations

import time

from qgis.core import QgsVectorLayer
from qgis.PyQt.QtWidgets import QLabel, QProgressBar, QVBoxLayout, QWidget

from ...core.definitions import FINAL_STATUSES, STATUSES
from ..i18n import translate

NOT_TRACKING_STYLE = "color: #9a5b00; font-weight: bold;"


class RunStatus(QWidget):
    """Progress bar, per-status counts and the tracking line of the dock's run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("progress")
        #: the run's rows are (unit, window) jobs (a run with time windows), not tiles
        self.windowed = False
        self.show_windowed(False)
        self.counts_label = QLabel("", self)
        self.counts_label.setObjectName("counts")
        self.counts_label.setWordWrap(True)
        self.summary_label = QLabel("", self)
        self.summary_label.setObjectName("summary")
        self.summary_label.setWordWrap(True)
        self.summary_label.setToolTip(
            translate("RunStatus", "Elapsed time, expected end, credits so far, downloaded")
        )
        self.tracking_label = QLabel("", self)
        self.tracking_label.setObjectName("tracking")
        self.tracking_label.setWordWrap(True)
        for widget in (self.progress, self.counts_label, self.summary_label, self.tracking_label):
            layout.addWidget(widget)
        #: when the map stopped being tracked with tiles unfinished (None: not the case)
        self.not_tracking_since: float | None = None
        #: when the run's last tile became final, as far as this session knows
        self.completed_at: float | None = None
        #: when the run's engine died without finishing (killed, a reboot)
        self.died_at: float | None = None
        self.last_update: float | None = None
        #: the tiles per status shown
        self.counts: dict[str, int] = {}

    # --- what happened ----------------------------------------------------------------
    def forget(self) -> None:
        """Another grid, or a run starting: nothing known about the map's freshness."""
        self.not_tracking_since = self.completed_at = self.died_at = None
        self.last_update = time.time()

    def ended(self, counts: dict, when: float | None = None) -> None:
        """The statuses in ``counts`` were seen at ``when`` (default: now); no one tracks."""
        when = time.time() if when is None else when
        self.died_at = None
        if all(s in FINAL_STATUSES for s in counts):
            self.not_tracking_since, self.completed_at = None, when
        else:
            self.not_tracking_since, self.completed_at = when, None

    def engine_died(self, when: float) -> None:
        """The run's engine ended without finishing, last heard of at ``when``."""
        self.not_tracking_since, self.completed_at, self.died_at = when, None, when

    def updated(self) -> None:
        """A status batch arrived from the running run."""
        self.last_update = time.time()
        self.tracking_label.setText(self._tracking_text())

    # --- what is shown ------------------------------------------------------------------
    def show_windowed(self, windowed: bool) -> None:
        """Whether the run has time windows: its rows, counted here, are then (unit,
        window) jobs, more than its tiles or units."""
        self.windowed = windowed
        self.progress.setFormat(
            translate("RunStatus", "%v / %m jobs done")
            if windowed
            else translate("RunStatus", "%v / %m tiles done")
        )

    def show_tile_count(self, tiles: int) -> None:
        """The run has ``tiles`` tiles (a new run, split tiles): the bar's end."""
        self.progress.setRange(0, tiles)

    def show_summary(self, text: str) -> None:
        """The run's summary line (elapsed, expected end, credits, downloaded)."""
        self.summary_label.setText(text)

    def show_counts(self, counts: dict) -> None:
        self.counts = dict(counts)
        done = sum(n for s, n in counts.items() if s in FINAL_STATUSES)
        self.progress.setMaximum(max(1, sum(counts.values())))
        self.progress.setValue(done)
        parts = [f"{s.replace('_', ' ')} {counts[s]}" for s in STATUSES if counts.get(s)]
        self.counts_label.setText(" · ".join(parts))

    def show_tracking(self, layer: QgsVectorLayer | None, running: bool) -> None:
        """Say whether ``layer``'s statuses are live; mark them in its legend when not."""
        from ..adapters.status_style import mark_last_known

        text, style, since = "", "", None
        if layer is None:
            pass
        elif running:
            text = self._tracking_text()
        elif self.died_at is not None:
            since = time.strftime("%H:%M", time.localtime(self.died_at))
            text = translate(
                "RunStatus",
                "Not running since {since} — the run's engine stopped without finishing. "
                "Run to resume (every tile keeps its one job).",
            ).format(since=since)
            style = NOT_TRACKING_STYLE
        elif self.not_tracking_since is not None:
            since = time.strftime("%H:%M", time.localtime(self.not_tracking_since))
            text = translate(
                "RunStatus",
                "Not tracking since {since} — unfinished tiles show their last known status. "
                "Run to resume, or Refresh to update once.",
            ).format(since=since)
            style = NOT_TRACKING_STYLE
        elif self.completed_at is not None:
            stamp = time.strftime("%H:%M", time.localtime(self.completed_at))
            text = (
                translate("RunStatus", "Run complete ({stamp}): every job is final.")
                if self.windowed
                else translate("RunStatus", "Run complete ({stamp}): every tile is final.")
            ).format(stamp=stamp)
        self.tracking_label.setText(text)
        self.tracking_label.setStyleSheet(style)
        if layer is not None:
            mark_last_known(layer, since)

    def eta_text(self) -> str:
        """The summary's "ETA 14:35 (~6 min)", or "" when it has none."""
        parts = self.summary_label.text().split(" · ")
        return next((p for p in parts if p.startswith("ETA")), "")

    def _tracking_text(self) -> str:
        stamp = time.strftime("%H:%M:%S", time.localtime(self.last_update or time.time()))
        return translate(
            "RunStatus",
            "Tracking the run — last update {stamp}. It runs on its own: closing QGIS "
            "does not stop it.",
        ).format(stamp=stamp)
