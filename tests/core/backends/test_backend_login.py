"""Connecting and logging in (core, no QGIS): every way in, and every fault with its message.

Back-end: the real local openEO back-end over HTTP. OpenID Connect: the fake
provider of ``helpers.fake_oidc`` (a stand-in, because no real OIDC provider can
run here); the back-end checks each access token at its ``/userinfo``.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from helpers.fake_oidc import DEVICE_CLIENT, SERVICE_CLIENT, SERVICE_SECRET, approve_when_shown
from helpers.web_pages import not_found_server, serve
from openeo.rest.auth.oidc import VerificationInfo, _BasicDeviceCodePollUi
from openeo_grid_jobs.core.backends.backend import BackendConfig, Secrets
from openeo_grid_jobs.core.backends.device_login import parse_device_instructions
from openeo_grid_jobs.core.backends.probe import describe
from openeo_grid_jobs.core.errors import (
    AuthenticationError,
    BackendConnectionError,
    LoginCancelledError,
    LoginRequiredError,
    LoginTimeoutError,
)

from devtools.local_backend.launcher import PASSWORD, USERNAME


# --- basic -----------------------------------------------------------------------------
def test_basic_login_and_test_connection(local_backend):
    config = BackendConfig(local_backend.url, USERNAME)
    connection = config.connect(Secrets(password=PASSWORD))
    info = describe(connection)
    assert info.title.startswith("Local openEO back-end")
    assert info.api_version.startswith("1.")
    assert info.has_collection
    assert info.user == USERNAME
    assert not describe(connection, "NO_SUCH_COLLECTION").has_collection


def test_wrong_password_is_refused(local_backend):
    config = BackendConfig(local_backend.url, USERNAME)
    with pytest.raises(AuthenticationError, match="refused the user name or password of alice"):
        config.connect(Secrets(password="not-it"))
    with pytest.raises(AuthenticationError, match="Enter the user name and password"):
        config.connect(Secrets())


def test_back_end_without_basic_login(make_backend):
    backend = make_backend(basic_auth="off")
    with pytest.raises(AuthenticationError, match="does not offer user-name/password login"):
        BackendConfig(backend.url, USERNAME).connect(Secrets(password=PASSWORD))


def test_no_login_reaches_public_endpoints(local_backend):
    info = describe(BackendConfig(local_backend.url).connect())
    assert info.user is None
    assert info.has_collection


# --- what is not a back-end ------------------------------------------------------------
@pytest.mark.parametrize("url", ["openeo.example", "ftp://x.example", "https://", "http://a b"])
def test_malformed_url(url):
    with pytest.raises(BackendConnectionError, match="not a back-end URL"):
        BackendConfig(url)


def test_unreachable_host():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    with pytest.raises(BackendConnectionError, match=f"Cannot reach 127.0.0.1:{port}"):
        BackendConfig(f"http://127.0.0.1:{port}").connect(timeout=5)


@pytest.fixture
def web_page():
    """A web server that is not openEO: an HTML page, or JSON without an API version."""
    yield from _serve_pages()


@pytest.fixture
def tls_web_page(tmp_path):
    """The same over HTTPS with a self-signed certificate (made with openssl)."""
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
    yield from _serve_pages(context)


def _serve_pages(tls_context=None):
    def answer(path):
        if path.startswith("/html"):
            return 200, "text/html", b"<html><body>Welcome</body></html>"
        return 200, "application/json", json.dumps({"a": 1}).encode()

    with serve(answer, tls_context) as url:
        yield url


@pytest.mark.parametrize("path", ["/html", "/json"])
def test_not_an_openeo_back_end(web_page, path):
    with pytest.raises(BackendConnectionError, match="not as an openEO back-end"):
        BackendConfig(web_page + path).connect(timeout=5)


@pytest.mark.parametrize("openeo_errors", [False, True], ids=["html", "openeo-json"])
def test_a_web_server_answering_404_is_not_openeo(openeo_errors):
    """Not "refused the connection: [404]": what is wrong, where we looked, what to do."""
    with not_found_server(openeo_errors) as root:
        url = root + "/some/app"
        with pytest.raises(BackendConnectionError) as caught:
            BackendConfig(url).connect(timeout=5)
    assert str(caught.value) == (
        f"{url} does not look like an openEO back-end (no openEO API there: HTTP 404 at "
        f"{url}/.well-known/openeo and at {url}/). Check the URL."
    )
    assert caught.value.status is None  # a wrong URL: a run does not wait for it to recover


def test_a_run_on_a_url_that_is_not_openeo_stops_at_once(tmp_path):
    from helpers.runs import make_runner
    from openeo_grid_jobs.core.run.runner import Backend, RunError

    with not_found_server() as root:
        config = BackendConfig(root, auth_method="none")
        runner = make_runner(tmp_path, [Backend("web", lambda: config.connect(timeout=5))])
        started = time.monotonic()
        with pytest.raises(RunError, match="does not look like an openEO back-end"):
            runner.run(threading.Event())
    assert time.monotonic() - started < 10  # not the minute of patience for "not now"


def test_self_signed_certificate_needs_the_visible_opt_out(tls_web_page):
    with pytest.raises(
        BackendConnectionError, match=r"TLS certificate of 127.0.0.1:.* not trusted"
    ):
        BackendConfig(tls_web_page + "/html").connect(timeout=5)
    # opted out: the server is reached (and found not to be openEO)
    with pytest.raises(BackendConnectionError, match="not as an openEO back-end"):
        BackendConfig(tls_web_page + "/html", verify_tls=False).connect(timeout=5)


# --- OpenID Connect device flow --------------------------------------------------------
def test_device_login_then_refresh_token(local_backend, oidc_provider, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENEO_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    config = BackendConfig(local_backend.url, auth_method="oidc_device")
    on_device_code, prompts = approve_when_shown(oidc_provider)
    tokens = []
    connection = config.connect(on_device_code=on_device_code, on_refresh_token=tokens.append)
    assert describe(connection).user == "Eve"
    # the dialog got a link and the code, structured
    assert prompts[0].url.startswith(oidc_provider.issuer + "/device")
    assert prompts[0].user_code
    assert prompts[0].user_code in prompts[0].url
    # the refresh token came to us, with the client it belongs to, and not to a file
    assert [t.client_id for t in tokens] == [DEVICE_CLIENT]
    assert tokens[0].refresh_token.startswith("RT-")
    assert not any(p.is_file() for p in tmp_path.rglob("*"))

    # next start: no dialog, the refresh token logs in
    secrets = Secrets(refresh_token=tokens[0].refresh_token, client_id=tokens[0].client_id)
    again = config.connect(secrets)
    assert describe(again).user == "Eve"


def test_device_login_needed_without_a_dialog(local_backend, oidc_provider):
    config = BackendConfig(local_backend.url, auth_method="oidc_device")
    with pytest.raises(LoginRequiredError, match=r"Log in to .* first"):
        config.connect()


def test_revoked_refresh_token_asks_to_log_in_again(local_backend, oidc_provider):
    config = BackendConfig(local_backend.url, auth_method="oidc_device")
    on_device_code, _ = approve_when_shown(oidc_provider)
    tokens = []
    config.connect(on_device_code=on_device_code, on_refresh_token=tokens.append)
    oidc_provider.revoke_refresh_tokens()
    secrets = Secrets(refresh_token=tokens[0].refresh_token, client_id=DEVICE_CLIENT)
    with pytest.raises(LoginRequiredError, match="expired or was revoked: log in again"):
        config.connect(secrets)
    # with a dialog at hand, the expired token leads back to the device login
    on_device_code, prompts = approve_when_shown(oidc_provider, sub="eve")
    connection = config.connect(secrets, on_device_code=on_device_code)
    assert prompts
    assert describe(connection).user == "Eve"


def test_rotated_refresh_token_is_handed_over(local_backend, oidc_provider):
    oidc_provider.rotate_refresh_tokens = True
    config = BackendConfig(local_backend.url, auth_method="oidc_device")
    on_device_code, _ = approve_when_shown(oidc_provider)
    tokens = []
    config.connect(on_device_code=on_device_code, on_refresh_token=tokens.append)
    first = tokens[-1].refresh_token
    config.connect(
        Secrets(refresh_token=first, client_id=DEVICE_CLIENT), on_refresh_token=tokens.append
    )
    assert tokens[-1].refresh_token != first  # the old one is dead now: the new one is kept


def test_device_login_cancelled(local_backend, oidc_provider):
    config = BackendConfig(local_backend.url, auth_method="oidc_device")
    cancelled = threading.Event()
    started = time.monotonic()
    with pytest.raises(LoginCancelledError, match="cancelled"):
        config.connect(on_device_code=lambda prompt: cancelled.set(), cancelled=cancelled)
    assert time.monotonic() - started < 5


def test_device_login_timeout_and_refusal(local_backend, oidc_provider):
    config = BackendConfig(local_backend.url, auth_method="oidc_device")
    with pytest.raises(LoginTimeoutError, match=r"Nobody logged in .* within 2 s"):
        config.connect(on_device_code=lambda prompt: None, login_timeout=2)

    def deny(prompt):
        threading.Timer(0.2, oidc_provider.deny, (prompt.user_code,)).start()

    with pytest.raises(AuthenticationError, match=r"login to .* was refused"):
        config.connect(on_device_code=deny)


def test_back_end_without_oidc(make_backend):
    backend = make_backend()  # no issuer configured
    config = BackendConfig(backend.url, auth_method="oidc_device")
    with pytest.raises(AuthenticationError, match="lists no OpenID Connect providers"):
        config.connect(on_device_code=lambda prompt: None)


def test_unknown_provider_and_provider_list(local_backend, oidc_provider):
    config = BackendConfig(local_backend.url, auth_method="oidc_device", provider_id="egi")
    with pytest.raises(AuthenticationError, match=r"no OpenID Connect provider 'egi'.*loopback"):
        config.connect(on_device_code=lambda prompt: None)
    listing = BackendConfig(local_backend.url, auth_method="oidc_device")
    assert listing.oidc_providers() == [("loopback", "Loopback test provider")]


def test_access_token_renewed_when_it_expires(local_backend, oidc_provider):
    """A long run outlives its access token: the client renews it from the refresh token."""
    oidc_provider.access_ttl = 1.0
    config = BackendConfig(local_backend.url, auth_method="oidc_device")
    on_device_code, _ = approve_when_shown(oidc_provider)
    connection = config.connect(on_device_code=on_device_code)
    refreshes = oidc_provider.grants.count("refresh_token")
    time.sleep(1.5)
    assert connection.describe_account()["user_id"] == "eve"  # would be 403 TokenInvalid
    assert oidc_provider.grants.count("refresh_token") == refreshes + 1


# --- service account -------------------------------------------------------------------
def test_client_credentials(local_backend, oidc_provider):
    config = BackendConfig(local_backend.url, auth_method="oidc_client_credentials")
    connection = config.connect(Secrets(client_id=SERVICE_CLIENT, client_secret=SERVICE_SECRET))
    assert describe(connection).user == f"service-{SERVICE_CLIENT}".title()
    with pytest.raises(AuthenticationError, match="refused the service account"):
        config.connect(Secrets(client_id=SERVICE_CLIENT, client_secret="wrong"))
    with pytest.raises(AuthenticationError, match="client id and secret"):
        config.connect(Secrets(client_id=SERVICE_CLIENT))


# --- the client's display hook, pinned -------------------------------------------------
@pytest.mark.parametrize("complete", [True, False])
def test_instructions_of_this_openeo_client_are_understood(complete):
    """If a client upgrade rewords its instructions, this fails (the dialog would still
    show the text, but lose its link and code)."""
    shown = []
    ui = _BasicDeviceCodePollUi(timeout=1, elapsed=lambda: 0, display=shown.append)
    url = "https://login.example/device"
    info = VerificationInfo(url, f"{url}?user_code=AB-CD" if complete else None, "dc", "AB-CD", 5)
    ui.show_instructions(info)
    prompt = parse_device_instructions(shown[0])
    assert prompt.user_code == "AB-CD"
    assert prompt.url.startswith(url)


def test_secrets_never_print():
    text = repr(Secrets("u", "p4ss", "RT-x", "c", "s3cret"))
    assert not any(s in text for s in ("p4ss", "RT-x", "s3cret"))
