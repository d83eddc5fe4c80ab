"""Makespan and HTTP requests per job: our runner beside openEO's MultiBackendJobManager.

N tiles, each job runs a fixed D seconds on the local back-end, P in parallel,
the same poll interval for both. Prints, side by side in one run:
- efficiency = ideal / actual, with ideal = ceil(N / P) x D  (target >= 0.95);
- openEO API requests per finished job, counted by the back-end itself, so the
  anchor's own worker threads are counted too (target: fewer than the anchor).
Both download every result.

With ``--faults``, each manager talks to its own back-end through its own
seeded fault proxy (devtools/fault_proxy.py, same seed, same faults): 10 % 5xx,
5 % 429 (Retry-After 1), 2 % resets, 5 % lost answers, 10 % delays up to 1 s.
Then it also prints, per manager, the tiles finished and the back-end's own jobs
per tile (by title): duplicates (jobs beyond one per tile) and tiles without a
job. Each manager is stopped after 3 x ideal + 60 s and reports what it reached
by then. Our runner uses request timeout 10 s, lookup grace 5 s, backoff 0.5-5 s;
the anchor uses the openeo client's defaults.

    .venv/bin/python benchmarks/makespan.py [--tiles 200 --parallel 25 --duration 10 --poll 1]
    .venv/bin/python benchmarks/makespan.py --faults --seed 1 [...]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import openeo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openeo_grid_jobs.core.definitions import TileStatus
from openeo_grid_jobs.core.grid.grid import build_grid
from openeo_grid_jobs.core.jobs.database import JobDatabase
from openeo_grid_jobs.core.jobs.table import frame_from_tiles
from openeo_grid_jobs.core.jobs.template import JobTemplate, TileExtent
from openeo_grid_jobs.core.run.runner import Backend, GridJobRunner, RunEvent
from openeo_grid_jobs.core.run.scheduler import RunPolicy

from devtools.fault_proxy import FaultProxy
from devtools.faults import FAULT_KINDS, Faults
from devtools.local_backend.launcher import PASSWORD, USERNAME, LocalBackend

if TYPE_CHECKING:
    import pandas as pd

DATES = ("2024-05-01", "2024-08-01")
FAULTS = Faults(
    error_5xx=0.10, rate_429=0.05, reset=0.02, lost_answer=0.05, delay=0.10, max_delay=1.0
)
OUR_FAULT_POLICY = dict(request_timeout=10.0, lookup_grace=5.0, backoff_base=0.5, backoff_max=5.0)


@dataclass
class Outcome:
    """What one manager reached: its time, its job table, and why it ended."""

    elapsed: float
    table: pd.DataFrame  # the job database's rows
    results: int  # tiles whose result is on disk
    ended: str = "done"  # "done", "stopped at the deadline", "raised ..."
    events: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


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


def login(url: str, attempts: int = 1) -> openeo.Connection:
    """The openeo client's defaults; under faults a user would just run the cell again."""
    for attempt in range(1, attempts + 1):
        try:
            return openeo.connect(url).authenticate_basic(USERNAME, PASSWORD)
        except Exception:
            if attempt == attempts:
                raise
            time.sleep(1)
    raise AssertionError("unreachable")


def ours(url: str, args: argparse.Namespace, work: Path, deadline: float | None) -> Outcome:
    frame = frame_from_tiles(tiles(args.tiles), *DATES)
    knobs = OUR_FAULT_POLICY if args.faults else {}
    events: list[str] = []

    def on_event(event: RunEvent) -> None:
        events.append(f"{event.level}: {event.message}")

    runner = GridJobRunner(
        JobDatabase(work / "ours.csv"),
        frame,
        JobTemplate(*DATES),
        [Backend("local", lambda: login(url), args.parallel)],
        policy=RunPolicy(poll_interval=args.poll, **knobs),
        output_dir=work / "ours",
        on_event=on_event,
    )
    stop = threading.Event()
    timer = threading.Timer(deadline, stop.set) if deadline else None
    ended = "done"
    t0 = time.perf_counter()
    if timer:
        timer.start()
    try:
        counts = runner.run(stop)
    except Exception as exc:  # report it beside the figures
        if not args.faults:
            raise
        counts, ended = runner.counts(), f"raised {type(exc).__name__}: {exc}"
    elapsed = time.perf_counter() - t0
    if timer:
        timer.cancel()
    if stop.is_set():
        ended = "stopped at the deadline"
    if not args.faults:
        assert counts == {TileStatus.FINISHED.value: args.tiles}, counts
    table = runner.frame.copy()
    results = int(table["result"].notna().sum())
    # a refusal of one more job lowers this at once; it recovers one job a minute
    allowed = runner.scheduler.limit("local")
    notes = [f"jobs at once allowed at the end: {allowed} of {args.parallel}"]
    return Outcome(elapsed, table, results, ended, events, notes)


