"""Saved connections as the run engine's back-ends, with their secrets from the auth manager.

Secrets are read here, on the main thread (QGIS's auth manager is not
thread-safe), once per run; the dock and the Processing algorithms share it.
"""

from __future__ import annotations

from typing import Callable

from ..core.definitions import LoginMethod
from ..core.errors import GridJobsError, LoginRequiredError
from .connections import SavedConnection


def runner_backends(
    connections: list[SavedConnection],
    token_keeper: Callable[[SavedConnection], Callable[[str], None]] | None = None,
) -> tuple[list, list]:
    """``connections`` as ``core.runner.Backend`` objects, and their configs (run settings).

    ``token_keeper(connection)`` gives the callback that stores a refresh token
    renewed during the run (called from the run's threads).
    """
    from ..core.runner import Backend
    from .auth_store import load_secrets

    if not connections:
        raise GridJobsError("Tick at least one back-end (Add… one if the list is empty).")
    backends, configs = [], []
    for connection in connections:
        config = connection.config
        secrets = load_secrets(config.auth_method, connection.authcfg)
        if config.auth_method == LoginMethod.OIDC_DEVICE and not secrets.refresh_token:
            raise LoginRequiredError(f"Log in to {config.name} first.", config.name)
        if LoginMethod(config.auth_method).needs_stored_secret and not (
            secrets.password or secrets.client_secret
        ):
            raise GridJobsError(f"Edit {config.name}: its login is not stored yet.")
        keep = token_keeper(connection) if token_keeper is not None else None
        connect = lambda c=config, s=secrets, k=keep: c.connect(s, on_refresh_token=k)  # noqa: E731
        backends.append(Backend(config.name, connect, config.parallel_jobs))
        configs.append(config)
    return backends, configs
