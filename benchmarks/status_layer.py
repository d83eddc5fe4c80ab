"""Status updates on the map: cost per batch, and the main thread's longest stall.

1. Apply 10 000 status changes to a 10 000-tile grid layer (GridLayerUpdater:
   one provider call, legend recount, repaint request), then render the layer
   once, as the canvas would (1,000 px across 100 tiles; running tiles carry a
   progress, as running jobs report one). Target: < 50 ms for both together.
2. Run 1 000 tiles through the Jobs panel (the run's engine in a process of its
   own, the panel one of its viewers, local back-end) while a 5 ms timer on the
   main thread records the gaps between its ticks; beside it, the anchor: the same
   timer for as long with no run at all (what QGIS itself costs). Targets: longest
   gap < 20 ms and p99 < 10 ms, with no interpreter setting changed (the plugin
   tunes nothing: the run is out of QGIS's process). With ``--no-layer-updates``
   the grid layer is not updated at all (GridLayerUpdater.apply does nothing):
   what is left is the stall the rest costs (the viewer's channel thread decoding
   events holds the GIL, which the timer's tick, like any Python slot, waits for).
   On Linux the longest gap is split into the main thread's own work, its wait for
   a CPU (a busy machine: the engine and the back-end share the cores) and the
   rest, asleep: mostly waiting for the GIL. With ``--no-mosaic`` the results
   mosaic the engine writes is not shown (its layer not added nor refreshed).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/status_layer.py \
        [--stalls-only] [--no-layer-updates] [--no-mosaic]

The main thread is watched until 1.5 s after the run's end (the end's own work),
and the heavy packages the run imported in QGIS's process are named. Each gap of
20 ms or more names what the main thread handled in it (the run's events, with
their time: the slots they drive run inside; the canvas redrawing); "none of the
run's events" is QGIS's and Qt's own work (painting the dock, layouts). A second
anchor redraws the grid as often as the run made the canvas redraw it, with no run:
what showing statuses on the map costs QGIS itself.
"""

from __future__ import annotations

import atexit
import os
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
    QgsStyle,
)
from qgis.gui import QgsMapCanvas, QgsMessageBar
from qgis.PyQt.QtCore import QEventLoop, QSize, Qt, QTimer
from qgis.PyQt.QtWidgets import QDockWidget, QMainWindow, QVBoxLayout, QWidget


def grid_layer(tiles_across: int):
    from openeo_grid_jobs.core.grid.grid import build_grid
    from openeo_grid_jobs.ui.adapters.grid_layer import create_grid_layer
    from openeo_grid_jobs.ui.adapters.status_style import apply_status_style

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
    from openeo_grid_jobs.core.definitions import TileStatus
    from openeo_grid_jobs.core.run.runner import TileUpdate
    from openeo_grid_jobs.ui.adapters.layer_updates import GridLayerUpdater

    layer = grid_layer(100)
    updater = GridLayerUpdater(layer)
    tile_ids = list(updater.fid_of)
    render(layer)  # warm up
    for status in (s.value for s in (TileStatus.QUEUED, TileStatus.RUNNING, TileStatus.FINISHED)):
        # running jobs report their progress, which the map labels where it fits
        progress = 50.0 if status == TileStatus.RUNNING.value else None
        batch = [
            TileUpdate(
                i, t, status, f"j-{i}", "local", "t0", None, None, None, None, None, None, progress
            )
            for i, t in enumerate(tile_ids)
        ]
        t0 = time.perf_counter()
        changed = updater.apply(batch)
        applied = time.perf_counter() - t0
        drawn = render(layer)
        print(
            f"  {changed:,} tiles -> {status:9} apply {applied * 1000:6.1f} ms + render "
            f"{drawn * 1000:6.1f} ms = {(applied + drawn) * 1000:6.1f} ms   target < 50 ms"
        )
    sliced_feed(layer)


