"""Back-end calls through a proxy (core, no QGIS): routing, logins, faults, the wire.

The proxy is a real forward proxy on loopback (``devtools.forward_proxy``) that counts
what passes through it; the back-end is the real local openEO back-end, the OpenID
Connect provider the fake one of ``helpers.fake_oidc``. "Through the proxy" is
checked by counting: every request the back-end (or the provider's token endpoint)
answered was one the proxy forwarded.
"""

from __future__ import annotations

import http.client
import json
import socket
import time

import pytest
import requests
from helpers.fake_oidc import approve_when_shown
from helpers.web_pages import serve
from openeo_grid_jobs.core.backends.backend import BackendConfig, Secrets
from openeo_grid_jobs.core.backends.probe import describe
from openeo_grid_jobs.core.backends.proxy import (
    ENVIRONMENT,
    ProxyError,
    ProxyKind,
    ProxyMode,
    ProxySettings,
    ProxySettingsError,
    Route,
)
from openeo_grid_jobs.core.backends.transport import backend_session, oidc_session
from openeo_grid_jobs.core.engine.request import RunRequest

from devtools.forward_proxy import ForwardProxy
from devtools.local_backend.launcher import PASSWORD, USERNAME

PROXY_USER, PROXY_PASSWORD = "proxy-user", "Pr0xy p@ss:w/rd"


def manual(proxy: ForwardProxy, **changes) -> ProxySettings:
    values = {"host": proxy.host, "port": proxy.port}
    if proxy.username:
        values.update(username=proxy.username, password=proxy.password or "")
    return ProxySettings(ProxyMode.MANUAL, ProxyKind.HTTP, **{**values, **changes})


