"""Back-end connections in QGIS: the dialog, the QGIS auth database, logins from the dock.

The local openEO back-end is real (HTTP on loopback); the OpenID Connect provider
is the tests' fake one (``helpers.fake_oidc``), the only stand-in: no real
provider can run here. Its "user in a browser" is ``oidc_provider.approve``.
"""

from __future__ import annotations

import pytest
from helpers.connections import add_connection, clear_connections, fill_connection_dialog
from helpers.fake_oidc import SERVICE_CLIENT, SERVICE_SECRET
from helpers.web_pages import not_found_server
from openeo_grid_jobs.core.backends.backend import Secrets
from openeo_grid_jobs.ui.adapters.auth_store import OIDC_METHOD, load_secrets
from openeo_grid_jobs.ui.adapters.connections import load_connections
from openeo_grid_jobs.ui.widgets.backends_widget import BackendsWidget
from openeo_grid_jobs.ui.widgets.jobs_panel import JobsPanel
from qgis.core import Qgis, QgsAuthMethodConfig, QgsSettings
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QApplication, QDialog

from devtools.local_backend.launcher import PASSWORD, USERNAME


@pytest.fixture
def backends(auth_manager, qtbot):
    clear_connections()
    widget = BackendsWidget()
    qtbot.addWidget(widget)
    yield widget
    widget.shutdown()


def settings_text() -> str:
    settings = QgsSettings()
    return "\n".join(f"{k}={settings.value(k)}" for k in settings.allKeys())


def test_first_start_offers_copernicus(auth_manager):
    clear_connections(seeded=False)
    names = {c.name: c for c in load_connections()}
    assert not names["Copernicus Data Space (openEO federation)"].enabled
    cdse = names["Copernicus Data Space (openEO federation)"].config
    assert cdse.url == "https://openeofed.dataspace.copernicus.eu"
    assert cdse.auth_method == "oidc_device"
    clear_connections(seeded=True)
    assert load_connections() == []  # removed defaults stay removed


def test_add_basic_connection_keeps_only_an_auth_id(backends, local_backend, auth_manager, qtbot):
    dialog = backends.edit(None)
    fill_connection_dialog(
        dialog, local_backend.url, "basic", "Local", username=USERNAME, password=PASSWORD
    )
    dialog.parallel_jobs.setValue(5)
    dialog.queued_jobs.setValue(2)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("✔"), timeout=20_000)
    assert "Local openEO back-end" in dialog.status.text()
    assert "SENTINEL2_L2A available" in dialog.status.text()
    assert "logged in as alice" in dialog.status.text()
    dialog.buttons.button(dialog.buttons.Ok).click()
    assert dialog.result() == QDialog.DialogCode.Accepted

    (saved,) = backends.connections
    assert (saved.name, saved.config.parallel_jobs, saved.enabled) == ("Local", 5, True)
    assert saved.config.queued_jobs == 2
    assert len(saved.authcfg) == 7
    assert PASSWORD not in settings_text()
    assert f"authcfg={saved.authcfg}" in settings_text()
    assert "auth_method=basic\n" in settings_text()  # the plain value, not a pickled enum
    config = QgsAuthMethodConfig()
    auth_manager.loadAuthenticationConfig(saved.authcfg, config, True)
    assert (config.method(), config.config("username")) == ("Basic", USERNAME)
    assert config.config("password") == PASSWORD

    # editing shows the user but never the stored password; OK keeps it
    again = backends.edit(saved)
    assert again.username.text() == USERNAME
    assert again.password.text() == ""
    assert "authentication database" in again.password.placeholderText()
    assert again.queued_jobs.value() == 2
    again.parallel_jobs.setValue(7)
    again.queued_jobs.setValue(0)  # "no cap"
    again.buttons.button(again.buttons.Ok).click()
    (saved,) = backends.connections
    assert (saved.config.parallel_jobs, saved.config.queued_jobs) == (7, 0)
    assert load_secrets("basic", saved.authcfg).password == PASSWORD

    # another kind of login: the stored password goes away with the old config
    old = saved.authcfg
    again = backends.edit(saved)
    again.method.setCurrentIndex(again.method.findData("oidc_device"))
    again.buttons.button(again.buttons.Ok).click()
    (saved,) = backends.connections
    assert saved.authcfg == ""
    assert old not in auth_manager.configIds()


@pytest.mark.parametrize(
    ("url", "user", "password", "message"),
    [
        ("openeo.example", USERNAME, PASSWORD, "not a back-end URL"),
        ("{backend}", USERNAME, "wrong", "refused the user name or password of alice"),
        ("http://127.0.0.1:9", USERNAME, PASSWORD, "Cannot reach 127.0.0.1:9"),
    ],
)
def test_connection_faults_are_shown_in_the_dialog(
    backends, local_backend, qtbot, url, user, password, message
):
    dialog = backends.edit(None)
    url = url.format(backend=local_backend.url)
    fill_connection_dialog(dialog, url, "basic", username=user, password=password)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: message in dialog.status.text(), timeout=20_000)
    dialog.reject()


