"""Saved connections as a run's back-ends: their settings, and their secrets from the auth
manager, for the dock and Processing alike.

Secrets are read here, on the main thread (QGIS's auth manager is not thread-safe),
once per run, and travel to the run's engine over a pipe only
(:class:`~...core.engine.request.RunRequest`); whether they can work is checked by the
core, the same way for the CLI (:func:`~...core.engine.logins.check_login`).
"""

from __future__ import annotations

from ...core.backends.backend import BackendConfig, Secrets
from ...core.engine.logins import RunLogins, check_login
from ...core.errors import GridJobsError
from ...core.run.gateway import Backend
from ..i18n import translate
from .connections import SavedConnection


def connection_logins(
    connections: list[SavedConnection],
) -> tuple[list[BackendConfig], dict[str, Secrets]]:
    """The connections' settings and secrets by name, checked: a login that cannot work
    (an OpenID Connect login never made, a password not stored) is refused here."""
    from .auth_store import load_secrets

    if not connections:
        raise GridJobsError(
            translate("RunBackends", "Tick at least one back-end (Add… one if the list is empty).")
        )
    configs, secrets = [], {}
    for connection in connections:
        config = connection.config
        secrets[config.name] = load_secrets(config.auth_method, connection.authcfg)
        check_login(config, secrets[config.name])
        configs.append(config)
    return configs, secrets


def connection_backend(connection: SavedConnection) -> Backend:
    """One connection as something to call in this process (a job's logs)."""
    from .network_proxy import qgis_proxy

    configs, secrets = connection_logins([connection])
    return RunLogins(configs, secrets, proxy=qgis_proxy()).backends()[0]
