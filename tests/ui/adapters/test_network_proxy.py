"""Behind a proxy set in QGIS (Settings → Options → Network): the dock, Processing and
the run's engine send every back-end request through it; the CLI keeps the environment's.

The proxy is a real forward proxy on loopback that counts what passes through it
(``devtools.forward_proxy``), asking for a login whose password QGIS keeps in its
authentication database (``proxy/authcfg``), as a company proxy does. "Every request"
is checked by counting: what the local back-end served during the run equals what
the proxy forwarded to it, so none went around it; for OpenID Connect, every token
request the (fake) provider answered came through the proxy.
"""

from __future__ import annotations

import logging
import os
import socket
from pathlib import Path

import pytest
from helpers.connections import add_connection, clear_connections, fill_connection_dialog
from helpers.processing import registered_provider, run, run_parameters
from openeo_grid_jobs.core.backends.backend import Secrets
from openeo_grid_jobs.core.backends.proxy import ProxyKind, ProxyMode, ProxySettings
from openeo_grid_jobs.core.engine.channel import private_dir
from openeo_grid_jobs.core.jobs.db_lock import lock_state
from openeo_grid_jobs.ui.adapters.auth_store import save_secrets
from openeo_grid_jobs.ui.adapters.network_proxy import qgis_proxy
from qgis.core import Qgis, QgsApplication, QgsNetworkAccessManager, QgsSettings
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtNetwork import QNetworkProxyFactory

from devtools.forward_proxy import ForwardProxy

PROXY_USER, PROXY_PASSWORD = "corp-user", "Pr0xy-s3cret!"
RUN_TIMEOUT_MS = 90_000


def set_qgis_proxy(**values: object) -> None:
    """Write QGIS's proxy keys and apply them, as the Options dialog does when saved."""
    settings = QgsSettings()
    settings.remove("proxy")
    for key, value in values.items():
        settings.setValue(f"proxy/{key}", value)
    QgsNetworkAccessManager.instance().setupDefaultProxyAndCache()


@pytest.fixture
def qgis_proxy_reset(qgis_app):
    yield
    set_qgis_proxy()
    QNetworkProxyFactory.setUseSystemConfiguration(False)  # QGIS's DefaultProxy sets it


