"""A word when it matters: the run's end, its budget stopping launches, a login it
waits for; each said once, to the CLI's command and the dock's desktop notifier."""

from __future__ import annotations

import stat
import sys

from helpers.engine import run_request
from helpers.runs import small_grid
from openeo_grid_jobs.cli.main import main
from openeo_grid_jobs.core.engine.engine import RunEngine
from openeo_grid_jobs.core.engine.events import EventKind
from openeo_grid_jobs.core.engine.notifications import Notifier, NotifyReason

from devtools.local_backend.launcher import PASSWORD, USERNAME


def test_each_notification_is_sent_once_per_reason_and_subject():
    sent = []
    notifier = Notifier(sent.append)
    assert notifier.notify(NotifyReason.LOGIN, "cdse refused", "cdse")
    assert not notifier.notify(NotifyReason.LOGIN, "cdse refused again", "cdse")
    assert notifier.notify(NotifyReason.LOGIN, "vito refused", "vito")  # another back-end
    notifier.settled(NotifyReason.LOGIN, "cdse")  # cdse works again...
    assert notifier.notify(NotifyReason.LOGIN, "cdse refused later", "cdse")  # ...news again
    assert [n.message for n in sent] == ["cdse refused", "vito refused", "cdse refused later"]


def notifications(events: list[dict]) -> list[tuple[str, str]]:
    return [(e["reason"], e["message"]) for e in events if e["kind"] == EventKind.NOTIFY]


def test_a_run_stopped_by_its_budget_notifies_that_once_and_its_end_once(local_backend, tmp_path):
    """Each job costs 23 credits on the local back-end: under a cap of 30 one job runs,
    the other three are skipped."""
    request = run_request(tmp_path, local_backend.url, small_grid(2, 2))
    assert request.config is not None
    request.config.budget = 30.0
    events: list[dict] = []
    engine = RunEngine(request, events.append)
    engine.open()
    try:
        engine._login("local", "token revoked")  # as the run loop says it: once
        engine._login("local", "token revoked")
        ended = engine.run()
    finally:
        engine.close()
    assert ended["counts"] == {"finished": 1, "skipped": 3}
    said = notifications(events)
    assert [reason for reason, _ in said] == ["login", "budget", "ended"]
    assert "budget" in said[1][1].lower()
    assert said[2][1].startswith("Run jobs.csv done: 4 tiles: 1 finished, 3 failed")
    # the end is said before the engine's last word, so a viewer has it when it ends
    kinds = [e["kind"] for e in events]
    last_word = max(i for i, kind in enumerate(kinds) if kind == EventKind.NOTIFY)
    assert last_word < kinds.index(EventKind.ENDED)


def test_the_cli_runs_the_users_command_once_per_notification(local_backend, tmp_path, monkeypatch):
    log = tmp_path / "events.log"
    script = tmp_path / "on_event.py"
    script.write_text(
        "import os\n"
        f"with open({str(log)!r}, 'a') as f:\n"
        "    f.write(os.environ['OGJ_EVENT'] + '|' + os.environ['OGJ_JOB_DB'] + '\\n')\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    small_grid(2, 1).to_file(tmp_path / "grid.gpkg")
    monkeypatch.setenv("OPENEO_PASSWORD", PASSWORD)
    code = main(
        [
            "run",
            "--grid",
            str(tmp_path / "grid.gpkg"),
            "--job-db",
            str(tmp_path / "jobs.csv"),
            "--backend",
            local_backend.url,
            "--username",
            USERNAME,
            "--start",
            "2024-05-01",
            "--end",
            "2024-08-01",
            "--poll-interval",
            "0.3",
            "--on-event",
            f"{sys.executable} {script}",
        ]
    )
    assert code == 0
    import threading

    for thread in threading.enumerate():  # the command runs on a thread of its own
        if thread.name == "ogj-on-event":
            thread.join(30)
    assert log.read_text().splitlines() == [f"ended|{tmp_path / 'jobs.csv'}"]


def test_the_dock_notifies_the_desktop_once_when_its_run_ends(
    jobs_panel, local_backend, qtbot, monkeypatch
):
    """No notification area here (offscreen): what the notifier is asked to show is
    recorded instead of a tray icon's balloon."""
    from helpers.connections import add_connection
    from openeo_grid_jobs.ui.run.desktop_notify import DesktopNotifier, notify_title
    from qgis.PyQt.QtCore import Qt

    assert DesktopNotifier().show("ended", "offscreen") is False  # no tray: the bar says it
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(
        jobs_panel.desktop_notifier, "show", lambda reason, text: shown.append((reason, text))
    )
    add_connection(local_backend.url, "Local", parallel_jobs=6)
    jobs_panel.backends.reload()
    with qtbot.waitSignal(jobs_panel.run_finished, timeout=60_000):
        qtbot.mouseClick(jobs_panel.buttons.run, Qt.MouseButton.LeftButton)
    assert len(shown) == 1  # said before the end, in the engine's order
    reason, text = shown[0]
    assert reason == "ended"
    assert text.startswith("Run jobs.csv done: 6 tiles: 6 finished")
    assert notify_title(reason) == "openEO run ended"