def test_a_url_that_is_not_openeo_is_explained_in_full(backends, qtbot):
    """A web server answering 404: the dialog says what is wrong, every line of it."""
    with not_found_server() as root:
        url = root + "/some/app"
        dialog = backends.edit(None)
        fill_connection_dialog(dialog, url, "none")
        qtbot.waitExposed(dialog)
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Check the URL" in dialog.status.text(), timeout=20_000)
    status = dialog.status
    assert status.text() == (
        f"{url} does not look like an openEO back-end (no openEO API there: HTTP 404 at "
        f"{url}/.well-known/openeo and at {url}/). Check the URL."
    )
    assert status.wordWrap()
    assert status.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
    needed = status.heightForWidth(status.width())
    assert needed > 2 * status.fontMetrics().lineSpacing()  # several lines at this width

    def whole():  # as tall as its text needs, and the dialog holds it and its buttons
        buttons = dialog.buttons.geometry()
        return (
            status.height() >= status.heightForWidth(status.width())
            and status.geometry().bottom() < buttons.top()
            and buttons.bottom() <= dialog.rect().bottom()
        )

    qtbot.waitUntil(whole)
    dialog.reject()


def test_remove_forgets_the_stored_login(backends, local_backend, auth_manager, qtbot):
    saved = add_connection(local_backend.url, "Local")
    backends.reload("Local")
    assert saved.authcfg in auth_manager.configIds()
    qtbot.mouseClick(backends.buttons["remove"], Qt.MouseButton.LeftButton)
    assert backends.connections == []
    assert saved.authcfg not in auth_manager.configIds()
    assert load_connections() == []


def test_tls_opt_out_is_visible(backends, qtbot):
    dialog = backends.edit(None)
    dialog.show()
    assert not dialog.tls_warning.isVisible()
    dialog.verify_tls.setChecked(False)
    assert dialog.tls_warning.isVisible()
    assert "only for your own test server" in dialog.tls_warning.text()
    dialog.reject()


def test_service_account_connection(backends, local_backend, oidc_provider, auth_manager, qtbot):
    dialog = backends.edit(None)
    fill_connection_dialog(
        dialog,
        local_backend.url,
        "oidc_client_credentials",
        "Service",
        client_id=SERVICE_CLIENT,
        client_secret=SERVICE_SECRET,
    )
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("✔"), timeout=20_000)
    assert "logged in as Service-Grid-Jobs-Service" in dialog.status.text()
    dialog.buttons.button(dialog.buttons.Ok).click()
    (saved,) = backends.connections
    assert load_secrets("oidc_client_credentials", saved.authcfg).client_secret == SERVICE_SECRET
    assert SERVICE_SECRET not in settings_text()


def test_provider_list_comes_from_the_back_end(backends, local_backend, oidc_provider, qtbot):
    dialog = backends.edit(None)
    fill_connection_dialog(dialog, local_backend.url, "oidc_device", "OIDC")
    dialog.url.editingFinished.emit()
    qtbot.waitUntil(lambda: dialog.provider.findText("loopback") >= 0, timeout=20_000)
    dialog.reject()


# --- OpenID Connect device login -------------------------------------------------------
def wait_for_code(dialog, qtbot):
    qtbot.waitUntil(lambda: bool(dialog.code.text()), timeout=20_000)
    return dialog.code.text()


def test_device_login_dialog(backends, local_backend, oidc_provider, auth_manager, qtbot):
    add_connection(local_backend.url, "OIDC", "oidc_device")
    backends.reload("OIDC")
    assert backends.buttons["login"].isEnabled()
    with qtbot.waitSignal(backends.dialog_opened) as opened:
        qtbot.mouseClick(backends.buttons["login"], Qt.MouseButton.LeftButton)
    dialog = opened.args[0]
    code = wait_for_code(dialog, qtbot)
    # link, code, copy, countdown
    assert f'href="{oidc_provider.issuer}/device?user_code={code}"' in dialog.instructions.text()
    qtbot.mouseClick(dialog.copy_button, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == code
    assert "left" in dialog.countdown.text()
    with qtbot.waitSignal(backends.logged_in, timeout=20_000) as done:
        oidc_provider.approve(code)
    assert done.args == ["OIDC", True]
    (saved,) = backends.connections
    config = QgsAuthMethodConfig()
    auth_manager.loadAuthenticationConfig(saved.authcfg, config, True)
    assert config.method() == OIDC_METHOD
    assert config.config("refresh_token").startswith("RT-")
    assert config.config("refresh_token") not in settings_text()


def test_device_login_cancelled(backends, local_backend, oidc_provider, qtbot):
    add_connection(local_backend.url, "OIDC", "oidc_device")
    backends.reload("OIDC")
    dialog = backends.log_in(backends.current())
    wait_for_code(dialog, qtbot)
    with qtbot.waitSignal(backends.logged_in) as done:
        dialog.reject()
    assert done.args == ["OIDC", False]
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=6000)  # the client stopped polling
    assert backends.connections[0].authcfg == ""


