"""Saved back-end connections for UI tests: settings + QGIS auth database, as a user leaves them."""

from __future__ import annotations

from openeo_grid_jobs.core.backends.backend import BackendConfig, Secrets
from openeo_grid_jobs.ui.adapters.auth_store import save_secrets
from openeo_grid_jobs.ui.adapters.connections import SavedConnection, save_connection
from openeo_grid_jobs.ui.adapters.settings import CONNECTIONS_SEEDED, remove_connections

from devtools.local_backend.launcher import PASSWORD, USERNAME


def clear_connections(seeded: bool = True) -> None:
    """No saved connection; ``seeded``: the first-start defaults were already offered."""
    remove_connections()
    CONNECTIONS_SEEDED.write(seeded)


def add_connection(
    url: str,
    name: str = "Local",
    auth_method: str = "basic",
    secrets: Secrets | None = None,
    parallel_jobs: int = 3,
    enabled: bool = True,
) -> SavedConnection:
    config = BackendConfig(url, name=name, auth_method=auth_method, parallel_jobs=parallel_jobs)
    if secrets is None and auth_method == "basic":
        secrets = Secrets(username=USERNAME, password=PASSWORD)
    authcfg = save_secrets(name, auth_method, secrets) if secrets else ""
    connection = SavedConnection(config, authcfg, enabled)
    save_connection(connection)
    return connection


def fill_connection_dialog(dialog, url: str, method: str, name: str = "", **texts: str) -> None:
    """Type into the connection dialog as a user would; ``texts``: line edits by name."""
    dialog.name.setText(name)
    dialog.url.setText(url)
    dialog.method.setCurrentIndex(dialog.method.findData(method))
    for field, text in texts.items():
        getattr(dialog, field).setText(text)