def sliced_feed(layer) -> None:
    """The same 10,000 changes as the dock applies them (LayerFeed): in slices of
    SLICE, one per turn of the event loop; the longest slice is what the map waits."""
    from openeo_grid_jobs.core.run.runner import TileUpdate
    from openeo_grid_jobs.ui.adapters import layer_feed

    feed = layer_feed.LayerFeed(lambda batch: loop.quit())
    feed.follow(layer)
    feed.reindex()
    tile_ids = list(feed.updater.fid_of)
    batch = [
        TileUpdate(i, t, "error", f"j-{i}", "local", "t0", None, "failed", None, None)
        for i, t in enumerate(tile_ids)
    ]
    slices: list[float] = []
    apply = feed._apply  # timed as the event loop runs it, slice by slice

    def timed(piece: list, redraw: bool = True) -> bool:
        t0 = time.perf_counter()
        try:
            return apply(piece, redraw)
        finally:
            slices.append(time.perf_counter() - t0)

    feed._apply = timed
    loop = QEventLoop()
    t0 = time.perf_counter()
    feed.add(batch)
    loop.exec()
    total = time.perf_counter() - t0
    print(
        f"  the same through the dock's feed: {len(slices)} slices of {layer_feed.SLICE:,}, "
        f"longest {max(slices) * 1000:.1f} ms, all on the layer after {total * 1000:.1f} ms"
    )


class Iface:
    """The bits of QgisInterface the Jobs panel uses outside QGIS, in a window laid out
    as QGIS's: the message bar over the map canvas (showing the grid layer), the dock
    beside them, shown as a user sees them when clicking Run."""

    def __init__(self) -> None:
        self.bar = QgsMessageBar()
        self.canvas = QgsMapCanvas()
        self.window = QMainWindow()
        self.window.resize(1600, 1000)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(self.bar)
        layout.addWidget(self.canvas)
        self.window.setCentralWidget(central)

    def messageBar(self):  # noqa: N802
        return self.bar

    def mapCanvas(self):  # noqa: N802
        return self.canvas

    def show(self, panel, layer) -> None:
        dock = QDockWidget("openEO Grid Jobs")
        dock.setWidget(panel)
        self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.canvas.setDestinationCrs(layer.crs())
        self.canvas.setLayers([layer])
        self.canvas.setExtent(layer.extent())
        self.window.show()
        self.canvas.refresh()
        canvas_drawn = QEventLoop()
        self.canvas.mapCanvasRefreshed.connect(canvas_drawn.quit)
        canvas_drawn.exec()


class MainThreadLog:
    """What the main thread did, to name what a long gap held: each event of the run
    handled (its kind, rows and time: the slots it drives run inside) and the canvas's
    redraws (started, finished)."""

    def __init__(self) -> None:
        self.spans: list[tuple[float, float, str]] = []
        self.redraws = 0
        self.redrawing: float | None = None

    def watch(self, canvas) -> None:
        from openeo_grid_jobs.ui.run.viewer import RunViewer

        dispatch = RunViewer._dispatch

        def timed(viewer, message):
            t0 = time.perf_counter()
            try:
                dispatch(viewer, message)
            finally:
                rows = len(message.get("rows") or ())
                what = f"{message.get('kind')}" + (f" ({rows} rows)" if rows else "")
                self.spans.append((t0, time.perf_counter(), what))

        RunViewer._dispatch = timed
        canvas.renderStarting.connect(self.redraw_starts)
        canvas.mapCanvasRefreshed.connect(self.redrawn)

    def redraw_starts(self) -> None:
        self.redraws += 1
        self.redrawing = time.perf_counter()

    def redrawn(self) -> None:
        if self.redrawing is not None:
            # the canvas's render threads, and the main thread's share at both ends
            self.spans.append((self.redrawing, time.perf_counter(), "canvas redrawing"))
            self.redrawing = None

    def within(self, start: float, end: float) -> str:
        found = [
            f"{what} {(e - b) * 1000:.1f} ms" if e > b else what
            for b, e, what in self.spans
            if b <= end and e >= start
        ]
        return "; ".join(found) or "none of the run's events"


