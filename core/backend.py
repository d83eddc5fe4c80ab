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
by this package.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, NamedTuple
from urllib.parse import urlparse

from .definitions import LoginMethod
from .errors import GridJobsError

if TYPE_CHECKING:
    import openeo
    import requests

#: how long the device-code flow waits for the user to log in in the browser
DEVICE_LOGIN_TIMEOUT = 300.0


class BackendConnectionError(GridJobsError):
    """The back-end cannot be reached or is not a usable openEO back-end."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        #: the HTTP status of the back-end's answer, when it answered (e.g. 503)
        self.status = status


class AuthenticationError(BackendConnectionError):
    """The back-end refused the login (wrong password, bad client secret...)."""


class LoginRequiredError(AuthenticationError):
    """An interactive OpenID Connect login is needed (none yet, or it expired/was revoked)."""

    def __init__(self, message: str, backend: str = "") -> None:
        super().__init__(message)
        #: name of the back-end to log in to
        self.backend = backend


class LoginCancelledError(AuthenticationError):
    """The user cancelled the OpenID Connect login."""


class LoginTimeoutError(AuthenticationError):
    """Nobody completed the OpenID Connect login in the browser in time."""


@dataclass(frozen=True)
class Secrets:
    """What a login needs beyond the saved connection. Never shown in repr or logs."""

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    #: the OIDC client of the refresh token, or the service account's client id
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)


class DeviceCodePrompt(NamedTuple):
    """What the user must do in a browser to finish an OpenID Connect device login."""

    text: str
    url: str | None
    user_code: str | None


class RefreshToken(NamedTuple):
    issuer: str
    client_id: str
    refresh_token: str


class BackendInfo(NamedTuple):
    title: str
    api_version: str
    has_collection: bool
    user: str | None


@dataclass
class BackendConfig:
    """A back-end as a run or a saved connection knows it; secrets are passed separately."""

    url: str
    username: str | None = None
    parallel_jobs: int = 2
    name: str = ""
    #: a LoginMethod after construction ("" picks basic or none from the user name)
    auth_method: str = ""
    provider_id: str | None = None
    #: OIDC client for the device flow (default: the one the back-end suggests)
    client_id: str | None = None
    verify_tls: bool = True

    def __post_init__(self) -> None:
        self.url = self.url.strip()
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
    ) -> openeo.Connection:
        """An authenticated connection, or a typed error whose message says what to fix.

        ``on_device_code`` makes an OpenID Connect login interactive: without it, a
        missing or expired refresh token raises :class:`LoginRequiredError`.
        """
        secrets = secrets or Secrets()
        connection = self._open(timeout, on_refresh_token)
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
            login()
        except GridJobsError:
            raise
        except _network_errors() as exc:
            raise BackendConnectionError(f"Lost {self.name} while logging in: {exc}") from None
        return connection

    # --- steps -------------------------------------------------------------------------
    def _open(self, timeout: float, on_refresh_token) -> openeo.Connection:
        import openeo
        import requests

        session = requests.Session()
        session.mount("http://", retrying_adapter())
        session.mount("https://", retrying_adapter() if self.verify_tls else _unverified_adapter())
        host = urlparse(self.url).netloc
        discovery = None
        try:
            discovery = _check_available(session, self.url, host, timeout)
            return openeo.Connection(
                self.url,
                session=session,
                # openeo annotates default_timeout as int; requests takes seconds as float
                default_timeout=timeout,  # type: ignore[arg-type]
                refresh_token_store=_token_store(on_refresh_token),
            )
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
                f"Cannot reach {host}: {_reason(exc)}. Check the URL and your network."
            ) from None
        except openeo.rest.OpenEoApiPlainError as exc:  # also OpenEoApiError
            raise _refusal(self.url, host, discovery, exc) from None

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

    def oidc_providers(self, timeout: float = 30) -> list[tuple[str, str]]:
        """The back-end's OpenID Connect providers as (id, title), for a picker."""
        connection = self._open(timeout, None)
        try:
            return [(p["id"], p.get("title") or p["id"]) for p in self._providers(connection)]
        except _network_errors() as exc:
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
        display = _DeviceDisplay(on_device_code, cancelled)
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


def _check_available(session: requests.Session, url: str, host: str, timeout: float) -> int:
    """Refuse a back-end that says "not now" to its version discovery; the status of
    its answer.

    The openeo client swallows a failed ``/.well-known/openeo`` and goes on with the
    URL as given (no API version in it): during a deploy that makes a connection
    whose every later request is a 404. Here a 5xx/429 is a transient failure
    instead, tried again by the run; a 404 (no discovery document) is fine as long
    as the URL itself is an openEO API (see :func:`_refusal`).
    """
    response = session.get(_discovery_url(url), timeout=timeout)
    if response.status_code == 429 or response.status_code >= 500:
        raise BackendConnectionError(
            f"{host} is not available right now (HTTP {response.status_code}); try again later.",
            response.status_code,
        )
    return response.status_code


def _discovery_url(url: str) -> str:
    return url.rstrip("/") + "/.well-known/openeo"


#: answers to the capabilities request that mean "no openEO API at this URL"
_NOT_THERE = frozenset({400, 404, 405, 406, 410, 501})


