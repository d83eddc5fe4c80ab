"""The run engine: one object carries a :class:`~.run_request.RunRequest` to its end.

The dock, Processing and the CLI only build the request and show what the engine
reports; everything a run does is here, once:

1. :meth:`RunEngine.open`: the job database locked for the run's life, its saved
   settings, resume rules, split and retry (:class:`~.run_session.RunSession`), and
   the back-ends' logins checked (:class:`~.run_logins.RunLogins`);
2. :meth:`RunEngine.run`: the run loop (:class:`~.runner.GridJobRunner`) with the
   results mosaic kept in step, a summary every second, and at the end the mosaic,
   the STAC catalog, the failed tiles grouped by reason and the summary.

It reports through one callable, ``emit(event)``, with the JSON events of
:mod:`.engine_events`; :meth:`RunEngine.hello` is the whole run as it is now, for
a viewer that comes late. Viewers act on the run with :meth:`RunEngine.command`
(Stop, Refresh, Retry failed, Cancel, the credit budget, a new login), from any
thread. The engine lives in a process of its own for the dock and Processing, and
is the CLI's ``run`` (see :mod:`.engine_host`).
"""

from __future__ import annotations

import logging
import math
import threading
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .backend import BackendConfig, Secrets
from .definitions import FINAL_STATUSES
from .engine_events import Command, ErrorKind, EventKind, Outcome, event, update_rows
from .engine_outputs import MosaicWriter, problem_dicts, write_catalog_quietly
from .errors import GridJobsError, LoginRequiredError, RunError
from .run_logins import RunLogins, check_login
from .run_request import RunAction, RunRequest

if TYPE_CHECKING:
    from .device_login import RefreshToken
    from .job_rows import TileUpdate
    from .run_session import RunSession
    from .runner import GridJobRunner, RunEvent

_log = logging.getLogger(__name__)
#: seconds between two summaries during a run
SUMMARY_EVERY = 1.0
#: notices a late viewer is shown (the most recent)
NOTICES_KEPT = 20

Emit = Callable[[dict[str, Any]], None]


