"""Status updates on the map: cost per batch, and the main thread's longest stall.

1. Apply 10 000 status changes to a 10 000-tile grid layer (GridLayerUpdater:
   one provider call, legend recount, repaint request), then render the layer
   once, as the canvas would. Target: < 100 ms for both together.
2. Run 1 000 tiles through the Jobs panel (QThread worker, local back-end) while
   a 5 ms timer on the main thread records the gaps between its ticks. Target:
   longest stall < 50 ms. With ``--no-layer-updates`` the grid layer is not
   updated at all (GridLayerUpdater.apply does nothing): what is left is the
   stall the rest of the run causes (its Python threads hold the GIL, which the
   timer's tick, like any Python slot, has to wait for). On Linux the longest gap
   is split into the main thread's own work, its wait for a CPU (a busy machine)
   and the rest, asleep: mostly waiting for the GIL. With ``--no-mosaic`` the
   results mosaic is not rewritten during the run (its thread reads each newly
   finished tile with GDAL every few seconds).

   Where the stalls went (sessions of 2026-11-28, QGIS 3.22, two cores shared with
   the local back-end): at the run's end, the STAC catalog built as one pystac
   object graph held the GIL for 50-80 ms (now written item by item); the Run
   click read every tile (now read in the run's thread) and the first status
   batch indexed the layer (now read in the background), ~15 ms each; QGIS's first
   raster layer for the mosaic, 10-20 ms, is still opened on the main thread (one
   opened in another thread and handed over is not drawn by the desktop); mid-run,
   GIL handoffs among the run's Python threads: 8 launch and 4 download threads
   gave 31-55 ms, 4 and 2 give 22-44 ms with the run as fast (and the run's
   threads are nicer than the main thread, see core/workers.py).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/status_layer.py \
        [--stalls-only] [--no-layer-updates] [--no-mosaic]
"""

from __future__ import annotations

import atexit
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qgis.core import (
    QgsApplication,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsProject,
    QgsSettings,
    QgsStyle,
)
from qgis.gui import QgsMessageBar
from qgis.PyQt.QtCore import QEventLoop, QSize, QTimer


def grid_layer(tiles_across: int):
    from openeo_grid_jobs.core.grid import build_grid
    from openeo_grid_jobs.ui.grid_layer import create_grid_layer
    from openeo_grid_jobs.ui.status_style import apply_status_style

    size = 1000
    extent = (500000, 5600000, 500000 + tiles_across * size, 5600000 + tiles_across * size)
    layer = create_grid_layer(build_grid(extent, "EPSG:32631", size, max_tiles=10**6))
    QgsProject.instance().addMapLayer(layer)
    apply_status_style(layer)
    return layer


def render(layer) -> float:
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(layer.crs())
    settings.setExtent(layer.extent())
    settings.setOutputSize(QSize(1000, 1000))
    job = QgsMapRendererSequentialJob(settings)
    t0 = time.perf_counter()
    job.start()
    job.waitForFinished()
    return time.perf_counter() - t0


def updates_batch() -> None:
    from openeo_grid_jobs.core.runner import TileUpdate
    from openeo_grid_jobs.ui.layer_updates import GridLayerUpdater

    layer = grid_layer(100)
    updater = GridLayerUpdater(layer)
    tile_ids = list(updater.fid_of)
    render(layer)  # warm up
    for status in ("queued", "running", "finished"):
        batch = [
            TileUpdate(i, t, status, f"j-{i}", "local", "t0", None, None, None, None)
            for i, t in enumerate(tile_ids)
        ]
        t0 = time.perf_counter()
        changed = updater.apply(batch)
        applied = time.perf_counter() - t0
        drawn = render(layer)
        print(
            f"  {changed:,} tiles -> {status:9} apply {applied * 1000:6.1f} ms + render "
            f"{drawn * 1000:6.1f} ms = {(applied + drawn) * 1000:6.1f} ms   target < 100 ms"
        )


class Iface:
    """The bits of QgisInterface the Jobs panel uses outside QGIS."""

    def __init__(self) -> None:
        self.bar = QgsMessageBar()

    def messageBar(self):  # noqa: N802
        return self.bar


