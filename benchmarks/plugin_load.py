"""How much the plugin adds to QGIS start-up.

Times, in a fresh process each (so nothing is cached), importing the plugin
package + ``classFactory`` + ``initGui`` inside a running QgsApplication, and
the same with the heavy packages (openeo, geopandas, pandas) imported eagerly,
which is what a plugin without lazy imports would cost. Target: < 50 ms added.

    .venv/bin/python benchmarks/plugin_load.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

PROBE = r"""
import sys, time
from qgis.core import QgsApplication
from qgis.PyQt.QtWidgets import QMainWindow
app = QgsApplication([], True)
app.initQgis()

class Bar:
    def createMessage(self, *a): raise AssertionError("dependencies missing")
class Iface:
    def __init__(self): self.window = QMainWindow()
    def mainWindow(self): return self.window
    def addWebToolBarIcon(self, action): pass
    def addPluginToWebMenu(self, name, action): pass
    def messageBar(self): return Bar()

eager = sys.argv[1] == "eager"
t0 = time.perf_counter()
if eager:
    import openeo, geopandas, pandas  # noqa
import openeo_grid_jobs
plugin = openeo_grid_jobs.classFactory(Iface())
plugin.initGui()
print((time.perf_counter() - t0) * 1000)
"""


def measure(mode: str, runs: int) -> list[float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return [
        float(
            subprocess.run(
                [sys.executable, "-c", PROBE, mode],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )
        for _ in range(runs)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    lazy = measure("lazy", runs)
    eager = measure("eager", runs)
    print(f"{'plugin load (import + classFactory + initGui)':48} median of {runs}, target < 50 ms")
    print(f"{'  as shipped (lazy heavy imports)':48} {statistics.median(lazy):8.1f} ms")
    print(
        f"{'  with openeo/geopandas/pandas imported eagerly':48} {statistics.median(eager):8.1f} ms"
    )


if __name__ == "__main__":
    main()