def anchor(url: str, args: argparse.Namespace, work: Path, deadline: float | None) -> Outcome:
    from openeo.extra.job_management import CsvJobDatabase, MultiBackendJobManager

    class StoppableCsv(CsvJobDatabase):
        """Reports no active tile once ``stopped``, which ends ``run_jobs``' loop at its
        next check (``stop_job_thread`` only ends ``start_job_thread``'s loop, and only
        once no tile is active)."""

        stopped = False

        def count_by_status(self, statuses=()):
            return {} if self.stopped else super().count_by_status(statuses)

    frame = frame_from_tiles(tiles(args.tiles), *DATES)[["tile_id", "spatial_extent"]]
    template = JobTemplate(*DATES)
    connection = login(url, attempts=5 if args.faults else 1)

    def start_job(row, connection, **kwargs):
        extent = TileExtent(row["tile_id"], 0, 0, 0, 0, geojson=json.loads(row["spatial_extent"]))
        return template.create_job(connection, extent, template.job_title(row["tile_id"], "anchor"))

    manager = MultiBackendJobManager(poll_sleep=args.poll, root_dir=work / "anchor")
    manager.add_backend("local", connection=connection, parallel_jobs=args.parallel)
    db = StoppableCsv(work / "anchor.csv").initialize_from_df(frame)
    raised: list[BaseException] = []

    def run() -> None:
        try:
            manager.run_jobs(start_job=start_job, job_db=db)
        except BaseException as exc:
            raised.append(exc)

    thread = threading.Thread(target=run, name="anchor-run-jobs", daemon=True)
    t0 = time.perf_counter()
    thread.start()
    thread.join(deadline)
    elapsed = time.perf_counter() - t0
    ended = "done"
    if thread.is_alive():
        db.stopped = True  # its loop ends at the next check; a hung request may keep it
        thread.join(30)
        ended = "stopped at the deadline"
        if thread.is_alive():
            ended += " (its thread was still busy 30 s later and was left behind)"
    elif raised:
        ended = f"raised {type(raised[0]).__name__}: {raised[0]}"
        if not args.faults:
            raise raised[0]
    try:
        table = CsvJobDatabase(work / "anchor.csv").read()
    except Exception:  # a write in progress by a left-behind thread
        table = db.df.copy()
    if not args.faults:
        statuses = set(table["status"])
        assert statuses == {TileStatus.FINISHED.value}, statuses
    results = 0
    for job_id in table.loc[table["status"] == TileStatus.FINISHED.value, "id"]:
        job_dir = manager.get_job_dir(str(job_id))
        if job_dir.is_dir() and any(not p.name.startswith("job_") for p in job_dir.iterdir()):
            results += 1
    return Outcome(elapsed, table, results, ended)


