"""Saved back-end connections: name, URL, login method, parallel jobs, auth-config id.

They live in QgsSettings under ``openeo_grid_jobs/connections/``; a secret never
does (see :mod:`.auth_store`). The first time, the list holds the Copernicus
Data Space openEO federation, which users log in to with OpenID Connect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qgis.core import QgsSettings

from ..core.backend import BackendConfig
from ..core.definitions import LoginMethod
from ..core.device_login import RefreshToken
from ..core.errors import GridJobsError
from .auth_store import remove_secrets, save_refresh_token

GROUP = "openeo_grid_jobs/connections"
SEEDED = "openeo_grid_jobs/connections_seeded"
DEFAULTS = (
    BackendConfig(
        "https://openeofed.dataspace.copernicus.eu",
        name="Copernicus Data Space (openEO federation)",
        auth_method=LoginMethod.OIDC_DEVICE,
        parallel_jobs=2,
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
    settings = QgsSettings()
    if not settings.value(SEEDED, False, type=bool):
        for config in DEFAULTS:  # offered, not ticked: a run never logs in by surprise
            save_connection(SavedConnection(config, enabled=False))
        settings.setValue(SEEDED, True)
    settings.beginGroup(GROUP)
    keys = settings.childGroups()
    settings.endGroup()
    connections = []
    for key in keys:
        connection = _read(settings, f"{GROUP}/{key}/")
        if connection is not None:
            connections.append(connection)
    return sorted(connections, key=lambda c: c.name.lower())


def save_connection(connection: SavedConnection, old_name: str | None = None) -> None:
    settings = QgsSettings()
    if old_name and old_name != connection.name:
        settings.remove(f"{GROUP}/{_key(old_name)}")
    c = connection.config
    prefix = f"{GROUP}/{_key(c.name)}/"
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
    for key, value in values.items():
        settings.setValue(prefix + key, value)


def keep_refresh_token(connection: SavedConnection, token: RefreshToken) -> None:
    """Store a (new) OpenID Connect refresh token of ``connection``; main thread only."""
    connection.authcfg = save_refresh_token(connection.name, connection.authcfg, token)
    save_connection(connection)


def delete_connection(connection: SavedConnection) -> None:
    """Forget the connection and its secrets."""
    QgsSettings().remove(f"{GROUP}/{_key(connection.name)}")
    remove_secrets(connection.authcfg)


def _read(settings: QgsSettings, prefix: str) -> SavedConnection | None:
    try:
        config = BackendConfig(
            url=settings.value(prefix + "url", ""),
            name=settings.value(prefix + "name", ""),
            auth_method=settings.value(prefix + "auth_method", LoginMethod.NONE.value),
            parallel_jobs=settings.value(prefix + "parallel_jobs", 2, type=int),
            queued_jobs=settings.value(prefix + "queued_jobs", 0, type=int),
            provider_id=settings.value(prefix + "provider_id", "") or None,
            client_id=settings.value(prefix + "client_id", "") or None,
            verify_tls=settings.value(prefix + "verify_tls", True, type=bool),
        )
    except GridJobsError:  # a hand-edited entry that is no longer valid: skip it
        return None
    return SavedConnection(
        config,
        authcfg=settings.value(prefix + "authcfg", ""),
        enabled=settings.value(prefix + "enabled", True, type=bool),
    )


def _key(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_").lower() or "backend"
