"""The dock as one viewer of a run that lives in its own process.

A run started in a terminal is watched and stopped from the dock; two docks watch
one run; the dock detaches and attaches again and again and its layer ends equal
to the job table; an engine killed mid-run is shown as not running and resumed;
a login the provider revoked mid-run is renewed through the dock's login dialog
while the run goes on, and a refresh token the run renewed lands in the auth
manager. Real QGIS layers, real engine processes, the local back-end (and the
loopback OpenID Connect stand-in).
"""

from __future__ import annotations

import os
import signal

import pytest
from helpers.connections import add_connection
from helpers.runs import assert_one_job_per_tile
from openeo_grid_jobs.core.backends.backend import Secrets
from openeo_grid_jobs.core.engine.launch import engine_state
from openeo_grid_jobs.core.jobs.database import JobDatabase
from openeo_grid_jobs.core.jobs.db_lock import lock_state
from openeo_grid_jobs.ui.widgets.jobs_panel import JobsPanel
from qgis.core import Qgis
from qgis.PyQt.QtCore import Qt

RUN_TIMEOUT_MS = 90_000


@pytest.fixture
def panel(jobs_panel, local_backend):
    add_connection(local_backend.url, "Local", parallel_jobs=2)
    jobs_panel.backends.reload()
    return jobs_panel


def statuses(layer) -> dict[str, str]:
    return {str(f["tile_id"]): f["status"] for f in layer.getFeatures()}


def table_statuses(path) -> dict[str, str]:
    table = JobDatabase(path).read()
    return dict(zip(table["tile_id"], table["status"]))


def test_the_dock_watches_and_stops_a_run_started_in_a_terminal(
    panel, desktop, local_backend, qtbot, tmp_path
):
    from tests.cli.test_run import TEMPLATE, make_grid, run_cli

    local_backend.knobs(job_duration=2.0)
    db = tmp_path / "cli.csv"
    cli = run_cli(
        *("--grid", str(make_grid(tmp_path)), "--job-db", str(db)),
        *("--backend", local_backend.url, "--username", "alice", *TEMPLATE),
    )
    qtbot.waitUntil(lambda: engine_state(db).live and db.exists(), timeout=60_000)
    with qtbot.waitSignal(panel.job_db_opened, timeout=20_000) as opened:
        panel.open_job_db(str(db))
    layer = opened.args[0]
    qtbot.waitUntil(panel.is_running, timeout=10_000)
    assert "Tracking the run" in panel.status.tracking_label.text()
    assert panel.buttons.stop.isEnabled()
    assert not panel.buttons.run.isEnabled()
    qtbot.waitUntil(lambda: "running" in statuses(layer).values(), timeout=60_000)
    with qtbot.waitSignal(panel.run_finished, timeout=30_000):
        qtbot.mouseClick(panel.buttons.stop, Qt.MouseButton.LeftButton)
    _, err = cli.communicate(timeout=30)
    assert cli.returncode == 5, err  # stopped from QGIS
    assert statuses(layer) == table_statuses(db)
    assert "Not tracking since" in panel.status.tracking_label.text()
    assert_one_job_per_tile([local_backend], JobDatabase(db).read())


