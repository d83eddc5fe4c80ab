"""Makespan and HTTP requests per job: our runner beside openEO's MultiBackendJobManager.

N tiles, each job runs a fixed D seconds on the local back-end, P in parallel,
the same poll interval for both. Prints, side by side in one run:
- efficiency = ideal / actual, with ideal = ceil(N / P) x D  (target >= 0.95);
- openEO API requests per finished job, counted by the back-end itself, so the
  anchor's own worker threads are counted too (target: fewer than the anchor).
Both download every result.

    .venv/bin/python benchmarks/makespan.py [--tiles 200 --parallel 25 --duration 10 --poll 1]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import threading
import time
from pathlib import Path

import openeo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openeo_grid_jobs.core.grid import build_grid
from openeo_grid_jobs.core.job_db import JobDatabase, frame_from_tiles
from openeo_grid_jobs.core.job_template import JobTemplate
from openeo_grid_jobs.core.runner import Backend, GridJobRunner

from devtools.local_backend.launcher import PASSWORD, USERNAME, LocalBackend

DATES = ("2024-05-01", "2024-08-01")


def tiles(count: int):
    cols = math.ceil(math.sqrt(count))
    rows = math.ceil(count / cols)
    grid = build_grid(
        (500000, 5600000, 500000 + cols * 1000, 5600000 + rows * 1000),
        "EPSG:32631",
        1000,
        max_tiles=10**6,
    )
    return grid.tiles.iloc[:count]


def ours(url: str, count: int, parallel: int, poll: float, work: Path) -> float:
    frame = frame_from_tiles(tiles(count), *DATES)
    connect = lambda: openeo.connect(url).authenticate_basic(USERNAME, PASSWORD)  # noqa: E731
    runner = GridJobRunner(
        JobDatabase(work / "ours.csv"),
        frame,
        JobTemplate(*DATES),
        [Backend("local", connect, parallel)],
        poll_interval=poll,
        output_dir=work / "ours",
    )
    t0 = time.perf_counter()
    counts = runner.run(threading.Event())
    assert counts == {"finished": count}, counts
    return time.perf_counter() - t0


def anchor(url: str, count: int, parallel: int, poll: float, work: Path) -> float:
    from openeo.extra.job_management import CsvJobDatabase, MultiBackendJobManager

    frame = frame_from_tiles(tiles(count), *DATES)[["tile_id", "spatial_extent"]]
    template = JobTemplate(*DATES)
    connection = openeo.connect(url).authenticate_basic(USERNAME, PASSWORD)

    def start_job(row, connection, **kwargs):
        import json

        from openeo_grid_jobs.core.job_template import TileExtent

        extent = TileExtent(row["tile_id"], 0, 0, 0, 0, geojson=json.loads(row["spatial_extent"]))
        return template.create_job(connection, extent, "anchor")

    manager = MultiBackendJobManager(poll_sleep=poll, root_dir=work / "anchor")
    manager.add_backend("local", connection=connection, parallel_jobs=parallel)
    db = CsvJobDatabase(work / "anchor.csv").initialize_from_df(frame)
    t0 = time.perf_counter()
    manager.run_jobs(start_job=start_job, job_db=db)
    elapsed = time.perf_counter() - t0
    statuses = set(CsvJobDatabase(work / "anchor.csv").read()["status"])
    assert statuses == {"finished"}, statuses
    return elapsed


def main() -> None:
    import logging

    # the anchor warns on every job that basic auth has no token to refresh
    logging.getLogger("openeo.extra.job_management").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser()
    parser.add_argument("--tiles", type=int, default=200)
    parser.add_argument("--parallel", type=int, default=25)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--poll", type=float, default=1.0)
    args = parser.parse_args()
    ideal = math.ceil(args.tiles / args.parallel) * args.duration
    print(
        f"{args.tiles} tiles x {args.duration:g} s, {args.parallel} parallel, poll {args.poll:g} s;"
        f" ideal makespan {ideal:.0f} s"
    )
    print(f"{'manager':36} {'makespan':>9} {'efficiency':>10} {'requests/job':>13}")
    for name, run in (("openeo-grid-jobs runner", ours), ("openeo MultiBackendJobManager", anchor)):
        with (
            LocalBackend(job_duration=args.duration, queue_time=0.2) as backend,
            tempfile.TemporaryDirectory() as work,
        ):
            elapsed = run(backend.url, args.tiles, args.parallel, args.poll, Path(work))
            per_job = backend.requests_served() / args.tiles
        print(f"{name:36} {elapsed:>8.1f}s {ideal / elapsed:>10.3f} {per_job:>13.1f}")
    print("targets: efficiency >= 0.95; fewer requests per job than the anchor")


if __name__ == "__main__":
    main()
