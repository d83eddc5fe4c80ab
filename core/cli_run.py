"""``openeo-grid-jobs run``: one openEO batch job per tile of a grid, until all are final.

Secrets come from the environment, never from a flag (flags show in ``ps`` and
shell history): the basic-auth password from ``OPENEO_PASSWORD``; a service
account's client id and secret from the openeo client's own variables
``OPENEO_AUTH_CLIENT_ID`` and ``OPENEO_AUTH_CLIENT_SECRET``.

Every option is checked before anything is written or submitted (see
:mod:`.cli_run_settings`). Ctrl-C or SIGTERM stops within a moment with the job
database consistent; run again with only ``--job-db`` to resume (with the saved
settings: other job settings on resume are refused). Exit codes: 0 every tile
finished; 3 some tiles failed (a summary of the reasons is printed); 4 a login is
needed (resumable); 2 bad input; 128 + signal when stopped.

When the run ends or is stopped, the results folder (``--output-dir``) gets
``mosaic.vrt`` (a GDAL VRT over the finished tiles' NDVI) and ``catalog.json``
(a static STAC catalog, one item per downloaded tile), and the last line printed
is the run summary: counts, time, costs, downloaded size (see
:mod:`.run_summary`). Neither changes the exit code: a folder where they cannot
be written is said in a warning.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections import Counter
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .cli_run_settings import (
    AUTH_CHOICES,
    CLIENT_ID_VARIABLE,
    CLIENT_SECRET_VARIABLE,
    PASSWORD_VARIABLE,
    asked_settings,
    at_least_one,
    credits_or_none,
    positive_seconds,
    run_policy,
    secrets_from_environment,
)
from .definitions import FAILED_STATUSES
from .errors import GridJobsError, LoginRequiredError
from .job_template import OUTPUT_FORMATS

if TYPE_CHECKING:
    from .run_summary import RunSummary
    from .runner import GridJobRunner, RunEvent

EXIT_FAILED_TILES = 3
EXIT_LOGIN = 4


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


def run(args: argparse.Namespace) -> int:
    from .run_session import RunSession
    from .runner import Backend

    asked, tiles = asked_settings(args)
    secrets = secrets_from_environment(asked.backends if asked else [])
    with RunSession.open(
        args.job_db,
        holder="openeo-grid-jobs run",
        config=asked,
        tiles=tiles,
        retry_failed=args.retry_failed,
    ) as session:
        config = session.config
        secrets = secrets_from_environment(config.backends)
        backends = [
            Backend(b.name, partial(b.connect, secrets), b.parallel_jobs) for b in config.backends
        ]
        for note in session.notes:
            print(note, flush=True)
        printer = _ProgressPrinter()
        runner: GridJobRunner = session.runner(
            backends,
            policy=run_policy(args, config),
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
                print(failure_summary(failed["message"]), flush=True)
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


def _print_event(event: RunEvent) -> None:
    print(f"{event.level}: {event.message}", flush=True)


def failure_summary(messages: Any) -> str:
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
