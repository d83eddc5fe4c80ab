"""The proxy the back-end requests go through, as one plain value the core understands.

QGIS has its own proxy setting (Settings → Options → Network), which Python's
``requests`` knows nothing about: it reads ``HTTP_PROXY``/``HTTPS_PROXY``/``NO_PROXY``
(and, on Windows and macOS, the system's settings). :class:`ProxySettings` is what
QGIS says, read once on QGIS's main thread (``ui/adapters/network_proxy.py``) and handed to
every back-end connection (:meth:`.backend.BackendConfig.connect`) and, inside a
:class:`~..engine.request.RunRequest`, to the run's engine process. The HTTP adapters
(:mod:`.transport`) ask :meth:`ProxySettings.proxies_for` per request, so requests'
environment proxies never override an explicit choice made in QGIS.

What QGIS can say, and what it means here (QGIS's own rules,
``QgsNetworkAccessManager::setupDefaultProxyAndCache`` and its proxy factory):

- no proxy enabled in QGIS → :attr:`ProxyMode.ENVIRONMENT`: requests' own default, as
  before (and as the CLI always does);
- "Default Proxy" → :attr:`ProxyMode.SYSTEM`: the system's proxy, which requests reads
  from the environment (and the OS settings on Windows/macOS);
- an HTTP, HTTP caching or SOCKS5 proxy → :attr:`ProxyMode.MANUAL`, through that proxy;
- QGIS's "no proxy" URLs (``proxy/noProxyUrls``, matched as URL prefixes as QGIS does)
  go straight to the server, its older "excluded" URLs (``proxy/proxyExcludedUrls``) to
  the system's proxy.

The proxy's password is a secret: it is not in ``repr``, never in a message, and only
:meth:`ProxySettings.to_wire` (the engine's stdin pipe) carries it.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from ..definitions import StrEnum
from ..errors import BackendConnectionError, GridJobsError

#: where the user changes the proxy, for messages
WHERE = "QGIS's Settings → Options → Network"


class ProxyMode(StrEnum):
    #: QGIS sets no proxy: requests' default (environment variables, OS settings)
    ENVIRONMENT = "environment"
    #: QGIS's "Default Proxy": the system's proxy (for requests: the environment/OS)
    SYSTEM = "system"
    #: a proxy host and port set in QGIS
    MANUAL = "manual"
    #: no proxy at all, whatever the environment says
    NONE = "none"


class ProxyKind(StrEnum):
    """QGIS's proxy types (``proxy/proxyType``), those that name a host."""

    HTTP = "HttpProxy"
    HTTP_CACHING = "HttpCachingProxy"
    SOCKS5 = "Socks5Proxy"
    FTP_CACHING = "FtpCachingProxy"


class Route(StrEnum):
    """How one URL is reached."""

    PROXY = "proxy"
    #: whatever the environment/system says (requests' own resolution)
    SYSTEM = "system"
    DIRECT = "direct"


class ProxyError(BackendConnectionError):
    """The proxy cannot be reached, or refused the request (wrong proxy login)."""


class ProxySettingsError(GridJobsError):
    """The proxy set in QGIS cannot carry the request (a type QGIS itself cannot use for
    it, SOCKS without PySocks, no host): the user must change a setting."""


