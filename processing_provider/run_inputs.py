"""What ``runjobs`` needs besides its parameters: the saved connection and its login,
and the grid's tiles, gathered the way the dock gathers them.

Secrets never pass through Processing parameters (they would land in the
Processing history, models and ``qgis_process`` command lines): a run names a
connection saved in the dock, whose login is in the QGIS authentication database.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from qgis.core import QgsFeatureSource, QgsProcessingException

from ..core.errors import GridJobsError, LoginRequiredError
from ..ui.i18n import translate

if TYPE_CHECKING:
    import geopandas as gpd

    from ..core.backend import BackendConfig, Secrets

_log = logging.getLogger(__name__)


def saved_connection(name: str, parallel_jobs: int | None) -> tuple[BackendConfig, Secrets, Any]:
    """The saved connection ``name``: its settings (``parallel_jobs`` overrides the
    connection's), its login read now, and the connection itself (where a renewed
    refresh token is kept).

    Called on the main thread (the algorithm's ``prepareAlgorithm``): QGIS may ask
    for its master password there. The login is checked as the dock and the CLI check
    it (:func:`~..core.run_logins.check_login`).
    """
    from ..ui.connections import load_connections
    from ..ui.run_backends import connection_logins

    connections = load_connections()
    if not name.strip():
        names = ", ".join(repr(c.name) for c in connections) or translate(
            "RunJobsAlgorithm", "none yet"
        )
        raise QgsProcessingException(
            translate("RunJobsAlgorithm", "Name the connection to run on (saved: {names}).").format(
                names=names
            )
        )
    match = [c for c in connections if c.name == name.strip()] or [
        c for c in connections if c.name.lower() == name.strip().lower()
    ]
    if not match:
        names = ", ".join(repr(c.name) for c in connections) or translate(
            "RunJobsAlgorithm", "none"
        )
        raise QgsProcessingException(
            translate(
                "RunJobsAlgorithm",
                "No saved connection is named {name} (saved: {names}). Add it in the plugin's "
                "dock (Jobs › Back-ends › Add…), with its login.",
            ).format(name=repr(name), names=names)
        )
    connection = match[0]
    try:
        (config,), secrets = connection_logins([connection])
    except LoginRequiredError as exc:
        raise QgsProcessingException(
            translate(
                "RunJobsAlgorithm",
                "{error} Log in in the plugin's dock first: an OpenID Connect login needs a "
                "browser once; runs then use the stored refresh token.",
            ).format(error=exc)
        ) from exc
    except GridJobsError as exc:
        raise QgsProcessingException(
            translate("RunJobsAlgorithm", "{error} (in the plugin's dock)").format(error=exc)
        ) from exc
    if parallel_jobs:
        config = replace(config, parallel_jobs=parallel_jobs)
    return config, secrets[config.name], connection


def keep_token(connection: Any, token: Any) -> None:
    """A refresh token the run renewed, saved for the next one (the auth manager)."""
    from ..ui.connections import keep_refresh_token

    try:
        keep_refresh_token(connection, token)
    except Exception:  # the run goes on; the next run may have to log in again
        _log.exception(
            translate("RunJobsAlgorithm", "Could not save the renewed login of %s"), connection.name
        )


def default_connection() -> str:
    """The first connection ticked in the dock, to fill in the run dialog ("" if none).

    Read only once the dock has offered its first-start defaults, so that building
    the algorithm (at every QGIS start) never writes settings.
    """
    from qgis.core import QgsSettings

    from ..ui.connections import SEEDED, load_connections

    try:
        if not QgsSettings().value(SEEDED, False, type=bool):
            return ""
        return next((c.name for c in load_connections() if c.enabled), "")
    except Exception:  # a settings problem must not keep the algorithm from loading
        _log.exception(translate("RunJobsAlgorithm", "Could not read the saved connections"))
        return ""


def source_tiles(source: QgsFeatureSource) -> gpd.GeoDataFrame:
    """The grid's tiles (tile_id, col, row, square) as the run session wants them."""
    from ..ui.layer_tiles import LayerTiles

    fields = source.fields()
    missing = [n for n in ("tile_id", "col", "row") if fields.indexOf(n) < 0]
    if missing:
        raise QgsProcessingException(
            translate(
                "RunJobsAlgorithm",
                "{layer} is not a tile grid (no {fields} field): make one with openEO Grid "
                "Jobs › Create tile grid.",
            ).format(
                layer=source.sourceName() or translate("RunJobsAlgorithm", "The grid"),
                fields=", ".join(missing),
            )
        )
    if not source.sourceCrs().isValid():
        raise QgsProcessingException(
            translate("RunJobsAlgorithm", "The grid layer has no valid CRS.")
        )
    return LayerTiles(source, fields, source.sourceCrs()).frame()