def test_two_docks_watch_one_run(panel, grid_layer, desktop, local_backend, qtbot):
    local_backend.knobs(job_duration=2.0)  # long enough for the second dock to attach
    # each dock's end is recorded from its start: the run may end while the second
    # dock is still attaching (a wait begun after that would miss it)
    ends: dict[str, list] = {"first": [], "second": []}
    panel.run_finished.connect(ends["first"].append)
    qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: engine_state(panel.job_db_path()).live, timeout=30_000)
    other = JobsPanel(desktop.iface)  # a second QGIS window on the same project
    qtbot.addWidget(other)
    other.run_finished.connect(ends["second"].append)
    try:
        bar = desktop.iface.messageBar()
        with qtbot.waitSignal(other.job_db_opened, timeout=20_000, raising=False) as opened:
            other.open_job_db(panel.job_db_path())
        assert opened.signal_triggered, [bar.get_messages(level) for level in range(4)]
        qtbot.waitUntil(other.is_running, timeout=10_000)  # watching it live
        qtbot.waitUntil(lambda: all(ends.values()), timeout=RUN_TIMEOUT_MS)
        # (an empty count: the run's end was not seen; the message bar says why)
        said = [bar.get_messages(level) for level in range(4)]
        assert ends["first"] == ends["second"] == [{"finished": 6}], said
        assert "finished 6" in other.status.counts_label.text()
        assert "Run complete" in other.status.tracking_label.text()
    finally:
        other.shutdown()
    assert_one_job_per_tile([local_backend], JobDatabase(panel.job_db_path()).read())


@pytest.mark.parametrize("how", ["ends", "is killed"])
def test_a_run_that_ends_as_a_dock_gets_in(panel, grid_layer, desktop, local_backend, qtbot, how):
    """A dock that gets to a run in the instant between its engine closing its channel
    and letting go of its job database: a run that ended is shown complete, as its
    job table says (not as an engine that stopped); one killed there as stopped."""
    import subprocess
    import sys

    local_backend.knobs(job_duration=0.3)
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS):
        qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    job_db = panel.job_db_path()
    # the engine's last moment: its channel closed, the job database still held
    engine = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, job_db], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert engine.stdout.readline() == b"held\n"
    other = JobsPanel(desktop.iface)  # a second QGIS window on the same project
    qtbot.addWidget(other)
    ends: list[dict] = []
    other.run_finished.connect(ends.append)
    try:
        with qtbot.waitSignal(other.job_db_opened, timeout=20_000):
            other.open_job_db(job_db)
        assert other.is_running()  # held: taken as going on, watched once it lets in
        if how == "ends":
            engine.communicate(b"")  # lets go of the lock and exits
        else:
            engine.kill()  # SIGKILL: the lock file keeps its holder
            engine.wait()
        qtbot.waitUntil(lambda: bool(ends), timeout=10_000)
        tracking = other.status.tracking_label.text()
        if how == "ends":
            assert ends == [{"finished": 6}]
            assert "Run complete" in tracking
            assert "finished 6" in other.status.counts_label.text()
        else:
            assert ends == [{}]
            assert "Not running since" in tracking
    finally:
        other.shutdown()
        engine.kill()
    assert_one_job_per_tile([local_backend], JobDatabase(job_db).read())


#: a process that holds a job database's lock, as a run's engine does, until its stdin
#: is closed
HOLD_LOCK = """
import sys
from openeo_grid_jobs.core.jobs.db_lock import JobDatabaseLock
lock = JobDatabaseLock(sys.argv[1], "openeo-grid-jobs engine").acquire()
print("held", flush=True)
sys.stdin.read()
lock.release()
"""


def test_detach_and_attach_ten_times(panel, grid_layer, local_backend, qtbot):
    """The dock lets go of the run and takes it up again ten times while it goes on:
    each time it is shown what it missed, and at the end the layer is the job table."""
    local_backend.knobs(job_duration=1.5)
    job_db = panel.job_db_path()
    qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: engine_state(job_db).live, timeout=30_000)
    for _ in range(10):
        panel.detach()
        assert engine_state(job_db).live, "detaching does not stop the run"
        qtbot.wait(200)
        assert panel.start_run()  # Run on a grid whose run goes on: watch it again
        qtbot.waitUntil(panel.is_running, timeout=5000)
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS) as ended:
        pass
    assert ended.args[0] == {"finished": 6}
    assert statuses(grid_layer) == table_statuses(job_db)
    assert_one_job_per_tile([local_backend], JobDatabase(job_db).read())


