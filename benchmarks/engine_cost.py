"""What a run's engine costs the machine: CPU share of wall time, peak memory, table saves.

The engine is run as users run it headless, ``openeo-grid-jobs run`` (the process the
dock starts is the same engine), on N tiles of the local back-end (jobs of D seconds,
P at once, poll 1 s, no downloads), and its process is sampled from /proc: CPU time
(user + system) over the wall time of the run, and the peak resident memory
(VmHWM); also the CPU time of its main thread apart (the engine's loop: the table,
the reports, the summary; the other threads mostly make the HTTP calls), and of the
kernel on its behalf (system time: sockets, files). A viewer attached over the run's
channel reads what saving the job table cost (count, rows, mean and longest save).
The anchor, side by side in the same run: openeo's ``MultiBackendJobManager`` with its
``CsvJobDatabase`` on the same tiles, in a process of its own, sampled the same way
(``--no-anchor`` skips it: at 10,000 tiles it takes a long while).

The local back-end is served with keep-alive (``--keep-alive``: connections stay open
between calls, as real back-ends keep theirs); ``--server werkzeug`` serves it as the
tests do, closing every connection after one answer, so each HTTP call pays a new TCP
connection.

Targets (issue 20): CPU < 10 % of wall and RSS < 300 MB at 400 and at 10,000 tiles.

    .venv/bin/python benchmarks/engine_cost.py --tiles 400 --parallel 25 --duration 2
    .venv/bin/python benchmarks/engine_cost.py --tiles 10000 --parallel 100 --duration 2
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openeo_grid_jobs.core.engine.channel import ChannelClient
from openeo_grid_jobs.core.engine.events import EventKind
from openeo_grid_jobs.core.engine.launch import engine_state
from openeo_grid_jobs.core.grid.grid import build_grid

from devtools.local_backend.launcher import PASSWORD, USERNAME, LocalBackend

REPO = Path(__file__).resolve().parent.parent
COMMAND = REPO / ".venv" / "bin" / "openeo-grid-jobs"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def tiles(count: int):
    """``count`` tiles of 1 km in a square block (UTM 31N)."""
    cols = math.ceil(math.sqrt(count))
    rows = math.ceil(count / cols)
    extent = (500000, 5600000, 500000 + cols * 1000, 5600000 + rows * 1000)
    return build_grid(extent, "EPSG:32631", 1000, max_tiles=10**6).tiles.iloc[:count]


@dataclass
class Usage:
    wall: float
    cpu: float
    peak_rss_mb: float
    #: CPU seconds of the main thread, and system CPU seconds of the whole process
    main_cpu: float = 0.0
    system_cpu: float = 0.0

    @property
    def share(self) -> float:
        return self.cpu / self.wall if self.wall else 0.0


def sample(pid: int, stop: threading.Event, seen: dict) -> None:
    """CPU seconds and peak RSS of ``pid`` until it exits (last values kept)."""
    proc = Path(f"/proc/{pid}")
    while not stop.is_set():
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            seen["cpu"] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
            seen["system_cpu"] = int(fields[12]) / CLOCK_TICKS
            main = (proc / "task" / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
            seen["main_cpu"] = (int(main[11]) + int(main[12])) / CLOCK_TICKS
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    seen["hwm_kb"] = int(line.split()[1])
        except (OSError, IndexError, ValueError):
            return
        stop.wait(0.2)


def measured(command: list[str], env: dict[str, str], on_start=None) -> tuple[Usage, str]:
    t0 = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seen: dict = {}
    stop = threading.Event()
    sampler = threading.Thread(target=sample, args=(child.pid, stop, seen), daemon=True)
    sampler.start()
    if on_start is not None:
        on_start()
    out, _ = child.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    sampler.join()
    if child.returncode not in (0, 3):
        raise SystemExit(f"{command[0]} failed ({child.returncode}):\n{out.decode()[-2000:]}")
    usage = Usage(wall, seen.get("cpu", 0.0), seen.get("hwm_kb", 0) / 1024)
    usage.main_cpu, usage.system_cpu = seen.get("main_cpu", 0.0), seen.get("system_cpu", 0.0)
    return usage, out.decode()


def ours(url: str, args: argparse.Namespace, work: Path) -> tuple[Usage, dict]:
    grid = work / "grid.gpkg"
    tiles(args.tiles).to_file(grid, engine="pyogrio")
    db = work / "jobs.csv"
    command = [str(COMMAND), "run", "--grid", str(grid), "--job-db", str(db)]
    command += ["--backend", url, "--username", USERNAME, "--parallel-jobs", str(args.parallel)]
    command += ["--start", "2024-05-01", "--end", "2024-08-01", "--poll-interval", "1"]
    ended: dict = {}

    def watch() -> None:  # a viewer, for the run's last word (what its saves cost)
        deadline = time.monotonic() + 120
        while not engine_state(db).live and time.monotonic() < deadline:
            time.sleep(0.05)
        done = threading.Event()

        def on_event(message: dict) -> None:
            if message.get("kind") == EventKind.ENDED:
                ended.update(message)
                done.set()

        client = ChannelClient.attach(db, on_event, wait=60)
        threading.Thread(target=lambda: (done.wait(), client.detach()), daemon=True).start()

    env = {**os.environ, "OPENEO_PASSWORD": PASSWORD}
    usage, _ = measured(command, env, on_start=watch)
    return usage, ended


ANCHOR = """
import json, sys, time
import openeo, pandas as pd
from openeo.extra.job_management import CsvJobDatabase, MultiBackendJobManager
from openeo_grid_jobs.core.jobs.template import JobTemplate, TileExtent
url, tiles, parallel, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
template = JobTemplate("2024-05-01", "2024-08-01")
connection = openeo.connect(url).authenticate_basic("alice", "alice123")
def start_job(row, connection, **kwargs):
    extent = TileExtent(row["tile_id"], 0, 0, 0, 0, geojson=json.loads(row["spatial_extent"]))
    return template.create_job(connection, extent, template.job_title(row["tile_id"], "anchor"))
