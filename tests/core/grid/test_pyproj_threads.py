"""pyproj used from QGIS task threads (pooled, a new Python thread state per task)
does not crash QGIS: pyproj 3.7 frees a thread's PROJ context with its Python state
but keeps handing it out on that OS thread (core/grid/pyproj_threads.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

SCRIPT = """
import sys
from qgis.core import QgsApplication, QgsTask
from qgis.PyQt.QtCore import QEventLoop, QTimer

app = QgsApplication([], False)
app.initQgis()
mode = sys.argv[1]
if mode == "late":
    import pyproj  # imported (and a context made) before the patch
    pyproj.CRS.from_user_input("EPSG:4326")
if mode != "unpatched":
    from openeo_grid_jobs.core.grid import pyproj_threads
    pyproj_threads.install()
import pyproj

names = []
for _ in range(6):  # more tasks than pooled threads: threads are reused
    loop = QEventLoop()
    task = QgsTask.fromFunction(
        "crs",
        lambda task: names.append(pyproj.CRS.from_user_input("EPSG:32631").name),
        on_finished=lambda *args: loop.quit(),
    )
    QgsApplication.taskManager().addTask(task)
    QTimer.singleShot(20_000, loop.quit)
    loop.exec()
from openeo_grid_jobs.core.grid import pyproj_threads
print(len(names), pyproj_threads.patched())
"""


def run(mode: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True, timeout=120
    )


def pyproj_has_thread_contexts() -> bool:
    """pyproj 3.7 and later (pyproj 3.4, Debian 12's, has no ``_context`` module)."""
    import importlib

    try:
        module = importlib.import_module("pyproj._context")
    except ImportError:
        return False
    return hasattr(module, "_CONTEXT_MANAGER_LOCAL")


@pytest.mark.parametrize("mode", ["hooked", "late"])
def test_crs_work_in_many_qgis_tasks(mode):
    done = run(mode)
    assert done.returncode == 0, done.stderr[-2000:]
    count, patched = done.stdout.split()
    assert count == "6"
    assert patched == str(pyproj_has_thread_contexts())


@pytest.mark.skipif(
    not pyproj_has_thread_contexts(), reason="this pyproj has no per-thread contexts"
)
def test_without_the_patch_pyproj_crashes_in_reused_task_threads():
    """What the patch is for (pyproj 3.7, e.g. Debian 13's QGIS 3.40)."""
    done = run("unpatched")
    assert done.returncode != 0, done.stdout
