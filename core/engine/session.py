"""One run set-up for the dock, the CLI and Processing: a job database owned for a run's life.

A :class:`RunSession` holds the job database's lock (one run per database, in
any process), its table, and the run settings saved beside it. It decides what
a run may do with an existing database:

- **resume** uses the saved settings. A different job template (dates, bands,
  process...) or another grid is refused with a message that says what differs:
  tiles of one run are computed alike, or the mosaic would mix summers;
- **a tracker without settings** (the openeo client's ``MultiBackendJobManager``
  in a notebook) is continued with the template and back-ends given now; rows
  naming a back-end the run does not know are mapped to one (said once), and
  with several back-ends an unmapped name is an error at once, never a silent
  hang;
- each row's own ``start_date``/``end_date`` (the seed notebook's columns) win
  over the template's (see :func:`~..jobs.row_extents.tile_extents`); its fields bound to
  job parameters must be there with a value in every row, as a units file's must;
- **split** (``split=[tile ids]``, or :func:`split_tiles`): failed tiles are
  replaced by their four quarters before the run (:mod:`..jobs.split`); the split is
  recorded in the run's settings, so a resume with the grid the run started with
  is not refused as another grid;
- **credit budget** (``RunConfig.budget``, see :mod:`..run.budget`): may change between
  sessions: a budget in the settings asked for replaces the run's, ``math.inf``
  lifts it, None keeps it (a cap is never dropped by a caller that does not know
  it). When it is raised (or lifted), the tiles skipped because the budget was
  reached are submitted again. Retrying a
  tile moves its earlier job's costs to ``RunConfig.earlier_costs``, so the
  run's costs still count them.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import RunError
from ..grid.windows import unit_ids
from ..jobs.database import JobDatabase
from ..jobs.db_lock import JobDatabaseLock
from ..jobs.row_extents import bound_cells
from ..jobs.rows import now_utc, reset_failed, reset_rows
from ..jobs.split import SplitRecord, fold, split_rows
from ..jobs.table import frame_from_tiles
from ..run.budget import budget_skipped, check_budget, credits_text
from ..run.intent_journal import IntentJournal, replay
from ..run.runner import GridJobRunner
from ..run.scheduler import RunPolicy
from .config import RunConfig
from .refusals import SettingsMismatchError, UnknownBackendsError

if TYPE_CHECKING:
    from collections.abc import Iterable

    import geopandas as gpd
    import pandas as pd

    from ..run.gateway import Backend


class RunSession:
    """Open with :meth:`open`; use as a context manager so the lock is always released."""

    def __init__(self, db: JobDatabase, frame: pd.DataFrame, config: RunConfig) -> None:
        self.db = db
        self.frame = frame
        self.config = config
        #: things the user should read once (e.g. how back-end names were mapped)
        self.notes: list[str] = []
        self._lock: JobDatabaseLock | None = None

    @classmethod
    def open(
        cls,
        job_db: str | Path,
        *,
        holder: str,
        config: RunConfig | None = None,
        tiles: gpd.GeoDataFrame | None = None,
        backend_map: dict[str, str] | None = None,
        retry_failed: bool = False,
        split: Iterable[str] | None = None,
    ) -> RunSession:
        """Lock ``job_db`` and make it ready to run; nothing is written when refused.

        ``config``: the settings asked for now (template, back-ends...); may be None
        to resume with the saved ones. ``tiles``: the grid, for a new run (or to check
        that a resumed run is on the same grid). ``split``: failed tiles to replace by
        their quarters first (:meth:`split`); ``retry_failed``: then make the failed
        tiles ``not_started`` again.
        """
        lock = JobDatabaseLock(job_db, holder).acquire()
        try:
            session = cls._prepare(JobDatabase(job_db), config, tiles, backend_map or {})
            if split:
                session.split(split)
            if retry_failed:
                session.retry_failed()
            session.save()
        except BaseException:
            lock.release()
            raise
        session._lock = lock
        return session

    @classmethod
    def _prepare(
        cls,
        db: JobDatabase,
        config: RunConfig | None,
        tiles: gpd.GeoDataFrame | None,
        backend_map: dict[str, str],
    ) -> RunSession:
        if not db.exists():
            if tiles is None or config is None:
                raise RunError(
                    f"{db.path} does not exist yet: give a grid and the job settings to start a "
                    "new run."
                )
            config.template.validate()
            template = config.template
            frame = frame_from_tiles(
                tiles,
                template.start,
                template.end,
                template.time_windows(),
                template.bound_columns(),
            )
            return cls(db, frame, replace(config, budget=_budget(config.budget, None)))
        frame = db.read()
        replay(frame, db.path)  # intents a crash kept out of the table's last save
        saved = RunConfig.load(db.path) if RunConfig.path_for(db.path).exists() else None
        if tiles is not None and not _same_grid(frame, tiles, saved):
            raise SettingsMismatchError(
                f"{db.path.name} holds other tiles than this grid. To run this grid, choose a "
                "new job database file (the existing one is left as it is)."
            )
        if saved is None and config is None:
            raise RunError(
                f"{db.path.name} has no run settings beside it (a job tracker made in a "
                "notebook?): give the job template and back-end to continue it."
            )
        effective = _resume_config(db.path, saved, config) if saved else config
        if effective is None:  # (said above: no saved settings and none given)
            raise RunError(f"{db.path.name} has no run settings.")
        effective.template.validate()
        bound_cells(frame, effective.template.bound_columns(), db.path.name)  # before saving
        session = cls(db, frame, effective)
        session._map_backends(backend_map)
        if saved is not None:
            session._budget_changed(saved.budget)
        return session

    def _budget_changed(self, before: float | None) -> list[int]:
        """A raised (or lifted) budget submits again the tiles the old one skipped."""
        now = self.config.budget
        if before is None or (now is not None and now <= before):
            return []
        rows = list(budget_skipped(self.frame))
        if not rows:
            return []
        self._retry(reset_rows(self.frame, rows))
        raised = "lifted" if now is None else f"raised to {credits_text(now)}"
        self.notes.append(
            f"Credit budget {raised} (was {credits_text(before)}): {len(rows)} tile(s) it had "
            "skipped will be submitted."
        )
        return rows

    def retry_failed(self) -> list[int]:
        """Make the failed tiles ``not_started`` again (their next job gets a new title);
        the rows. Saved by :meth:`save` (the caller's)."""
        rows = reset_failed(self.frame)
        self._retry(rows)
        return rows

    def change_budget(self, asked: float) -> list[int]:
        """A new credit budget for the run (``math.inf``: none); the tiles the old one had
        skipped that are submitted again (see :meth:`_budget_changed`)."""
        before = self.config.budget
        self.config.budget = _budget(asked, before)
        return self._budget_changed(before)

    def _retry(self, rows: list[int]) -> None:
        """Rows just made ``not_started`` again: their earlier jobs' costs stay the run's
        (``earlier_costs``), the row's ``costs`` are its next job's."""
        if not rows:
            return
        costs = self.frame.loc[rows, "costs"]
        spent = float(costs.sum(skipna=True))
        if spent:
            self.config.earlier_costs = float(self.config.earlier_costs or 0.0) + spent
        self.frame.loc[rows, "costs"] = float("nan")

    def split(self, tile_ids: Iterable[str]) -> list[SplitRecord]:
        """Replace these failed tiles by their four quarters, ``not_started`` (see
        :mod:`..jobs.split`); the split and the parents' costs go into the run's settings.
        Saved with the table by :meth:`save` (:meth:`open` does)."""
        frame, records = split_rows(self.frame, tile_ids, now_utc())
        if not records:
            return []
        self.frame = frame
        self.config.splits = [*self.config.splits, *(r.to_dict() for r in records)]
        spent = sum(r.costs for r in records if r.costs)
        if spent:
            self.config.earlier_costs = float(self.config.earlier_costs or 0.0) + spent
        self.notes.append(
            f"Split {', '.join(r.tile_id for r in records)} into quarters "
            f"({sum(len(r.into) for r in records)} new tiles)."
        )
        return records

    def _map_backends(self, backend_map: dict[str, str]) -> None:
        """Give every row a back-end of this run: mapped as asked, or the only one."""
        names = [b.name for b in self.config.backends]
        column = self.frame["backend_name"]
        for old, new in backend_map.items():
            if new not in names:
                raise RunError(
                    f"Cannot map {old!r} to {new!r}: no back-end of this run is named so."
                )
            column = column.where(column != old, new)
        unknown = sorted({str(n) for n in column.dropna()} - set(names))
        if unknown and len(names) == 1:
            self.notes.append(f"Rows of back-end {', '.join(unknown)} are tracked on {names[0]}.")
            column = column.where(~column.isin(unknown), names[0])
        elif unknown:
            raise UnknownBackendsError(
                f"Rows of {self.db.path.name} name back-end(s) {', '.join(unknown)}, which this "
                f"run does not have (it has {', '.join(names)}): map each to one "
                "(CLI: --backend NAME=URL).",
                unknown,
                names,
            )
        self.frame["backend_name"] = column.astype(object).where(column.notna(), None)

    def save(self) -> None:
        self.db.save(self.frame)
        IntentJournal(self.db.path).clear()  # the table holds them now
        self.config.save(self.db.path)

    def runner(self, backends: list[Backend], **options: Any) -> GridJobRunner:
        """The run loop over this session's table, with the back-ends' connections."""
        wanted = {b.name for b in self.config.backends}
        given = {b.name for b in backends}
        if wanted != given:
            raise RunError(f"The run needs back-ends {sorted(wanted)}, got {sorted(given)}.")
        options.setdefault("output_dir", self.config.output_dir)
        options.setdefault("download", self.config.download)
        options.setdefault("earlier_costs", self.config.earlier_costs)
        # the saved settings' poll interval, unless the caller's policy says its own
        policy = options.get("policy") or RunPolicy(poll_interval=self.config.poll_interval)
        if self.config.budget is not None and policy.budget is None:
            policy = replace(policy, budget=self.config.budget)
        options["policy"] = policy
        return GridJobRunner(self.db, self.frame, self.config.template, backends, **options)

    def close(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> RunSession:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()


def split_tiles(job_db: str | Path, tile_ids: Iterable[str], *, holder: str) -> list[SplitRecord]:
    """Replace failed tiles of a run by their quarters, holding the job database's lock
    (refused while a run holds it); the next run submits the quarters. Needs the run's
    settings beside the job database."""
    with RunSession.open(job_db, holder=holder) as session:
        records = session.split(tile_ids)
        session.save()
        return records


def _same_grid(frame: pd.DataFrame, tiles: gpd.GeoDataFrame, saved: RunConfig | None) -> bool:
    """Whether ``tiles`` is this run's grid: the table's tiles, or those with the split
    tiles' quarters folded back into them (the grid as the run started)."""
    table = set(unit_ids(frame))  # (unit, window) rows: their units
    given = set(map(str, tiles["tile_id"]))
    if given == table:
        return True
    splits = saved.splits if saved is not None else []
    return bool(splits) and fold(given, splits) == fold(table, splits)


def _resume_config(path: Path, saved: RunConfig, asked: RunConfig | None) -> RunConfig:
    """The saved settings, with what may change between sessions taken from ``asked``
    (back-ends, jobs at once, poll interval, output folder, credit budget); a different
    template is refused."""
    if asked is None:
        return saved
    differences = saved.template.differences(asked.template)
    if differences:
        raise SettingsMismatchError(
            f"{path.name} was started with other job settings ({'; '.join(differences)}). "
            "All tiles of a run are computed alike: to run with the new settings, choose a "
            "new job database file (the existing one is left as it is)."
        )
    return replace(
        saved,
        backends=asked.backends or saved.backends,
        poll_interval=asked.poll_interval,
        output_dir=asked.output_dir or saved.output_dir,
        budget=_budget(asked.budget, saved.budget),
        download=asked.download,
    )


def _budget(asked: float | None, saved: float | None) -> float | None:
    """The run's budget: as asked; ``math.inf`` asked: none; None asked: as it was."""
    if asked is None:
        return saved
    return None if math.isinf(asked) else check_budget(asked)