@pytest.fixture
def no_environment_proxy(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def proxy(auth_manager, qgis_proxy_reset, no_environment_proxy):
    """A forward proxy asking for a login, set in QGIS: an HTTP proxy whose login is a
    Basic config of the QGIS authentication database."""
    authcfg = save_secrets("proxy", "basic", Secrets(username=PROXY_USER, password=PROXY_PASSWORD))
    with ForwardProxy(username=PROXY_USER, password=PROXY_PASSWORD) as forward:
        set_qgis_proxy(
            proxyEnabled=True,
            proxyType="HttpProxy",
            proxyHost=forward.host,
            proxyPort=str(forward.port),
            authcfg=authcfg,
        )
        yield forward


def host_of(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- reading QGIS's settings -------------------------------------------------------------
def test_the_proxy_is_read_as_qgis_applies_it(auth_manager, qgis_proxy_reset):
    assert qgis_proxy() == ProxySettings()  # none enabled: requests' default, as before
    set_qgis_proxy(
        proxyEnabled=True,
        proxyType="HttpProxy",
        proxyHost="proxy.corp",
        proxyPort="3128",
        proxyUser="me",
        proxyPassword="pw",
        noProxyUrls=["http://intranet", ""],
        proxyExcludedUrls=["http://legacy"],
    )
    read = qgis_proxy()
    assert read == ProxySettings(
        ProxyMode.MANUAL,
        ProxyKind.HTTP,
        "proxy.corp",
        3128,
        "me",
        "pw",
        no_proxy=("http://intranet",),
        system_for=("http://legacy",),
    )
    # the login from the authentication database wins over the plain-text keys, as in QGIS
    authcfg = save_secrets("proxy", "basic", Secrets(username="vault", password="from-db"))
    set_qgis_proxy(
        proxyEnabled=True, proxyType="Socks5Proxy", proxyHost="socks", proxyPort="1080",
        authcfg=authcfg,
    )  # fmt: skip
    read = qgis_proxy()
    assert (read.kind, read.host, read.port, read.username, read.password) == (
        ProxyKind.SOCKS5,
        "socks",
        1080,
        "vault",
        "from-db",
    )
    set_qgis_proxy(proxyEnabled=True, proxyType="HttpCachingProxy", proxyHost="c", proxyPort="80")
    assert qgis_proxy().kind is ProxyKind.HTTP_CACHING
    set_qgis_proxy(proxyEnabled=True, proxyType="DefaultProxy", noProxyUrls=["http://a"])
    assert qgis_proxy() == ProxySettings(ProxyMode.SYSTEM, no_proxy=("http://a",))
    set_qgis_proxy(proxyEnabled=False, proxyType="HttpProxy", proxyHost="off", proxyPort="1")
    assert qgis_proxy() == ProxySettings()


# --- the dock ------------------------------------------------------------------------------
def test_a_dock_run_and_its_downloads_go_through_qgis_proxy(
    proxy, jobs_panel, local_backend, tmp_path, qtbot, caplog, capfd
):
    """(a) every back-end request of the run's engine went through the proxy, downloads
    included; (c) the proxy's password reached the engine (the proxy let it through)
    without being in its command line, environment, logs or any file."""
    caplog.set_level(logging.DEBUG)
    log: list[str] = []
    QgsApplication.messageLog().messageReceived.connect(lambda m, *_: log.append(m))
    add_connection(local_backend.url, "Local", parallel_jobs=3)
    jobs_panel.backends.reload()
    before = local_backend.requests_served()
    engine: dict[str, str] = {}

    def engine_process() -> bool:
        state = lock_state(tmp_path / "jobs.csv")
        if not state.held:
            return False
        pid = Path("/proc") / str(state.info["pid"])
        engine["command line"] = (pid / "cmdline").read_bytes().decode("latin-1")
        engine["environment"] = (pid / "environ").read_bytes().decode("latin-1")
        return True

    with qtbot.waitSignal(jobs_panel.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        qtbot.mouseClick(jobs_panel.buttons.run, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(engine_process, timeout=30_000)
    assert finished.args[0] == {"finished": 6}
    qtbot.waitUntil(lambda: not jobs_panel.is_running(), timeout=5000)

    served = local_backend.requests_served() - before
    through = proxy.count(host=host_of(local_backend.url))
    assert served > 30
    assert through == served  # none went around the proxy
    assert all(r.authorized and r.status < 400 for r in proxy.records())
    results = list((tmp_path / "jobs_results").rglob("*.nc"))
    assert len(results) == 6
    assert all(p.stat().st_size > 1000 for p in results)  # whole files, through the proxy
    assets = [r for r in proxy.records() if r.method == "GET" and "/results/assets/" in r.path]
    assert len({r.path for r in assets}) == 6

    # the password: nowhere but the pipe
    assert ".core.engine.host" in engine["command line"]
    places = {
        **{f"engine process: {k}": v for k, v in engine.items()},
        "QgsSettings": Path(QgsSettings().fileName()).read_text(errors="replace"),
        "QGIS log": "\n".join(log),
        "Python logging": caplog.text,
        "stdout/stderr": "".join(capfd.readouterr()),
    }
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {"jobs.csv", "jobs.csv.run.json", "jobs.csv.engine.log"} <= {p.name for p in written}
    for path in written:
        places[str(path.relative_to(tmp_path))] = path.read_bytes().decode("latin-1")
    for path in private_dir().rglob("*"):  # the run channels' folder
        if path.is_file():
            places[f"channels: {path.name}"] = path.read_bytes().decode("latin-1")
    assert [place for place, text in places.items() if PROXY_PASSWORD in text] == []


def test_oidc_logins_in_qgis_and_in_the_engine_go_through_qgis_proxy(
    proxy, jobs_panel, local_backend, oidc_provider, qtbot
):
    """(b) the device login (QGIS's process), then the engine's login from the refresh
    token and its renewals of short-lived access tokens: all through the proxy."""
    oidc_provider.access_ttl = 2.0  # the engine renews them during the run
    add_connection(local_backend.url, "OIDC", "oidc_device")
    jobs_panel.backends.reload()
    grants = len(oidc_provider.grants)
    before = local_backend.requests_served()
    with qtbot.waitSignal(jobs_panel.backends.dialog_opened) as opened:
        qtbot.mouseClick(jobs_panel.buttons.run, Qt.MouseButton.LeftButton)
    login = opened.args[0]
    qtbot.waitUntil(lambda: bool(login.code.text()), timeout=20_000)
    with qtbot.waitSignal(jobs_panel.run_finished, timeout=RUN_TIMEOUT_MS) as finished:
        oidc_provider.approve(login.code.text())
    assert finished.args[0] == {"finished": 6}
    qtbot.waitUntil(lambda: not jobs_panel.is_running(), timeout=5000)

    provider = host_of(oidc_provider.issuer)
    taken = oidc_provider.grants[grants:]
    assert "urn:ietf:params:oauth:grant-type:device_code" in taken
    assert taken.count("refresh_token") >= 2  # the engine's login, and at least one renewal
    assert proxy.count(host=provider, path_prefix="/token") == len(taken)
    assert proxy.count(host=provider, path_prefix="/device_authorization") == 1
    assert proxy.count(host=host_of(local_backend.url)) == local_backend.requests_served() - before


def test_test_connection_and_job_logs_go_through_qgis_proxy(
    proxy, jobs_panel, local_backend, qtbot
):
    """Calls made in QGIS's own process: Test (a login), a job's logs, the provider list."""
    from openeo_grid_jobs.core.run.logs import fetch_job_logs
    from openeo_grid_jobs.ui.adapters.backends import connection_backend

    add_connection(local_backend.url, "Local")
    widget = jobs_panel.backends
    widget.reload()
    widget.table.selectRow(0)
    before = local_backend.requests_served()
    with qtbot.waitSignal(widget.message, timeout=20_000) as said:
        widget.test_current()
    assert said.args[1] == Qgis.MessageLevel.Success, said.args
    (job_id,) = local_backend.seed_jobs(1, status="error")
    fetch_job_logs(connection_backend(widget.current()), job_id)  # as the Problems tab does
    dialog = widget.edit(None)  # the connection form asks for the OIDC provider list
    fill_connection_dialog(dialog, local_backend.url, "oidc_device", "OIDC")
    dialog.url.editingFinished.emit()
    qtbot.waitUntil(lambda: dialog.provider.findText("loopback") >= 0, timeout=20_000)
    dialog.reject()
    served = local_backend.requests_served() - before
    assert proxy.count(host=host_of(local_backend.url)) == served >= 6
    assert proxy.count(path_prefix="/openeo/1.2/credentials/oidc") >= 1


# --- Processing ------------------------------------------------------------------------------
def test_processing_run_goes_through_qgis_proxy(
    proxy, qgis_processing, qgis_new_project, auth_manager, local_backend, tmp_path
):
    clear_connections()
    add_connection(local_backend.url, name="Local", parallel_jobs=3)
    try:
        with registered_provider():
            grid = run(
                "creategrid",
                {
                    "EXTENT": "595000,605000,5660000,5665000 [EPSG:32631]",
                    "TILE_SIZE": 5000,
                    "OUTPUT": "TEMPORARY_OUTPUT",
                },
            )["OUTPUT"]
            before = local_backend.requests_served()
            result = run("runjobs", run_parameters(grid, tmp_path / "jobs.csv"))
        assert result["FINISHED"] == 2
        served = local_backend.requests_served() - before
        assert proxy.count(host=host_of(local_backend.url)) == served > 10
    finally:
        clear_connections()


# --- the CLI -----------------------------------------------------------------------------------
def test_the_cli_keeps_the_environments_proxy(local_backend, tmp_path, no_environment_proxy):
    """(d) the CLI has no QGIS: requests' own default, HTTP_PROXY from the environment."""
    from tests.cli.test_run import TEMPLATE, make_grid, run_cli

    grid = make_grid(tmp_path, tiles_across=2)
    with ForwardProxy() as forward:
        before = local_backend.requests_served()
        proc = run_cli(
            "--grid",
            str(grid),
            "--job-db",
            str(tmp_path / "jobs.csv"),
            "--backend",
            local_backend.url,
            "--username",
            "alice",
            *TEMPLATE,
            env_extra={"HTTP_PROXY": forward.url, "HTTPS_PROXY": forward.url},
        )
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        served = local_backend.requests_served() - before
        assert forward.count(host=host_of(local_backend.url)) == served > 10


# --- faults ------------------------------------------------------------------------------------
def test_a_wrong_proxy_is_said_plainly(
    auth_manager, qgis_proxy_reset, no_environment_proxy, jobs_panel, local_backend, desktop, qtbot
):
    """(e) nothing listens at the proxy QGIS names: Test and Run say so, no traceback."""
    port = free_port()
    set_qgis_proxy(
        proxyEnabled=True, proxyType="HttpProxy", proxyHost="127.0.0.1", proxyPort=str(port)
    )
    add_connection(local_backend.url, "Local")
    widget = jobs_panel.backends
    widget.reload()
    widget.table.selectRow(0)
    with qtbot.waitSignal(widget.message, timeout=20_000) as said:
        widget.test_current()
    expected = f"through the proxy 127.0.0.1:{port} set in QGIS"
    assert said.args[1] == Qgis.MessageLevel.Warning
    assert expected in said.args[0]
    assert "Check the proxy in QGIS's Settings → Options → Network." in said.args[0]

    with qtbot.waitSignal(jobs_panel.run_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(jobs_panel.buttons.run, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not jobs_panel.is_running(), timeout=5000)
    errors = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Critical)
    assert any(expected in m for m in errors), errors
    log = Path(jobs_panel.job_db_path() + ".engine.log")
    assert "Traceback" not in (log.read_text() if log.exists() else "")
    assert os.environ.get("HTTP_PROXY") is None