class RunEngine:
    """Open with :meth:`open`, then :meth:`run` once; :meth:`close` lets the database go."""

    def __init__(self, request: RunRequest, emit: Emit) -> None:
        self.request = request
        self.emit = emit
        self.stop_event = threading.Event()
        self.session: RunSession | None = None
        self.runner: GridJobRunner | None = None
        self.logins: RunLogins | None = None
        self.started = time.time()
        self._lock = threading.Lock()  # the state a late viewer is shown
        self._view: dict[int, list[Any]] = {}
        self._counts: Counter[str] = Counter()
        self._summary: dict[str, Any] | None = None
        self._mosaic: str | None = None
        self._logins: dict[str, str] = {}
        self._tokens: dict[str, dict[str, str]] = {}
        self._notices: list[dict[str, Any]] = []
        self._split: dict[str, Any] | None = None
        self._ended: dict[str, Any] | None = None
        self._summarized = float("-inf")
        self._mosaic_writer: MosaicWriter | None = None
        self._parallel = 1

    # --- start ---------------------------------------------------------------------------
    def open(self) -> None:
        """Lock the job database and make the run ready; nothing is written when refused
        (a typed :class:`~.errors.GridJobsError` says why)."""
        from .run_session import RunSession

        req = self.request
        for backend in _backend_configs(req):  # before anything is written
            check_login(backend, req.secrets.get(backend.name, Secrets()))
        session = RunSession.open(
            req.job_db,
            holder=req.holder,
            config=req.config,
            tiles=req.tiles,
            retry_failed=req.retry_failed,
            backend_map=req.backend_map,
            split=req.split or None,
        )
        try:
            config = session.config
            self.logins = RunLogins(config.backends, req.secrets, self._token, req.proxy)
            self._parallel = sum(b.parallel_jobs for b in config.backends)
            self.runner = session.runner(
                self.logins.backends(),
                policy=req.run_policy(config.poll_interval),
                on_update=self._updates,
                on_event=self._notice,
                on_login=self._login,
                on_turn=self._turn,
            )
        except BaseException:
            session.close()
            raise
        self.session = session
        if req.split:
            self._split = _split_rows(session.frame, req.split)
        if config.output_dir and req.action is RunAction.RUN:
            self._mosaic_writer = MosaicWriter(
                Path(config.output_dir), self._mosaic_written, self._warn
            )
        with self._lock:
            for update in self.runner.snapshot():
                self._remember(update)

    @property
    def job_db(self) -> Path:
        return Path(self.request.job_db).absolute()

    def hello(self) -> dict[str, Any]:
        """The run as it is now, for a viewer that attaches (any thread)."""
        with self._lock:
            config = self.session.config if self.session is not None else None
            return event(
                EventKind.HELLO,
                job_db=str(self.job_db),
                action=str(self.request.action),
                holder=self.request.holder,
                started=self.started,
                output_dir=config.output_dir if config is not None else None,
                backends=[
                    {"name": b.name, "url": b.url, "auth_method": str(b.auth_method)}
                    for b in (config.backends if config is not None else [])
                ],
                template=config.template.to_dict() if config is not None else None,
                budget=config.budget if config is not None else None,
                rows=[self._view[i] for i in sorted(self._view)],
                counts=dict(self._counts),
                summary=self._summary,
                mosaic=self._mosaic,
                logins=dict(self._logins),
                tokens=list(self._tokens.values()),
                notices=list(self._notices),
                split=self._split,
                ended=self._ended,
            )

    # --- the run -------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        """Carry out the request; the ENDED event (also emitted)."""
        session, runner, _ = self._parts()
        action = self.request.action
        for note in session.notes:
            self._notice_text("info", note)
        self.emit(event(EventKind.UPDATES, rows=[], counts=self._counts_now()))
        outcome, message, error = Outcome.DONE, None, None
        try:
            if action is RunAction.CANCEL:
                cancel = self.request.cancel
                rows = None if cancel is None else runner.indices_of(cancel)
                count = runner.cancel_now(rows, self.stop_event)
                message = f"Asked the back-end to cancel {count} job(s)."
            elif action is RunAction.REFRESH:
                runner.refresh_now(self.stop_event)
            else:
                runner.run(self.stop_event)
                if not runner.is_done():
                    outcome = Outcome.STOPPED
        except LoginRequiredError as exc:
            outcome, message = Outcome.FAILED, str(exc)
            error = {"kind": str(ErrorKind.LOGIN_REQUIRED), "backend": exc.backend}
        except GridJobsError as exc:
            outcome, message = Outcome.FAILED, str(exc)
        except Exception as exc:  # a bug: all of it to the log, a line to the user
            _log.error("The run broke off:\n%s", traceback.format_exc())
            outcome = Outcome.FAILED
            message = f"Unexpected error ({type(exc).__name__}: {exc}); see the run's log."
        return self._end(outcome, message, error)

    def _end(self, outcome: Outcome, message: str | None, error: dict | None) -> dict[str, Any]:
        session, _, _ = self._parts()
        frame = session.frame
        output_dir = session.config.output_dir
        outputs: dict[str, Any] = {"output_dir": output_dir}
        if self.request.action is RunAction.RUN and output_dir:
            if self._mosaic_writer is not None:
                mosaic = self._mosaic_writer.finish()
                outputs["mosaic"] = str(mosaic) if mosaic is not None else None
            catalog, why = write_catalog_quietly(frame, Path(output_dir))
            outputs["catalog"] = str(catalog) if catalog is not None else None
            if why:
                self._warn(why)
        self._summarize(force=True)
        ended = event(
            EventKind.ENDED,
            outcome=str(outcome),
            message=message,
            error=error,
            counts=self._counts_now(),
            problems=problem_dicts(frame),
            summary=self._summary,
            outputs=outputs,
            missing_results=_missing_results(frame) if output_dir else {"count": 0},
            table_saves=self._save_figures(),
        )
        with self._lock:
            self._ended = ended
        self.emit(ended)
        return ended

    def close(self) -> None:
        if self.session is not None:
            self.session.close()

    def _save_figures(self) -> dict[str, Any]:
        """What saving the job table cost this run (the benchmarks read it)."""
        runner = self.runner
        count, seconds, longest = runner.saves if runner is not None else (0, 0.0, 0.0)
        rows = len(runner.frame) if runner is not None else 0
        mean = 1000 * seconds / count if count else 0.0
        return {"count": count, "rows": rows, "mean_ms": mean, "max_ms": 1000 * longest}

    def _parts(self) -> tuple[RunSession, GridJobRunner, RunLogins]:
        if self.session is None or self.runner is None or self.logins is None:
            raise RunError("The run is not open.")
        return self.session, self.runner, self.logins

    # --- what viewers ask ----------------------------------------------------------------
    def command(self, cmd: dict[str, Any]) -> None:
        """A viewer's command (any thread); a bad one is said as a notice."""
        try:
            self._command(Command(cmd.get("op")), cmd)
        except (ValueError, GridJobsError) as exc:
            self._notice_text("warning", f"Not done: {exc}")

    def _command(self, op: Command, cmd: dict[str, Any]) -> None:
        runner = self.runner
        if op is Command.STOP:
            self.stop_event.set()
            return
        if runner is None or self._ended is not None:
            raise RunError(f"the run is not going on ({op}).")
        if op is Command.REFRESH:
            runner.call_soon(runner.poll_now)
        elif op is Command.CANCEL:
            tiles = cmd.get("tiles")
            runner.request_cancel(None if tiles is None else runner.indices_of(tiles))
        elif op is Command.RETRY_FAILED:
            runner.call_soon(self._retry_failed)
        elif op is Command.BUDGET:
            credits = cmd.get("credits")
            runner.call_soon(lambda: self._change_budget(credits))
        elif op is Command.CREDENTIALS:
            self._renew_login(str(cmd.get("backend")), cmd.get("secrets") or {})

    def _retry_failed(self) -> None:
        """(loop thread) The failed tiles get new jobs in this run."""
        session, runner, _ = self._parts()
        rows = session.retry_failed()
        if not rows:
            self._notice_text("info", "No failed tile to retry.")
            return
        runner.rows_reset()
        session.config.save(session.db.path)
        self._notice_text("info", f"Retrying {len(rows)} failed tile(s).")

    def _change_budget(self, credits: float | None) -> None:
        """(loop thread) A new credit cap (None: none) for the rest of the run."""
        from .budget import credits_text

        session, runner, _ = self._parts()
        before = session.config.budget
        cap = math.inf if credits is None else float(credits)
        resubmitted = session.change_budget(cap)
        runner.set_budget(session.config.budget, session.config.earlier_costs)
        if resubmitted:
            runner.rows_reset()
            self._notice_text("info", session.notes[-1])
        else:
            now = session.config.budget
            was = "none" if before is None else credits_text(before)
            said = "lifted" if now is None else f"now {credits_text(now)}"
            self._notice_text("info", f"Credit budget {said} for this run (was {was}).")
        session.config.save(session.db.path)

    def _renew_login(self, name: str, secrets: dict[str, Any]) -> None:
        _, runner, logins = self._parts()
        logins.renew(name, Secrets(**secrets))
        runner.call_soon(lambda: runner.login_renewed(name))

    # --- from the loop (its thread) --------------------------------------------------------
    def _updates(self, batch: list[TileUpdate]) -> None:
        rows = update_rows(batch)
        with self._lock:
            for update in batch:
                self._remember(update)
            counts = dict(self._counts)
        if self._mosaic_writer is not None:
            for update in batch:
                if update.status == "finished" and update.result:
                    self._mosaic_writer.add(update.result)
        self.emit(event(EventKind.UPDATES, rows=rows, counts=counts))

    def _remember(self, update: TileUpdate) -> None:
        """(under the lock) The tile's latest state, and the counts."""
        old = self._view.get(update.index)
        if old is not None:
            self._counts[old[2]] -= 1
            if not self._counts[old[2]]:
                del self._counts[old[2]]
        self._view[update.index] = update_rows([update])[0]
        self._counts[update.status] += 1

    def _counts_now(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def _turn(self) -> None:
        self._summarize()
        if self._mosaic_writer is not None:
            self._mosaic_writer.tick()

    def _summarize(self, force: bool = False) -> None:
        """The run summary, at most once a second (it reads the results' sizes on disk)."""
        from .run_summary import RunSummary, first_start

        now = time.time()
        if self.runner is None or (not force and now - self._summarized < SUMMARY_EVERY):
            return
        self._summarized = now
        frame = self.runner.frame
        started = min(first_start(frame, self.started), self.started)
        summary = RunSummary.from_frame(frame, started=started, parallel=self._parallel, now=now)
        counts = summary.counts
        values = event(
            EventKind.SUMMARY,
            text=summary.text(),
            total=summary.total,
            final=sum(n for s, n in counts.items() if s in FINAL_STATUSES),
            eta_at=summary.eta_at,
            costs=summary.costs,
            parallel=summary.parallel,
        )
        with self._lock:
            self._summary = values
        self.emit(values)

    def _notice(self, run_event: RunEvent) -> None:
        self._notice_text(run_event.level, run_event.message)

    def _notice_text(self, level: str, message: str) -> None:
        values = event(EventKind.NOTICE, level=level, message=message, at=time.time())
        with self._lock:
            self._notices = [*self._notices[-(NOTICES_KEPT - 1) :], values]
        _log.info("%s: %s", level, message)
        self.emit(values)

    def _warn(self, message: str) -> None:
        self._notice_text("warning", message)

    def _login(self, name: str, why: str | None) -> None:
        with self._lock:
            if why is None:
                self._logins.pop(name, None)
            else:
                self._logins[name] = why
        self.emit(event(EventKind.LOGIN, backend=name, message=why))

    def _token(self, name: str, token: RefreshToken) -> None:
        """A rotated refresh token (any thread): viewers store it; one that attaches
        later gets it with its hello."""
        values = {
            "backend": name,
            "issuer": token.issuer,
            "client_id": token.client_id,
            "refresh_token": token.refresh_token,
        }
        with self._lock:
            self._tokens[name] = values
        self.emit(event(EventKind.RENEWED_LOGIN, **values))

    def _mosaic_written(self, path: Path) -> None:
        with self._lock:
            self._mosaic = str(path)
        self.emit(event(EventKind.MOSAIC, path=str(path)))


def _backend_configs(request: RunRequest) -> list[BackendConfig]:
    """The back-ends the run will have: asked for, else the saved ones (none yet: the
    session says what is missing)."""
    from .run_config import RunConfig

    if request.config is not None:
        return request.config.backends
    if RunConfig.path_for(request.job_db).exists():
        return RunConfig.load(request.job_db).backends
    return []


def _split_rows(frame: Any, parents: list[str]) -> dict[str, Any] | None:
    """The quarters that replaced ``parents`` (those really split), as job-table records,
    for a viewer's layer."""
    ids = frame["tile_id"].astype(str)
    split = [p for p in parents if not ids.eq(p).any() and ids.str.startswith(p + "_q").any()]
    if not split:
        return None
    quarters = frame[ids.str.rsplit("_q", n=1).str[0].isin(split)]
    columns = [c for c in ("tile_id", "col", "row", "crs", "geometry") if c in quarters.columns]
    records = quarters[columns].astype(object).where(quarters[columns].notna(), None)
    if "geometry" in records.columns:  # shapes (after a split) as the table's WKT
        import shapely

        records["geometry"] = [
            shapely.to_wkt(g, rounding_precision=-1) if isinstance(g, shapely.Geometry) else g
            for g in records["geometry"]
        ]
    return {"parents": split, "quarters": records.to_dict("records")}


def _missing_results(frame: Any) -> dict[str, Any]:
    """Finished tiles without a downloaded result (a folder that could not be written):
    how many, and the first one's reason."""
    if "result" not in frame.columns:
        return {"count": 0, "reason": None}
    missing = frame[(frame["status"] == "finished") & frame["result"].isna()]
    reasons = [str(m) for m in missing["message"] if m is not None and m == m and str(m)]
    return {"count": len(missing), "reason": reasons[0] if reasons else None}
