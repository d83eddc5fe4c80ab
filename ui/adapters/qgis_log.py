"""Python logging of the plugin (core included) shown in QGIS's Log Messages panel.

The core logs with the standard ``logging`` module so it stays free of QGIS;
this handler puts those lines under the plugin's own tab, where QGIS users
look, instead of a terminal nobody sees.
"""

from __future__ import annotations

import logging

from qgis.core import Qgis, QgsMessageLog

from ...core.definitions import PLUGIN_NAME


class QgisLogHandler(logging.Handler):
    """Each record as a message of the plugin's tab (thread-safe: QgsMessageLog is)."""

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            level = Qgis.MessageLevel.Critical
        elif record.levelno >= logging.WARNING:
            level = Qgis.MessageLevel.Warning
        else:
            level = Qgis.MessageLevel.Info
        try:
            QgsMessageLog.logMessage(self.format(record), PLUGIN_NAME, level)
        except Exception:  # never let logging break a run
            self.handleError(record)


def route_logs(package: str) -> tuple[logging.Logger, QgisLogHandler]:
    """Send ``package``'s INFO and above to the plugin's log tab; undo with :func:`unroute`."""
    logger = logging.getLogger(package)
    handler = QgisLogHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    return logger, handler


def unroute(route: tuple[logging.Logger, QgisLogHandler] | None) -> None:
    if route is not None:
        route[0].removeHandler(route[1])
