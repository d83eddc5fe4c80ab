"""Time to build a grid *into a QGIS layer*, beside QGIS's own native:creategrid.

Same extent, spacing and CRS (UTM 31N) for both, in one process, after a warm-up
(imports, PROJ database): each size ``--runs`` times, each run printing ours
(core build + layer fill) and native side by side. Target: ours <= 3x native at
10 k and 100 k tiles. ``ratio`` is wall-clock; ``cpu`` is the same ratio in this
thread's CPU time, steadier when the machine is shared (other test runs).

``floor`` is what no Python can beat: QGIS copying the finished layer into a new
memory layer in C++ (``materialize``), i.e. only the memory provider's own work
for our fields; ``fill`` is ours minus ``core``.

Where the time goes (CPU µs per tile, best of 15-21, 10 k tiles, QGIS 3.22): native
~1.0; core ~1.1 (pyproj lon/lat bounds and their round trip ~0.5, ids ~0.15);
fill ~3.9: squares split from WKB ~0.55, loop + setGeometry + setAttributes ~1.45
(PyQt converts each value to a QVariant, 0.13-0.27 µs each), addFeature ~1.9 (the
memory provider's own share ~1.3; ``floor``, a whole C++ copy, ~1.5). Any path
that makes QgsFeatures in Python pays these per tile; writing the tiles with
pyogrio to FlatGeobuf/GPKG/Shapefile (``/vsimem/``) and copying them in C++ was
slower still (~5 µs per tile to write, ~3 to read), so 3x is out of reach without
compiled code.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/grid.py [--sizes 10000 100000]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsFeatureRequest,
    QgsRectangle,
)

ORIGIN = (500_000.0, 5_600_000.0)  # UTM 31N, near Antwerp


def extent_for(count: int, size: float) -> tuple[float, float, float, float]:
    cols = int(math.sqrt(count))
    rows = count // cols
    x0, y0 = ORIGIN
    return x0, y0, x0 + cols * size, y0 + rows * size


def ours(extent, size):
    """(total s, core s, floor s, layer)."""
    from openeo_grid_jobs.core.grid.grid import build_grid
    from openeo_grid_jobs.ui.adapters.grid_layer import create_grid_layer

    c0, t0 = time.thread_time(), time.perf_counter()
    grid = build_grid(extent, "EPSG:32631", size, max_tiles=10**8)
    t1 = time.perf_counter()
    layer = create_grid_layer(grid)
    c2, t2 = time.thread_time(), time.perf_counter()
    copy = layer.materialize(QgsFeatureRequest())
    t3 = time.perf_counter()
    assert copy.featureCount() == layer.featureCount()
    return t2 - t0, t1 - t0, t3 - t2, c2 - c0, layer


def native(extent, size) -> tuple[float, float, int]:
    """(wall s, CPU s, feature count)."""
    import processing

    c0, t0 = time.thread_time(), time.perf_counter()
    result = processing.run(
        "native:creategrid",
        {
            "TYPE": 2,  # rectangle (polygon)
            "EXTENT": QgsRectangle(*extent),
            "HSPACING": size,
            "VSPACING": size,
            "HOVERLAY": 0,
            "VOVERLAY": 0,
            "CRS": QgsCoordinateReferenceSystem("EPSG:32631"),
            "OUTPUT": "memory:",
        },
    )
    wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
    return wall, cpu, result["OUTPUT"].featureCount()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--tile-size", type=float, default=100.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    app = QgsApplication([], False)
    app.initQgis()
    sys.path.append("/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing

    Processing.initialize()
    warm = extent_for(1_000, args.tile_size)  # imports, PROJ database, first layer
    native(warm, args.tile_size)
    ours(warm, args.tile_size)

    print(
        f"{'tiles':>8} {'run':>3} {'ours':>8} {'(core':>7} {'fill)':>7} {'native':>8} "
        f"{'ratio':>6} {'cpu':>6} {'floor':>7}  target <= 3x"
    )
    for count in args.sizes:
        extent = extent_for(count, args.tile_size)
        ratios, cpu_ratios = [], []
        for run in range(1, args.runs + 1):
            t_native, c_native, n_native = native(extent, args.tile_size)
            t_ours, t_core, t_floor, c_ours, layer = ours(extent, args.tile_size)
            n_ours = layer.featureCount()
            del layer
            assert n_ours == n_native, (n_ours, n_native)
            ratios.append(t_ours / t_native)
            cpu_ratios.append(c_ours / c_native)
            print(
                f"{n_ours:>8,} {run:>3} {t_ours:>7.3f}s {t_core:>6.3f}s {t_ours - t_core:>6.3f}s "
                f"{t_native:>7.3f}s {ratios[-1]:>5.2f}x {cpu_ratios[-1]:>5.2f}x {t_floor:>6.3f}s"
            )
        print(
            f"{'':>8} median ratio {statistics.median(ratios):.2f}x "
            f"(cpu {statistics.median(cpu_ratios):.2f}x)"
        )
    app.exitQgis()


if __name__ == "__main__":
    main()
