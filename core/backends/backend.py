"""Connect and log in to an openEO back-end, with a message a user can act on for every fault.

Four ways to log in, all through the openeo client's public API:

- ``none``: public endpoints only;
- ``basic``: user name and password (``/credentials/basic``);
- ``oidc_device``: OpenID Connect device-code flow. The first time, the client's
  ``display=`` hook hands us the verification URL and user code (the plugin shows
  them in a dialog; nothing is printed or scraped from stdout). The refresh token
  that comes back is given to ``on_refresh_token`` for safe keeping (the plugin: the
  QGIS authentication database), never to the client's own token file. Later
  connections log in from that refresh token, and the client renews the access
  token by itself whenever the back-end says it expired, on any thread;
- ``oidc_client_credentials``: a service account's client id and secret.

Secrets travel in :class:`Secrets`, which never prints them and is never saved
by this package. The errors are in :mod:`..errors`; the HTTP adapters and the proxy
they send through (:mod:`.transport`, :mod:`.proxy`), the device flow's hooks into
the client (:mod:`.device_login`)
and what is at the URL (:mod:`.probe`) have their own modules.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable
from urllib.parse import urlparse

from ..definitions import DEFAULT_PARALLEL_JOBS, LoginMethod
from ..errors import (
    AuthenticationError,
    BackendConnectionError,
    GridJobsError,
    LoginRequiredError,
    LoginTimeoutError,
)
from .device_login import (
    DEVICE_LOGIN_TIMEOUT,
    DeviceCodePrompt,
    DeviceDisplay,
    RefreshToken,
    token_store,
)
from .probe import check_available, refusal
from .proxy import ENVIRONMENT, ProxyError, ProxySettings
from .transport import backend_session, network_errors, oidc_through, reason

if TYPE_CHECKING:
    import openeo


@dataclass(frozen=True)
class Secrets:
    """What a login needs beyond the saved connection. Never shown in repr or logs."""

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    #: the OIDC client of the refresh token, or the service account's client id
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)


@dataclass
class BackendConfig:
    """A back-end as a run or a saved connection knows it; secrets are passed separately."""

    url: str
    username: str | None = None
    parallel_jobs: int = DEFAULT_PARALLEL_JOBS
    name: str = ""
    #: a LoginMethod after construction ("" picks basic or none from the user name)
    auth_method: str = ""
    provider_id: str | None = None
    #: OIDC client for the device flow (default: the one the back-end suggests)
    client_id: str | None = None
    verify_tls: bool = True
    #: most of the run's jobs waiting in the back-end's queue (started, not running yet)
    #: at once, beside ``parallel_jobs``: some back-ends refuse more (0: no cap)
    queued_jobs: int = 0

    def __post_init__(self) -> None:
        self.url = self.url.strip()
        if int(self.queued_jobs) < 0:
            raise BackendConnectionError(
                f"Queued jobs must be 0 (no cap) or more, got {self.queued_jobs}."
            )
        parsed = urlparse(self.url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname or " " in self.url:
            raise BackendConnectionError(
                f"{self.url!r} is not a back-end URL; it should look like "
                "https://openeo.dataspace.copernicus.eu"
            )
        if not self.name:
            self.name = parsed.netloc
        if not self.auth_method:
            self.auth_method = LoginMethod.BASIC if self.username else LoginMethod.NONE
        try:
            self.auth_method = LoginMethod(self.auth_method)
        except ValueError:
            known = ", ".join(m.value for m in LoginMethod)
            raise BackendConnectionError(
                f"Unknown login method {self.auth_method!r}; one of {known}."
            ) from None

    def connect(
        self,
        secrets: Secrets | None = None,
        *,
        on_device_code: Callable[[DeviceCodePrompt], None] | None = None,
        on_refresh_token: Callable[[RefreshToken], None] | None = None,
        cancelled: threading.Event | None = None,
        timeout: float = 60,
        login_timeout: float = DEVICE_LOGIN_TIMEOUT,
        proxy: ProxySettings = ENVIRONMENT,
    ) -> openeo.Connection:
        """An authenticated connection, or a typed error whose message says what to fix.

        ``on_device_code`` makes an OpenID Connect login interactive: without it, a
        missing or expired refresh token raises :class:`LoginRequiredError`. Every
        request, the OpenID Connect provider's included, goes through ``proxy`` (QGIS's;
        by default requests' own, from the environment).
        """
        secrets = secrets or Secrets()
        connection = self._open(timeout, on_refresh_token, proxy)
        login = {
            LoginMethod.NONE: lambda: None,
            LoginMethod.BASIC: lambda: self._basic(connection, secrets),
            LoginMethod.OIDC_DEVICE: lambda: self._oidc(
                connection, secrets, on_device_code, cancelled, login_timeout
            ),
            LoginMethod.OIDC_CLIENT_CREDENTIALS: lambda: self._client_credentials(
                connection, secrets
            ),
        }[LoginMethod(self.auth_method)]
        try:
            with oidc_through(proxy):
                login()
        except GridJobsError:
            raise
        except network_errors() as exc:
            raise BackendConnectionError(f"Lost {self.name} while logging in: {exc}") from None
        return connection

    # --- steps -------------------------------------------------------------------------
    def _open(self, timeout: float, on_refresh_token, proxy: ProxySettings) -> openeo.Connection:
        import openeo
        import requests

        proxy.check(self.url)  # a proxy that cannot carry it: say what to change, send nothing
        session = backend_session(proxy, self.verify_tls)
        host = urlparse(self.url).netloc
        discovery = None
        try:
            discovery = check_available(session, self.url, host, timeout)
            return openeo.Connection(
                self.url,
                session=session,
                # openeo annotates default_timeout as int; requests takes seconds as float
                default_timeout=timeout,  # type: ignore[arg-type]
                refresh_token_store=token_store(on_refresh_token),
            )
        except requests.exceptions.ProxyError as exc:
            raise ProxyError(
                f"Cannot reach {host} through {proxy.describe(self.url)}: {reason(exc)}. "
                f"{proxy.advice()}"
            ) from None
        except requests.exceptions.SSLError:
            raise BackendConnectionError(
                f"The TLS certificate of {host} is not trusted. If this is your own test server "
                "with a self-signed certificate, turn off TLS verification for this connection."
            ) from None
        except (requests.exceptions.JSONDecodeError, ValueError, RuntimeError, KeyError):
            raise BackendConnectionError(
                f"{self.url} answers, but not as an openEO back-end (no openEO capabilities "
                "document there). Check the URL."
            ) from None
        except requests.exceptions.RequestException as exc:
            raise BackendConnectionError(
                f"Cannot reach {host}: {reason(exc)}. Check the URL and your network."
            ) from None
        except openeo.rest.OpenEoApiPlainError as exc:  # also OpenEoApiError
            if exc.http_status_code == 407:  # the proxy's answer, not the back-end's
                why = "refused its login" if proxy.username else "it asks for a login"
                raise ProxyError(
                    f"{_sentence(proxy.describe(self.url))} refused to carry the request to "
                    f"{host} (HTTP 407: {why}). {proxy.advice()}",
                    407,
                ) from None
            raise refusal(self.url, host, discovery, exc) from None

    def _require_endpoint(self, connection: openeo.Connection, path: str, what: str) -> None:
        if not connection.capabilities().supports_endpoint(path, "GET"):
            offered = [
                label
                for p, label in (("/credentials/basic", "basic"), ("/credentials/oidc", "OIDC"))
                if connection.capabilities().supports_endpoint(p, "GET")
            ]
            raise AuthenticationError(
                f"{self.name} does not offer {what}; it offers: "
                f"{', '.join(offered) or 'no login at all'}. Choose another login method."
            )

    def _basic(self, connection: openeo.Connection, secrets: Secrets) -> None:
        import openeo

        username = secrets.username or self.username
        if not username or not secrets.password:
            raise AuthenticationError(f"Enter the user name and password for {self.name}.")
        self._require_endpoint(connection, "/credentials/basic", "user-name/password login")
        try:
            connection.authenticate_basic(username, secrets.password)
        except openeo.rest.OpenEoApiError as exc:
            if exc.http_status_code in (401, 403):
                raise AuthenticationError(
                    f"{self.name} refused the user name or password of {username}."
                ) from None
            if exc.http_status_code in (408, 429) or (exc.http_status_code or 0) >= 500:
                raise BackendConnectionError(  # the back-end's trouble, not the password's
                    f"{self.name} did not answer the login ({exc}); try again later.",
                    exc.http_status_code,
                ) from None
            raise AuthenticationError(f"Basic login to {self.name} failed: {exc}") from None

    def oidc_providers(
        self, timeout: float = 30, proxy: ProxySettings = ENVIRONMENT
    ) -> list[tuple[str, str]]:
        """The back-end's OpenID Connect providers as (id, title), for a picker."""
        connection = self._open(timeout, None, proxy)
        try:
            return [(p["id"], p.get("title") or p["id"]) for p in self._providers(connection)]
        except network_errors() as exc:
            raise BackendConnectionError(
                f"Cannot list the login providers of {self.name}: {exc}"
            ) from None

    def _providers(self, connection: openeo.Connection) -> list[dict]:
        self._require_endpoint(connection, "/credentials/oidc", "OpenID Connect login")
        providers = connection.get("/credentials/oidc", expected_status=200).json()["providers"]
        if not providers:
            raise AuthenticationError(f"{self.name} lists no OpenID Connect providers.")
        if self.provider_id and self.provider_id not in {p["id"] for p in providers}:
            ids = ", ".join(p["id"] for p in providers)
            raise AuthenticationError(
                f"{self.name} has no OpenID Connect provider {self.provider_id!r} (it has {ids})."
            )
        return providers

    def _oidc(self, connection, secrets, on_device_code, cancelled, login_timeout) -> None:
        from openeo.rest import OpenEoClientException
        from openeo.rest.auth.oidc import OidcDeviceCodePollTimeout

        self._providers(connection)
        if secrets.refresh_token:
            try:
                connection.authenticate_oidc_refresh_token(
                    client_id=secrets.client_id or self.client_id,
                    refresh_token=secrets.refresh_token,
                    provider_id=self.provider_id,
                    store_refresh_token=True,  # a rotated token goes to on_refresh_token
                )
                return
            except OpenEoClientException as exc:
                if on_device_code is None:
                    raise LoginRequiredError(
                        f"Your login to {self.name} has expired or was revoked: log in again. "
                        f"({_short(exc)})",
                        self.name,
                    ) from None
        elif on_device_code is None:
            raise LoginRequiredError(f"Log in to {self.name} first (OpenID Connect).", self.name)
        display = DeviceDisplay(on_device_code, cancelled)
        try:
            connection.authenticate_oidc_device(
                client_id=self.client_id,
                provider_id=self.provider_id,
                store_refresh_token=True,
                max_poll_time=login_timeout,
                display=display,
            )
        except OidcDeviceCodePollTimeout:
            raise LoginTimeoutError(
                f"Nobody logged in to {self.name} within {login_timeout:.0f} s; try again."
            ) from None
        except OpenEoClientException as exc:
            if "access_denied" in str(exc):
                raise AuthenticationError(f"The login to {self.name} was refused.") from None
            raise AuthenticationError(
                f"OpenID Connect login to {self.name} failed: {_short(exc)}"
            ) from None

    def _client_credentials(self, connection: openeo.Connection, secrets: Secrets) -> None:
        from openeo.rest import OpenEoClientException

        if not secrets.client_id or not secrets.client_secret:
            raise AuthenticationError(
                f"Enter the service account's client id and secret for {self.name}."
            )
        self._providers(connection)
        try:
            connection.authenticate_oidc_client_credentials(
                client_id=secrets.client_id,
                client_secret=secrets.client_secret,
                provider_id=self.provider_id,
            )
        except OpenEoClientException as exc:
            raise AuthenticationError(
                f"The OpenID Connect provider refused the service account {secrets.client_id} "
                f"of {self.name}. ({_short(exc)})"
            ) from None


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _short(exc: BaseException) -> str:
    return str(exc)[:300]