def _refusal(
    url: str, host: str, discovery: int | None, exc: openeo.rest.OpenEoApiPlainError
) -> BackendConnectionError:
    """What an error answer to the capabilities request means, in the user's words.

    A web server that is not an openEO back-end (404 everywhere) is told as such,
    with where we looked, and without a status: a wrong URL is not worth the patience
    a run has with a back-end that answers "not now". A busy one is "not available
    right now" (with its status: a run tries again); anything else comes with the
    back-end's own message, cut short (a plain web server's error page is HTML).
    """
    from openeo.rest import OpenEoApiError

    status = exc.http_status_code
    if status in _NOT_THERE:
        root = url.rstrip("/") + "/"
        if discovery == 200:
            where = f"its {_discovery_url(url)} names an API that answers HTTP {status}"
        elif discovery == status:
            where = f"no openEO API there: HTTP {status} at {_discovery_url(url)} and at {root}"
        else:
            where = (
                f"no openEO API there: HTTP {discovery} at {_discovery_url(url)}, "
                f"HTTP {status} at {root}"
            )
        return BackendConnectionError(
            f"{url} does not look like an openEO back-end ({where}). Check the URL."
        )
    if status is not None and (status == 429 or status >= 500):
        return BackendConnectionError(
            f"{host} is not available right now (HTTP {status}); try again later.", status
        )
    detail = str(exc)[:300] if isinstance(exc, OpenEoApiError) else f"HTTP {status}"
    return BackendConnectionError(f"{url} refused the connection: {detail}", status)


def describe(connection: openeo.Connection, collection: str = "SENTINEL2_L2A") -> BackendInfo:
    """What "Test connection" shows: title, API version, the collection, who we are."""
    from openeo.rest.auth.auth import NullAuth

    capabilities = connection.capabilities()
    user = None
    if connection.auth is not None and not isinstance(connection.auth, NullAuth):
        account = connection.describe_account()
        user = account.get("name") or account.get("user_id")
    return BackendInfo(
        title=capabilities.get("title") or connection.root_url,
        api_version=capabilities.api_version() or "?",
        has_collection=collection in connection.list_collection_ids(),
        user=user,
    )


_INSTRUCTIONS = re.compile(r"Visit (?P<url>\S+?)(?: and enter user code '(?P<code>[^']+)')? to")


def parse_device_instructions(text: str) -> DeviceCodePrompt:
    """URL and user code out of the client's instructions (pinned by a test on the client)."""
    match = _INSTRUCTIONS.search(text)
    if not match:
        return DeviceCodePrompt(text, None, None)
    url = match["url"]
    code = match["code"] or dict(
        p.split("=", 1) for p in urlparse(url).query.split("&") if "=" in p
    ).get("user_code")
    return DeviceCodePrompt(text, url, code)


class _DeviceDisplay:
    """The client's ``display=`` hook: instructions go to the GUI; Cancel ends the wait.

    The client calls it with its instructions once, then with a progress line about
    once a second while it polls; raising from it is how a cancelled login stops
    the client's polling loop.
    """

    def __init__(self, on_device_code, cancelled: threading.Event | None) -> None:
        self.on_device_code = on_device_code
        self.cancelled = cancelled
        self.shown = False

    def __call__(self, text: str = "", end: str = "\n") -> None:
        if self.cancelled is not None and self.cancelled.is_set():
            raise LoginCancelledError("The login was cancelled.")
        if not self.shown and text.startswith("Visit "):
            self.shown = True
            self.on_device_code(parse_device_instructions(text))


def _token_store(callback: Callable[[RefreshToken], None] | None):
    """A client refresh-token store that hands tokens to ``callback``, never to a file."""
    from openeo.rest.auth.config import RefreshTokenStore

    class HandOverTokenStore(RefreshTokenStore):
        def get_refresh_token(self, issuer: str, client_id: str) -> None:
            return None

        def set_refresh_token(self, issuer: str, client_id: str, refresh_token: str) -> None:
            if callback is not None:
                callback(RefreshToken(issuer, client_id, refresh_token))

    return HandOverTokenStore()


#: transport-level retries of idempotent requests (connection faults, 429/502/503/504)
TRANSPORT_RETRIES = 2


def retrying_adapter(cls=None):
    """An HTTP adapter with the openeo client's retry settings, bounded, for idempotent
    requests only: a job-creating POST is never repeated behind the run's back (a
    second POST after a lost answer would make a second job)."""
    from openeo.utils.http import retry_configuration
    from requests.adapters import HTTPAdapter

    retry = retry_configuration(
        total=TRANSPORT_RETRIES,
        backoff_factor=0.5,
        allowed_methods=frozenset({"GET", "HEAD", "DELETE"}),
        status_forcelist=frozenset({429, 500, 502, 503, 504}),
        raise_on_status=False,  # the last answer's status reaches the client as an error
    )
    return (cls or HTTPAdapter)(max_retries=retry)


def _unverified_adapter():
    """An HTTPS adapter that skips certificate checks, for the explicit opt-out only.

    ``session.verify = False`` is not enough: requests lets ``REQUESTS_CA_BUNDLE``
    or ``CURL_CA_BUNDLE`` from the environment override it (psf/requests#3829).
    """
    from requests.adapters import HTTPAdapter

    class UnverifiedAdapter(HTTPAdapter):
        def send(self, request, *args, **kwargs):
            kwargs["verify"] = False
            return super().send(request, *args, **kwargs)

    return retrying_adapter(UnverifiedAdapter)


def _network_errors() -> tuple[type[BaseException], ...]:
    import requests

    return (requests.exceptions.RequestException,)


def _reason(exc: BaseException) -> str:
    text = str(exc)
    for marker in ("Failed to establish a new connection:", "Read timed out", "Name or service"):
        if marker in text:
            return text[text.index(marker) :].split("'))")[0].rstrip(")")
    return text[:200]


def _short(exc: BaseException) -> str:
    return str(exc)[:300]