class Ticker:
    """A 5 ms timer on the main thread that records the gaps between its ticks, and where
    the time of each long one went (Linux)."""

    def __init__(self, log: MainThreadLog | None = None) -> None:
        self.log = log
        self.gaps: list[float] = []
        #: gap, when (s after start), where its time went, what the main thread did
        self.long_gaps: list[tuple[float, float, ThreadTimes | None, str]] = []  # >= 20 ms
        self.worst: list = [0.0, 0.0, None]  # gap, when (s after start), where it went
        self.timer = QTimer()
        self.timer.timeout.connect(self.tick)

    def start(self) -> None:
        self.t0 = time.perf_counter()
        self.last = [self.t0, thread_times()]
        self.timer.start(5)

    def stop(self) -> None:
        self.timer.stop()

    def tick(self) -> None:
        now, times = time.perf_counter(), thread_times()
        gap = now - self.last[0]
        self.gaps.append(gap)
        spent = None if None in (times, self.last[1]) else (times - self.last[1])
        if gap >= 0.02:
            held = self.log.within(self.last[0], now) if self.log is not None else ""
            self.long_gaps.append((gap, now - self.t0, spent, held))
        if gap > self.worst[0]:
            self.worst[:] = [gap, now - self.t0, spent]
        self.last = [now, times]

    def report(self, what: str) -> None:
        gaps_ms = sorted(g * 1000 for g in self.gaps)
        print(
            f"  {what}: ticks every 5 ms: median {statistics.median(gaps_ms):.1f} ms, "
            f"p99 {gaps_ms[int(len(gaps_ms) * 0.99)]:.1f} ms, longest {gaps_ms[-1]:.1f} ms "
            f"({self.worst[1]:.1f} s in); {len(self.long_gaps)} gaps >= 20 ms"
        )
        if self.worst[2] is not None:
            ran, waited = self.worst[2].ran * 1000, self.worst[2].waited * 1000
            asleep = max(0.0, gaps_ms[-1] - ran - waited)
            print(
                f"    longest: main thread ran {ran:.1f} ms, waited {waited:.1f} ms for a CPU, "
                f"asleep {asleep:.1f} ms (the GIL)"
            )
            kinds = {"ran": 0, "CPU": 0, "GIL": 0}
            for gap, when, spent, held in self.long_gaps:
                if spent is not None:
                    parts = {"ran": spent.ran, "CPU": spent.waited}
                    parts["GIL"] = gap - spent.ran - spent.waited
                    kinds[max(parts, key=parts.__getitem__)] += 1
                    print(
                        f"      {gap * 1000:5.1f} ms at {when:5.1f} s: ran "
                        f"{parts['ran'] * 1000:.1f}, CPU {parts['CPU'] * 1000:.1f}, "
                        f"GIL {parts['GIL'] * 1000:.1f}" + (f"; held: {held}" if held else "")
                    )
            print(
                f"    gaps >= 20 ms mostly: main thread's own work {kinds['ran']}, waiting "
                f"for a CPU {kinds['CPU']}, asleep (GIL) {kinds['GIL']}"
            )