manager = MultiBackendJobManager(poll_sleep=1, root_dir=work + "/anchor")
manager.add_backend("local", connection=connection, parallel_jobs=parallel)
frame = pd.read_csv(tiles)[["tile_id", "spatial_extent"]]
db = CsvJobDatabase(work + "/anchor.csv").initialize_from_df(frame)
manager.run_jobs(start_job=start_job, job_db=db)
"""


def anchor(url: str, args: argparse.Namespace, work: Path) -> Usage:
    from openeo_grid_jobs.core.jobs.table import frame_from_tiles

    table = work / "anchor-tiles.csv"
    frame_from_tiles(tiles(args.tiles), "2024-05-01", "2024-08-01").to_csv(table, index=False)
    command = [sys.executable, "-c", ANCHOR, url, str(table), str(args.parallel), str(work)]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    usage, _ = measured(command, env)
    return usage


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tiles", type=int, default=400)
    parser.add_argument("--parallel", type=int, default=25)
    parser.add_argument("--duration", type=float, default=2.0)
    parser.add_argument("--no-anchor", action="store_true")
    parser.add_argument(
        "--server",
        choices=("keep-alive", "werkzeug"),
        default="keep-alive",
        help="the local back-end's HTTP server (werkzeug: a connection per call)",
    )
    args = parser.parse_args()
    print(
        f"{args.tiles} tiles x {args.duration:g} s jobs, {args.parallel} at once, poll 1 s, "
        f"no downloads, back-end server {args.server}; targets: CPU < 10 % of wall, "
        "RSS < 300 MB"
    )
    print(
        f"{'manager':34} {'wall':>7} {'CPU':>7} {'CPU/wall':>9} {'peak RSS':>9}"
        f" {'main thread':>12} {'system':>7}"
    )
    runs = [("openeo-grid-jobs engine (CLI run)", ours)]
    if not args.no_anchor:
        runs.append(("openeo MultiBackendJobManager", anchor))
    saves = None
    for name, run in runs:
        with (
            LocalBackend(
                job_duration=args.duration,
                queue_time=0.1,
                keep_alive=args.server == "keep-alive",
            ) as backend,
            tempfile.TemporaryDirectory() as folder,
        ):
            result = run(backend.url, args, Path(folder))
        usage, ended = result if isinstance(result, tuple) else (result, {})
        saves = saves or ended.get("table_saves")
        print(
            f"{name:34} {usage.wall:>6.1f}s {usage.cpu:>6.1f}s {usage.share:>8.1%} "
            f"{usage.peak_rss_mb:>7.0f}MB {usage.main_cpu / usage.wall:>12.1%} "
            f"{usage.system_cpu / usage.wall:>7.1%}"
        )
    if saves:
        print(
            f"job table: {saves['count']} saves of {saves['rows']:,} rows, "
            f"{saves['mean_ms']:.1f} ms each on average, {saves['max_ms']:.1f} ms at most"
        )


if __name__ == "__main__":
    main()
