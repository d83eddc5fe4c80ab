"""What ``runjobs`` needs besides its parameters: the saved connection and its login,
and the grid's tiles, gathered the way the dock gathers them.

Secrets never pass through Processing parameters (they would land in the
Processing history, models and ``qgis_process`` command lines): a run names a
connection saved in the dock, whose login is in the QGIS authentication database.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Any

from qgis.core import QgsFeatureSource, QgsProcessingException

from ..core.definitions import LoginMethod
from ..core.errors import GridJobsError

if TYPE_CHECKING:
    import geopandas as gpd

    from ..core.backend import BackendConfig
    from ..core.gateway import Backend

_log = logging.getLogger(__name__)
ADD_HINT = "Add it in the plugin's dock (Jobs › Back-ends › Add…), with its login."


def saved_backend(name: str, parallel_jobs: int | None) -> tuple[Backend, BackendConfig]:
    """The saved connection ``name`` as a run back-end (its login read now), and its
    settings for the run's saved settings. ``parallel_jobs``: overrides the connection's.

    Called on the main thread (the algorithm's ``prepareAlgorithm``): QGIS may ask
    for its master password there.
    """
    from ..core.runner import Backend
    from ..ui.auth_store import load_secrets
    from ..ui.connections import load_connections

    connections = load_connections()
    if not name.strip():
        names = ", ".join(repr(c.name) for c in connections) or "none yet"
        raise QgsProcessingException(f"Name the connection to run on (saved: {names}).")
    match = [c for c in connections if c.name == name.strip()] or [
        c for c in connections if c.name.lower() == name.strip().lower()
    ]
    if not match:
        names = ", ".join(repr(c.name) for c in connections) or "none"
        raise QgsProcessingException(
            f"No saved connection is named {name!r} (saved: {names}). {ADD_HINT}"
        )
    connection = match[0]
    config = connection.config
    if parallel_jobs:
        config = replace(config, parallel_jobs=parallel_jobs)
    try:
        secrets = load_secrets(config.auth_method, connection.authcfg)
    except GridJobsError as exc:
        raise QgsProcessingException(str(exc)) from exc
    if config.auth_method == LoginMethod.OIDC_DEVICE and not secrets.refresh_token:
        raise QgsProcessingException(
            f"Log in to {config.name} in the plugin's dock first: an OpenID Connect login "
            "needs a browser once; runs then use the stored refresh token."
        )
    if LoginMethod(config.auth_method).needs_stored_secret and not (
        secrets.password or secrets.client_secret
    ):
        raise QgsProcessingException(f"Edit {config.name} in the dock: its login is not stored.")

    def keep_token(token: Any) -> None:
        """A refresh token the back-end renewed during the run, saved for the next one."""
        from ..ui.connections import keep_refresh_token

        try:
            keep_refresh_token(connection, token)
        except Exception:  # the run goes on; the next run may have to log in again
            _log.exception("Could not save the renewed login of %s", config.name)

    connect = partial(config.connect, secrets, on_refresh_token=keep_token)
    return Backend(config.name, connect, config.parallel_jobs), config


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
        _log.exception("Could not read the saved connections")
        return ""


def source_tiles(source: QgsFeatureSource) -> gpd.GeoDataFrame:
    """The grid's tiles (tile_id, col, row, square) as the run session wants them."""
    from ..ui.run_worker import LayerTiles

    fields = source.fields()
    missing = [n for n in ("tile_id", "col", "row") if fields.indexOf(n) < 0]
    if missing:
        raise QgsProcessingException(
            f"{source.sourceName() or 'The grid'} is not a tile grid (no {', '.join(missing)} "
            "field): make one with openEO Grid Jobs › Create tile grid."
        )
    if not source.sourceCrs().isValid():
        raise QgsProcessingException("The grid layer has no valid CRS.")
    return LayerTiles(source, fields, source.sourceCrs()).frame()
