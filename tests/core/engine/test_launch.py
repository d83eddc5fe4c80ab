"""Starting the engine: which interpreter runs it, and who may talk to it.

Interpreter discovery is checked against the layouts QGIS installs in on Windows
(OSGeo4W, the standalone installer), macOS (the app bundle) and Linux (a
distribution's QGIS, seen with a pyenv shim first on PATH): files that exist are
given by ``exists``, nothing else is faked. The channel's privacy is checked on
the real folder and socket.
"""

from __future__ import annotations

import os
import stat

import pytest
from helpers.engine import Viewer, run_request
from openeo_grid_jobs.core.engine.channel import ChannelError, channel_address, private_dir
from openeo_grid_jobs.core.engine.events import Command
from openeo_grid_jobs.core.engine.launch import (
    ENGINE_NICENESS,
    EngineLaunchError,
    find_python,
    launch_engine,
)


def only(*paths: str):
    return lambda path: path in paths


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        (  # OSGeo4W: QGIS is bin\qgis-bin.exe, Python in apps\Python312
            dict(
                executable=r"C:\OSGeo4W\bin\qgis-bin.exe",
                prefix=r"C:\OSGeo4W\apps\Python312",
                exec_prefix=r"C:\OSGeo4W\apps\Python312",
                platform="win32",
                version=(3, 12),
            ),
            r"C:\OSGeo4W\apps\Python312\python.exe",
        ),
        (  # the standalone installer: the same tree under Program Files, the LTR binary
            dict(
                executable=r"C:\Program Files\QGIS 3.44.16\bin\qgis-ltr-bin.exe",
                prefix="",
                exec_prefix="",
                platform="win32",
                version=(3, 12),
            ),
            r"C:\Program Files\QGIS 3.44.16\apps\Python312\python.exe",
        ),
        (  # macOS: the app bundle's QGIS binary; Python beside it in MacOS/bin
            dict(
                executable="/Applications/QGIS-LTR.app/Contents/MacOS/QGIS",
                prefix="/Applications/QGIS-LTR.app/Contents/Frameworks",
                exec_prefix="/Applications/QGIS-LTR.app/Contents/Frameworks",
                platform="darwin",
                version=(3, 9),
            ),
            "/Applications/QGIS-LTR.app/Contents/MacOS/bin/python3",
        ),
        (  # Debian's QGIS: sys.executable is the first python3 on PATH (a pyenv shim)
            dict(
                executable="/root/.pyenv/shims/python3",
                prefix="/usr",
                exec_prefix="/usr",
                platform="linux",
                version=(3, 11),
            ),
            "/usr/bin/python3.11",
        ),
        (  # qgis_process: the same, whatever its own name
            dict(
                executable="/usr/bin/qgis_process.bin",
                prefix="/usr",
                exec_prefix="/usr",
                platform="linux",
                version=(3, 13),
            ),
            "/usr/bin/python3.13",
        ),
        (  # a virtualenv (the tests): its own python
            dict(
                executable="/work/.venv/bin/python",
                prefix="/work/.venv",
                exec_prefix="/work/.venv",
                platform="linux",
                version=(3, 11),
            ),
            "/work/.venv/bin/python",
        ),
    ],
    ids=["osgeo4w", "windows-installer", "macos-app", "linux-pyenv-shim", "qgis_process", "venv"],
)
def test_the_interpreter_of_qgis_is_found(layout, expected):
    present = {
        r"C:\OSGeo4W\apps\Python312\python.exe",
        r"C:\Program Files\QGIS 3.44.16\apps\Python312\python.exe",
        "/Applications/QGIS-LTR.app/Contents/MacOS/bin/python3",
        "/root/.pyenv/shims/python3",  # exists, and is not QGIS's
        "/usr/bin/python3.11",
        "/usr/bin/python3.13",
        "/work/.venv/bin/python",
    }
    assert find_python(**layout, exists=present.__contains__) == expected


def test_no_interpreter_is_said_with_where_it_looked():
    with pytest.raises(EngineLaunchError, match=r"python\.exe"):
        find_python(
            executable=r"D:\QGIS\bin\qgis-bin.exe",
            prefix=r"D:\QGIS\apps\Python312",
            exec_prefix=r"D:\QGIS\apps\Python312",
            platform="win32",
            version=(3, 12),
            exists=lambda path: False,
        )


def test_this_interpreter_is_found_for_real():
    import sys

    assert os.path.samefile(find_python(), sys.executable)


def test_the_channel_is_private(local_backend, tmp_path):
    """A folder only this user enters, a socket only this user opens."""
    request = run_request(tmp_path, local_backend.url)
    launch_engine(request)
    viewer = Viewer(request.job_db)
    try:
        folder = private_dir()
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert folder.stat().st_uid == os.getuid()
        socket_file = channel_address(request.job_db)
        assert stat.S_ISSOCK(os.stat(socket_file).st_mode)
        assert stat.S_IMODE(os.stat(socket_file).st_mode) == 0o600
    finally:
        viewer.send(Command.STOP)
        viewer.wait_ended(30)


def test_the_engine_runs_below_the_priority_of_its_launcher(local_backend, tmp_path):
    """QGIS's map gets a busy machine's CPU before the run's engine does."""
    request = run_request(tmp_path, local_backend.url)
    engine = launch_engine(request)
    viewer = Viewer(request.job_db)
    try:
        ours = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, engine.pid) == min(19, ours + ENGINE_NICENESS)
        assert os.getpriority(os.PRIO_PROCESS, 0) == ours  # the launcher's own is left alone
    finally:
        viewer.send(Command.STOP)
        viewer.wait_ended(30)


@pytest.mark.skipif(os.getuid() != 0, reason="making a folder someone else's needs root")
def test_a_channel_folder_others_can_enter_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setattr("tempfile.gettempdir", lambda: str(tmp_path))
    folder = tmp_path / f"openeo-grid-jobs-{os.getuid()}"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    with pytest.raises(ChannelError, match="not private to you"):
        private_dir()
    folder.chmod(0o700)
    os.chown(folder, 65534, 65534)  # nobody's
    with pytest.raises(ChannelError, match="not private to you"):
        private_dir()