def stalls_during_run(tiles_across: int = 32) -> None:
    from openeo_grid_jobs.ui.jobs_panel import JobsPanel

    from devtools.local_backend.launcher import PASSWORD, USERNAME, LocalBackend

    layer = grid_layer(tiles_across)
    with (
        LocalBackend(job_duration=1.0, queue_time=0.2) as backend,
        tempfile.TemporaryDirectory() as work,
    ):
        add_local_connection(backend.url, USERNAME, PASSWORD, parallel_jobs=100)
        panel = JobsPanel(Iface())
        panel._warm_up.thread.wait(30_000)  # as when the user fills in the form first
        # as in the desktop, which loads its default style (colour ramps) at start: a
        # bare QgsApplication would load it in the middle of the run, ~10 ms on the
        # main thread, when the NDVI mosaic first takes the RdYlGn ramp
        QgsStyle.defaultStyle()
        panel.poll_interval.setValue(0.5)
        panel.set_grid_layer(layer)
        panel.job_db.setFilePath(str(Path(work) / "jobs.csv"))
        gaps: list[float] = []
        long_gaps: list[tuple[float, ThreadTimes | None]] = []  # >= 50 ms: where they went
        last = [time.perf_counter(), thread_times()]
        worst: list = [0.0, 0.0, None]  # gap, when (seconds after Run), where it went
        t0 = time.perf_counter()

        def tick() -> None:
            now, times = time.perf_counter(), thread_times()
            gaps.append(now - last[0])
            spent = None if None in (times, last[1]) else (times - last[1])
            if gaps[-1] >= 0.05:
                long_gaps.append((gaps[-1], spent))
            if gaps[-1] > worst[0]:
                worst[:] = [gaps[-1], now - t0, spent]
            last[:] = [now, times]

        timer = QTimer()
        timer.timeout.connect(tick)
        loop = QEventLoop()
        panel.run_finished.connect(lambda counts: loop.quit())
        timer.start(5)
        t0 = time.perf_counter()
        assert panel.start_run()
        loop.exec()
        timer.stop()
        elapsed = time.perf_counter() - t0
        panel.shutdown()
    finished = sum(1 for f in layer.getFeatures() if f["status"] == "finished")
    gaps_ms = sorted(g * 1000 for g in gaps)
    print(
        f"  {finished:,} of {layer.featureCount():,} tiles finished in {elapsed:.1f} s; main "
        f"thread ticks every 5 ms: median {statistics.median(gaps_ms):.1f} ms, "
        f"p99 {gaps_ms[int(len(gaps_ms) * 0.99)]:.1f} ms, longest {gaps_ms[-1]:.1f} ms "
        f"({worst[1]:.1f} s after Run)   target longest < 50 ms"
    )
    over = sum(1 for g in gaps_ms if g >= 50)
    if worst[2] is not None:
        ran, waited = worst[2].ran * 1000, worst[2].waited * 1000
        asleep = max(0.0, gaps_ms[-1] - ran - waited)
        print(
            f"  longest: main thread ran {ran:.1f} ms, waited {waited:.1f} ms for a CPU, "
            f"asleep {asleep:.1f} ms (the GIL); {over} gaps >= 50 ms"
        )
        # each long gap by what took most of it: the main thread's own work, a machine
        # too busy to run it, or the GIL (asleep: another Python thread had it)
        kinds = {"ran": 0, "CPU": 0, "GIL": 0}
        for gap, spent in long_gaps:
            if spent is not None:
                parts = {"ran": spent.ran, "CPU": spent.waited}
                parts["GIL"] = gap - spent.ran - spent.waited
                kinds[max(parts, key=parts.__getitem__)] += 1
        print(
            f"  gaps >= 50 ms mostly: main thread's own work {kinds['ran']}, waiting for a "
            f"CPU {kinds['CPU']}, asleep (GIL) {kinds['GIL']}"
        )


class ThreadTimes(NamedTuple):
    """Seconds this thread ran, and spent runnable but waiting for a CPU."""

    ran: float
    waited: float

    def __sub__(self, other: ThreadTimes) -> ThreadTimes:  # type: ignore[override]
        return ThreadTimes(self.ran - other.ran, self.waited - other.waited)


def thread_times() -> ThreadTimes | None:
    """The calling thread's times from Linux's schedstat (None elsewhere)."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            ran, waited, _ = f.read().split()
    except (OSError, ValueError):
        return None
    return ThreadTimes(int(ran) / 1e9, int(waited) / 1e9)


def add_local_connection(url: str, username: str, password: str, parallel_jobs: int) -> None:
    """The one ticked back-end, its login in the (throw-away profile's) auth database."""
    from openeo_grid_jobs.core.backend import BackendConfig, Secrets
    from openeo_grid_jobs.ui.auth_store import save_secrets
    from openeo_grid_jobs.ui.connections import SEEDED, SavedConnection, save_connection

    QgsApplication.authManager().setMasterPassword("benchmark", True)
    QgsSettings().setValue(SEEDED, True)
    config = BackendConfig(url, name="Local", auth_method="basic", parallel_jobs=parallel_jobs)
    authcfg = save_secrets("Local", "basic", Secrets(username=username, password=password))
    save_connection(SavedConnection(config, authcfg))


def main() -> None:
    # a throw-away profile: settings and auth database never touch the user's QGIS
    profile = tempfile.mkdtemp(prefix="ogj-bench-profile-")
    atexit.register(shutil.rmtree, profile, ignore_errors=True)
    app = QgsApplication([], True, profile)
    app.initQgis()
    if "--stalls-only" not in sys.argv:
        print("1. 10,000 status changes on a 10,000-tile layer")
        updates_batch()
    if "--no-layer-updates" in sys.argv:
        from openeo_grid_jobs.ui.layer_updates import GridLayerUpdater

        GridLayerUpdater.apply = lambda self, updates: 0
        print("2. main thread during a 1,024-tile run, the grid layer NOT updated")
    else:
        print("2. main thread during a 1,024-tile run (100 parallel, poll 0.5 s)")
    if "--no-mosaic" in sys.argv:
        from openeo_grid_jobs.ui.mosaic_updates import MosaicUpdates

        MosaicUpdates.write = lambda self: None
        print("   (the results mosaic NOT rewritten)")
    stalls_during_run()
    sys.stdout.flush()
    QgsProject.instance().removeAllMapLayers()  # 3.22 may crash exiting with layers
    app.exitQgis()


if __name__ == "__main__":
    main()
