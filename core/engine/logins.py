"""Each back-end's login for a run: checked before anything starts, kept current during it.

One place turns a back-end's settings and secrets into what the run loop connects
with, for the dock, Processing and the CLI alike (each only gathers the secrets:
the QGIS authentication database, the environment). :class:`RunLogins` also keeps
the latest secrets of each back-end for the run's life: an OpenID Connect refresh
token that the provider rotates replaces the old one (which no longer works), and a
login the user renews mid-run (:meth:`RunLogins.renew`) is what the next
connection uses. Secrets stay in memory; :func:`on_token` hands rotated tokens to
whoever stores them (an attached dock writes them into the auth manager).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Callable

from ..backends.backend import BackendConfig, Secrets
from ..backends.device_login import RefreshToken
from ..backends.proxy import ENVIRONMENT, ProxySettings
from ..definitions import LoginMethod
from ..errors import LoginRequiredError, RunError
from ..run.gateway import Backend
from .config import RunConfig

if TYPE_CHECKING:
    from .request import RunRequest


def check_login(config: BackendConfig, secrets: Secrets) -> None:
    """Refuse a back-end whose login cannot work without asking the user."""
    method = LoginMethod(config.auth_method)
    if method is LoginMethod.OIDC_DEVICE and not secrets.refresh_token:
        raise LoginRequiredError(f"Log in to {config.name} first.", config.name)
    if method is LoginMethod.BASIC and not secrets.password:
        raise RunError(
            f"No password for {config.name}: its login is not stored yet. Edit the connection "
            "to store it."
        )
    if method is LoginMethod.OIDC_CLIENT_CREDENTIALS and not secrets.client_secret:
        raise RunError(
            f"No client secret for {config.name}: edit the connection to store the service account."
        )


class RunLogins:
    """The run's back-ends, each connecting with its latest secrets."""

    def __init__(
        self,
        configs: list[BackendConfig],
        secrets: dict[str, Secrets],
        on_token: Callable[[str, RefreshToken], None] | None = None,
        proxy: ProxySettings | None = None,
    ) -> None:
        self.configs = {c.name: c for c in configs}
        #: every connection's proxy (QGIS's, from the request; None: the environment's)
        self.proxy = proxy or ENVIRONMENT
        self._secrets = {c.name: secrets.get(c.name, Secrets()) for c in configs}
        self._on_token = on_token
        self._lock = threading.Lock()
        for config in configs:
            check_login(config, self._secrets[config.name])

    def backends(self) -> list[Backend]:
        """What the run loop connects with (``connect`` reads the latest secrets)."""
        return [
            Backend(name, partial(self._connect, name), config.parallel_jobs, config.queued_jobs)
            for name, config in self.configs.items()
        ]

    def renew(self, name: str, secrets: Secrets) -> None:
        """New secrets for ``name`` (the user logged in again); the next connection uses
        them. Refused when they cannot work either."""
        if name not in self.configs:
            raise RunError(f"This run has no back-end named {name!r}.")
        check_login(self.configs[name], secrets)
        with self._lock:
            self._secrets[name] = secrets

    def _connect(self, name: str):  # -> openeo.Connection
        with self._lock:
            secrets = self._secrets[name]
        return self.configs[name].connect(
            secrets, on_refresh_token=lambda token: self._rotated(name, token), proxy=self.proxy
        )

    def _rotated(self, name: str, token: RefreshToken) -> None:
        """The provider gave a new refresh token (any thread): keep it, pass it on."""
        with self._lock:
            self._secrets[name] = replace(
                self._secrets[name], refresh_token=token.refresh_token, client_id=token.client_id
            )
        if self._on_token is not None:
            self._on_token(name, token)


def requested_backends(request: RunRequest) -> list[BackendConfig]:
    """The back-ends the run will have: asked for, else the saved ones (none yet: the
    session says what is missing)."""
    if request.config is not None:
        return request.config.backends
    if RunConfig.path_for(request.job_db).exists():
        return RunConfig.load(request.job_db).backends
    return []