def free_port() -> int:
    """A loopback port where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def host_of(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[0]


@pytest.fixture
def proxy():
    with ForwardProxy() as p:
        yield p


@pytest.fixture
def page():
    with serve(lambda path: (200, "application/json", b'{"ok": true}')) as url:
        yield url


@pytest.fixture
def no_environment_proxy(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


# --- the value -------------------------------------------------------------------------
def test_routes_follow_qgis_order():
    settings = ProxySettings(
        ProxyMode.MANUAL,
        host="proxy.example",
        port=3128,
        no_proxy=("http://intranet/", "  ", ""),
        system_for=("HTTP://Legacy.example",),
    )
    assert settings.no_proxy == ("http://intranet/",)  # blanks would match every URL
    assert settings.route("http://intranet/openeo") is Route.DIRECT
    assert settings.route("http://legacy.example/x") is Route.SYSTEM  # prefixes: any case
    assert settings.route("https://openeo.example/openeo") is Route.PROXY
    system = ProxySettings(ProxyMode.SYSTEM, no_proxy=("http://intranet",))
    assert system.route("http://intranet/x") is Route.DIRECT
    assert system.route("https://openeo.example") is Route.SYSTEM
    assert ProxySettings(ProxyMode.NONE).route("https://openeo.example") is Route.DIRECT
    assert ENVIRONMENT.route("http://intranet/x") is Route.SYSTEM
    assert not ENVIRONMENT.explicit
    assert system.explicit


def test_proxy_url_carries_the_login_encoded_and_nothing_else_shows_it():
    settings = ProxySettings(
        ProxyMode.MANUAL, host="proxy.example", port=3128, username="me@corp", password="a:b/c d"
    )
    proxies = settings.proxies_for("https://openeo.example/jobs", {"https": "http://other:1"})
    assert proxies == {"https": "http://me%40corp:a%3Ab%2Fc%20d@proxy.example:3128"}
    assert "a:b/c d" not in repr(settings)
    assert "a:b/c d" not in settings.describe("https://openeo.example")
    assert settings.describe("https://openeo.example") == (
        "the proxy proxy.example:3128 as me@corp set in QGIS"
    )
    socks = ProxySettings(ProxyMode.MANUAL, ProxyKind.SOCKS5, host="::1", port=1080)
    assert socks._proxy_url() == "socks5h://[::1]:1080"  # host names resolved by the proxy


def test_the_proxy_travels_in_the_run_request_wire_only():
    settings = ProxySettings(
        ProxyMode.MANUAL, host="p", port=8080, username="u", password="pw", no_proxy=("http://a",)
    )
    request = RunRequest("jobs.csv", proxy=settings)
    assert RunRequest.from_wire(request.to_wire()).proxy == settings
    assert json.loads(request.to_wire())["proxy"]["password"] == "pw"
    assert RunRequest.from_wire(RunRequest("jobs.csv").to_wire()).proxy is None  # the CLI


@pytest.mark.parametrize(
    ("kind", "url", "message"),
    [
        (ProxyKind.HTTP_CACHING, "https://openeo.example", "carries only http://"),
        (ProxyKind.FTP_CACHING, "http://openeo.example", "FTP caching proxy"),
        (ProxyKind.SOCKS5, "https://openeo.example", "needs the Python package PySocks"),
    ],
)
def test_a_proxy_that_cannot_carry_the_request_says_what_to_change(kind, url, message):
    settings = ProxySettings(ProxyMode.MANUAL, kind, host="proxy.example", port=3128)
    if kind is ProxyKind.SOCKS5:
        import importlib.util

        if importlib.util.find_spec("socks") is not None:
            pytest.skip("PySocks is installed here")
    with pytest.raises(ProxySettingsError, match=message):
        BackendConfig(url).connect(timeout=5, proxy=settings)
    # a caching proxy still carries http://
    ProxySettings(ProxyMode.MANUAL, ProxyKind.HTTP_CACHING, host="p", port=1).check("http://x")
    with pytest.raises(ProxySettingsError, match="no host or port"):
        ProxySettings(ProxyMode.MANUAL).check("http://x")


# --- sessions: QGIS's choice wins over the environment ----------------------------------
def test_an_explicit_proxy_wins_over_the_environment(proxy, page, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")  # dead: must not be used
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # nor may this bypass QGIS's proxy
    session = backend_session(manual(proxy))
    assert session.get(page + "/a").json() == {"ok": True}
    assert proxy.count(host=host_of(page), path_prefix="/a") == 1
    # QGIS's "no proxy" URLs go straight to the server, whatever the environment says
    direct = backend_session(manual(proxy, no_proxy=(page + "/direct",)))
    assert direct.get(page + "/direct").ok
    assert proxy.count(path_prefix="/direct") == 0
    # and "no proxy at all" in QGIS ignores the environment's (dead) proxy
    monkeypatch.delenv("NO_PROXY")
    assert backend_session(ProxySettings(ProxyMode.NONE)).get(page + "/none").ok


def test_system_proxy_is_the_environments(proxy, page, monkeypatch, no_environment_proxy):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    system = ProxySettings(ProxyMode.SYSTEM, no_proxy=(page + "/direct",))
    assert backend_session(system).get(page + "/system").ok
    assert backend_session(system).get(page + "/direct").ok
    # QGIS's "excluded" URLs of a manual proxy also go to the system's
    excluded = ProxySettings(
        ProxyMode.MANUAL, host="127.0.0.1", port=free_port(), system_for=(page + "/old",)
    )
    assert backend_session(excluded).get(page + "/old").ok
    assert backend_session(ENVIRONMENT).get(page + "/env").ok  # requests' default: as before
    assert [r.path for r in proxy.records()] == ["/system", "/old", "/env"]


def test_a_session_reads_the_environment_once_per_host(
    proxy, page, monkeypatch, no_environment_proxy
):
    """requests reads the whole environment at each call; a run's session reads it at
    its first call to a host and keeps that (a run's environment does not change)."""
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    session = backend_session(ENVIRONMENT)
    assert session.get(page + "/first").ok
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")  # dead from now on
    assert session.get(page + "/second").json() == {"ok": True}
    assert [r.path for r in proxy.records()] == ["/first", "/second"]
    # a new session (a new run) reads the environment as it is now
    with pytest.raises(requests.exceptions.ProxyError):
        backend_session(ENVIRONMENT).get(page + "/third")


def test_https_is_tunnelled(proxy, tls_page):
    session = backend_session(manual(proxy), verify_tls=False)
    assert session.get(tls_page + "/x").json() == {"ok": True}
    assert [(r.method, r.host) for r in proxy.records()] == [("CONNECT", host_of(tls_page))]


@pytest.fixture
def tls_page(tmp_path):
    import ssl
    import subprocess

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    make_cert = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    subprocess.run(
        [*make_cert, "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with serve(lambda path: (200, "application/json", b'{"ok": true}'), context) as url:
        yield url


# --- logins and runs' calls through the proxy -------------------------------------------
def test_basic_login_and_calls_all_go_through_the_proxy(local_backend, no_environment_proxy):
    with ForwardProxy(username=PROXY_USER, password=PROXY_PASSWORD) as proxy:
        before = local_backend.requests_served()
        config = BackendConfig(local_backend.url, USERNAME)
        connection = config.connect(Secrets(password=PASSWORD), proxy=manual(proxy))
        assert describe(connection).user == USERNAME
        job = connection.create_job({"p": {"process_id": "add", "arguments": {"x": 1, "y": 2}}})
        job.describe()
        served = local_backend.requests_served() - before
        through = proxy.count(host=host_of(local_backend.url))
        assert served >= 5
        assert through == served  # none bypassed the proxy
        assert all(r.authorized for r in proxy.records())


def test_oidc_device_login_refresh_and_renewal_go_through_the_proxy(
    local_backend, oidc_provider, proxy, no_environment_proxy
):
    """openeo makes the provider's requests with sessions of its own: they go through
    QGIS's proxy as well (discovery, device code, token polls, refresh, renewal)."""
    provider = host_of(oidc_provider.issuer)
    grants = len(oidc_provider.grants)
    config = BackendConfig(local_backend.url, auth_method="oidc_device")
    on_device_code, _ = approve_when_shown(oidc_provider)
    tokens = []
    config.connect(
        on_device_code=on_device_code, on_refresh_token=tokens.append, proxy=manual(proxy)
    )
    assert proxy.count(host=provider, path_prefix="/.well-known/openid-configuration") >= 1
    assert proxy.count(host=provider, path_prefix="/device_authorization") == 1
    oidc_provider.access_ttl = 1.0
    secrets = Secrets(refresh_token=tokens[0].refresh_token, client_id=tokens[0].client_id)
    connection = config.connect(secrets, proxy=manual(proxy))
    time.sleep(1.5)  # the access token expires: the client renews it from the refresh token
    assert connection.describe_account()["user_id"] == "eve"
    assert oidc_provider.grants[-2:] == ["refresh_token", "refresh_token"]
    # every token request the provider answered came through the proxy
    assert proxy.count(host=provider, path_prefix="/token") == len(oidc_provider.grants) - grants


def test_oidc_sessions_outside_a_login_are_left_alone(proxy, page, no_environment_proxy):
    """Another plugin's openeo in QGIS's process: its provider requests are not ours."""
    from openeo.rest.auth.oidc import OidcProviderInfo
    from openeo_grid_jobs.core.backends.transport import oidc_through

    with oidc_through(manual(proxy)):
        pass  # the hook is in place from here on
    with serve(lambda p: (200, "application/json", b'{"issuer": "x"}')) as issuer:
        info = OidcProviderInfo(issuer=issuer)
        assert info.config == {"issuer": "x"}
    assert proxy.records() == []
    assert oidc_session(manual(proxy)).get(page + "/o").ok
    assert proxy.count(path_prefix="/o") == 1


# --- faults ------------------------------------------------------------------------------
def test_nothing_listening_at_the_proxy_is_said_plainly(no_environment_proxy):
    dead = ProxySettings(ProxyMode.MANUAL, host="127.0.0.1", port=free_port())
    with pytest.raises(ProxyError) as caught:
        BackendConfig("http://openeo.example/openeo").connect(timeout=5, proxy=dead)
    message = str(caught.value)
    assert message.startswith(
        f"Cannot reach openeo.example through the proxy 127.0.0.1:{dead.port} set in QGIS: "
    )
    assert "Connection refused" in message
    assert message.endswith("Check the proxy in QGIS's Settings → Options → Network.")


def test_a_proxy_asking_for_a_login_is_said_plainly(local_backend, no_environment_proxy):
    with ForwardProxy(username=PROXY_USER, password=PROXY_PASSWORD) as proxy:
        config = BackendConfig(local_backend.url)
        with pytest.raises(ProxyError, match=r"refused to carry .*\(HTTP 407: it asks for a login"):
            config.connect(timeout=5, proxy=manual(proxy, username="", password=""))
        with pytest.raises(ProxyError, match=r"HTTP 407: refused its login\). Check the proxy"):
            config.connect(timeout=5, proxy=manual(proxy, password="not-it"))
        assert {r.status for r in proxy.records()} == {407}


def test_forward_proxy_counts_and_relays(proxy, page):
    """The devtool itself: absolute URIs forwarded with their query, a relative one refused."""
    conn = http.client.HTTPConnection(proxy.host, proxy.port, timeout=5)
    conn.request("GET", page + "/p?q=1")
    assert json.loads(conn.getresponse().read()) == {"ok": True}
    conn.request("GET", "/relative")
    assert conn.getresponse().status == 400
    assert proxy.per_target()[(host_of(page), "/p")] == 1


# --- the engine (as the CLI runs it, and as the dock's engine process does) -----------------
def test_an_engine_run_goes_through_the_requests_proxy(local_backend, tmp_path):
    from helpers.engine import run_request
    from openeo_grid_jobs.core.engine.engine import RunEngine
    from openeo_grid_jobs.core.engine.events import Outcome

    with ForwardProxy(username=PROXY_USER, password=PROXY_PASSWORD) as proxy:
        before = local_backend.requests_served()
        engine = RunEngine(
            run_request(tmp_path, local_backend.url, proxy=manual(proxy)), lambda e: None
        )
        engine.open()
        try:
            ended = engine.run()
        finally:
            engine.close()
        assert ended["outcome"] == Outcome.DONE
        served = local_backend.requests_served() - before
        assert proxy.count(host=host_of(local_backend.url)) == served > 30


def test_an_engine_behind_a_proxy_that_cannot_carry_its_requests_says_so(local_backend, tmp_path):
    from helpers.engine import run_request
    from openeo_grid_jobs.core.engine.engine import RunEngine
    from openeo_grid_jobs.core.engine.events import Outcome

    ftp = ProxySettings(ProxyMode.MANUAL, ProxyKind.FTP_CACHING, host="127.0.0.1", port=21)
    engine = RunEngine(run_request(tmp_path, local_backend.url, proxy=ftp), lambda e: None)
    engine.open()
    try:
        ended = engine.run()
    finally:
        engine.close()
    assert ended["outcome"] == Outcome.FAILED
    assert "FTP caching proxy, which does not carry web requests" in ended["message"]


def test_a_proxy_refusing_mid_run_makes_tiles_wait_not_fail():
    """407 mid-run (the proxy's password changed): the request never reached the
    back-end; the run backs off and tries again, no tile is start_failed."""
    from openeo.rest import OpenEoApiPlainError
    from openeo_grid_jobs.core.run.failures import FailureKind, classify

    failure = classify(OpenEoApiPlainError("Proxy login required.", http_status_code=407))
    assert failure.kind is FailureKind.TRANSIENT
    assert failure.answered  # no job was made: none to look up
