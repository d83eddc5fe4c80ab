"""QGIS's proxy (Settings → Options → Network) as the core's :class:`ProxySettings`.

QGIS keeps it in QgsSettings (``proxy/proxyEnabled``, ``proxy/proxyType``,
``proxy/proxyHost``, ``proxy/proxyPort``, ``proxy/proxyUser``, ``proxy/proxyPassword``
or a Basic config of the authentication database named by ``proxy/authcfg``,
``proxy/noProxyUrls``, ``proxy/proxyExcludedUrls``) and applies them in
``QgsNetworkAccessManager::setupDefaultProxyAndCache``: at start and whenever the
Options dialog is saved, on the main thread's network access manager. That manager
is read here rather than the keys, so the plugin uses exactly what QGIS uses: the
type as QGIS understood it, the login taken from the authentication database, and a
proxy another plugin set on it. (The keys and their meaning are the same in QGIS
3.22 and 3.44.)

Read on the main thread, when a back-end call or a run is asked for: the manager is
per thread and only the main thread's follows the Options dialog, and the
authentication database is not thread-safe. The password then travels as the
back-ends' secrets do: in memory, and to the run's engine over its stdin pipe.
"""

from __future__ import annotations

from qgis.core import QgsNetworkAccessManager
from qgis.PyQt.QtNetwork import QNetworkProxy

from ...core.backends.proxy import ProxyKind, ProxyMode, ProxySettings
from .qgis_objects import present

_KINDS = {
    QNetworkProxy.ProxyType.HttpProxy: ProxyKind.HTTP,
    QNetworkProxy.ProxyType.HttpCachingProxy: ProxyKind.HTTP_CACHING,
    QNetworkProxy.ProxyType.Socks5Proxy: ProxyKind.SOCKS5,
    QNetworkProxy.ProxyType.FtpCachingProxy: ProxyKind.FTP_CACHING,
}


def qgis_proxy() -> ProxySettings:
    """The proxy QGIS applies now (main thread).

    - "Use proxy for web access" off: the fallback proxy is Qt's default one and QGIS
      has nothing to say; requests' own default (the environment) stays, as before;
    - proxy type "DefaultProxy": QGIS asks the system (``useSystemProxy``);
    - an HTTP, HTTP caching, SOCKS5 (or FTP caching) proxy: that host, port and login;
    - "no proxy" URLs reach the server directly; the older "excluded" URLs use the
      system's proxy (QGIS's words: "the default one, meaning the system one").
    """
    nam = present(QgsNetworkAccessManager.instance(), "network access manager")
    fallback = nam.fallbackProxy()
    no_proxy = tuple(nam.noProxyList())
    system_for = tuple(nam.excludeList())
    if nam.useSystemProxy():
        return ProxySettings(ProxyMode.SYSTEM, no_proxy=no_proxy, system_for=system_for)
    if fallback.type() == QNetworkProxy.ProxyType.NoProxy:
        return ProxySettings(ProxyMode.NONE, no_proxy=no_proxy, system_for=system_for)
    kind = _KINDS.get(fallback.type())
    if kind is None:  # DefaultProxy without the system: no proxy enabled in QGIS
        return ProxySettings()
    return ProxySettings(
        ProxyMode.MANUAL,
        kind,
        host=fallback.hostName().strip(),
        port=int(fallback.port()),
        username=fallback.user(),
        password=fallback.password(),
        no_proxy=no_proxy,
        system_for=system_for,
    )