def stalls_during_run(tiles_across: int = 32) -> None:
    from openeo_grid_jobs.core.definitions import TileStatus
    from openeo_grid_jobs.ui.widgets.jobs_panel import JobsPanel

    from devtools.local_backend.launcher import PASSWORD, USERNAME, LocalBackend

    layer = grid_layer(tiles_across)
    with (
        LocalBackend(job_duration=1.0, queue_time=0.2) as backend,
        tempfile.TemporaryDirectory() as work,
    ):
        # the back-end stands for a remote one, whose CPU is not the user's machine's: at
        # the lowest priority it takes only what QGIS and the run's engine leave
        os.setpriority(os.PRIO_PROCESS, backend.process.pid, 19)
        add_local_connection(backend.url, USERNAME, PASSWORD, parallel_jobs=100)
        iface = Iface()
        panel = JobsPanel(iface)
        # as in the desktop, which loads its default style (colour ramps) at start: a
        # bare QgsApplication would load it in the middle of the run, ~10 ms on the
        # main thread, when the NDVI mosaic first takes the RdYlGn ramp
        QgsStyle.defaultStyle()
        panel.run_page.poll_interval.setValue(0.5)
        panel.set_grid_layer(layer)
        panel.run_page.job_db.setFilePath(str(Path(work) / "jobs.csv"))
        iface.show(panel, layer)
        log = MainThreadLog()
        log.watch(iface.canvas)
        ticker = Ticker(log)
        loop = QEventLoop()
        panel.run_finished.connect(lambda counts: loop.quit())
        settings = interpreter_settings()
        before = heavy_modules()
        clicked = time.perf_counter()
        assert panel.start_run()  # the click's own work, timed apart: the user's action
        click = time.perf_counter() - clicked
        ticker.start()  # from there on: what the run costs the map while it goes on
        loop.exec()
        elapsed = time.perf_counter() - ticker.t0
        # the end's work (the Problems tab, the last mosaic) comes just before
        # run_finished: the gap it makes is counted at the ticks after it
        QTimer.singleShot(AFTER_END_MS, loop.quit)
        loop.exec()
        ticker.stop()
        loaded = sorted(heavy_modules() - before)
        assert interpreter_settings() == settings, "the plugin changed QGIS's interpreter"
        panel.shutdown()
    finished = sum(1 for f in layer.getFeatures() if f["status"] == TileStatus.FINISHED)
    print(f"  {finished:,} of {layer.featureCount():,} tiles finished in {elapsed:.1f} s")
    print(f"  heavy packages the run loaded in QGIS's process: {', '.join(loaded) or 'none'}")
    print(f"  the Run click handled in {click * 1000:.1f} ms on the main thread")
    ticker.report(f"after the click, the run and {AFTER_END_MS / 1000:g} s after its end")
    print("  targets: longest < 20 ms, p99 < 10 ms; interpreter settings unchanged: yes")
    idle = Ticker()  # the anchor: QGIS's main thread with no run at all, as long
    loop = QEventLoop()
    QTimer.singleShot(int(elapsed * 1000) + AFTER_END_MS, loop.quit)
    idle.start()
    loop.exec()
    idle.stop()
    idle.report("anchor, no run")
    # the second anchor: no run, but QGIS redrawing the grid as often as during the run
    # (what showing statuses on the map costs QGIS itself, its render threads included)
    redraws = log.redraws
    redraw = Ticker()
    repaint = QTimer()
    repaint.timeout.connect(layer.triggerRepaint)
    loop = QEventLoop()
    QTimer.singleShot(int(elapsed * 1000) + AFTER_END_MS, loop.quit)
    redraw.start()
    repaint.start(max(1, int(elapsed * 1000 / max(1, redraws))))
    loop.exec()
    repaint.stop()
    redraw.stop()
    redraw.report(f"anchor, no run, the grid redrawn as often ({redraws} times)")


#: the main thread is watched this long after the run's end (ms)
AFTER_END_MS = 1500
#: packages whose import in QGIS's process holds its interpreter lock for long
HEAVY = {"pandas", "geopandas", "shapely", "numpy", "pyproj", "openeo", "requests", "osgeo"}


def heavy_modules() -> set[str]:
    return {name.split(".")[0] for name in sys.modules} & HEAVY


def interpreter_settings() -> tuple:
    """What a plugin could tune of QGIS's interpreter: GIL switch interval, collector."""
    import gc

    return sys.getswitchinterval(), gc.get_threshold(), gc.get_freeze_count(), gc.isenabled()


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
    from openeo_grid_jobs.core.backends.backend import BackendConfig, Secrets
    from openeo_grid_jobs.core.definitions import LoginMethod
    from openeo_grid_jobs.ui.adapters.auth_store import save_secrets
    from openeo_grid_jobs.ui.adapters.connections import SavedConnection, save_connection
    from openeo_grid_jobs.ui.adapters.settings import CONNECTIONS_SEEDED

    QgsApplication.authManager().setMasterPassword("benchmark", True)
    CONNECTIONS_SEEDED.write(True)
    config = BackendConfig(
        url, name="Local", auth_method=LoginMethod.BASIC, parallel_jobs=parallel_jobs
    )
    authcfg = save_secrets(
        "Local", LoginMethod.BASIC, Secrets(username=username, password=password)
    )
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
        from openeo_grid_jobs.ui.adapters.layer_updates import GridLayerUpdater

        GridLayerUpdater.apply = lambda self, updates: 0
        print("2. main thread during a 1,024-tile run, the grid layer NOT updated")
    else:
        print("2. main thread during a 1,024-tile run (100 parallel, poll 0.5 s)")
    if "--no-mosaic" in sys.argv:
        from openeo_grid_jobs.ui.run.link import RunLink

        RunLink.mosaic = lambda self, path: None
        print("   (the results mosaic NOT shown)")
    stalls_during_run()
    sys.stdout.flush()
    QgsProject.instance().removeAllMapLayers()  # 3.22 may crash exiting with layers
    app.exitQgis()


if __name__ == "__main__":
    main()
