"""What the dock tells the user about its runs, in QGIS's message bar and log.

Warnings and errors stay in the bar until closed, since a run that needs the
user must not be missed; news fades after a few seconds. The run's events
(outages, removed duplicates, a stopped launch) also go to the plugin's log
tab, where they outlive the bar.
"""

from __future__ import annotations

from pathlib import Path

from qgis.core import Qgis, QgsMessageLog
from qgis.gui import QgisInterface

from ...core.definitions import FAILED_STATUSES, FINAL_STATUSES, PLUGIN_NAME, TileStatus
from ...core.engine.request import RunAction, RunRequest
from ..adapters.qgis_objects import message_bar
from ..i18n import translate

#: the run's event levels as QGIS message levels
EVENT_LEVELS = {
    "info": Qgis.MessageLevel.Info,
    "warning": Qgis.MessageLevel.Warning,
    "error": Qgis.MessageLevel.Critical,
}


class RunMessages:
    """The message bar (and log) of the dock's runs."""

    def __init__(self, iface: QgisInterface) -> None:
        self.iface = iface

    def say(self, text: str, level: Qgis.MessageLevel) -> None:
        message_bar(self.iface).pushMessage(
            PLUGIN_NAME, text, level, 0 if level >= Qgis.MessageLevel.Warning else 8
        )

    def layer_refused(self, layer: str, why: str) -> None:
        """The grid layer did not take the run's statuses (its file locked by another
        program, read-only): the run itself is not affected, only the map lags."""
        self.say(
            translate(
                "RunMessages",
                "The layer {layer} does not take the tiles' statuses ({why}); is its file "
                "open in another program? The run goes on, and the map catches up as soon "
                "as the layer takes them.",
            ).format(layer=layer, why=why),
            Qgis.MessageLevel.Warning,
        )

    def started(self, request: RunRequest, tiles: int) -> None:
        """What was just started: a run (on which back-ends, kept where), a refresh."""
        if request.config is not None:
            names = ", ".join(b.name for b in request.config.backends)
            text = (
                translate(
                    "RunMessages",
                    "Retrying the failed tiles of {tiles} on {backends}; kept in {job_db}. "
                    "It runs on its own: you may close QGIS.",
                )
                if request.retry_failed
                else translate(
                    "RunMessages",
                    "Run started: {tiles} tiles on {backends}; kept in {job_db}. "
                    "It runs on its own: you may close QGIS.",
                )
            )
            windows = len(request.config.template.time_windows())
            if windows and request.retry_failed:  # its rows are (unit, window) jobs
                text = translate(
                    "RunMessages",
                    "Retrying the failed jobs of {units} units × {windows} time windows on "
                    "{backends}; kept in {job_db}. It runs on its own: you may close QGIS.",
                )
            elif windows:  # one job per unit and window
                text = translate(
                    "RunMessages",
                    "Run started: {units} units × {windows} time windows ({jobs} jobs) on "
                    "{backends}; kept in {job_db}. It runs on its own: you may close QGIS.",
                )
            self.say(
                text.format(
                    tiles=tiles,
                    units=tiles,
                    windows=windows,
                    jobs=tiles * windows,
                    backends=names,
                    job_db=Path(request.job_db).name,
                ),
                Qgis.MessageLevel.Info,
            )
        elif request.action == RunAction.REFRESH:
            self.say(
                translate("RunMessages", "Asking the back-end for the jobs' statuses…"),
                Qgis.MessageLevel.Info,
            )

    def event(self, level: str, message: str) -> None:
        """A run's event: in the bar and the plugin's log tab."""
        qgis_level = EVENT_LEVELS.get(level, Qgis.MessageLevel.Info)
        QgsMessageLog.logMessage(message, PLUGIN_NAME, qgis_level)
        self.say(message, qgis_level)

    def ended(self, counts: dict, action: RunAction, windowed: bool = False) -> None:
        """The run ended: complete (how many failed), or what the user may do next;
        ``windowed``: its rows are (unit, window) jobs, counted as jobs, not tiles."""
        total = sum(counts.values())
        finished = counts.get(TileStatus.FINISHED, 0)
        failed = sum(counts.get(s, 0) for s in FAILED_STATUSES)
        if all(s in FINAL_STATUSES for s in counts):
            level = Qgis.MessageLevel.Success if not failed else Qgis.MessageLevel.Warning
            if windowed:
                text = (
                    translate(
                        "RunMessages",
                        "Run complete: {finished} of {total} jobs finished, {failed} failed "
                        "(Retry failed resubmits them).",
                    )
                    if failed
                    else translate(
                        "RunMessages", "Run complete: {finished} of {total} jobs finished."
                    )
                )
            else:
                text = (
                    translate(
                        "RunMessages",
                        "Run complete: {finished} of {total} tiles finished, {failed} failed "
                        "(Retry failed resubmits them).",
                    )
                    if failed
                    else translate(
                        "RunMessages", "Run complete: {finished} of {total} tiles finished."
                    )
                )
            self.say(text.format(finished=finished, total=total, failed=failed), level)
        else:
            self.say(not_tracking_text(action), Qgis.MessageLevel.Info)

    def results_loaded(self, loaded: int, problems: list[str], available: int) -> None:
        """Load results: how many tiles were added, which files failed, or why none."""
        for problem in problems:
            self.say(problem, Qgis.MessageLevel.Warning)
        if not available:
            self.say(
                translate("RunMessages", "No downloaded results yet (finished tiles only)."),
                Qgis.MessageLevel.Warning,
            )
        elif loaded:
            self.say(
                translate("RunMessages", "Loaded %n tile results.", None, loaded),
                Qgis.MessageLevel.Success,
            )
        elif not problems:
            self.say(
                translate(
                    "RunMessages", "All %n tile results are already on the map.", None, available
                ),
                Qgis.MessageLevel.Info,
            )


def not_tracking_text(action: RunAction) -> str:
    """Why the map is not tracked any more after ``action`` ended, and how to go on."""
    if action is RunAction.REFRESH:
        return translate(
            "RunMessages", "Statuses refreshed; nothing was submitted. Run resumes tracking."
        )
    if action is RunAction.CANCEL:
        return translate(
            "RunMessages",
            "Cancel requests sent. The other jobs keep running; Run resumes tracking.",
        )
    return translate(
        "RunMessages",
        "Not tracking any more. Jobs keep running on the back-end; "
        "Run resumes tracking them, Refresh updates the map once.",
    )
