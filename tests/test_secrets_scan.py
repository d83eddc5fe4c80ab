"""No secret leaks: after logging in every way and running jobs, scan everything we wrote.

Secrets: the basic-auth password and the back-end's basic access token, a service
account's client secret, and every access and refresh token the (fake, loopback)
OpenID Connect provider issued. Places: the run engine's process (its command line
and environment, read from /proc while it runs: the secrets reach it over a pipe),
QgsSettings, the saved project, the QGIS message log, Python logging,
stdout/stderr, the job database, its run settings, the engine's log and the
downloaded results, the run channels' folder, and the openeo client's own token
file (must not exist).
The QGIS authentication database holds them, encrypted: not in plain text either.
"""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

import openeo
import pytest
from helpers.connections import add_connection, clear_connections, fill_connection_dialog
from helpers.fake_oidc import SERVICE_CLIENT, SERVICE_SECRET
from helpers.runs import small_grid
from openeo_grid_jobs.core.engine.channel import private_dir
from openeo_grid_jobs.core.grid.grid import build_grid
from openeo_grid_jobs.core.jobs.db_lock import lock_state
from openeo_grid_jobs.ui.adapters.grid_layer import create_grid_layer
from openeo_grid_jobs.ui.adapters.status_style import apply_status_style
from openeo_grid_jobs.ui.widgets.jobs_panel import JobsPanel
from qgis.core import QgsApplication, QgsProject, QgsSettings
from qgis.PyQt.QtCore import Qt

from devtools.local_backend.launcher import PASSWORD, USERNAME


@pytest.fixture
def no_client_token_file(tmp_path, monkeypatch):
    data = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.setenv("OPENEO_CONFIG_HOME", str(tmp_path / "openeo-config"))
    return data


def test_no_secret_anywhere_after_logins_and_a_run(
    desktop,
    auth_manager,
    local_backend,
    oidc_provider,
    qgis_new_project,
    tmp_path,
    qtbot,
    caplog,
    capfd,
    no_client_token_file,
):
    caplog.set_level(logging.DEBUG)
    log: list[str] = []
    QgsApplication.messageLog().messageReceived.connect(lambda m, *_: log.append(m))
    clear_connections()
    work = tmp_path / "work"
    work.mkdir()

    panel = JobsPanel(desktop.iface)
    qtbot.addWidget(panel)
    widget = panel.backends

    # 1. basic and service-account connections, typed into the dialog and tested
    for name, method, typed in (
        ("Basic", "basic", {"username": USERNAME, "password": PASSWORD}),
        (
            "Service",
            "oidc_client_credentials",
            {"client_id": SERVICE_CLIENT, "client_secret": SERVICE_SECRET},
        ),
    ):
        dialog = widget.edit(None)
        fill_connection_dialog(dialog, local_backend.url, method, name, **typed)
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda d=dialog: d.status.text().startswith("✔"), timeout=20_000)
        dialog.buttons.button(dialog.buttons.Ok).click()

    # 2. an OpenID Connect connection: Run asks for the login, then runs on all three
    add_connection(local_backend.url, "OIDC", "oidc_device")
    widget.reload()
    assert len(widget.enabled_connections()) == 3
    tiles = small_grid(3, 2)
    layer = create_grid_layer(build_grid(tuple(tiles.total_bounds), "EPSG:32631", 5000))
    QgsProject.instance().addMapLayer(layer)
    apply_status_style(layer)
    panel.set_grid_layer(layer)
    panel.run_page.poll_interval.setValue(0.3)
    panel.run_page.job_db.setFilePath(str(work / "jobs.csv"))
    with qtbot.waitSignal(widget.dialog_opened) as opened:
        qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    login = opened.args[0]
    qtbot.waitUntil(lambda: bool(login.code.text()), timeout=20_000)
    engine: dict[str, str] = {}

    def engine_process() -> bool:
        """The run's engine process (while it runs): its command line and environment."""
        state = lock_state(work / "jobs.csv")
        if not state.held:
            return False
        proc = Path("/proc") / str(state.info["pid"])
        engine["command line"] = (proc / "cmdline").read_bytes().decode("latin-1")
        engine["environment"] = (proc / "environ").read_bytes().decode("latin-1")
        return True

    with qtbot.waitSignal(panel.run_finished, timeout=60_000) as finished:
        oidc_provider.approve(login.code.text())
        qtbot.waitUntil(engine_process, timeout=30_000)
    assert finished.args[0] == {"finished": 6}
    assert ".core.engine.host" in engine["command line"]
    assert {f["backend"] for f in layer.getFeatures()} <= {"Basic", "Service", "OIDC"}
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=5000)
    panel.shutdown()

    # 3. the project is saved, with the grid layer
    project_file = work / "project.qgz"
    assert QgsProject.instance().write(str(project_file))

    # --- the scan ---
    basic_token = openeo.connect(local_backend.url).authenticate_basic(USERNAME, PASSWORD)
    secrets = {PASSWORD, SERVICE_SECRET, basic_token.auth.bearer.split("/")[-1]}
    secrets |= set(oidc_provider.issued_secrets)
    assert any(s.startswith("RT-") for s in secrets)  # a refresh token was issued and kept
    places = {
        **{f"engine process: {k}": v for k, v in engine.items()},
        "QgsSettings": Path(QgsSettings().fileName()).read_text(errors="replace"),
        "QGIS log": "\n".join(log),
        "Python logging": caplog.text,
        "stdout/stderr": "".join(capfd.readouterr()),
    }
    with zipfile.ZipFile(project_file) as project:
        for name in project.namelist():
            places[f"project: {name}"] = project.read(name).decode("latin-1")
    written = [p for p in work.rglob("*") if p.is_file()]
    assert {"jobs.csv", "jobs.csv.run.json", "jobs.csv.engine.log"} <= {p.name for p in written}
    for path in private_dir().rglob("*"):  # the run channels' folder
        if path.is_file():
            places[f"channels: {path.name}"] = path.read_bytes().decode("latin-1")
    assert sum(p.suffix == ".nc" for p in written) == 6  # the results were downloaded
    for path in written:
        places[str(path.relative_to(work))] = path.read_bytes().decode("latin-1")
    leaks = [(place, s[:6]) for place, text in places.items() for s in secrets if s in text]
    assert leaks == []
    assert not [p for p in no_client_token_file.rglob("*") if p.is_file()]
    auth_db = Path(auth_manager.authenticationDatabasePath()).read_bytes()
    assert PASSWORD.encode() not in auth_db
    assert SERVICE_SECRET.encode() not in auth_db