@dataclass(frozen=True)
class ProxySettings:
    mode: ProxyMode = ProxyMode.ENVIRONMENT
    kind: ProxyKind = ProxyKind.HTTP
    host: str = ""
    port: int = 0
    username: str = ""
    password: str = field(default="", repr=False)
    #: URL prefixes reached without any proxy (QGIS's ``proxy/noProxyUrls``)
    no_proxy: tuple[str, ...] = ()
    #: URL prefixes reached through the system's proxy (QGIS's ``proxy/proxyExcludedUrls``)
    system_for: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", ProxyMode(self.mode))
        object.__setattr__(self, "kind", ProxyKind(self.kind))
        object.__setattr__(self, "no_proxy", _prefixes(self.no_proxy))
        object.__setattr__(self, "system_for", _prefixes(self.system_for))

    @property
    def explicit(self) -> bool:
        """QGIS decides (not requests' default): the environment may not override it."""
        return self.mode is not ProxyMode.ENVIRONMENT

    # --- routing -----------------------------------------------------------------------
    def route(self, url: str) -> Route:
        """QGIS's order: "no proxy" URLs, then "excluded" URLs, then the system's proxy
        or the one set."""
        if self.mode is ProxyMode.ENVIRONMENT:
            return Route.SYSTEM
        lowered = url.lower()
        if any(lowered.startswith(p) for p in self.no_proxy):
            return Route.DIRECT
        if self.mode is ProxyMode.SYSTEM or any(lowered.startswith(p) for p in self.system_for):
            return Route.SYSTEM
        return Route.DIRECT if self.mode is ProxyMode.NONE else Route.PROXY

    def proxies_for(self, url: str, given: Mapping[str, str] | None) -> dict[str, str]:
        """The ``proxies`` for one request to ``url``; ``given``: what requests made of the
        environment (kept only where the system's proxy applies)."""
        route = self.route(url)
        if route is Route.SYSTEM:
            return dict(given or {})
        if route is Route.DIRECT:
            return {}
        self.check(url)
        return {urlsplit(url).scheme.lower(): self._proxy_url()}

    def check(self, url: str) -> None:
        """Refuse, with what to change, a proxy that cannot carry a request to ``url``
        (nothing is sent). Qt refuses the same requests ("No suitable proxy found")."""
        if self.route(url) is not Route.PROXY:
            return
        scheme = urlsplit(url).scheme.lower()
        if not self.host or not self.port:
            raise ProxySettingsError(
                f"The proxy set in QGIS has no host or port; complete it in {WHERE}."
            )
        if self.kind is ProxyKind.FTP_CACHING:
            raise ProxySettingsError(
                f"QGIS's proxy is an FTP caching proxy, which does not carry web requests "
                f"({scheme}://); choose HttpProxy or Socks5Proxy in {WHERE}."
            )
        if self.kind is ProxyKind.HTTP_CACHING and scheme == "https":
            raise ProxySettingsError(
                "QGIS's proxy is an HTTP caching proxy, which carries only http://, not "
                f"https:// (QGIS cannot use it for https either); choose HttpProxy in {WHERE}."
            )
        if self.kind is ProxyKind.SOCKS5 and importlib.util.find_spec("socks") is None:
            raise ProxySettingsError(
                "QGIS's proxy is a SOCKS5 proxy, which needs the Python package PySocks in "
                "QGIS's Python: `python3 -m pip install --user PySocks` (Debian/Ubuntu: "
                "`sudo apt install python3-socks`), then restart QGIS."
            )

    def _proxy_url(self) -> str:
        """With the credentials (percent-encoded): for urllib3 only, never shown."""
        scheme = "socks5h" if self.kind is ProxyKind.SOCKS5 else "http"  # remote DNS, as Qt
        login = ""
        if self.username:
            login = quote(self.username, safe="")
            if self.password:
                login += ":" + quote(self.password, safe="")
            login += "@"
        return f"{scheme}://{login}{_host(self.host)}:{self.port}"

    # --- words -------------------------------------------------------------------------
    def describe(self, url: str | None = None) -> str:
        """The proxy a request to ``url`` goes through, in a user's words (no password)."""
        route = self.route(url) if url else Route.PROXY
        if self.mode is ProxyMode.ENVIRONMENT or route is Route.SYSTEM:
            return "the system's proxy (HTTP_PROXY/HTTPS_PROXY)"
        if route is Route.DIRECT:
            return "no proxy"
        kind = "SOCKS5 proxy" if self.kind is ProxyKind.SOCKS5 else "proxy"
        who = f" as {self.username}" if self.username else ""
        return f"the {kind} {_host(self.host)}:{self.port}{who} set in QGIS"

    def advice(self) -> str:
        """Where to change the proxy."""
        if self.explicit:
            return f"Check the proxy in {WHERE}."
        return "Check the proxy in HTTP_PROXY/HTTPS_PROXY (or the system's settings)."

    # --- the wire (the engine's stdin pipe only: it holds the password) ----------------
    def to_wire(self) -> dict[str, Any]:
        return {
            "mode": str(self.mode),
            "kind": str(self.kind),
            "host": self.host,
            "port": self.port,
            "username": self.username,
            "password": self.password,
            "no_proxy": list(self.no_proxy),
            "system_for": list(self.system_for),
        }

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> ProxySettings:
        return cls(
            mode=ProxyMode(wire.get("mode") or ProxyMode.ENVIRONMENT),
            kind=ProxyKind(wire.get("kind") or ProxyKind.HTTP),
            host=str(wire.get("host") or ""),
            port=int(wire.get("port") or 0),
            username=str(wire.get("username") or ""),
            password=str(wire.get("password") or ""),
            no_proxy=tuple(str(p) for p in wire.get("no_proxy") or ()),
            system_for=tuple(str(p) for p in wire.get("system_for") or ()),
        )


def _prefixes(values) -> tuple[str, ...]:
    """QGIS drops blank entries (a blank prefix would match every URL)."""
    return tuple(str(v).strip().lower() for v in values or () if str(v).strip())


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


#: requests' own default: what the CLI uses, and QGIS without a proxy
ENVIRONMENT = ProxySettings()
