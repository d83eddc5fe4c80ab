"""Serve openeo-driver's dummy back-end on 127.0.0.1, with batch jobs that really run.

Run with the back-end venv (``.venv-backend/bin/python -m devtools.local_backend.server``).
Prints ``openEO back-end ready at <url>`` once it accepts requests.

On top of the dummy back-end:
- collection ``SENTINEL2_L2A`` (B02, B03, B04, B08, SCL);
- jobs move ``created → queued → running → finished`` on their own (``--job-duration``,
  ``--jitter``), at most ``--max-running`` running per user, the rest ``queued``;
- unknown collection/band/format → ``error`` with a log entry; ``--error-fraction`` and
  ``--error-title`` make chosen jobs fail, each title with its own error log line if
  wanted (``--error-title "tile 7=OOM: Java heap space"``); cancel → ``canceled``;
  delete removes files;
- ``GET /jobs/{id}/logs`` gives every entry (``id``, ``level``, ``message``, ``time``,
  ``code`` on errors) from ``debug`` up: queued, running, what was loaded, the result
  or the ``error`` line;
- results are real GTiff/netCDF files of synthetic NDVI over the job's extent and dates;
- ``--state-dir`` keeps jobs on disk, so a restarted back-end still knows them;
- ``GET /jobs`` pages as the openEO API says: ``?limit=N`` gives the newest N jobs and a
  ``links`` entry ``{"rel": "next", "href": ".../jobs?limit=N&page=1"}`` while more remain
  (no ``limit``: every job, unless the ``max_page_size`` knob caps pages);
- finished jobs report ``costs`` (0.01 credits per km² per day of the job's extent);
  ``GET /jobs/{id}/estimate`` answers before the job runs with those ``costs`` (times
  the ``estimate_factor`` knob), a ``duration``, a ``size`` and ``expires``; the
  ``estimates`` knob off answers 501 ``FeatureUnsupported`` as back-ends without
  estimates do;
- running jobs report ``progress`` (the share of their duration run so far); ended jobs
  report ``usage`` (``cpu``, ``memory``, ``duration``, ``network``, as the openEO API
  names them) in their own metadata (``GET /jobs/{id}``), not in listings;
- the ``max_queued`` knob refuses a start while that many jobs wait ``queued`` (400
  ``TooManyQueuedJobs``, a queue cap as some back-ends have beside their running limit);
  the ``hang_created_titles`` / ``hang_running_titles`` knobs make chosen jobs stay
  ``created`` after an accepted start, or run and never finish;
- ``--keep-alive`` serves it with waitress, which keeps connections open between
  requests as real back-ends do (the benchmarks use it: werkzeug's server, the
  default, closes each connection after one answer, so a client pays a new TCP
  connection per call);
- test helpers (loopback only): ``GET/POST /_local/knobs`` read/change the knobs at run
  time, ``GET /_local/jobs`` lists every job of every user, ``POST /_local/seed_jobs``
  inserts many jobs at once, ``POST /_local/delete_job`` removes a job as if someone
  else deleted it, ``POST /_local/revoke_basic_tokens`` makes a user's basic-auth
  bearer tokens invalid (401 ``TokenInvalid``) until the user logs in again.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import ipaddress
import json
import logging
import os
import random
import shutil
import signal
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, ClassVar

os.environ.setdefault("OPENEO_BACKEND_CONFIG", str(Path(__file__).with_name("backend_config.py")))

import flask
from openeo.rest.models.logs import normalize_log_level
from openeo_driver.backend import BatchJobMetadata, BatchJobResultMetadata, JobListing
from openeo_driver.constants import DEFAULT_LOG_LEVEL_RETRIEVAL
from openeo_driver.dummy.dummy_backend import (
    DummyBackendImplementation,
    DummyBatchJobs,
    DummyCatalog,
)
from openeo_driver.errors import (
    FeatureUnsupportedException,
    JobNotFinishedException,
    JobNotFoundException,
    OpenEOApiException,
    TokenInvalidException,
)
from openeo_driver.users import User
from openeo_driver.views import build_app
from werkzeug.serving import make_server

from devtools.local_backend import results
from devtools.local_backend.jobs import DEFAULT_FAILURE, Job, job_costs, utc
from devtools.local_backend.knobs import Knobs

_log = logging.getLogger("local-backend")

SENTINEL2_BANDS = [
    {"name": "B02", "common_name": "blue", "center_wavelength": 0.4927},
    {"name": "B03", "common_name": "green", "center_wavelength": 0.5598},
    {"name": "B04", "common_name": "red", "center_wavelength": 0.6646},
    {"name": "B08", "common_name": "nir", "center_wavelength": 0.8328},
    {"name": "SCL"},
]
SENTINEL2_L2A = {
    "id": "SENTINEL2_L2A",
    "title": "Sentinel-2 L2A (synthetic, local)",
    "description": "Synthetic Sentinel-2 level-2A bands, smooth functions of lon/lat.",
    "license": "proprietary",
    "extent": {
        "spatial": {"bbox": [[-180, -56, 180, 84]]},
        "temporal": {"interval": [["2015-07-06T00:00:00Z", None]]},
    },
    "cube:dimensions": {
        "x": {"type": "spatial", "axis": "x", "reference_system": {"$schema": "", "id": 4326}},
        "y": {"type": "spatial", "axis": "y", "reference_system": {"$schema": "", "id": 4326}},
        "t": {"type": "temporal", "extent": ["2015-07-06T00:00:00Z", None]},
        "bands": {"type": "bands", "values": [b["name"] for b in SENTINEL2_BANDS]},
    },
    "summaries": {
        "eo:bands": SENTINEL2_BANDS,
    },
    "links": [],
}
ACTIVE = ("queued", "running")


def seed_process(index: int, fmt: str = "GTiff") -> dict:
    """The NDVI graph of a 5 km tile near Antwerp, a different tile per ``index``."""
    west = 595000 + (index % 40) * 5000
    south = 5660000 + (index // 40) % 40 * 5000
    extent = {"west": west, "south": south, "east": west + 5000, "north": south + 5000}
    return {
        "process_graph": {
            "loadcollection1": {
                "process_id": "load_collection",
                "arguments": {
                    "id": SENTINEL2_L2A["id"],
                    "spatial_extent": {**extent, "crs": 32631},
                    "temporal_extent": ["2024-05-01", "2024-08-01"],
                    "bands": ["B04", "B08"],
                },
            },
            "ndvi1": {
                "process_id": "ndvi",
                "arguments": {"data": {"from_node": "loadcollection1"}},
            },
            "reducedimension1": {
                "process_id": "reduce_dimension",
                "arguments": {
                    "data": {"from_node": "ndvi1"},
                    "dimension": "t",
                    "reducer": {
                        "process_graph": {
                            "mean1": {
                                "process_id": "mean",
                                "arguments": {"data": {"from_parameter": "data"}},
                                "result": True,
                            }
                        }
                    },
                },
            },
            "saveresult1": {
                "process_id": "save_result",
                "arguments": {"data": {"from_node": "reducedimension1"}, "format": fmt},
                "result": True,
            },
        }
    }


SEED_STATUSES = ("created", "queued", "running", "finished", "error", "canceled")


class JobStore:
    """All jobs, advanced by a scheduler thread; optionally persisted as JSON."""

    def __init__(self, knobs: Knobs, data_dir: Path, state_file: Path | None) -> None:
        self.knobs = knobs
        self.data_dir = data_dir
        self.state_file = state_file
        self.lock = threading.RLock()
        self.save_lock = threading.Lock()
        self.write_lock = threading.Lock()  # one result file at a time: HDF5 is not thread-safe
        self.jobs: dict[str, Job] = {}
        #: per user: how often their basic-auth tokens were revoked (tokens carry it)
        self.token_generations: dict[str, int] = {}
        self.rng = random.Random(knobs.seed)
        self._stop = threading.Event()
        if state_file is not None and state_file.exists():
            raw = json.loads(state_file.read_text())
            self.jobs = {j["id"]: Job(**j) for j in raw["jobs"]}
            self.token_generations = dict(raw.get("basic_token_generations", {}))
            _log.info("restored %d jobs from %s", len(self.jobs), state_file)

    # --- persistence -----------------------------------------------------------
    def save(self) -> None:
        if self.state_file is None:
            return
        with self.save_lock:  # one writer at a time: they share the temporary file
            with self.lock:
                payload = {
                    "jobs": [dataclasses.asdict(j) for j in self.jobs.values()],
                    "basic_token_generations": dict(self.token_generations),
                }
            tmp = self.state_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(payload))
            tmp.replace(self.state_file)

    # --- API operations ------------------------------------------------------------
    def create(self, user_id: str, process: dict, metadata: dict, job_options: dict | None) -> Job:
        title = metadata.get("title") or ""
        if _matches(title, self.knobs.reject_titles):
            raise OpenEOApiException(
                message=f"Job {title!r} refused (reject knob of the local back-end)",
                code="Internal" if self.knobs.reject_status >= 500 else "ProcessGraphInvalid",
                status_code=self.knobs.reject_status,
            )
        now = time.time()
        job = Job(
            id=f"j-{uuid.uuid4().hex[:24]}",
            user_id=user_id,
            process=process,
            title=metadata.get("title"),
            description=metadata.get("description"),
            job_options=job_options,
            created=now,
            updated=now,
        )
        with self.lock:
            self.jobs[job.id] = job
        self.save()
        return job

    def get(self, job_id: str, user_id: str) -> Job:
        with self.lock:
            job = self.jobs.get(job_id)
        if job is None or job.user_id != user_id:
            raise JobNotFoundException(job_id)
        return job

    def start(self, job_id: str, user_id: str) -> None:
        knobs = self.knobs
        with self.lock:
            job = self.get(job_id, user_id)
            if job.status in ("queued", "running"):
                return
            mine = [j.status for j in self.jobs.values() if j.user_id == user_id]
            active = sum(1 for status in mine if status in ACTIVE)
            if knobs.max_active and active >= knobs.max_active:
                raise OpenEOApiException(
                    message=f"You have reached the limit of {knobs.max_active} concurrent "
                    "batch jobs; wait for one to finish.",
                    code="ConcurrentJobLimit",
                    status_code=400,
                )
            if knobs.max_queued and mine.count("queued") >= knobs.max_queued:
                raise OpenEOApiException(
                    message=f"Too many queued jobs: at most {knobs.max_queued} batch jobs "
                    "may wait in the queue; start this one once others are running.",
                    code="TooManyQueuedJobs",
                    status_code=400,
                )
            title = job.title or ""
            if _matches(title, knobs.hang_created_titles):
                job.hang = "created"  # accepted, and lost: the job never leaves `created`
                job.log("info", "job start accepted")
                return
            job.hang = "running" if _matches(title, knobs.hang_running_titles) else None
            now = time.time()
            job.status, job.queued_at, job.updated = "queued", now, now
            job.running_at = job.finished_at = None
            job.duration = max(
                0.0, knobs.job_duration + self.rng.uniform(-knobs.jitter, knobs.jitter)
            )
            job.fail_message = _failure_for(job.title or "", knobs.error_titles)
            if job.fail_message is None and self.rng.random() < knobs.error_fraction:
                job.fail_message = DEFAULT_FAILURE
            job.fail = job.fail_message is not None
            job.log("info", "job queued")
        self.save()

    def cancel(self, job_id: str, user_id: str) -> None:
        with self.lock:
            job = self.get(job_id, user_id)
            if job.status in ("created", "queued", "running"):
                job.status, job.updated = "canceled", time.time()
                job.log("info", "job canceled by user")
        self.save()

    def delete(self, job_id: str, user_id: str | None) -> None:
        """Delete a job of ``user_id`` (``None``: of whoever owns it, a test helper)."""
        with self.lock:
            if user_id is None and job_id not in self.jobs:
                raise JobNotFoundException(job_id)
            if user_id is not None:
                self.get(job_id, user_id)
            del self.jobs[job_id]
        shutil.rmtree(self.data_dir / job_id, ignore_errors=True)
        self.save()

    def seed(
        self,
        user_id: str,
        count: int,
        title_prefix: str = "old job",
        status: str = "finished",
        fmt: str = "GTiff",
    ) -> list[str]:
        """Insert ``count`` jobs of ``user_id`` at once, created a day ago and earlier
        (a minute apart, the first one newest). Finished ones have costs; their result
        files are written when first asked for."""
        if status not in SEED_STATUSES:
            raise ValueError(f"status must be one of {SEED_STATUSES}")
        if not (isinstance(count, int) and 0 <= count <= 100_000):
            raise ValueError("count must be an integer from 0 to 100000")
        now = time.time()
        start = now - 86400
        seeded: list[Job] = []
        costs = job_costs(results.parse(seed_process(0, fmt)))  # every seeded tile alike
        for i in range(count):
            process = seed_process(i, fmt)
            created = start - 60 * i
            job = Job(
                id=f"j-{uuid.uuid4().hex[:24]}",
                user_id=user_id,
                process=process,
                title=f"{title_prefix} {i}",
                description=None,
                job_options=None,
                created=created,
                updated=created,
                status=status,
                seeded=True,
            )
            if status in ("queued", "running", "finished", "error"):
                job.queued_at = created + 1
                job.duration = self.knobs.job_duration
                job.log("info", "job queued")
            if status in ("running", "finished", "error"):
                job.running_at = now if status == "running" else created + 2
                job.log("info", "job running")
            if status in ("finished", "error"):
                job.finished_at = job.updated = created + 30
                job.settle_usage()
            if status == "finished":
                job.costs = costs
                job.log("info", "finished (seeded)")
            elif status == "error":
                job.log("error", "Simulated failure (seeded job)")
            elif status == "canceled":
                job.log("info", "job canceled by user")
            seeded.append(job)
        with self.lock:
            self.jobs.update((j.id, j) for j in seeded)
        self.save()
        return [j.id for j in seeded]

    def write_result(self, job: Job) -> dict:
        """Write the job's result file (once per job); return its asset."""
        request = results.parse(job.process)
        with self.write_lock:
            name, media_type = results.write(request, self.data_dir / job.id)
        return {"name": name, "type": media_type}

    # --- basic-auth tokens --------------------------------------------------------
    def basic_token(self, user_id: str) -> str:
        """The bearer token of a fresh basic login: ``base64(user)`` as in openeo-driver,
        plus ``.N`` once the user's tokens have been revoked N times."""
        token = base64.urlsafe_b64encode(user_id.encode("utf-8")).decode("ascii")
        with self.lock:
            generation = self.token_generations.get(user_id, 0)
        return f"{token}.{generation}" if generation else token

    def basic_user(self, token: str) -> str:
        """The user of a basic bearer token; TokenInvalid once revoked."""
        encoded, _, generation = token.partition(".")
        try:
            user_id = base64.urlsafe_b64decode(encoded.encode("ascii")).decode("utf-8")
            issued = int(generation or 0)
        except Exception:
            raise TokenInvalidException() from None
        with self.lock:
            current = self.token_generations.get(user_id, 0)
        if issued != current:
            raise RevokedTokenException()
        return user_id

    def revoke_basic_tokens(self, user_id: str) -> int:
        with self.lock:
            generation = self.token_generations.get(user_id, 0) + 1
            self.token_generations[user_id] = generation
        self.save()
        return generation

    # --- scheduler -------------------------------------------------------------------
    def run_scheduler(self, tick: float = 0.05) -> None:
        while not self._stop.wait(tick):
            try:
                self.tick()
            except Exception:  # keep serving; the failing job is logged
                _log.exception("scheduler tick failed")

    def stop(self) -> None:
        self._stop.set()

    def tick(self) -> None:
        now = time.time()
        to_finish: list[Job] = []
        changed = False
        with self.lock:
            running: dict[str, int] = {}
            for job in self.jobs.values():
                if job.status == "running":
                    running[job.user_id] = running.get(job.user_id, 0) + 1
            queued = sorted(
                (j for j in self.jobs.values() if j.status == "queued"), key=lambda j: j.queued_at
            )
            limit = self.knobs.max_running
            for job in queued:
                if now - job.queued_at < self.knobs.queue_time:
                    continue
                if limit and running.get(job.user_id, 0) >= limit:
                    continue
                job.status, job.running_at, job.updated = "running", now, now
                running[job.user_id] = running.get(job.user_id, 0) + 1
                job.log("info", "job running")
                changed = True
            for job in self.jobs.values():
                if job.hang == "running":
                    continue
                if job.status == "running" and now - job.running_at >= job.duration:
                    to_finish.append(job)
        for job in to_finish:  # one at a time: netCDF4/HDF5 is not thread-safe
            self._finish(job)
        if changed or to_finish:
            self.save()

    def _finish(self, job: Job) -> None:
        """Run the job's 'processing' (outside the lock) and settle its final status."""
        costs, size = None, 0
        try:
            request = results.parse(job.process)
            self._validate(request)
            job.log("debug", _loading_line(request))
            if job.fail:
                raise results.ProcessGraphError(job.fail_message or DEFAULT_FAILURE)
            asset = self.write_result(job)
            costs = job_costs(request)
            size = (self.data_dir / job.id / asset["name"]).stat().st_size
            status, level, message = "finished", "info", f"wrote {asset['name']}"
        except Exception as exc:
            asset, status, level, message = None, "error", "error", str(exc)
        with self.lock:
            if job.status != "running":  # canceled meanwhile
                return
            job.asset, job.costs = asset, costs
            job.status, job.finished_at, job.updated = status, time.time(), time.time()
            job.settle_usage(size)
            if status == "error":
                job.log("warning", "Stage 3 failed; the job stops (no retries left)")
                job.log(level, message, code="Internal")
            else:
                job.log(level, message)
                job.log("info", f"usage: {costs} credits")

    def estimate(self, job_id: str, user_id: str) -> dict:
        """``GET /jobs/{id}/estimate``: what the job would cost (the costs it reports when
        it finishes, times the ``estimate_factor`` knob), how long it runs, its size."""
        job = self.get(job_id, user_id)
        if not self.knobs.estimates:
            raise FeatureUnsupportedException("Cost estimates are not supported here.")
        try:
            request = results.parse(job.process)
            self._validate(request)
        except results.ProcessGraphError as exc:
            raise OpenEOApiException(
                message=f"Cannot estimate job {job_id}: {exc}",
                code="ProcessGraphInvalid",
                status_code=400,
            ) from None
        xs, ys, _ = results._pixel_grid(request)
        seconds = max(1, round(self.knobs.job_duration + self.knobs.queue_time))
        expires = utc(time.time() + 86400)
        assert expires is not None
        return {
            "costs": round(job_costs(request) * self.knobs.estimate_factor, 2),
            "duration": f"PT{seconds}S",
            "size": int(len(xs) * len(ys) * 4),
            "downloads_included": None,
            "expires": expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    def _validate(self, request: results.Request) -> None:
        if request.collection != SENTINEL2_L2A["id"] and request.collection not in CATALOG_IDS:
            raise results.ProcessGraphError(f"Collection {request.collection!r} does not exist.")
        if request.collection == SENTINEL2_L2A["id"] and request.bands:
            known = {b["name"] for b in SENTINEL2_BANDS}
            unknown = [b for b in request.bands if b not in known]
            if unknown:
                raise results.ProcessGraphError(
                    f"Band(s) {unknown} do not exist in {request.collection}; "
                    f"available: {sorted(known)}"
                )


def _matches(title: str, parts: list[str]) -> bool:
    return any(part and part in title for part in parts)


def _failure_for(title: str, error_titles: list[str] | dict[str, str]) -> str | None:
    """The error message of a job the ``error_titles`` knob makes fail, or None."""
    pairs = (
        error_titles.items()
        if isinstance(error_titles, dict)
        else ((t, DEFAULT_FAILURE) for t in error_titles)
    )
    for part, message in pairs:
        if part and part in title:
            return str(message or DEFAULT_FAILURE)
    return None


def _loading_line(request: results.Request) -> str:
    west, south, east, north = request.bounds
    return (
        f"load_collection {request.collection} bands {request.bands or 'all'} over "
        f"[{west}, {south}, {east}, {north}] (EPSG:{request.epsg}), dates {request.dates}"
    )


CATALOG_IDS: set[str] = set()


class RevokedTokenException(TokenInvalidException):
    """A basic-auth bearer token revoked by ``/_local/revoke_basic_tokens``."""

    status_code = 401


class LocalCatalog(DummyCatalog):
    _COLLECTIONS: ClassVar[list[dict]] = [*DummyCatalog._COLLECTIONS, SENTINEL2_L2A]


class LocalBatchJobs(DummyBatchJobs):
    """Batch jobs backed by :class:`JobStore` instead of the dummy's static registry."""

    def __init__(self, store: JobStore) -> None:
        super().__init__()
        self.store = store

    def create_job(
        self,
        user: User,
        process: dict,
        api_version: str,
        metadata: dict,
        job_options: dict | None = None,
    ) -> BatchJobMetadata:
        return self.store.create(user.user_id, process, metadata, job_options).metadata()

    def get_job_info(self, job_id: str, user_id: str) -> BatchJobMetadata:
        return self.store.get(job_id, user_id).metadata()

    _get_job_info = get_job_info

    def get_user_jobs(
        self, user_id: str, limit: int | None = None, request_parameters: dict | None = None
    ) -> JobListing:
        """Newest first; ``limit`` jobs per page (openeo-driver's view turns the
        ``next_parameters`` into a ``links`` entry ``rel=next`` with an absolute URL)."""
        with self.store.lock:
            jobs = [j for j in self.store.jobs.values() if j.user_id == user_id]
        jobs.sort(key=lambda j: (j.created, j.id), reverse=True)
        cap = self.store.knobs.max_page_size
        if cap > 0 and (limit is None or limit < 1 or limit > cap):
            limit = cap
        if limit is None or limit < 1:
            return JobListing(jobs=[j.metadata() for j in jobs])
        try:
            page = int((request_parameters or {}).get("page", 0))
            if page < 0:
                raise ValueError(page)
        except (TypeError, ValueError):
            raise OpenEOApiException(
                message="Invalid 'page' parameter: expected a whole number from 0.",
                code="ParameterInvalid",
                status_code=400,
            ) from None
        start = page * limit
        chunk = jobs[start : start + limit]
        more = start + limit < len(jobs)
        return JobListing(
            jobs=[j.metadata() for j in chunk],
            next_parameters={"limit": limit, "page": page + 1} if more else None,
        )

    def start_job(self, job_id: str, user: User) -> None:
        self.store.start(job_id, user.user_id)

    def cancel_job(self, job_id: str, user_id: str) -> None:
        self.store.cancel(job_id, user_id)

    def delete_job(self, job_id: str, user_id: str) -> None:
        self.store.delete(job_id, user_id)

    def get_result_metadata(self, job_id: str, user_id: str) -> BatchJobResultMetadata:
        return BatchJobResultMetadata(
            assets=self.get_result_assets(job_id=job_id, user_id=user_id), links=[], providers=[]
        )

    def get_result_assets(self, job_id: str, user_id: str) -> dict[str, dict]:
        job = self.store.get(job_id, user_id)
        if job.status == "finished" and not job.asset and job.seeded:
            job.asset = self.store.write_result(job)
            self.store.save()
        if job.status != "finished" or not job.asset:
            raise JobNotFinishedException()
        out_dir = self.store.data_dir / job.id
        name = job.asset["name"]
        return {
            name: {
                "output_dir": str(out_dir),
                "type": job.asset["type"],
                "roles": ["data"],
                "file:size": (out_dir / name).stat().st_size,
            }
        }

    def get_log_entries(
        self,
        job_id: str,
        *,
        user_id: str,
        offset: str | None = None,
        limit: str | None = None,
        level: str = DEFAULT_LOG_LEVEL_RETRIEVAL,
    ):
        job = self.store.get(job_id, user_id)
        wanted = normalize_log_level(level)
        return [e for e in list(job.logs) if normalize_log_level(e["level"]) >= wanted]


class LocalBackend(DummyBackendImplementation):
    def __init__(self, store: JobStore) -> None:
        super().__init__()
        self.catalog = LocalCatalog()
        self.batch_jobs = LocalBatchJobs(store)
        CATALOG_IDS.update(c["id"] for c in self.catalog.get_all_metadata())

    def file_formats(self) -> dict:
        formats = super().file_formats()
        formats["output"] = {
            "GTiff": {"title": "GeoTiff", "gis_data_types": ["raster"], "parameters": {}},
            "netCDF": {"title": "netCDF", "gis_data_types": ["raster"], "parameters": {}},
        }
        return formats


def _check_tokens_on_every_request(store: JobStore) -> None:
    """Check every bearer token on every request, as back-ends that check token expiry
    and revocation do: OIDC tokens at the provider, basic-auth tokens against the
    store's revocations. openeo-driver caches a token's user for 15 minutes, so an
    expired or revoked token would go on working here, and renewal could not be tested.

    Basic-auth tokens are openeo-driver's ``base64(user)``, with a ``.N`` suffix once
    the user's tokens were revoked N times (``/_local/revoke_basic_tokens``)."""
    from openeo_driver.users.auth import AUTHENTICATION_METHOD, HttpAuthHandler

    cached = HttpAuthHandler.get_user_from_bearer_token

    def get_user(self: HttpAuthHandler, request: flask.Request) -> User:
        bearer = self.get_auth_token(request, "Bearer")
        if bearer.startswith(("oidc/", "basic/")):
            return self._get_user_from_bearer_token(bearer=bearer)
        return cached(self, request)

    def build_basic_access_token(user_id: str) -> str:
        return store.basic_token(user_id)

    def resolve_basic_access_token(self: HttpAuthHandler, access_token: str) -> User:
        return User(
            user_id=store.basic_user(access_token),
            internal_auth_data={"authentication_method": AUTHENTICATION_METHOD.BASIC},
        )

    HttpAuthHandler.get_user_from_bearer_token = get_user
    HttpAuthHandler.build_basic_access_token = staticmethod(build_basic_access_token)
    HttpAuthHandler.resolve_basic_access_token = resolve_basic_access_token


def _is_loopback(address: str | None) -> bool:
    try:
        return ipaddress.ip_address(address or "").is_loopback
    except ValueError:
        return False


def _json_body() -> dict:
    body = flask.request.get_json(force=True, silent=True)
    if not isinstance(body, dict):
        raise ValueError("expected a JSON object")
    return body


def _serve_estimates(app: flask.Flask, store: JobStore) -> None:
    """Answer ``GET /jobs/{id}/estimate`` (openeo-driver's view says 501 to everyone) and
    list it in the capabilities, with the same bearer-token check as the other views."""
    from openeo_driver import views

    auth = app.extensions["auth_handler"]

    def job_estimate(job_id: str, user: User, **_: object) -> flask.Response:
        return flask.jsonify(store.estimate(job_id, user.user_id))

    view = auth.requires_bearer_auth(job_estimate)
    for endpoint in list(app.view_functions):
        if endpoint.endswith(".job_estimate"):
            app.view_functions[endpoint] = view
    views._openeo_endpoint_metadata = [
        (path, methods, info._replace(hidden=False) if path.endswith("/estimate") else info)
        for path, methods, info in views._openeo_endpoint_metadata
    ]


def create_app(store: JobStore) -> flask.Flask:
    _check_tokens_on_every_request(store)
    app = build_app(backend_implementation=LocalBackend(store))
    _serve_estimates(app, store)
    api_requests = {"count": 0}

    @app.before_request
    def count_requests():
        if flask.request.path.startswith("/_local/"):
            # the peer's own address: ProxyFix would believe an X-Forwarded-For header
            environ = flask.request.environ
            peer = environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR")
            if not _is_loopback(peer or environ.get("REMOTE_ADDR")):
                return flask.jsonify({"error": "test helpers answer loopback only"}), 403
            return None
        api_requests["count"] += 1
        return None

    @app.route("/_local/requests")
    def requests_served():
        """openEO API requests served so far (benchmarks compare clients with it)."""
        return flask.jsonify(api_requests)

    @app.route("/_local/knobs", methods=["GET", "POST"])
    def knobs():
        if flask.request.method == "POST":
            try:
                store.knobs.update(flask.request.get_json(force=True))
            except ValueError as exc:
                return flask.jsonify({"error": str(exc)}), 400
        return flask.jsonify(store.knobs.as_dict())

    @app.route("/_local/jobs")
    def all_jobs():
        with store.lock:
            rows = [
                {"id": j.id, "user_id": j.user_id, "status": j.status, "title": j.title}
                for j in store.jobs.values()
            ]
        return flask.jsonify(rows)

    @app.route("/_local/seed_jobs", methods=["POST"])
    def seed_jobs():
        """``{"user_id": "alice", "count": 1200, "title_prefix": "old job",
        "status": "finished", "format": "GTiff"}`` → ``{"ids": [...]}``, newest first."""
        try:
            body = _json_body()
            unknown = set(body) - {"user_id", "count", "title_prefix", "status", "format"}
            if unknown:
                raise ValueError(f"unknown fields: {sorted(unknown)}")
            ids = store.seed(
                user_id=str(body.get("user_id", "alice")),
                count=body.get("count", 1),
                title_prefix=str(body.get("title_prefix", "old job")),
                status=str(body.get("status", "finished")),
                fmt=str(body.get("format", "GTiff")),
            )
        except ValueError as exc:
            return flask.jsonify({"error": str(exc)}), 400
        return flask.jsonify({"ids": ids})

    @app.route("/_local/delete_job", methods=["POST"])
    def delete_job():
        """``{"job_id": ...}``: gone as if its owner deleted it elsewhere."""
        try:
            job_id = str(_json_body()["job_id"])
        except (KeyError, ValueError) as exc:
            return flask.jsonify({"error": f"expected {{'job_id': ...}}: {exc}"}), 400
        try:
            store.delete(job_id, user_id=None)
        except JobNotFoundException:
            return flask.jsonify({"error": f"no job {job_id}"}), 404
        return flask.jsonify({"deleted": job_id})

    @app.route("/_local/revoke_basic_tokens", methods=["POST"])
    def revoke_basic_tokens():
        """``{"user_id": "alice"}``: the user's basic bearer tokens get 401 TokenInvalid
        from now on; a new ``GET /credentials/basic`` gives a working one."""
        try:
            user_id = str(_json_body()["user_id"])
        except (KeyError, ValueError) as exc:
            return flask.jsonify({"error": f"expected {{'user_id': ...}}: {exc}"}), 400
        return flask.jsonify({"user_id": user_id, "generation": store.revoke_basic_tokens(user_id)})

    return app


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    defaults = Knobs()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0: any free port")
    p.add_argument("--job-duration", type=float, default=defaults.job_duration)
    p.add_argument("--jitter", type=float, default=defaults.jitter)
    p.add_argument("--queue-time", type=float, default=defaults.queue_time)
    p.add_argument("--error-fraction", type=float, default=defaults.error_fraction)
    p.add_argument(
        "--error-title",
        action="append",
        default=[],
        dest="error_titles",
        metavar="TITLE[=MESSAGE]",
        help="jobs whose title contains TITLE end in error, logging MESSAGE (repeatable)",
    )
    p.add_argument("--max-running", type=int, default=defaults.max_running)
    p.add_argument(
        "--max-page-size",
        type=int,
        default=defaults.max_page_size,
        help="GET /jobs gives at most this many jobs per page, asked for or not (0: no cap)",
    )
    p.add_argument("--seed", type=int, default=defaults.seed)
    p.add_argument("--state-dir", type=Path, help="keep jobs and results here across restarts")
    p.add_argument("--oidc-issuer", help="list this OpenID Connect issuer (tests: a fake one)")
    p.add_argument("--basic-auth", choices=("on", "off"), default="on")
    p.add_argument("--url-file", type=Path, help="also write the URL into this file")
    p.add_argument(
        "--keep-alive",
        action="store_true",
        help="keep connections open between requests, as real back-ends do (waitress; "
        "werkzeug's server, the default, closes each after one answer)",
    )
    return p.parse_args(argv)


def _error_titles(values: list[str]) -> list[str] | dict[str, str]:
    """``--error-title`` values: plain titles, or ``TITLE=MESSAGE`` pairs (then a mapping)."""
    if not any("=" in v for v in values):
        return values
    pairs = (v.partition("=") for v in values)
    return {title: message or DEFAULT_FAILURE for title, _, message in pairs}


class _Server:
    """The HTTP server, werkzeug's or (``--keep-alive``) waitress's: its port, serve."""

    def __init__(self, port: int, serve: Callable[[], None]) -> None:
        self.port = port
        self.serve = serve


def _server(args: argparse.Namespace, app: flask.Flask) -> _Server:
    if not args.keep_alive:
        plain = make_server(args.host, args.port, app, threaded=True)
        return _Server(plain.server_port, plain.serve_forever)
    import waitress

    # threads: the engine's pool threads (one call each) and the test helpers at once
    kept = waitress.create_server(app, host=args.host, port=args.port, threads=16)
    return _Server(kept.effective_port, kept.run)  # type: ignore[union-attr]


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    logging.getLogger("openeo_driver").setLevel(logging.ERROR)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the local back-end only listens on loopback")
    if args.oidc_issuer:
        os.environ["OGJ_OIDC_ISSUER"] = args.oidc_issuer  # read when the config loads
    os.environ["OGJ_BASIC_AUTH"] = args.basic_auth
    knobs = Knobs(
        job_duration=args.job_duration,
        jitter=args.jitter,
        queue_time=args.queue_time,
        error_fraction=args.error_fraction,
        error_titles=_error_titles(args.error_titles),
        max_running=args.max_running,
        max_page_size=args.max_page_size,
        seed=args.seed,
    )
    if args.state_dir:
        args.state_dir.mkdir(parents=True, exist_ok=True)
        data_dir, state_file = args.state_dir / "results", args.state_dir / "jobs.json"
    else:
        data_dir, state_file = Path(tempfile.mkdtemp(prefix="openeo-local-")), None
    store = JobStore(knobs, data_dir, state_file)
    server = _server(args, create_app(store))
    scheduler = threading.Thread(target=store.run_scheduler, daemon=True)
    scheduler.start()
    url = f"http://{args.host}:{server.port}"
    if args.url_file:
        args.url_file.write_text(url)
    print(f"openEO back-end ready at {url}", flush=True)

    def _terminate(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)  # stop cleanly: state saved in `finally`
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        store.stop()
        store.save()


if __name__ == "__main__":
    main()
