"""Serve openeo-driver's dummy back-end on 127.0.0.1, with batch jobs that really run.

Run with the back-end venv (``.venv-backend/bin/python -m devtools.local_backend.server``).
Prints ``openEO back-end ready at <url>`` once it accepts requests.

On top of the dummy back-end:
- collection ``SENTINEL2_L2A`` (B02, B03, B04, B08, SCL);
- jobs move ``created → queued → running → finished`` on their own (``--job-duration``,
  ``--jitter``), at most ``--max-running`` running per user, the rest ``queued``;
- unknown collection/band/format → ``error`` with a log entry; ``--error-fraction`` and
  ``--error-title`` make chosen jobs fail; cancel → ``canceled``; delete removes files;
- results are real GTiff/netCDF files of synthetic NDVI over the job's extent and dates;
- ``--state-dir`` keeps jobs on disk, so a restarted back-end still knows them;
- ``GET/POST /_local/knobs`` read/change the knobs at run time and ``GET /_local/jobs``
  lists every job of every user (test helpers; loopback only).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
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
from typing import ClassVar

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
from openeo_driver.errors import JobNotFinishedException, JobNotFoundException, OpenEOApiException
from openeo_driver.users import User
from openeo_driver.views import build_app
from werkzeug.serving import make_server

from devtools.local_backend import results
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


def _utc(ts: float | None) -> dt.datetime | None:
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
    logs: list = dataclasses.field(default_factory=list)
    asset: dict | None = None  # {"name", "type", "bbox"}

    def metadata(self) -> BatchJobMetadata:
        return BatchJobMetadata(
            id=self.id,
            status=self.status,
            created=_utc(self.created),
            updated=_utc(self.updated or self.created),
            started=_utc(self.running_at),
            finished=_utc(self.finished_at),
            process=self.process,
            title=self.title,
            description=self.description,
            job_options=self.job_options,
            progress=self.progress(),
        )

    def progress(self) -> float | None:
        if self.status == "finished":
            return 100.0
        if self.status == "running" and self.running_at is not None and self.duration > 0:
            return round(min(99.0, 100 * (time.time() - self.running_at) / self.duration), 1)
        return None

    def log(self, level: str, message: str) -> None:
        self.logs.append({"id": str(len(self.logs) + 1), "level": level, "message": message})


class JobStore:
    """All jobs, advanced by a scheduler thread; optionally persisted as JSON."""

    def __init__(self, knobs: Knobs, data_dir: Path, state_file: Path | None) -> None:
        self.knobs = knobs
        self.data_dir = data_dir
        self.state_file = state_file
        self.lock = threading.RLock()
        self.save_lock = threading.Lock()
        self.jobs: dict[str, Job] = {}
        self.rng = random.Random(knobs.seed)
        self._stop = threading.Event()
        if state_file is not None and state_file.exists():
            raw = json.loads(state_file.read_text())
            self.jobs = {j["id"]: Job(**j) for j in raw["jobs"]}
            _log.info("restored %d jobs from %s", len(self.jobs), state_file)

    # --- persistence -----------------------------------------------------------
    def save(self) -> None:
        if self.state_file is None:
            return
        with self.save_lock:  # one writer at a time: they share the temporary file
            with self.lock:
                payload = {"jobs": [dataclasses.asdict(j) for j in self.jobs.values()]}
            tmp = self.state_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(payload))
            tmp.replace(self.state_file)

    # --- API operations ------------------------------------------------------------
    def create(self, user_id: str, process: dict, metadata: dict, job_options: dict | None) -> Job:
        title = metadata.get("title") or ""
        if any(t and t in title for t in self.knobs.reject_titles):
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
            now = time.time()
            job.status, job.queued_at, job.updated = "queued", now, now
            job.running_at = job.finished_at = None
            job.duration = max(
                0.0, knobs.job_duration + self.rng.uniform(-knobs.jitter, knobs.jitter)
            )
            job.fail = self.rng.random() < knobs.error_fraction or any(
                t and t in (job.title or "") for t in knobs.error_titles
            )
            job.log("info", "job queued")
        self.save()

    def cancel(self, job_id: str, user_id: str) -> None:
        with self.lock:
            job = self.get(job_id, user_id)
            if job.status in ("created", "queued", "running"):
                job.status, job.updated = "canceled", time.time()
                job.log("info", "job canceled by user")
        self.save()

    def delete(self, job_id: str, user_id: str) -> None:
        with self.lock:
            self.get(job_id, user_id)
            del self.jobs[job_id]
        shutil.rmtree(self.data_dir / job_id, ignore_errors=True)
        self.save()

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
                if job.status == "running" and now - job.running_at >= job.duration:
                    to_finish.append(job)
        for job in to_finish:  # one at a time: netCDF4/HDF5 is not thread-safe
            self._finish(job)
        if changed or to_finish:
            self.save()

    def _finish(self, job: Job) -> None:
        """Run the job's 'processing' (outside the lock) and settle its final status."""
        try:
            request = results.parse(job.process)
            self._validate(request)
            if job.fail:
                raise results.ProcessGraphError(
                    "Simulated failure (error knob of the local back-end)"
                )
            name, media_type = results.write(request, self.data_dir / job.id)
            asset = {"name": name, "type": media_type}
            status, level, message = "finished", "info", f"wrote {name}"
        except Exception as exc:
            asset, status, level, message = None, "error", "error", str(exc)
        with self.lock:
            if job.status != "running":  # canceled meanwhile
                return
            job.asset = asset
            job.status, job.finished_at, job.updated = status, time.time(), time.time()
            job.log(level, message)

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


