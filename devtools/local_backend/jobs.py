"""A job of the local back-end and what it reports: status, progress, costs and usage.

Kept apart from the server so that what a job *says about itself* (the openEO API's
job metadata) can be read and tested without the HTTP layer around it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time

import pyproj
from openeo_driver.backend import BatchJobMetadata

from devtools.local_backend import results

COSTS_PER_KM2_DAY = 0.01
#: what one job holds while it runs, for its ``usage`` (cpu-seconds, mb-seconds)
CPUS_PER_JOB = 2
MEMORY_MB_PER_JOB = 4096
#: the error log line of a job failed by the ``error_fraction`` knob or a listed title
DEFAULT_FAILURE = "Simulated failure (error knob of the local back-end)"
#: where a job made to hang by a knob stays: ``hang_created_titles``, ``hang_running_titles``
HANG_STATES = ("created", "running")


def utc(ts: float | None) -> dt.datetime | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, tz=dt.timezone.utc)


@dataclasses.dataclass
class Job:
    id: str
    user_id: str
    process: dict
    title: str | None
    description: str | None
    job_options: dict | None
    created: float
    status: str = "created"
    updated: float = 0.0
    queued_at: float | None = None
    running_at: float | None = None
    finished_at: float | None = None
    duration: float = 0.0
    fail: bool = False
    #: the error log line of a job made to fail by a knob
    fail_message: str | None = None
    logs: list = dataclasses.field(default_factory=list)
    asset: dict | None = None  # {"name", "type", "bbox"}
    costs: float | None = None
    #: the openEO API's ``usage`` object, once the job has ended (finished or error)
    usage: dict | None = None
    #: one of ``HANG_STATES`` when a knob makes the job stay there (a lost start, a job
    #: that never ends): the stuck jobs a run must notice and cancel
    hang: str | None = None
    #: inserted by ``/_local/seed_jobs``: results are written when first asked for
    seeded: bool = False

    def metadata(self) -> BatchJobMetadata:
        return BatchJobMetadata(
            id=self.id,
            status=self.status,
            created=utc(self.created),
            updated=utc(self.updated or self.created),
            started=utc(self.running_at),
            finished=utc(self.finished_at),
            process=self.process,
            title=self.title,
            description=self.description,
            job_options=self.job_options,
            progress=self.progress(),
            costs=self.costs,
            usage=dict(self.usage) if self.usage else None,
        )

    def progress(self) -> float | None:
        """Percent done: the share of its duration a running job has run (never 100
        before it has finished, as back-ends report it)."""
        if self.status == "finished":
            return 100.0
        if self.status == "running" and self.running_at is not None and self.duration > 0:
            return round(min(99.0, 100 * (time.time() - self.running_at) / self.duration), 1)
        return None

    def settle_usage(self, result_bytes: int = 0) -> None:
        """Record what the ended job used, as openeo-geopyspark-driver back-ends report it:
        CPU and memory from its configured duration (not the scheduler's tick), so tests
        can expect exact values. ``duration`` is openeo-driver's own: the job's time from
        started to finished, whole seconds."""
        seconds = max(1, round(self.duration))
        self.usage = {
            "cpu": {"value": CPUS_PER_JOB * seconds, "unit": "cpu-seconds"},
            "memory": {"value": MEMORY_MB_PER_JOB * seconds, "unit": "mb-seconds"},
            "network": {"value": result_bytes // 1024, "unit": "kb"},
        }

    def log(self, level: str, message: str, code: str | None = None) -> None:
        entry = {
            "id": str(len(self.logs) + 1),
            "level": level,
            "message": message,
            "time": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        }
        if code:
            entry["code"] = code
        self.logs.append(entry)


def job_costs(request: results.Request) -> float:
    """What the job would cost: 0.01 credits per km² of its extent per day of its dates."""
    west, south, east, north = request.bounds
    crs = pyproj.CRS.from_epsg(request.epsg)
    if crs.is_geographic:
        lons, lats = [west, east, east, west], [south, south, north, north]
        area_m2 = abs(pyproj.Geod(ellps="WGS84").polygon_area_perimeter(lons, lats)[0])
    else:
        factor = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
        area_m2 = (east - west) * (north - south) * factor * factor
    days = 1
    if request.dates and request.dates[0] and request.dates[1]:
        start = dt.date.fromisoformat(str(request.dates[0])[:10])
        end = dt.date.fromisoformat(str(request.dates[1])[:10])
        days = max(1, (end - start).days)
    return round(COSTS_PER_KM2_DAY * area_m2 / 1e6 * days, 2)
