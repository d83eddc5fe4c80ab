"""The HTTP adapters every back-end session mounts, and how their network faults read.

Both the login (:mod:`.backend`) and the run's calls (:mod:`..run.gateway`) mount
these adapters, so the retry rule (bounded, idempotent requests only) and the
proxy (:mod:`.proxy`) are written once. It lives apart from the login because it
is about requests and urllib3, not openEO; ``requests`` is imported only when a
session is made.

The proxy is applied by the adapter, per request, rather than as the session's
``proxies``: requests lets ``HTTP_PROXY``/``HTTPS_PROXY`` from the environment win
over a session's own proxies (psf/requests#2018), and re-reads the environment on
every redirect; the adapter is the last word on where a request goes.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
import logging
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import urlsplit

from .proxy import ENVIRONMENT, ProxySettings, Route

if TYPE_CHECKING:
    import requests

_log = logging.getLogger(__name__)

#: transport-level retries of idempotent requests (connection faults, 429/502/503/504)
TRANSPORT_RETRIES = 2
#: open connections kept per host for reuse: more than a run's threads on one back-end
#: (launch, poll and download threads). requests keeps 10; a run's 11th concurrent
#: request opened a connection that was closed after one use ("Connection pool is
#: full, discarding connection"), a TCP (and TLS) handshake each time.
POOL_SIZE = 32
#: True in a block whose requests go out even after the run stopped (a download)
_AFTER_HALT: contextvars.ContextVar[bool] = contextvars.ContextVar("ogj_after_halt", default=False)


class NotSentError(ConnectionAbortedError):
    """A request the adapter held back because the run stopped: it never left this
    machine, so the back-end certainly did not act on it (the run's failure policy,
    :mod:`..run.failures`, calls it transient)."""


@contextlib.contextmanager
def sent_after_halt() -> Iterator[None]:
    """Requests made in this block (this thread's) are sent even once the run has
    stopped: a result being downloaded is finished rather than lost."""
    token = _AFTER_HALT.set(True)
    try:
        yield
    finally:
        _AFTER_HALT.reset(token)


@functools.cache
def _adapter_class() -> type:
    from requests.adapters import HTTPAdapter

    class BackendAdapter(HTTPAdapter):
        """An HTTP adapter that sends each request where :attr:`proxy` says, and skips
        certificate checks only when :attr:`verify_tls` is off (the explicit opt-out:
        ``session.verify = False`` is not enough, requests lets ``REQUESTS_CA_BUNDLE`` or
        ``CURL_CA_BUNDLE`` from the environment override it, psf/requests#3829)."""

        proxy: ProxySettings = ENVIRONMENT
        verify_tls: bool = True
        #: once set (the run stopped), no request is sent but a download's
        #: (:func:`sent_after_halt`): a call a pool thread began just before Stop must
        #: not act, nor poll, after it
        halted: threading.Event | None = None

        def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
            if self.halted is not None and self.halted.is_set() and not _AFTER_HALT.get():
                raise NotSentError(f"not sent, the run stopped: {request.method} {request.url}")
            if not self.verify_tls:
                verify = False
            if self.proxy.explicit:
                if self.proxy.route(request.url) is not Route.SYSTEM:
                    # requests adds the environment proxy's login on redirects; ours
                    # travels with the proxy URL (urllib3 sends it to the proxy only)
                    request.headers.pop("Proxy-Authorization", None)
                proxies = self.proxy.proxies_for(request.url, proxies)
            return super().send(
                request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
            )

    return BackendAdapter


def retrying_adapter(proxy: ProxySettings = ENVIRONMENT, *, verify_tls: bool = True) -> Any:
    """An HTTP adapter with the openeo client's retry settings, bounded, for idempotent
    requests only: a job-creating POST is never repeated behind the run's back (a
    second POST after a lost answer would make a second job)."""
    from openeo.utils.http import retry_configuration

    retry = retry_configuration(
        total=TRANSPORT_RETRIES,
        backoff_factor=0.5,
        allowed_methods=frozenset({"GET", "HEAD", "DELETE"}),
        status_forcelist=frozenset({429, 500, 502, 503, 504}),
        raise_on_status=False,  # the last answer's status reaches the client as an error
    )
    adapter = _adapter_class()(max_retries=retry, pool_maxsize=POOL_SIZE)
    adapter.proxy = proxy
    adapter.verify_tls = verify_tls
    return adapter


def unverified_adapter(proxy: ProxySettings = ENVIRONMENT) -> Any:
    """An HTTPS adapter that skips certificate checks, for the explicit opt-out only."""
    return retrying_adapter(proxy, verify_tls=False)


def is_backend_adapter(adapter: object) -> bool:
    """One of ours (its proxy and TLS choice already set): a session keeps it."""
    return isinstance(adapter, _adapter_class())


@functools.cache
def _session_class() -> type:
    import requests

    class BackendSession(requests.Session):
        """A session that reads the environment's proxy and CA-bundle settings once per
        host, not at every request: requests reads all of ``os.environ`` for them at each
        call (``merge_environment_settings``), a twentieth of a run's CPU at 10,000 jobs.
        A run's environment does not change while it runs."""

        def __init__(self) -> None:
            super().__init__()
            self._environment: dict[tuple, dict[str, Any]] = {}

        def merge_environment_settings(self, url, proxies, stream, verify, cert):
            parts = urlsplit(url)
            key = (parts.scheme, parts.netloc, _frozen(proxies), stream, verify, _frozen(cert))
            if key not in self._environment:
                self._environment[key] = dict(
                    super().merge_environment_settings(url, proxies, stream, verify, cert)
                )
            settings = self._environment[key]
            # a copy: requests and the adapter may change what they are given
            return {**settings, "proxies": dict(settings["proxies"])}

    return BackendSession


def _frozen(value: object) -> object:
    """A hashable stand-in for a request's ``proxies`` dict or ``cert`` tuple."""
    if isinstance(value, dict):
        return tuple(sorted(value.items()))
    return value


def backend_session(proxy: ProxySettings = ENVIRONMENT, verify_tls: bool = True):
    """A requests session for one back-end: retrying adapters that go through ``proxy``."""
    session = _session_class()()
    session.mount("http://", retrying_adapter(proxy))
    session.mount("https://", retrying_adapter(proxy, verify_tls=verify_tls))
    return session


# --- the openeo client's OpenID Connect requests -----------------------------------------
_OIDC_PROXY: contextvars.ContextVar[ProxySettings | None] = contextvars.ContextVar(
    "ogj_oidc_proxy", default=None
)
_hook_lock = threading.Lock()
_hooked: list[bool] = []


@contextlib.contextmanager
def oidc_through(proxy: ProxySettings) -> Iterator[None]:
    """The openeo client's OpenID Connect requests made in this block go through ``proxy``:
    the provider's discovery document, the device code, the tokens, and the token
    renewals of a connection logged in meanwhile (its renewer is made here).

    openeo 0.53 sends them with sessions of its own (``requests.Session()`` in
    ``openeo.rest.auth.oidc``), not the connection's: ``OidcProviderInfo`` and
    ``OidcAuthenticator`` take a ``requests_session``, which ``Connection`` never
    passes. In this block those made without one get a session with our adapters. A
    context variable scopes it to this thread's login: another plugin's use of openeo
    in QGIS's process is left alone.
    """
    if not proxy.explicit:  # requests' own default is already what applies
        yield
        return
    _hook_openeo_oidc()
    token = _OIDC_PROXY.set(proxy)
    try:
        yield
    finally:
        _OIDC_PROXY.reset(token)


def oidc_session(proxy: ProxySettings) -> requests.Session:
    """What openeo's OpenID Connect objects get: like their own (no retries, TLS
    verified), through ``proxy``."""
    import requests

    session = requests.Session()
    adapter = _adapter_class()()
    adapter.proxy = proxy
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _hook_openeo_oidc() -> None:
    with _hook_lock:
        if _hooked:
            return
        from openeo.rest.auth import oidc

        for cls in (oidc.OidcProviderInfo, oidc.OidcAuthenticator):
            cls.__init__ = _with_proxy_session(cls.__init__)  # type: ignore[method-assign]
        _hooked.append(True)


def _with_proxy_session(init: Callable[..., None]) -> Callable[..., None]:
    signature = inspect.signature(init)
    if "requests_session" not in signature.parameters:  # a client that changed: say so
        _log.warning("%s takes no requests_session: its requests ignore QGIS's proxy", init)
        return init

    @functools.wraps(init)
    def init_with_proxy(*args: Any, **kwargs: Any) -> None:
        proxy = _OIDC_PROXY.get()
        if proxy is not None:
            bound = signature.bind(*args, **kwargs)
            if bound.arguments.get("requests_session") is None:
                bound.arguments["requests_session"] = oidc_session(proxy)
                return init(*bound.args, **bound.kwargs)
        return init(*args, **kwargs)

    return init_with_proxy


# --- faults ------------------------------------------------------------------------------
def network_errors() -> tuple[type[BaseException], ...]:
    """The exceptions of a lost connection, for an ``except`` (a function: requests is
    imported only when asked)."""
    import requests

    return (requests.exceptions.RequestException,)


def reason(exc: BaseException) -> str:
    """The part of a requests error a user can read (urllib3 nests the cause in reprs)."""
    text = str(exc)
    markers = (
        "Failed to establish a new connection:",
        "Tunnel connection failed:",
        "Read timed out",
        "Name or service",
    )
    for marker in markers:
        if marker in text:
            return text[text.index(marker) :].split("'))")[0].rstrip(")")
    return text[:200]
