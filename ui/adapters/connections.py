"""Saved back-end connections: name, URL, login method, parallel jobs, auth-config id.

They live in QgsSettings under ``openeo_grid_jobs/connections/`` (:mod:`.settings`); a secret never
does (see :mod:`.auth_store`). The first time, the list holds the Copernicus
Data Space openEO federation, which users log in to with OpenID Connect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ...core.backends.backend import BackendConfig
from ...core.backends.device_login import RefreshToken
from ...core.definitions import DEFAULT_PARALLEL_JOBS, LoginMethod
from ...core.errors import GridJobsError
from . import settings
from .auth_store import remove_secrets, save_refresh_token

DEFAULTS = (
    BackendConfig(
        "https://openeofed.dataspace.copernicus.eu",
        name="Copernicus Data Space (openEO federation)",
        auth_method=LoginMethod.OIDC_DEVICE,
        parallel_jobs=DEFAULT_PARALLEL_JOBS,
    ),
)


@dataclass
class SavedConnection:
    config: BackendConfig
    #: QGIS auth-config id of the login's secrets ("" when none)
    authcfg: str = ""
    #: used by the next run
    enabled: bool = True

    @property
    def name(self) -> str:
        return self.config.name


def load_connections() -> list[SavedConnection]:
    if not settings.CONNECTIONS_SEEDED.read():
        for config in DEFAULTS:  # offered, not ticked: a run never logs in by surprise
            save_connection(SavedConnection(config, enabled=False))
        settings.CONNECTIONS_SEEDED.write(True)
    connections = []
    for key in settings.connection_ids():
        connection = _read(settings.read_connection(key))
        if connection is not None:
            connections.append(connection)
    return sorted(connections, key=lambda c: c.name.lower())


def save_connection(connection: SavedConnection, old_name: str | None = None) -> None:
    if old_name and old_name != connection.name:
        settings.remove_connection(_key(old_name))
    c = connection.config
    values = {
        "name": c.name,
        "url": c.url,
        "auth_method": LoginMethod(c.auth_method).value,  # a plain string in QgsSettings
        "parallel_jobs": c.parallel_jobs,
        "queued_jobs": c.queued_jobs,
        "provider_id": c.provider_id or "",
        "client_id": c.client_id or "",
        "verify_tls": c.verify_tls,
        "authcfg": connection.authcfg,
        "enabled": connection.enabled,
    }
    settings.write_connection(_key(c.name), values)


def keep_refresh_token(connection: SavedConnection, token: RefreshToken) -> None:
    """Store a (new) OpenID Connect refresh token of ``connection``; main thread only."""
    connection.authcfg = save_refresh_token(connection.name, connection.authcfg, token)
    save_connection(connection)


def delete_connection(connection: SavedConnection) -> None:
    """Forget the connection and its secrets."""
    settings.remove_connection(_key(connection.name))
    remove_secrets(connection.authcfg)


def _read(values: dict) -> SavedConnection | None:
    try:
        config = BackendConfig(
            url=values["url"],
            name=values["name"],
            auth_method=values["auth_method"],
            parallel_jobs=values["parallel_jobs"],
            queued_jobs=values["queued_jobs"],
            provider_id=values["provider_id"] or None,
            client_id=values["client_id"] or None,
            verify_tls=values["verify_tls"],
        )
    except GridJobsError:  # a hand-edited entry that is no longer valid: skip it
        return None
    return SavedConnection(config, authcfg=values["authcfg"], enabled=values["enabled"])


def _key(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_").lower() or "backend"
