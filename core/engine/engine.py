"""The run engine: one object carries a :class:`~.request.RunRequest` to its end.

The dock, Processing and the CLI only build the request and show what the engine
reports; everything a run does is here, once:

1. :meth:`RunEngine.open`: the job database locked for the run's life, its saved
   settings, resume rules, split and retry (:class:`~.session.RunSession`), and
   the back-ends' logins checked (:class:`~.logins.RunLogins`);
2. :meth:`RunEngine.run`: the run loop (:class:`~..run.runner.GridJobRunner`) with the
   results mosaic kept in step, a summary every second, and at the end the mosaic,
   the STAC catalog, the failed tiles grouped by reason and the summary.

It reports through one callable, ``emit(event)``, with the JSON events of
:mod:`.events`; :meth:`RunEngine.hello` is the whole run as it is now, for
a viewer that comes late. Viewers act on the run with :meth:`RunEngine.command`
(Stop, Refresh, Retry failed, Cancel, the credit budget, a new login), from any
thread. The engine lives in a process of its own for the dock and Processing, and
is the CLI's ``run`` (see :mod:`.host`).
"""

from __future__ import annotations

import logging
import math
import threading
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..backends.backend import Secrets
from ..definitions import FINAL_STATUSES, TileStatus
from ..errors import GridJobsError, LoginRequiredError, RunError
from ..grid.windows import is_windowed
from ..results.summary import first_start
from ..results.tally import RunTally
from ..run.budget import credits_text
from .events import Command, ErrorKind, EventKind, Outcome, event
from .logins import RunLogins, check_login, requested_backends
from .notifications import Notification, Notifier, NotifyReason
from .outputs import MosaicWriter, missing_results, problem_dicts, write_catalog_quietly
from .request import RunAction, RunRequest, tiles_from_wire
from .session import RunSession
from .view import RunView, split_rows

if TYPE_CHECKING:
    from ..backends.device_login import RefreshToken
    from ..jobs.rows import TileUpdate
    from ..run.runner import GridJobRunner, RunEvent