# --- runs from the dock with each login -------------------------------------------------
@pytest.fixture
def panel(jobs_panel, local_backend):
    return jobs_panel


def run_to_end(panel, qtbot, timeout=60_000):
    qtbot.waitUntil(panel.buttons.run.isEnabled, timeout=5000)  # back after the last run
    with qtbot.waitSignal(panel.run_finished, timeout=timeout) as finished:
        qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=5000)
    return finished.args[0]


def test_run_asks_for_login_once_then_never(panel, local_backend, oidc_provider, qtbot):
    """No refresh token yet: Run opens the login; after it, the run starts by itself.
    A new dock (QGIS restarted) runs from the stored token without asking."""
    add_connection(local_backend.url, "OIDC", "oidc_device", parallel_jobs=6)
    panel.backends.reload()
    with qtbot.waitSignal(panel.backends.dialog_opened) as opened:
        qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    dialog = opened.args[0]
    assert "Log in to OIDC first" in dialog.reason.text()
    with qtbot.waitSignal(panel.run_finished, timeout=60_000) as finished:
        oidc_provider.approve(wait_for_code(dialog, qtbot))
    assert finished.args[0] == {"finished": 6}

    fresh = JobsPanel(panel.iface)  # QGIS started again
    qtbot.addWidget(fresh)
    fresh.run_page.poll_interval.setValue(0.3)
    fresh.set_grid_layer(panel.layer)
    fresh.run_page.job_db.setFilePath(panel.job_db_path())
    opened_dialogs = []
    fresh.backends.dialog_opened.connect(opened_dialogs.append)
    assert run_to_end(fresh, qtbot) == {"finished": 6}
    assert opened_dialogs == []
    fresh.shutdown()


def test_revoked_login_leads_back_to_the_dialog(panel, local_backend, oidc_provider, qtbot):
    connection = add_connection(local_backend.url, "OIDC", "oidc_device")
    on_code = lambda prompt: oidc_provider.approve(prompt.user_code)  # noqa: E731
    tokens = []
    connection.config.connect(on_device_code=on_code, on_refresh_token=tokens.append)
    add_connection(
        local_backend.url,
        "OIDC",
        "oidc_device",
        Secrets(refresh_token=tokens[0].refresh_token, client_id=tokens[0].client_id),
    )
    oidc_provider.revoke_refresh_tokens()
    panel.backends.reload()
    with qtbot.waitSignal(panel.backends.dialog_opened, timeout=20_000) as opened:
        qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    assert "expired or was revoked: log in again" in opened.args[0].reason.text()
    opened.args[0].reject()


def test_long_run_outlives_access_tokens(panel, local_backend, oidc_provider, qtbot):
    """Access tokens live 1 s, the run lasts several: the client renews them on its own."""
    oidc_provider.access_ttl = 1.0
    local_backend.knobs(job_duration=1.5)
    connection = add_connection(local_backend.url, "OIDC", "oidc_device", parallel_jobs=2)
    tokens = []
    on_code = lambda prompt: oidc_provider.approve(prompt.user_code)  # noqa: E731
    connection.config.connect(on_device_code=on_code, on_refresh_token=tokens.append)
    secrets = Secrets(refresh_token=tokens[0].refresh_token, client_id=tokens[0].client_id)
    add_connection(local_backend.url, "OIDC", "oidc_device", secrets, parallel_jobs=2)
    panel.backends.reload()
    renewals = oidc_provider.grants.count("refresh_token")
    assert run_to_end(panel, qtbot) == {"finished": 6}
    assert oidc_provider.grants.count("refresh_token") - renewals >= 3


def test_two_back_ends_in_one_run(panel, local_backend, make_backend, qtbot):
    second = make_backend(job_duration=1.0, queue_time=0.2)
    add_connection(local_backend.url, "First", parallel_jobs=2)
    add_connection(second.url, "Second", parallel_jobs=2)
    add_connection("http://127.0.0.1:9", "Unticked", enabled=False)
    panel.backends.reload()
    assert run_to_end(panel, qtbot) == {"finished": 6}
    used = {f["backend"] for f in panel.layer.getFeatures()}
    assert used == {"First", "Second"}
    assert len(second.all_jobs()) >= 1


def test_missing_stored_login_is_reported(panel, desktop, local_backend, qtbot):
    add_connection(local_backend.url, "Local", "basic", Secrets())  # no secret stored
    panel.backends.reload()
    qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    warnings = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Warning)
    assert any("its login is not stored yet" in m for m in warnings), warnings
