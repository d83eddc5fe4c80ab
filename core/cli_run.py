"""``openeo-grid-jobs run``: one openEO batch job per tile of a grid, until all are final.

Secrets come from the environment, never from a flag (flags show in ``ps`` and
shell history): the basic-auth password from ``OPENEO_PASSWORD``; a service
account's client id and secret from the openeo client's own variables
``OPENEO_AUTH_CLIENT_ID`` and ``OPENEO_AUTH_CLIENT_SECRET``.

Every option is checked before anything is written or submitted. Ctrl-C or
SIGTERM stops within a moment with the job database consistent; run again with
only ``--job-db`` to resume (with the saved settings: other job settings on
resume are refused). Exit codes: 0 every tile finished; 3 some tiles failed
(a summary of the reasons is printed); 4 a login is needed (resumable); 2 bad
input; 128 + signal when stopped.

When the run ends or is stopped, the results folder (``--output-dir``) gets
``mosaic.vrt`` (a GDAL VRT over the finished tiles' NDVI) and ``catalog.json``
(a static STAC catalog, one item per downloaded tile), and the last line printed
is the run summary: counts, time, costs, downloaded size (see
:mod:`.run_summary`). Neither changes the exit code: a folder where they cannot
be written is said in a warning.
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import sys
import threading
import time
from collections import Counter
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .definitions import FAILED_STATUSES, LoginMethod
from .errors import GridJobsError, LoginRequiredError

if TYPE_CHECKING:
    import geopandas as gpd

    from .backend import BackendConfig, Secrets
    from .job_template import JobTemplate
    from .run_config import RunConfig
    from .run_summary import RunSummary
    from .runner import GridJobRunner, RunEvent
    from .scheduler import RunPolicy

from .job_template import OUTPUT_FORMATS

PASSWORD_VARIABLE = "OPENEO_PASSWORD"
CLIENT_ID_VARIABLE = "OPENEO_AUTH_CLIENT_ID"
CLIENT_SECRET_VARIABLE = "OPENEO_AUTH_CLIENT_SECRET"
AUTH_CHOICES = ("none", "basic", "client-credentials")
EXIT_FAILED_TILES = 3
EXIT_LOGIN = 4
TEMPLATE_FLAGS = ("start", "end", "collection", "bands", "format", "process_graph", "udp")


def positive_seconds(text: str) -> float:
    return _positive(text, "seconds")


def _positive(text: str, unit: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of {unit}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number of {unit} > 0, got {text}")
    return value


def at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run one openEO batch job per grid tile",
        description="Run (or, with only --job-db, resume) one openEO batch job per tile. "
        f"The password is read from ${PASSWORD_VARIABLE}.",
    )
    p.add_argument("--job-db", required=True, help="job database: .csv or .parquet")
    p.add_argument("--grid", help="grid file (from 'grid' or the plugin); needed for a new run")
    p.add_argument(
        "--backend",
        action="append",
        metavar="[NAME=]URL",
        help="openEO back-end (repeatable); NAME= names it, e.g. to continue a notebook's "
        "tracker whose rows say backend_name NAME",
    )
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
    p.add_argument("--process-graph", help="a process graph JSON file instead of the NDVI mean")
    p.add_argument("--udp", help="a user-defined process id instead of the NDVI mean")
    p.add_argument("--udp-namespace", help="namespace (URL) of the user-defined process")
    p.add_argument("--job-options", help='job options as JSON, e.g. {"executor-memory": "2G"}')
    p.add_argument("--parallel-jobs", type=at_least_one, help="jobs at once per back-end")
    p.add_argument("--poll-interval", type=positive_seconds, help="seconds between polls")
    p.add_argument("--output-dir", help="download each tile's result here")
    p.add_argument("--retry-failed", action="store_true", help="resubmit failed tiles")
    p.add_argument(
        "--request-timeout", type=positive_seconds, help="seconds before a request counts as lost"
    )
    p.add_argument(
        "--lookup-grace",
        type=positive_seconds,
        help="seconds a job may still appear after a lost create request (default 90)",
    )
    p.add_argument(
        "--budget",
        type=credits_or_none,
        metavar="CREDITS",
        help="most credits the run may spend: launching stops before the costs so far plus "
        "the expected costs of the jobs in flight would pass it, and the tiles left are "
        "skipped (kept on resume; a higher one submits them; 'none' lifts it)",
    )
    p.set_defaults(handler=run)


def credits_or_none(text: str) -> float:
    """``--budget``: credits > 0, or ``none`` (``math.inf``: lift the run's budget)."""
    if text.strip().lower() in ("none", "off"):
        return math.inf
    return _positive(text, "credits")


def run(args: argparse.Namespace) -> int:
    from .run_session import RunSession
    from .runner import Backend

    asked, tiles = _asked_settings(args)
    secrets = _secrets_from_environment(asked.backends if asked else [])
    with RunSession.open(
        args.job_db,
        holder="openeo-grid-jobs run",
        config=asked,
        tiles=tiles,
        retry_failed=args.retry_failed,
    ) as session:
        config = session.config
        secrets = _secrets_from_environment(config.backends)
        backends = [
            Backend(b.name, partial(b.connect, secrets), b.parallel_jobs) for b in config.backends
        ]
        for note in session.notes:
            print(note, flush=True)
        printer = _ProgressPrinter()
        runner: GridJobRunner = session.runner(
            backends,
            policy=_policy(args, config),
            on_update=lambda _: printer(runner.counts()),
            on_event=_print_event,
        )
        stop = threading.Event()
        stopped_by: list[int] = []

        def on_signal(signum: int, _frame: object) -> None:
            stopped_by.append(signum)
            stop.set()

        old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        started = time.time()
        try:
            counts = runner.run(stop)
        except LoginRequiredError as exc:
            print(
                f"openeo-grid-jobs run: {exc} Resume with: openeo-grid-jobs run --job-db "
                f"{session.db.path}",
                file=sys.stderr,
            )
            return EXIT_LOGIN
        finally:
            for s, handler in old.items():
                signal.signal(s, handler)
        printer(counts, force=True)
        code = 0
        if stopped_by:
            print(f"stopped; resume with: openeo-grid-jobs run --job-db {session.db.path}")
            code = 128 + stopped_by[0]
        else:
            statuses = session.frame["status"]
            failed = session.frame[statuses.isin(FAILED_STATUSES)]
            if len(failed):
                print(_failure_summary(failed["message"]), flush=True)
                code = EXIT_FAILED_TILES
        output_dir = runner.output_dir
        if output_dir is not None:
            _report_missing_results(session.frame)
            _write_outputs(session.frame, output_dir)
        parallel = sum(b.parallel_jobs for b in config.backends)
        print(_summary(session.frame, started, parallel).text(), flush=True)
        return code


def _summary(frame: Any, started: float, parallel: int) -> RunSummary:
    from .run_summary import RunSummary

    return RunSummary.from_frame(frame, started=started, parallel=parallel)


def _report_missing_results(frame: Any) -> None:
    """One line for the finished tiles whose result could not be downloaded (a read-only
    or full disk...), with the first reason."""
    missing = frame[(frame["status"] == "finished") & frame["result"].isna()]
    if not len(missing):
        return
    reasons = [str(m) for m in missing["message"] if m is not None and m == m]
    why = f" ({reasons[0]})" if reasons else ""
    print(
        f"warning: {len(missing)} finished tile(s) have no downloaded result{why}; run "
        "again to download them.",
        flush=True,
    )


def _write_outputs(frame: Any, output_dir: Path) -> None:
    """``mosaic.vrt`` and ``catalog.json`` in the results folder, when it has results; a
    failure is a warning (the run itself went as the exit code says)."""
    from .mosaic import MOSAIC_NAME, finished_results, write_mosaic
    from .stac_catalog import write_catalog

    results = finished_results(frame)
    if not results:
        return
    written = []
    try:
        mosaic = write_mosaic(results, output_dir / MOSAIC_NAME)
        if mosaic is not None:
            written.append(f"mosaic {mosaic}")
    except GridJobsError as exc:
        print(f"warning: no mosaic: {exc}", file=sys.stderr, flush=True)
    try:
        written.append(f"STAC catalog {write_catalog(frame, output_dir)}")
    except GridJobsError as exc:
        print(f"warning: no STAC catalog: {exc}", file=sys.stderr, flush=True)
    if written:
        print(f"Wrote {' and '.join(written)}", flush=True)


def _asked_settings(args: argparse.Namespace) -> tuple[RunConfig | None, gpd.GeoDataFrame | None]:
    """What the flags ask for (None: resume with the saved settings); checked in full."""
    from .job_db import JobDatabase
    from .run_config import RunConfig

    db = JobDatabase(args.job_db)  # an unknown extension fails here
    tiles = _read_grid(args.grid) if args.grid else None
    saved = RunConfig.load(db.path) if RunConfig.path_for(db.path).exists() else None
    template_given = any(getattr(args, f) for f in TEMPLATE_FLAGS) or args.job_options
    if not db.exists() or saved is None:
        if not db.exists() and tiles is None:
            raise GridJobsError(f"{db.path} does not exist yet: give --grid to start a new run.")
        missing = [f"--{n}" for n in ("backend", "start", "end") if not getattr(args, n)]
        if missing:
            what = "A new run" if not db.exists() else f"{db.path.name} has no run settings; it"
            raise GridJobsError(f"{what} needs {', '.join(missing)}.")
        template = _template(args, None)
        return RunConfig(
            template,
            _backend_configs(args.backend, args),
            poll_interval=args.poll_interval or 5.0,
            output_dir=args.output_dir,
            budget=getattr(args, "budget", None),
        ), tiles
    budget_given = getattr(args, "budget", None) is not None
    changed = template_given or args.backend or args.parallel_jobs or args.poll_interval
    if not (changed or budget_given):
        return (
            None if args.output_dir is None else replace(saved, output_dir=args.output_dir)
        ), tiles
    backends = _backend_configs(args.backend, args) if args.backend else saved.backends
    if args.parallel_jobs:
        for b in backends:
            b.parallel_jobs = args.parallel_jobs
    return replace(
        saved,
        template=_template(args, saved.template) if template_given else saved.template,
        backends=backends,
        poll_interval=args.poll_interval or saved.poll_interval,
        output_dir=args.output_dir or saved.output_dir,
        budget=getattr(args, "budget", saved.budget),
    ), tiles


def _template(args: argparse.Namespace, base: JobTemplate | None) -> JobTemplate:
    """The job template of the flags, on top of ``base`` (the saved one, when resuming)."""
    from .job_template import (
        DEFAULT_JOB_OPTIONS,
        PROCESS_GRAPH,
        PROCESS_UDP,
        JobTemplate,
        parse_job_options,
        parse_process_graph,
    )

    values: dict[str, Any] = base.to_dict() if base else {"job_options": dict(DEFAULT_JOB_OPTIONS)}
    for flag, key in (("start", "start"), ("end", "end"), ("collection", "collection")):
        if getattr(args, flag):
            values[key] = getattr(args, flag)
    if args.bands:
        values["bands"] = [b.strip() for b in args.bands.split(",") if b.strip()]
    if args.format:
        values["out_format"] = args.format
    if args.job_options:
        values["job_options"] = parse_job_options(args.job_options)
    if args.process_graph and args.udp:
        raise GridJobsError("Give --process-graph or --udp, not both.")
    if args.process_graph:
        path = Path(args.process_graph)
        if not path.is_file():
            raise GridJobsError(f"Process graph file {path} does not exist.")
        values.update(process=PROCESS_GRAPH, process_graph=parse_process_graph(path.read_text()))
    if args.udp:
        values.update(process=PROCESS_UDP, udp_id=args.udp, udp_namespace=args.udp_namespace)
    return JobTemplate.from_dict(values).validate()


def _policy(args: argparse.Namespace, config: RunConfig) -> RunPolicy:
    from .scheduler import RunPolicy

    changes: dict[str, Any] = {"poll_interval": config.poll_interval}
    if args.request_timeout:
        changes["request_timeout"] = args.request_timeout
    if args.lookup_grace:
        changes["lookup_grace"] = args.lookup_grace
    return RunPolicy(**changes)


def _secrets_from_environment(backends: list[BackendConfig]) -> Secrets:
    from .backend import Secrets

    secrets = Secrets(
        password=os.environ.get(PASSWORD_VARIABLE),
        client_id=os.environ.get(CLIENT_ID_VARIABLE),
        client_secret=os.environ.get(CLIENT_SECRET_VARIABLE),
    )
    for b in backends:
        if b.auth_method == LoginMethod.BASIC and not secrets.password:
            raise GridJobsError(
                f"No password for {b.username} on {b.url}: set ${PASSWORD_VARIABLE} "
                "(never given as a flag)."
            )
        if b.auth_method == LoginMethod.OIDC_CLIENT_CREDENTIALS and not secrets.client_secret:
            raise GridJobsError(
                f"No service account for {b.url}: set ${CLIENT_ID_VARIABLE} and "
                f"${CLIENT_SECRET_VARIABLE}."
            )
        if b.auth_method == LoginMethod.OIDC_DEVICE:
            raise GridJobsError(
                f"{b.url} logs in in a browser (OpenID Connect device flow), which needs the "
                "QGIS plugin; on a server use --auth client-credentials."
            )
    return secrets


def _backend_configs(values: list[str], args: argparse.Namespace) -> list[BackendConfig]:
    from .backend import BackendConfig

    method = {"client-credentials": LoginMethod.OIDC_CLIENT_CREDENTIALS}.get(
        args.auth, args.auth or ""
    )
    configs = []
    for value in values:
        name, _, url = value.partition("=") if "=" in value.split("://")[0] else ("", "", value)
        configs.append(
            BackendConfig(
                url=url,
                name=name.strip(),
                username=args.username,
                parallel_jobs=args.parallel_jobs or 2,
                auth_method=method,
                provider_id=args.provider_id,
            )
        )
    names = [c.name for c in configs]
    if len(set(names)) != len(names):
        raise GridJobsError(f"Back-end names must differ, got {names}: name them with NAME=URL.")
    return configs


def _read_grid(path: str) -> gpd.GeoDataFrame:
    import geopandas as gpd

    from .grid_io import GridFileError

    if not Path(path).exists():
        raise GridFileError(f"Grid file {path} does not exist.")
    try:
        grid = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:
        raise GridFileError(f"Could not read grid file {path}: {exc}") from exc
    if "tile_id" not in grid.columns or grid.crs is None:
        raise GridFileError(f"{path} is not a grid: it needs a CRS and a tile_id column.")
    return grid


def _print_event(event: RunEvent) -> None:
    print(f"{event.level}: {event.message}", flush=True)


def _failure_summary(messages: Any) -> str:
    reasons = Counter(str(m) if m else "no reason given" for m in messages)
    total = sum(reasons.values())
    lines = [f"{total} tile(s) failed:"]
    lines += [f"  {n} × {reason}" for reason, n in reasons.most_common()]
    return "\n".join(lines)


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
