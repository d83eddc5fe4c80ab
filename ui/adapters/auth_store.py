"""Secrets of back-end connections, kept only in the QGIS authentication database.

QGIS encrypts that database with the user's master password (and asks for it
when needed). Settings and projects hold just the 7-character config id.

- basic login: a standard QGIS "Basic" config (user name, password), which the
  user can also see and edit in QGIS's own Authentication settings;
- service account: a "Basic" config too (client id as user name, secret as password);
- OpenID Connect: the refresh token (and its client id) in a config of method
  ``openEO-OIDC``, which only this plugin reads.
"""

from __future__ import annotations

from qgis.core import QgsApplication, QgsAuthManager, QgsAuthMethodConfig

from ...core.backends.backend import Secrets
from ...core.backends.device_login import RefreshToken
from ...core.definitions import LoginMethod
from ...core.errors import GridJobsError
from ..i18n import translate
from .qgis_objects import present

OIDC_METHOD = "openEO-OIDC"


class AuthStoreError(GridJobsError):
    """The QGIS authentication database refused to store or give a secret."""


def save_secrets(name: str, auth_method: str, secrets: Secrets, authcfg: str = "") -> str:
    """Store (or update) the secrets of connection ``name``; returns the config id."""
    config = QgsAuthMethodConfig()
    if authcfg:
        _manager().loadAuthenticationConfig(authcfg, config, True)
    if auth_method == LoginMethod.BASIC:
        _fill(config, "Basic", username=secrets.username, password=secrets.password)
    elif auth_method == LoginMethod.OIDC_CLIENT_CREDENTIALS:
        _fill(config, "Basic", username=secrets.client_id, password=secrets.client_secret)
    elif auth_method == LoginMethod.OIDC_DEVICE:
        _fill(config, OIDC_METHOD, refresh_token=secrets.refresh_token, client_id=secrets.client_id)
    else:
        return ""
    config.setName(f"openEO: {name}")
    manager = _manager()
    ok = (
        manager.updateAuthenticationConfig(config)
        if config.id()
        else manager.storeAuthenticationConfig(config)[0]
    )
    if not ok or not config.id():
        raise AuthStoreError(
            translate(
                "AuthStore",
                "QGIS could not save the login in its authentication database "
                "(is the master password set?).",
            )
        )
    return config.id()


def load_secrets(auth_method: str, authcfg: str) -> Secrets:
    """The secrets of a connection; empty when there is no config (yet)."""
    if not authcfg:
        return Secrets()
    config = QgsAuthMethodConfig()
    ok = _manager().loadAuthenticationConfig(authcfg, config, True)
    if not ok:
        raise AuthStoreError(
            translate(
                "AuthStore",
                "The login {authcfg} is missing from the QGIS authentication database, or the "
                "master password was not given. Edit the connection to enter it again.",
            ).format(authcfg=authcfg)
        )
    if auth_method == LoginMethod.BASIC:
        return Secrets(username=config.config("username"), password=config.config("password"))
    if auth_method == LoginMethod.OIDC_CLIENT_CREDENTIALS:
        return Secrets(client_id=config.config("username"), client_secret=config.config("password"))
    if auth_method == LoginMethod.OIDC_DEVICE:
        return Secrets(
            refresh_token=config.config("refresh_token") or None,
            client_id=config.config("client_id") or None,
        )
    return Secrets()


def save_refresh_token(name: str, authcfg: str, token: RefreshToken) -> str:
    secrets = Secrets(refresh_token=token.refresh_token, client_id=token.client_id)
    return save_secrets(name, LoginMethod.OIDC_DEVICE, secrets, authcfg)


def remove_secrets(authcfg: str) -> None:
    if authcfg:
        _manager().removeAuthenticationConfig(authcfg)


def _fill(config: QgsAuthMethodConfig, method: str, **values: str | None) -> None:
    config.setMethod(method)
    config.clearConfigMap()
    for key, value in values.items():
        config.setConfig(key, value or "")


def _manager() -> QgsAuthManager:
    manager = present(QgsApplication.authManager(), "authentication manager")
    if manager.isDisabled():
        raise AuthStoreError(
            translate(
                "AuthStore",
                "The QGIS authentication system is disabled (no encryption support?): "
                "logins cannot be saved.",
            )
        )
    return manager
