"""Small grids, back-end connections and request logs for runner tests."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace

import openeo
from openeo_grid_jobs.core.grid.grid import build_grid
from openeo_grid_jobs.core.jobs.database import JobDatabase
from openeo_grid_jobs.core.jobs.table import frame_from_tiles
from openeo_grid_jobs.core.jobs.template import JobTemplate
from openeo_grid_jobs.core.run.runner import Backend, GridJobRunner
from openeo_grid_jobs.core.run.scheduler import RunPolicy

from devtools.local_backend.launcher import PASSWORD, USERNAME

DATES = ("2024-05-01", "2024-08-01")


def small_grid(cols: int, rows: int, size: int = 5000):
    """``cols`` x ``rows`` tiles of the seed's Antwerp grid (UTM 31N)."""
    x0, y0 = 595000, 5660000
    return build_grid((x0, y0, x0 + cols * size, y0 + rows * size), "EPSG:32631", size).tiles


@dataclass
class RequestLog:
    """Every HTTP request the runner's connections make: (time sent, method, url).

    The time is when the request was sent (the answer's arrival less requests' own
    ``elapsed``): a request on the wire when the run stops is answered after it."""

    entries: list[tuple[float, str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hook(self, response, *args, **kwargs):
        sent = time.monotonic() - response.elapsed.total_seconds()
        with self.lock:
            self.entries.append((sent, response.request.method, response.request.url))

    def after(self, t: float) -> list[tuple[float, str, str]]:
        with self.lock:
            return [e for e in self.entries if e[0] > t]


def backend(url: str, name: str = "local", parallel: int = 2, log: RequestLog | None = None):
    def connect():
        con = openeo.connect(url)
        if log is not None:
            con.session.hooks["response"].append(log.hook)
        return con.authenticate_basic(USERNAME, PASSWORD)

    return Backend(name, connect, parallel)


def make_runner(
    tmp_path,
    backends,
    tiles=None,
    *,
    template=None,
    poll=0.3,
    updates=None,
    db_name="jobs.csv",
    output=True,
    **options,
):
    """A runner over ``tiles`` (3 x 2 by default); ``options`` go to GridJobRunner
    (``policy``, ``wall_clock``...)."""
    tiles = small_grid(3, 2) if tiles is None else tiles
    frame = frame_from_tiles(tiles, *DATES)
    db = JobDatabase(tmp_path / db_name)
    db.save(frame)
    return GridJobRunner(
        db,
        frame,
        template or JobTemplate(*DATES),
        backends,
        # ``poll`` wins over a given policy's (tests give limits or a budget there)
        policy=replace(options.pop("policy", None) or RunPolicy(), poll_interval=poll),
        output_dir=tmp_path / "results" if output else None,
        on_update=(updates.extend if updates is not None else None),
        **options,
    )


def run_in_thread(runner):
    stop = threading.Event()
    result = {}
    thread = threading.Thread(target=lambda: result.update(runner.run(stop)), daemon=True)
    thread.start()
    return thread, stop, result


def assert_one_job_per_tile(backends, frame) -> None:
    """Exactly one back-end job per tile and attempt, counted on the back-ends themselves
    (by the run's unique titles), and every job the table names is among them."""
    from collections import Counter

    tag = f"[{frame['run_tag'].iloc[0]}"
    jobs = [j for b in backends for j in b.all_jobs() if tag in (j["title"] or "")]
    per_title = Counter(j["title"] for j in jobs)
    assert all(n == 1 for n in per_title.values()), {t: n for t, n in per_title.items() if n > 1}
    assert set(frame["id"].dropna()) <= {j["id"] for j in jobs}


def wait_until(condition, timeout: float = 10.0, step: float = 0.05) -> None:
    """Wait for ``condition()`` to hold (polling every ``step`` s); fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout} s")
        time.sleep(step)