_log = logging.getLogger(__name__)
#: seconds between two summaries during a run
SUMMARY_EVERY = 1.0

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
        #: what a viewer that attaches now is shown
        self.view = RunView()
        self._summarized = float("-inf")
        #: the summary's figures, kept from the tiles' updates (see _summarize)
        self._tally: RunTally | None = None
        self._mosaic_writer: MosaicWriter | None = None
        self._notifier = Notifier(self._notify)
        self._parallel = 1

    # --- start ---------------------------------------------------------------------------
    def open(self) -> None:
        """Lock the job database and make the run ready; nothing is written when refused
        (a typed :class:`~..errors.GridJobsError` says why)."""
        req = self.request
        for backend in requested_backends(req):  # before anything is written
            check_login(backend, req.secrets.get(backend.name, Secrets()))
        session = RunSession.open(
            req.job_db,
            holder=req.holder,
            config=req.config,
            tiles=tiles_from_wire(req.tiles) if isinstance(req.tiles, dict) else req.tiles,
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
            self.view.keep("split", split_rows(session.frame, req.split, config.splits))
        if config.output_dir and config.download and req.action is RunAction.RUN:
            self._mosaic_writer = MosaicWriter(
                Path(config.output_dir), self._mosaic_written, self._warn
            )
        snapshot = self.runner.snapshot()
        self.view.tiles(snapshot)
        self._tally = RunTally(
            min(first_start(session.frame, self.started), self.started),
            windowed=self.windowed,
        )
        self._tally.add(snapshot)

    @property
    def job_db(self) -> Path:
        return Path(self.request.job_db).absolute()

    @property
    def windowed(self) -> bool:
        """Whether the run's rows are (unit, window) jobs (once opened): what its reports
        count, jobs rather than tiles."""
        return self.session is not None and is_windowed(self.session.frame)

    def hello(self) -> dict[str, Any]:
        """The run as it is now, for a viewer that attaches (any thread)."""
        config = self.session.config if self.session is not None else None
        backends = config.backends if config is not None else []
        return self.view.hello(
            job_db=str(self.job_db),
            action=str(self.request.action),
            holder=self.request.holder,
            started=self.started,
            output_dir=config.output_dir if config is not None else None,
            backends=[
                {"name": b.name, "url": b.url, "auth_method": str(b.auth_method)} for b in backends
            ],
            template=config.template.to_dict() if config is not None else None,
            budget=config.budget if config is not None else None,
        )

    # --- the run -------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        """Carry out the request; the ENDED event (also emitted)."""
        session, runner, _ = self._parts()
        action = self.request.action
        for note in session.notes:
            self._notice_text("info", note)
        self.emit(event(EventKind.UPDATES, rows=[], counts=self.view.counts()))
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
                windows = {w: str(p) for w, p in self._mosaic_writer.mosaics().items() if w}
                if windows:
                    outputs["mosaics"] = windows
            catalog, why = write_catalog_quietly(frame, Path(output_dir))
            outputs["catalog"] = str(catalog) if catalog is not None else None
            if why:
                self._warn(why)
        self._summarize(force=True)
        said = message or (self.view.summary or {}).get("text") or str(outcome)
        self._notifier.notify(NotifyReason.ENDED, f"Run {self.job_db.name} {outcome}: {said}")
        ended = event(
            EventKind.ENDED,
            outcome=str(outcome),
            message=message,
            error=error,
            counts=self.view.counts(),
            problems=problem_dicts(frame),
            summary=self.view.summary,
            outputs=outputs,
            missing_results=(
                missing_results(frame) if output_dir and session.config.download else {"count": 0}
            ),
            table_saves=self._save_figures(),
        )
        self.view.keep("ended", ended)
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
        if runner is None or self.view.ended is not None:
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
        rows, counts = self.view.tiles(batch)
        if self._tally is not None:
            self._tally.add(batch)
        if self._mosaic_writer is not None:
            for update in batch:
                if update.status == TileStatus.FINISHED and update.result:
                    self._mosaic_writer.add(update.result, self._window_of(update.index))
        self.emit(event(EventKind.UPDATES, rows=rows, counts=counts))

    def _window_of(self, index: int) -> str | None:
        """(loop thread) The time window of a row, None in a run without windows."""
        frame = self._parts()[1].frame
        if "window" not in frame.columns:
            return None
        window = frame.at[index, "window"]
        return None if window is None or window != window else str(window)

    def _turn(self) -> None:
        self._summarize()
        if self._mosaic_writer is not None:
            self._mosaic_writer.tick()

    def _summarize(self, force: bool = False) -> None:
        """The run summary, at most once a second; from the tally that the tiles'
        updates keep, not from the table: a pass over every row each second grows with
        the table and was the engine's biggest cost on a big one."""
        now = time.time()
        tally = self._tally
        if tally is None or (not force and now - self._summarized < SUMMARY_EVERY):
            return
        self._summarized = now
        summary = tally.summary(self._parallel, now)
        counts = summary.counts
        values = event(
            EventKind.SUMMARY,
            text=summary.text(),
            total=summary.total,
            final=sum(n for s, n in counts.items() if s in FINAL_STATUSES),
            eta_at=summary.eta_at,
            costs=summary.costs,
            cpu_hours=summary.cpu_hours,
            memory_gb_hours=summary.memory_gb_hours,
            parallel=summary.parallel,
        )
        self.view.keep("summary", values)
        self.emit(values)

    def _notice(self, run_event: RunEvent) -> None:
        self._notice_text(run_event.level, run_event.message)
        if run_event.notify:
            self._notifier.notify(NotifyReason(run_event.notify), run_event.message)

    def _notify(self, note: Notification) -> None:
        self.emit(event(EventKind.NOTIFY, **note.to_dict()))

    def _notice_text(self, level: str, message: str) -> None:
        values = event(EventKind.NOTICE, level=level, message=message, at=time.time())
        self.view.notice(values)
        _log.info("%s: %s", level, message)
        self.emit(values)

    def _warn(self, message: str) -> None:
        self._notice_text("warning", message)

    def _login(self, name: str, why: str | None) -> None:
        self.view.login(name, why)
        self.emit(event(EventKind.LOGIN, backend=name, message=why))
        if why is None:
            self._notifier.settled(NotifyReason.LOGIN, name)
        else:
            message = f"{name} refused the run's login ({why}): log in again to go on there."
            self._notifier.notify(NotifyReason.LOGIN, message, name)

    def _token(self, name: str, token: RefreshToken) -> None:
        """A rotated refresh token (any thread): viewers store it; one that attaches
        later gets it with its hello."""
        values = {
            "backend": name,
            "issuer": token.issuer,
            "client_id": token.client_id,
            "refresh_token": token.refresh_token,
        }
        self.view.renewed(name, values)
        self.emit(event(EventKind.RENEWED_LOGIN, **values))

    def _mosaic_written(self, path: Path) -> None:
        self.view.keep("mosaic", str(path))
        self.emit(event(EventKind.MOSAIC, path=str(path)))
