"""What a run says in its log, for the CLI and the detached engine alike.

Kept in core (not in the CLI) because the run engine's host process sets up its
log the same way, and core never imports the CLI.
"""

from __future__ import annotations

import logging
import warnings
from typing import TextIO


def configure_logging(stream: TextIO | None = None) -> None:
    """What the command (and a detached engine, into its log file) says in its log.

    The run says what matters once ("back-end X unreachable since 14:02, retrying");
    urllib3's line per retried request would drown it. Never a secret: the run logs
    its events, the back-ends' messages and tracebacks of bugs only.
    """
    _quiet_known_library_warnings()
    logging.getLogger("urllib3").setLevel(logging.ERROR)
    if stream is not None:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.WARNING)
        logging.getLogger(__name__.rsplit(".", 2)[0]).setLevel(logging.INFO)


def _quiet_known_library_warnings() -> None:
    # geopandas 1.0.x imports the deprecated ``shapely.geos`` module (geopandas/_compat.py)
    # when used with shapely ≥ 2.1; the fix is geopandas ≥ 1.1, nothing a user of this
    # command can act on. Shown only when DeprecationWarnings are enabled (-W default).
    warnings.filterwarnings(
        "ignore",
        message=r"The 'shapely\.geos' module is deprecated",
        category=DeprecationWarning,
        module=r"geopandas\._compat",
    )