CATALOG_IDS: set[str] = set()


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
        with self.store.lock:
            jobs = [j.metadata() for j in self.store.jobs.values() if j.user_id == user_id]
        return JobListing(jobs=sorted(jobs, key=lambda m: m.created, reverse=True))

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


def _check_oidc_tokens_on_every_request() -> None:
    """Ask the OIDC provider about every bearer token, as a back-end that checks token
    expiry does. openeo-driver caches a token's user for 15 minutes, so an expired
    access token would go on working here, and token renewal could not be tested."""
    from openeo_driver.users.auth import HttpAuthHandler

    cached = HttpAuthHandler.get_user_from_bearer_token

    def get_user(self: HttpAuthHandler, request: flask.Request) -> User:
        bearer = self.get_auth_token(request, "Bearer")
        if bearer.startswith("oidc/"):
            return self._get_user_from_bearer_token(bearer=bearer)
        return cached(self, request)

    HttpAuthHandler.get_user_from_bearer_token = get_user


def create_app(store: JobStore) -> flask.Flask:
    _check_oidc_tokens_on_every_request()
    app = build_app(backend_implementation=LocalBackend(store))
    api_requests = {"count": 0}

    @app.before_request
    def count_requests():
        if not flask.request.path.startswith("/_local/"):
            api_requests["count"] += 1

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
        help="jobs whose title contains this end in error (repeatable)",
    )
    p.add_argument("--max-running", type=int, default=defaults.max_running)
    p.add_argument("--seed", type=int, default=defaults.seed)
    p.add_argument("--state-dir", type=Path, help="keep jobs and results here across restarts")
    p.add_argument("--oidc-issuer", help="list this OpenID Connect issuer (tests: a fake one)")
    p.add_argument("--basic-auth", choices=("on", "off"), default="on")
    p.add_argument("--url-file", type=Path, help="also write the URL into this file")
    return p.parse_args(argv)


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
        error_titles=args.error_titles,
        max_running=args.max_running,
        seed=args.seed,
    )
    if args.state_dir:
        args.state_dir.mkdir(parents=True, exist_ok=True)
        data_dir, state_file = args.state_dir / "results", args.state_dir / "jobs.json"
    else:
        data_dir, state_file = Path(tempfile.mkdtemp(prefix="openeo-local-")), None
    store = JobStore(knobs, data_dir, state_file)
    server = make_server(args.host, args.port, create_app(store), threaded=True)
    scheduler = threading.Thread(target=store.run_scheduler, daemon=True)
    scheduler.start()
    url = f"http://{args.host}:{server.server_port}"
    if args.url_file:
        args.url_file.write_text(url)
    print(f"openEO back-end ready at {url}", flush=True)

    def _terminate(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)  # stop cleanly: state saved in `finally`
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        store.stop()
        store.save()


if __name__ == "__main__":
    main()
