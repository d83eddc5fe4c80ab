"""``openeo-grid-jobs run``: one openEO batch job per tile of a grid, until all are final.

The command is the run engine (:mod:`..core.engine.host`) in the foreground: it prints
what the engine reports, and its channel is open, so a QGIS on the same machine
can open the job database and watch and drive the run (Stop, Refresh, Retry
failed, Cancel jobs, the credit budget, a login the run needs).

Secrets come from the environment, never from a flag (flags show in ``ps`` and
shell history): the basic-auth password from ``OPENEO_PASSWORD``; a service
account's client id and secret from the openeo client's own variables
``OPENEO_AUTH_CLIENT_ID`` and ``OPENEO_AUTH_CLIENT_SECRET``.

Every option is checked before anything is written or submitted (see
:mod:`.run_settings`). Ctrl-C or SIGTERM stops within a moment with the job
database consistent; run again with only ``--job-db`` to resume (with the saved
settings: other job settings on resume are refused). A login refused mid-run
pauses that back-end and waits (the run goes on with the others). Exit codes: 0
every tile finished; 3 some tiles failed (their reasons are printed, grouped); 4 a
login is needed to start (resumable); 2 bad input, or the run could not go on;
128 + signal when stopped by a signal, 5 when stopped from QGIS.

When the run ends or is stopped, the results folder (``--output-dir``) gets
``mosaic.vrt`` (a GDAL VRT over the finished tiles' NDVI) and ``catalog.json``
(a static STAC catalog, one item per downloaded tile), and the last line printed
is the run summary: counts, time, costs, downloaded size (see
:mod:`..core.results.summary`). Neither changes the exit code: a folder where they cannot
be written is said in a warning.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from typing import Any, Callable

from ..core.definitions import FAILED_STATUSES
from ..core.engine.config import RunConfig
from ..core.engine.events import ErrorKind, EventKind, Outcome
from ..core.engine.host import EngineHost
from ..core.engine.outputs import failure_text
from ..core.engine.request import RunRequest
from ..core.grid.windows import row_noun
from ..core.jobs.database import JobDatabase
from ..core.jobs.template import EXTENTS, OUTPUT_FORMATS
from .on_event import event_command, run_event_command
from .run_settings import (
    AUTH_CHOICES,
    CLIENT_ID_VARIABLE,
    CLIENT_SECRET_VARIABLE,
    PASSWORD_VARIABLE,
    asked_settings,
    at_least_one,
    credits_or_none,
    positive_seconds,
    secrets_from_environment,
    time_limit,
)

EXIT_USAGE = 2
EXIT_FAILED_TILES = 3
EXIT_LOGIN = 4
EXIT_STOPPED = 5


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
        "--units",
        metavar="FILE",
        help="any polygons instead of a grid (GeoPackage, GeoJSON, Shapefile...): one job per "
        "feature (per feature and time window); their own start_date/end_date columns, if "
        "any, are their dates",
    )
    p.add_argument("--id-field", metavar="NAME", help="the --units field that names each unit")
    p.add_argument(
        "--windows",
        action="append",
        metavar="SPEC",
        help="time windows instead of --start/--end, one job per unit and window: a step "
        "over a period (2024-01-01/2025-01-01/P1M; P3M, P10D, P1Y; 'season' for the "
        "meteorological seasons DJF, MAM, JJA, SON, from 1 Dec, 1 Mar, 1 Jun, 1 Sep) or ranges "
        "(repeatable: 2024-03-01/2024-06-01); half-open, the first and last clipped to the "
        "period",
    )
    p.add_argument(
        "--extent",
        choices=EXTENTS,
        help="send each unit's bbox in its CRS (default), or its polygon in lon/lat (geojson)",
    )
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
    p.add_argument(
        "--param",
        action="append",
        metavar="NAME=column:FIELD|NAME=VALUE",
        help="bind a parameter of the --udp (or of a --process-graph file that declares "
        "parameters) for each job (repeatable): column:FIELD gives each job its unit's value "
        "of FIELD; row:extent and row:dates the unit's extent and the row's dates (for a "
        "process that names them otherwise); anything else is a JSON value (30, true, [1,2], "
        '"text"; other text is taken as a string). spatial_extent and temporal_extent are '
        "filled with the unit's extent and dates unless bound; required parameters left "
        "unbound are refused before anything is submitted",
    )
    p.add_argument("--job-options", help='job options as JSON, e.g. {"executor-memory": "2G"}')
    p.add_argument("--parallel-jobs", type=at_least_one, help="jobs at once per back-end")
    p.add_argument(
        "--queued-jobs",
        type=at_least_one,
        help="most jobs waiting in a back-end's queue at once, for back-ends with a queue "
        "cap (default: no cap); a refusal for too many queued jobs only slows launching",
    )
    p.add_argument("--poll-interval", type=positive_seconds, help="seconds between polls")
    p.add_argument("--output-dir", help="download each tile's result here")
    p.add_argument(
        "--download",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="with --output-dir: download the results (default), or --no-download: leave "
        "them on the back-end, the catalog pointing at their URLs (kept on resume; "
        "--download later fetches them)",
    )
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
        "--max-waiting",
        type=time_limit,
        metavar="TIME",
        help="cancel a job still created or queued this long after its start (e.g. 6h, "
        "90min; default: no limit); its tile fails with the reason, --retry-failed takes it",
    )
    p.add_argument(
        "--max-running",
        type=time_limit,
        metavar="TIME",
        help="cancel a job running longer than this (e.g. 4h; default: no limit), as above",
    )
    p.add_argument(
        "--budget",
        type=credits_or_none,
        metavar="CREDITS",
        help="most credits the run may spend: launching stops before the costs so far plus "
        "the expected costs of the jobs in flight would pass it, and the tiles left are "
        "skipped (kept on resume; a higher one submits them; 'none' lifts it)",
    )
    p.add_argument(
        "--on-event",
        type=event_command,
        metavar="COMMAND",
        help="run COMMAND when the run ends, stops on its budget or waits for a login "
        "(once each), with $OGJ_EVENT (ended, budget, login), $OGJ_MESSAGE, $OGJ_SUBJECT "
        "and $OGJ_JOB_DB set; e.g. --on-event 'notify-send openEO' (without it, the "
        "printed lines say so)",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """The run engine in this process, its channel open (QGIS can watch and drive it)."""
    request = run_request(args)
    printer = _Printer(getattr(args, "on_event", None), request.job_db)
    host = EngineHost(request, on_event=printer)
    host.open()
    printer.windowed = host.engine.windowed
    stopped_by: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        stopped_by.append(signum)
        host.stop()

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        ended = host.serve()
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
        host.close()
    return _exit_code(ended, stopped_by, request.job_db)


def run_request(args: argparse.Namespace) -> RunRequest:
    """What the flags and the environment ask for, checked in full before anything is
    written or submitted."""
    asked, tiles = asked_settings(args)
    db = JobDatabase(args.job_db)
    if asked is not None:
        backends = asked.backends
    elif RunConfig.path_for(db.path).exists():
        backends = RunConfig.load(db.path).backends
    else:
        backends = []
    secrets = secrets_from_environment(backends)
    policy = {}
    if args.request_timeout:
        policy["request_timeout"] = args.request_timeout
    if args.lookup_grace:
        policy["lookup_grace"] = args.lookup_grace
    for limit in ("max_waiting", "max_running"):
        if getattr(args, limit, None):
            policy[limit] = getattr(args, limit)
    return RunRequest(
        job_db=str(db.path),
        config=asked,
        tiles=tiles,
        secrets={b.name: secrets for b in backends},
        retry_failed=args.retry_failed,
        policy=policy,
        holder="openeo-grid-jobs run",
    )


def _exit_code(ended: dict[str, Any], stopped_by: list[int], job_db: str) -> int:
    error = ended.get("error") or {}
    if ended.get("outcome") == Outcome.FAILED:
        message = ended.get("message") or "the run broke off"
        if error.get("kind") == ErrorKind.LOGIN_REQUIRED:
            print(
                f"openeo-grid-jobs run: {message} Resume with: openeo-grid-jobs run --job-db "
                f"{job_db}",
                file=sys.stderr,
            )
            return EXIT_LOGIN
        print(f"openeo-grid-jobs run: error: {' '.join(message.split())}", file=sys.stderr)
        return EXIT_USAGE
    if stopped_by:
        return 128 + stopped_by[0]
    if ended.get("outcome") == Outcome.STOPPED:  # Stop in QGIS, which watched the run
        return EXIT_STOPPED
    failed = sum(n for s, n in (ended.get("counts") or {}).items() if s in FAILED_STATUSES)
    return EXIT_FAILED_TILES if failed else 0


#: seconds between two printed count lines, at least
PRINT_EVERY = 1.0


class _Printer:
    """Prints the run as the engine reports it: counts when they change, notices, and
    at the end the reasons of failures, the outputs and the summary."""

    def __init__(
        self,
        on_event: list[str] | None = None,
        job_db: str = "",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.last: dict[str, int] | None = None
        self.clock = clock
        #: when the counts were last printed (clock seconds); None: not yet
        self.printed_at: float | None = None
        #: counts held back by the pause, printed by the next update or summary after it
        self.pending: dict[str, int] | None = None
        self.job_db = job_db
        self.on_event = on_event
        #: the rows are (unit, window) rows: counted as jobs, not tiles (set once the
        #: engine has its table)
        self.windowed = False

    def __call__(self, message: dict[str, Any]) -> None:
        kind = message.get("kind")
        if kind == EventKind.UPDATES:
            self._counts(message["counts"])
        elif kind == EventKind.SUMMARY and self.pending is not None:
            self._counts(self.pending)  # the engine's summary comes every second
        elif kind == EventKind.NOTICE:
            print(f"{message['level']}: {message['message']}", flush=True)
        elif kind == EventKind.LOGIN and message.get("message"):
            print(
                f"login needed: {message['message']} The run goes on with the other back-ends "
                "and waits: open its job database in QGIS (openEO Grid Jobs › Open job "
                "database…) to log in, or stop it (Ctrl-C) and resume later.",
                flush=True,
            )
        elif kind == EventKind.ENDED:
            self._ended(message)
        elif kind == EventKind.NOTIFY and self.on_event:
            run_event_command(self.on_event, message, self.job_db)

    def _counts(self, counts: dict[str, int], force: bool = False) -> None:
        """Print the counts when they changed, at most once per :data:`PRINT_EVERY`
        seconds (a busy run changes them ten times a second: a line each would flood
        the terminal or the log it goes to); the end prints them in any case."""
        if counts == self.last and not force:
            self.pending = None  # back to what the terminal shows
            return
        now = self.clock()
        if not force and self.printed_at is not None and now - self.printed_at < PRINT_EVERY:
            self.pending = dict(counts)
            return
        self.last, self.printed_at, self.pending = dict(counts), now, None
        total = sum(counts.values())
        parts = " · ".join(f"{status} {n}" for status, n in sorted(counts.items()))
        print(f"{total} {row_noun(self.windowed)}s: {parts}", flush=True)

    def _ended(self, ended: dict[str, Any]) -> None:
        if ended.get("outcome") == Outcome.FAILED:
            return  # said on stderr, with the exit code
        self._counts(ended.get("counts") or {}, force=True)
        if ended.get("outcome") == Outcome.STOPPED:
            print("stopped; resume with: openeo-grid-jobs run --job-db <the same job database>")
        problems = [p for p in ended.get("problems") or [] if p["reason"] != "canceled by you"]
        if problems:
            print(failure_text(problems), flush=True)
        missing = ended.get("missing_results") or {}
        if missing.get("count"):
            why = f" ({missing['reason']})" if missing.get("reason") else ""
            print(
                f"warning: {missing['count']} finished tile(s) have no downloaded result{why}; "
                "run again to download them.",
                flush=True,
            )
        outputs = ended.get("outputs") or {}
        written = [f"{what} {outputs[key]}" for key, what in OUTPUTS if outputs.get(key)]
        mosaics = outputs.get("mosaics") or {}
        if mosaics and written and outputs.get("mosaic"):  # a run with time windows
            folder = Path(outputs["mosaic"]).parent
            written[0] = f"{len(mosaics)} mosaics, one per time window, {folder}/mosaic_*.vrt,"
        if written:
            print(f"Wrote {' and '.join(written)}", flush=True)
        summary = ended.get("summary") or {}
        if summary.get("text"):
            print(summary["text"], flush=True)


OUTPUTS = (("mosaic", "mosaic"), ("catalog", "STAC catalog"))
