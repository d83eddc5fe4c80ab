"""``openeo-grid-jobs run``: one openEO batch job per tile of a grid, until all are done.

Secrets come from the environment, never from a flag (flags show in ``ps`` and
shell history): the basic-auth password from ``OPENEO_PASSWORD``; a service
account's client id and secret from the openeo client's own variables
``OPENEO_AUTH_CLIENT_ID`` and ``OPENEO_AUTH_CLIENT_SECRET``. Ctrl-C or SIGTERM stops
within a moment, with the job database consistent; run again with only
``--job-db`` to resume.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import GridJobsError

if TYPE_CHECKING:
    from .backend import Secrets
from .job_template import DEFAULT_JOB_OPTIONS, OUTPUT_FORMATS

PASSWORD_VARIABLE = "OPENEO_PASSWORD"
CLIENT_ID_VARIABLE = "OPENEO_AUTH_CLIENT_ID"
CLIENT_SECRET_VARIABLE = "OPENEO_AUTH_CLIENT_SECRET"
AUTH_CHOICES = ("none", "basic", "client-credentials")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run one openEO batch job per grid tile",
        description="Run (or, with only --job-db, resume) one openEO batch job per tile. "
        f"The password is read from ${PASSWORD_VARIABLE}.",
    )
    p.add_argument("--job-db", required=True, help="job database: .csv or .parquet")
    p.add_argument("--grid", help="grid file (from 'grid' or the plugin); needed for a new run")
    p.add_argument("--backend", action="append", help="openEO back-end URL (repeatable)")
    p.add_argument("--username", help="basic-auth user name (password from $OPENEO_PASSWORD)")
    p.add_argument(
        "--auth",
        choices=AUTH_CHOICES,
        help="login: basic (default with --username), client-credentials (a service account: "
        f"${CLIENT_ID_VARIABLE}, ${CLIENT_SECRET_VARIABLE}), none",
    )
    p.add_argument("--provider-id", help="OpenID Connect provider of the back-end to log in with")
    p.add_argument("--collection")
    p.add_argument("--bands", help="red,nir band names, e.g. B04,B08")
    p.add_argument("--start", help="first date, e.g. 2024-05-01")
    p.add_argument("--end", help="end date (exclusive), e.g. 2024-08-01")
    p.add_argument("--format", choices=OUTPUT_FORMATS)
    p.add_argument("--parallel-jobs", type=int, help="jobs at once per back-end (default 2)")
    p.add_argument("--poll-interval", type=float, help="seconds between status checks")
    p.add_argument("--output-dir", help="download each tile's result here")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from .job_db import JobDatabase, frame_from_tiles
    from .run_config import RunConfig
    from .runner import Backend, GridJobRunner

    db = JobDatabase(args.job_db)
    if db.exists():
        frame = db.read()
        config = RunConfig.load(db.path)
        config = _override(config, args)
    else:
        if not args.grid:
            raise GridJobsError(f"{db.path} does not exist yet: give --grid to start a new run.")
        config = _new_config(args)
        frame = frame_from_tiles(_read_grid(args.grid), config.template.start, config.template.end)
    config.template.validate()
    secrets = _secrets_from_environment(config.backends)
    backends = [
        Backend(b.name, (lambda b=b: b.connect(secrets)), b.parallel_jobs) for b in config.backends
    ]
    printer = _ProgressPrinter()
    runner = GridJobRunner(
        db,
        frame,
        config.template,
        backends,
        poll_interval=config.poll_interval,
        output_dir=config.output_dir,
        on_update=lambda _: printer(runner.counts()),
    )
    db.save(frame)
    config.save(db.path)
    stop = threading.Event()
    stopped_by: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        stopped_by.append(signum)
        stop.set()

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        counts = runner.run(stop)
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
    printer(counts, force=True)
    if stopped_by:
        print(f"stopped; resume with: openeo-grid-jobs run --job-db {db.path}")
        return 128 + stopped_by[0]
    return 0


def _new_config(args: argparse.Namespace):
    from .job_template import JobTemplate
    from .run_config import RunConfig

    missing = [f"--{n}" for n in ("backend", "start", "end") if not getattr(args, n)]
    if missing:
        raise GridJobsError(f"A new run needs {', '.join(missing)}.")
    template = JobTemplate(
        start=args.start,
        end=args.end,
        collection=args.collection or "SENTINEL2_L2A",
        bands=_bands(args.bands) if args.bands else ["B04", "B08"],
        out_format=args.format or "NetCDF",
        job_options=dict(DEFAULT_JOB_OPTIONS),
    )
    return RunConfig(
        template,
        _backend_configs(args.backend, args),
        poll_interval=args.poll_interval or 5.0,
        output_dir=args.output_dir,
    )


def _secrets_from_environment(backends: list) -> Secrets:
    from .backend import Secrets

    secrets = Secrets(
        password=os.environ.get(PASSWORD_VARIABLE),
        client_id=os.environ.get(CLIENT_ID_VARIABLE),
        client_secret=os.environ.get(CLIENT_SECRET_VARIABLE),
    )
    for b in backends:
        if b.auth_method == "basic" and not secrets.password:
            raise GridJobsError(
                f"No password for {b.username} on {b.url}: set ${PASSWORD_VARIABLE} "
                "(never given as a flag)."
            )
        if b.auth_method == "oidc_client_credentials" and not secrets.client_secret:
            raise GridJobsError(
                f"No service account for {b.url}: set ${CLIENT_ID_VARIABLE} and "
                f"${CLIENT_SECRET_VARIABLE}."
            )
        if b.auth_method == "oidc_device":
            raise GridJobsError(
                f"{b.url} logs in in a browser (OpenID Connect device flow), which needs the "
                "QGIS plugin; on a server use --auth client-credentials."
            )
    return secrets


def _backend_configs(urls: list[str], args: argparse.Namespace) -> list:
    from .backend import BackendConfig

    method = {"client-credentials": "oidc_client_credentials"}.get(args.auth, args.auth or "")
    return [
        BackendConfig(
            url=u,
            username=args.username,
            parallel_jobs=args.parallel_jobs or 2,
            auth_method=method,
            provider_id=args.provider_id,
        )
        for u in urls
    ]


def _override(config, args: argparse.Namespace):
    """Flags given on resume win over the saved settings."""
    if args.backend:
        config.backends = _backend_configs(args.backend, args)
    elif args.parallel_jobs:
        for b in config.backends:
            b.parallel_jobs = args.parallel_jobs
    if args.poll_interval:
        config.poll_interval = args.poll_interval
    if args.output_dir:
        config.output_dir = args.output_dir
    return config


def _bands(text: str) -> list[str]:
    return [b.strip() for b in text.split(",") if b.strip()]


def _read_grid(path: str):
    import geopandas as gpd

    from .grid_io import GridFileError

    if not Path(path).exists():
        raise GridFileError(f"Grid file {path} does not exist.")
    try:
        return gpd.read_file(path, engine="pyogrio")
    except Exception as exc:
        raise GridFileError(f"Could not read grid file {path}: {exc}") from exc


class _ProgressPrinter:
    """Prints the per-status counts whenever they change."""

    def __init__(self) -> None:
        self.last: dict[str, int] | None = None

    def __call__(self, counts: dict[str, int], force: bool = False) -> None:
        if counts == self.last and not force:
            return
        self.last = dict(counts)
        total = sum(counts.values())
        parts = " · ".join(f"{status} {n}" for status, n in sorted(counts.items()))
        print(f"{total} tiles: {parts}", flush=True)
        sys.stdout.flush()