def test_a_killed_engine_is_shown_and_run_resumes_it(panel, grid_layer, local_backend, qtbot):
    local_backend.knobs(job_duration=2.0)
    job_db = panel.job_db_path()
    qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "running" in statuses(grid_layer).values(), timeout=30_000)
    with qtbot.waitSignal(panel.run_finished, timeout=10_000) as lost:
        os.kill(lock_state(job_db).info["pid"], signal.SIGKILL)
    assert lost.args[0] == {}
    assert "Not running since" in panel.status.tracking_label.text()
    assert "Run to resume" in panel.status.tracking_label.text()
    assert panel.buttons.run.isEnabled()
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS) as resumed:
        qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    assert resumed.args[0] == {"finished": 6}
    assert_one_job_per_tile([local_backend], JobDatabase(job_db).read())


def oidc_connection(local_backend, oidc_provider):
    """An OpenID Connect connection whose login (a refresh token) is stored."""
    connection = add_connection(local_backend.url, "OIDC", "oidc_device", parallel_jobs=2)
    tokens = []
    approve = lambda prompt: oidc_provider.approve(prompt.user_code)  # noqa: E731
    connection.config.connect(on_device_code=approve, on_refresh_token=tokens.append)
    secrets = Secrets(refresh_token=tokens[0].refresh_token, client_id=tokens[0].client_id)
    return add_connection(local_backend.url, "OIDC", "oidc_device", secrets, parallel_jobs=2)


def test_a_revoked_login_is_renewed_through_the_dock(
    jobs_panel, desktop, grid_layer, local_backend, oidc_provider, qtbot
):
    """The provider revokes the login mid-run: the run goes on waiting (nothing fails),
    the dock asks for the login, hands it over, and the run finishes."""
    panel = jobs_panel
    oidc_connection(local_backend, oidc_provider)
    panel.backends.reload()
    local_backend.knobs(job_duration=2.0)
    qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "running" in statuses(grid_layer).values(), timeout=30_000)
    with qtbot.waitSignal(panel.backends.dialog_opened, timeout=30_000) as opened:
        oidc_provider.revoke_refresh_tokens()
        oidc_provider.expire_access_tokens()
    dialog = opened.args[0]
    assert "expired or was revoked" in dialog.reason.text()
    assert panel.is_running(), "the run waits for the login, it does not end"
    warnings = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Warning)
    assert any("refused the run's login" in m for m in warnings), warnings
    qtbot.waitUntil(lambda: bool(dialog.code.text()), timeout=20_000)
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS) as ended:
        oidc_provider.approve(dialog.code.text())
    assert ended.args[0] == {"finished": 6}
    infos = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Info)
    assert any("Logged in to OIDC again" in m for m in infos), infos
    assert_one_job_per_tile([local_backend], JobDatabase(panel.job_db_path()).read())


def test_a_refresh_token_the_run_renewed_is_stored_by_the_dock(
    jobs_panel, grid_layer, local_backend, oidc_provider, qtbot
):
    """The provider rotates refresh tokens: the run's engine gets a new one, the old one
    dies; the dock stores the new one, so the next run logs in without asking."""
    from openeo_grid_jobs.ui.adapters.auth_store import load_secrets

    panel = jobs_panel
    oidc_provider.rotate_refresh_tokens = True
    connection = oidc_connection(local_backend, oidc_provider)
    panel.backends.reload()
    before = load_secrets("oidc_device", connection.authcfg).refresh_token
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS) as ended:
        qtbot.mouseClick(panel.buttons.run, Qt.MouseButton.LeftButton)
    assert ended.args[0] == {"finished": 6}
    (stored,) = [c for c in panel.backends.connections if c.name == "OIDC"]
    after = load_secrets("oidc_device", stored.authcfg).refresh_token
    assert after != before
    opened = []
    panel.backends.dialog_opened.connect(opened.append)
    with qtbot.waitSignal(panel.run_finished, timeout=RUN_TIMEOUT_MS) as again:
        panel.start_run(retry_failed=True)
    assert again.args[0] == {"finished": 6}
    assert opened == [], "the renewed token logs in: no dialog"
