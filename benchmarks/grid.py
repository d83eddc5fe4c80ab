"""Time to build a grid *into a QGIS layer*, beside QGIS's own native:creategrid.

Same extent, spacing and CRS (UTM 31N) for both; each size once per run, in one
process. Targets: < 2 s at 100 k tiles; <= 1.5x native at 1 M tiles.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/grid.py [--sizes 100000 1000000]
"""

from __future__ import annotations

import argparse
import math
import sys
import time

from qgis.core import QgsApplication, QgsCoordinateReferenceSystem, QgsRectangle

ORIGIN = (500_000.0, 5_600_000.0)  # UTM 31N, near Antwerp


def extent_for(count: int, size: float) -> tuple[float, float, float, float]:
    cols = int(math.sqrt(count))
    rows = count // cols
    x0, y0 = ORIGIN
    return x0, y0, x0 + cols * size, y0 + rows * size


def ours(extent, size) -> tuple[float, float, int]:
    from openeo_grid_jobs.core.grid import build_grid
    from openeo_grid_jobs.ui.grid_layer import create_grid_layer

    t0 = time.perf_counter()
    grid = build_grid(extent, "EPSG:32631", size, max_tiles=10**8)
    t1 = time.perf_counter()
    layer = create_grid_layer(grid)
    t2 = time.perf_counter()
    return t2 - t0, t1 - t0, layer.featureCount()


def native(extent, size) -> tuple[float, int]:
    import processing

    t0 = time.perf_counter()
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
    return time.perf_counter() - t0, result["OUTPUT"].featureCount()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--tile-size", type=float, default=100.0)
    args = parser.parse_args()

    app = QgsApplication([], False)
    app.initQgis()
    sys.path.append("/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing

    Processing.initialize()

    print(f"{'tiles':>10} {'ours':>8} {'(core)':>8} {'native':>8} {'ratio':>6}  target")
    for count in args.sizes:
        extent = extent_for(count, args.tile_size)
        t_native, n_native = native(extent, args.tile_size)
        t_ours, t_core, n_ours = ours(extent, args.tile_size)
        assert n_ours == n_native, (n_ours, n_native)
        target = "< 2 s" if count <= 100_000 else "<= 1.5x native"
        print(
            f"{n_ours:>10,} {t_ours:>7.2f}s {t_core:>7.2f}s {t_native:>7.2f}s "
            f"{t_ours / t_native:>5.2f}x  {target}"
        )
    app.exitQgis()


if __name__ == "__main__":
    main()