def jobs_per_tile(backend: LocalBackend, tile_ids: list[str]) -> tuple[dict, list[dict]]:
    """The back-end's jobs by tile (by title): tile id → jobs; and jobs of no tile."""
    wanted = set(tile_ids)
    per_tile: dict[str, list[dict]] = {t: [] for t in tile_ids}
    strays = []
    for job in backend.all_jobs():
        tile = next((w for w in str(job.get("title") or "").split() if w in wanted), None)
        if tile is None:
            strays.append(job)
        else:
            per_tile[tile].append(job)
    return per_tile, strays


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tiles", type=int, default=200)
    parser.add_argument("--parallel", type=int, default=25)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--poll", type=float, default=1.0)
    parser.add_argument("--faults", action="store_true", help="a fault proxy before each back-end")
    parser.add_argument("--seed", type=int, default=1, help="the fault proxies' seed")
    args = parser.parse_args()
    if args.faults:
        log = Path(tempfile.mkstemp(prefix="makespan-faults-", suffix=".log")[1])
        logging.basicConfig(
            filename=log,
            level=logging.INFO,
            format="%(asctime)s %(name)s %(levelname)s %(message)s",
        )
        logging.captureWarnings(True)  # one per request otherwise, from the anchor's threads
    else:
        # the anchor warns on every job that basic auth has no token to refresh
        logging.getLogger("openeo.extra.job_management").setLevel(logging.ERROR)
    ideal = math.ceil(args.tiles / args.parallel) * args.duration
    deadline = 3 * ideal + 60 if args.faults else None
    print(
        f"{args.tiles} tiles x {args.duration:g} s, {args.parallel} parallel, poll {args.poll:g} s;"
        f" ideal makespan {ideal:.0f} s"
    )
    if args.faults:
        print(
            f"faults (seed {args.seed}, one proxy per manager): 10 % 5xx, 5 % 429 (Retry-After 1),"
            f" 2 % resets, 5 % lost answers, 10 % delays up to 1 s; each stopped after"
            f" {deadline:.0f} s"
        )
    if not args.faults:
        print(f"{'manager':36} {'makespan':>9} {'efficiency':>10} {'requests/job':>13}")
    rows = []
    for name, run in (("openeo-grid-jobs runner", ours), ("openeo MultiBackendJobManager", anchor)):
        with (
            LocalBackend(job_duration=args.duration, queue_time=0.2) as backend,
            tempfile.TemporaryDirectory() as work,
        ):
            if not args.faults:
                outcome = run(backend.url, args, Path(work), deadline)
                per_job = backend.requests_served() / args.tiles
                elapsed = outcome.elapsed
                print(f"{name:36} {elapsed:>8.1f}s {ideal / elapsed:>10.3f} {per_job:>13.1f}")
                continue
            with FaultProxy(backend.url, FAULTS, seed=args.seed) as proxy:
                outcome = run(proxy.url, args, Path(work), deadline)
                faults = proxy.stats()
            per_job = backend.requests_served() / args.tiles
            per_tile, strays = jobs_per_tile(backend, list(outcome.table["tile_id"].astype(str)))
        rows.append((name, outcome, per_job, per_tile, strays, faults))
    if not args.faults:
        print("targets: efficiency >= 0.95; fewer requests per job than the anchor")
        return
    report(rows, ideal, args.tiles)
    print(f"\nlog of both runs: {log}")


def report(rows: list, ideal: float, count: int) -> None:
    """The faults mode's table, then per manager what went wrong, tile by tile."""
    print(
        f"{'manager':31} {'makespan':>9} {'efficiency':>10} {'requests/job':>12}"
        f" {'finished':>9} {'results':>7} {'jobs':>5} {'duplicates':>10} {'no job':>6}"
    )
    for name, outcome, per_job, per_tile, strays, _ in rows:
        finished = int((outcome.table["status"] == TileStatus.FINISHED.value).sum())
        jobs = sum(len(j) for j in per_tile.values()) + len(strays)
        duplicates = sum(max(0, len(j) - 1) for j in per_tile.values())
        without = sum(1 for j in per_tile.values() if not j)
        stray = f" (+{len(strays)} of no tile)" if strays else ""
        print(
            f"{name:31} {outcome.elapsed:>8.1f}s {ideal / outcome.elapsed:>10.3f}"
            f" {per_job:>12.1f} {f'{finished}/{count}':>9} {outcome.results:>7} {jobs:>5}"
            f" {duplicates:>10} {without:>6}{stray}"
        )
    for name, outcome, _, per_tile, strays, faults in rows:
        table = outcome.table
        on_backend = Counter(j["status"] for jobs in per_tile.values() for j in jobs)
        injected = {k: faults[k] for k in FAULT_KINDS if faults.get(k)}
        print(f"\n{name}: {outcome.ended}")
        print(f"  job table statuses: {dict(Counter(table['status'].astype(str)))}")
        print(f"  back-end job statuses: {dict(on_backend)}")
        for note in outcome.notes:
            print(f"  {note}")
        print(
            f"  proxy: {faults['requests']} requests, {faults['forwarded']} forwarded;"
            f" injected {injected}"
        )
        for tile, jobs in per_tile.items():
            if len(jobs) > 1:
                listed = ", ".join(f"{j['id']} {j['status']}" for j in jobs)
                print(f"  duplicate: tile {tile} has {len(jobs)} jobs: {listed}")
            elif not jobs:
                print(f"  no job: tile {tile}")
        for job in strays:
            print(f"  job of no tile: {job}")
        for _, row in table[table["status"] != TileStatus.FINISHED.value].iterrows():
            message = row.get("message", None)
            said = "" if message is None or message != message else f" message={message!r}"
            print(
                f"  unfinished: tile {row['tile_id']} status={row['status']} id={row['id']}{said}"
            )
        for event in outcome.events:
            print(f"  event: {event}")


if __name__ == "__main__":
    main()
