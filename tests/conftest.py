"""Shared fixtures and the markers. pytest-qgis starts a QgsApplication (offscreen) for the
session; ``-p no:pytest_qgis`` leaves it out, for a run of tests that need no QGIS (the
fast tests, docs/development.md: ``-m "not qgis and not backend and not desktop and not
slow"``).
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import signal
import sys
import time
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/helpers importable
sys.path.insert(0, str(REPO_ROOT))  # devtools importable

# The tests run in a venv over Debian's pyproj, whose sys.prefix has no PROJ data
# (inside QGIS, sys.prefix is /usr and it does). pyproj 3.4 (Debian 12) let PROJ fall
# back to /usr/share/proj; pyproj 3.7 (Debian 13, QGIS 3.40) raises DataDirError on
# the first CRS. Point it at the data as the CLI does (test_cli_grid checks that
# helper itself in child processes without these variables).
from openeo_grid_jobs.core.grid.proj_data import ensure_proj_data  # noqa: E402

ensure_proj_data()

MASTER_PASSWORD = "tests-master-password"


TESTS_DIR = Path(__file__).resolve().parent
#: fixtures (directly or through others) that need the local back-end, or QGIS beyond
#: what every test gets (pytest-qgis's application, and its iface through its autouse
#: qgis_show_map)
BACKEND_FIXTURES = {"_backend_process", "local_backend", "connection", "make_backend"}
QGIS_FIXTURES = {
    "qgis_new_project",
    "qgis_canvas",
    "qgis_bot",
    "qtbot",
    "desktop",
    "auth_manager",
    "saved_local",
    "grid_layer",
    "jobs_panel",
    "qgis_processing",
}
QGIS_FOLDERS = {"ui", "processing", "desktop"}
#: the local back-end's own tests and the fault proxy's start back-ends of their own
BACKEND_FOLDERS = {"devtools", "faults"}
#: a test file that imports QGIS, the plugin's QGIS side, or runs qgis_process
QGIS_SOURCE = re.compile(
    r"\b(from|import) qgis\b|openeo_grid_jobs\.(ui|processing_provider|plugin)\b"
    r"|from openeo_grid_jobs import classFactory|which\(\"qgis_process"
)
#: the command line's tests run the command (a process per test, or its entry point)
SLOW_FOLDERS = {"cli"}
#: a test file that starts processes: scripts, scanners, the CLI, the run's engine
SLOW_SOURCE = re.compile(r"\bsubprocess\b|\bPopen\b|\bhelpers\.cli\b|\blaunch_engine\b")


@functools.cache
def _source_matches(path: Path, pattern: re.Pattern[str]) -> bool:
    return bool(pattern.search(path.read_text(encoding="utf-8")))


def _file_needs_qgis(path: Path) -> bool:
    """Every test of the file needs QGIS: by its folder, or by what its source imports."""
    return path.relative_to(TESTS_DIR).parts[0] in QGIS_FOLDERS or _source_matches(
        path, QGIS_SOURCE
    )


def _without_qgis(config) -> bool:
    """``-p no:pytest_qgis``: no QGIS in this run, and no test that needs it."""
    return not config.pluginmanager.has_plugin("pytest_qgis")


def pytest_addoption(parser, pluginmanager):
    if not pluginmanager.has_plugin("pytest_qgis"):  # its ini key, in pyproject.toml
        parser.addini("qgis_gui_enabled", "pytest-qgis's (left out of this run)", type="bool")


def pytest_ignore_collect(collection_path, config):
    """Without pytest-qgis, a test file that needs QGIS is not even imported (it imports
    QGIS, or the plugin's QGIS side)."""
    if not _without_qgis(config) or TESTS_DIR not in collection_path.parents:
        return None
    if collection_path.relative_to(TESTS_DIR).parts[0] in QGIS_FOLDERS:
        return True
    if collection_path.name.startswith("test_") and collection_path.suffix == ".py":
        return _file_needs_qgis(collection_path) or None
    return None


def pytest_collection_modifyitems(config, items):
    """Markers ``qgis``, ``backend``, ``desktop`` and ``slow`` from where a test is and
    what it uses."""
    for item in items:
        path = Path(item.path)
        folder = path.relative_to(TESTS_DIR).parts[0]
        fixtures = set(item.fixturenames)
        if folder in BACKEND_FOLDERS or fixtures & BACKEND_FIXTURES:
            item.add_marker(pytest.mark.backend)
        if _file_needs_qgis(path) or fixtures & QGIS_FIXTURES:
            item.add_marker(pytest.mark.qgis)
        if folder == "desktop":
            item.add_marker(pytest.mark.desktop)
        if folder in SLOW_FOLDERS or _source_matches(path, SLOW_SOURCE):
            item.add_marker(pytest.mark.slow)


def pytest_collection_finish(session):
    """Without pytest-qgis, no selected test needs QGIS and no collected file imported it."""
    if not _without_qgis(session.config):
        return
    needing = [item.nodeid for item in session.items if item.get_closest_marker("qgis")]
    if needing:
        raise pytest.UsageError(
            f"{len(needing)} selected tests need QGIS (marker qgis), which -p no:pytest_qgis "
            f"leaves out, e.g. {needing[0]}: add -m 'not qgis'"
        )
    if "qgis" in sys.modules:
        raise pytest.UsageError(
            "A collected test file imported QGIS without being marked qgis (tests/conftest.py)"
        )


@pytest.fixture(scope="session", autouse=True)
def _english(request):
    """QGIS in English for every test that needs it, whatever the machine's language: the
    plugin follows QGIS's locale, and the tests read its texts (tests/test_i18n.py
    switches it on purpose, and back). Set before any test when one of the session's
    tests needs QGIS; a session of pure tests asks nothing of QGIS."""
    if not any(item.get_closest_marker("qgis") for item in request.session.items):
        return
    request.getfixturevalue("qgis_app")
    from qgis.core import QgsSettings

    settings = QgsSettings()
    settings.setValue("locale/overrideFlag", True)
    settings.setValue("locale/userLocale", "en_US")


@pytest.fixture(autouse=True)
def _one_date_range(request):
    """Every test that needs QGIS starts its Job tab with the default dates, one date
    range, the NDVI mean without parameters, and sends bounding boxes: a run saves these
    in the settings, which outlive the test (and the session)."""
    if request.node.get_closest_marker("qgis") is None:
        return
    from openeo_grid_jobs.ui.adapters.settings import FORM_KEYS

    keys = ("start", "end", "windows_mode", "windows_step", "windows_days", "windows_list")
    process = ("process", "graph_file", "udp_id", "parameters")
    for key in (*keys, *process, "extent"):
        FORM_KEYS[key].remove()


@pytest.fixture(autouse=True)
def _no_qgis_without_pytest_qgis(request):
    """Without pytest-qgis, a test that imports QGIS (itself or through a helper) fails,
    named: it needs the marker ``qgis`` (its folder, a fixture or its imports above)."""
    yield
    if _without_qgis(request.config) and "qgis" in sys.modules:
        pytest.fail(f"QGIS was imported by {request.node.nodeid}: it needs the marker qgis")


@pytest.fixture(scope="session")
def auth_manager(qgis_app):
    """QGIS's authentication manager, emptied and unlocked with the session's master password.

    Its database is in pytest-qgis's scratch profile (``.qgis-settings``), never the
    user's; it starts empty in every run.
    """
    from qgis.core import QgsApplication

    manager = QgsApplication.authManager()
    assert ".qgis-settings" in manager.authenticationDatabasePath()
    if not manager.setMasterPassword(MASTER_PASSWORD, True):  # set by someone else: start anew
        path = manager.authenticationDatabasePath()
        Path(path).unlink()
        assert manager.init(QgsApplication.pluginPath(), path)
        assert manager.setMasterPassword(MASTER_PASSWORD, True)
    assert manager.removeAllAuthenticationConfigs()
    return manager


@pytest.fixture
def desktop(qgis_iface):
    """pytest-qgis's iface with a real main window, Web toolbar, Web menu and docks.

    The stub's addWebToolBarIcon/addDockWidget are no-ops; these stand-ins put
    the plugin's widgets where QGIS would, so tests check real Qt objects.
    """
    from helpers.desktop import StubDesktop

    stub = StubDesktop(qgis_iface)
    yield stub
    stub.close()


BACKEND_DEFAULTS = {
    "job_duration": 1.0,
    "jitter": 0.0,
    "queue_time": 0.2,
    "error_fraction": 0.0,
    "error_titles": [],
    "max_running": 0,
    "max_active": 0,
    "max_queued": 0,
    "hang_created_titles": [],
    "hang_running_titles": [],
    "max_page_size": 0,
    "reject_titles": [],
    "reject_status": 400,
}


@pytest.fixture(scope="session")
def _oidc_provider():
    from helpers.fake_oidc import FakeOidcProvider

    provider = FakeOidcProvider()
    yield provider
    provider.stop()


@pytest.fixture
def oidc_provider(_oidc_provider):
    """The fake OpenID Connect provider (a stand-in: no real one can run here) of the
    session's back-end, with default token lifetimes for every test."""
    _oidc_provider.access_ttl = 300.0
    _oidc_provider.rotate_refresh_tokens = False
    yield _oidc_provider
    _oidc_provider.access_ttl = 300.0
    _oidc_provider.rotate_refresh_tokens = False


@pytest.fixture(scope="session")
def _backend_process(_oidc_provider):
    from devtools.local_backend.launcher import LocalBackend

    # knobs with a command-line flag; the others are set per test at run time
    flags = ("job_duration", "jitter", "queue_time", "error_fraction", "max_running")
    launch = {k: BACKEND_DEFAULTS[k] for k in flags}
    with LocalBackend(oidc_issuer=_oidc_provider.issuer, **launch) as b:
        yield b


@pytest.fixture
def local_backend(_backend_process):
    """The session's local openEO back-end, its knobs reset for every test."""
    _backend_process.knobs(**BACKEND_DEFAULTS)
    yield _backend_process
    _backend_process.knobs(**BACKEND_DEFAULTS)


@pytest.fixture
def connection(local_backend):
    """An openeo client connection to the local back-end, logged in as the test user."""
    import openeo

    from devtools.local_backend.launcher import PASSWORD, USERNAME

    return openeo.connect(local_backend.url).authenticate_basic(USERNAME, PASSWORD)


@pytest.fixture
def make_backend():
    """Start extra local back-ends (e.g. a second one, or one with state on disk)."""
    from devtools.local_backend.launcher import LocalBackend

    started = []

    def start(**options):
        backend = LocalBackend(**options)
        started.append(backend)
        return backend

    yield start
    for backend in started:
        backend.stop()


@pytest.fixture
def saved_local(auth_manager, local_backend):
    """A connection 'Local' saved as the dock saves it: its login in the QGIS auth database."""
    from helpers.connections import add_connection, clear_connections

    clear_connections()
    add_connection(local_backend.url, name="Local", parallel_jobs=3)
    yield "Local"
    clear_connections()


@pytest.fixture
def grid_layer(qgis_new_project):
    """A 3 x 2 grid of 5 km tiles over Antwerp, on the map, styled by status."""
    from helpers.runs import small_grid
    from openeo_grid_jobs.core.grid.grid import build_grid
    from openeo_grid_jobs.ui.adapters.grid_layer import create_grid_layer
    from openeo_grid_jobs.ui.adapters.status_style import apply_status_style
    from qgis.core import QgsProject

    tiles = small_grid(3, 2)
    layer = create_grid_layer(build_grid(tuple(tiles.total_bounds), "EPSG:32631", 5000))
    QgsProject.instance().addMapLayer(layer)
    apply_status_style(layer)
    return layer


@pytest.fixture
def jobs_panel(desktop, auth_manager, grid_layer, tmp_path, qtbot):
    """The dock's Jobs panel on ``grid_layer``, polling fast, with no saved back-end yet."""
    from helpers.connections import clear_connections
    from openeo_grid_jobs.ui.widgets.jobs_panel import JobsPanel

    desktop.iface.messageBar().clear_messages()
    clear_connections()
    panel = JobsPanel(desktop.iface)
    qtbot.addWidget(panel)
    panel.run_page.poll_interval.setValue(0.3)
    panel.set_grid_layer(grid_layer)
    panel.run_page.job_db.setFilePath(str(tmp_path / "jobs.csv"))
    yield panel
    panel.shutdown()


def _engines_of_this_session() -> list[int]:
    """Run engine processes this pytest started (its children running engine.host)."""
    me, found = os.getpid(), []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            stat = (proc / "stat").read_text()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == me and b".engine.host'" in cmdline:
            found.append(int(proc.name))
    return found


@pytest.fixture(autouse=True)
def _engines_end_with_their_test():
    """A run's engine outlives whoever started it, by design: one a test leaves going is
    stopped after it (SIGTERM, as Stop), so that it does not load the machine or keep
    polling for the tests that follow."""
    yield
    if not sys.platform.startswith("linux"):
        return
    left = _engines_of_this_session()
    for pid in left:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [pid for pid in left if Path(f"/proc/{pid}").exists() and _running(pid)]
    for pid in left:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def _running(pid: int) -> bool:
    try:
        return (Path(f"/proc/{pid}") / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
