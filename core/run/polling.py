"""Polling and lookups: the back-ends' answers about jobs, written into the table.

One poll per back-end at a time (a listing, all pages when a row's intent must be
looked up or the back-end was never listed; ``describe`` for the active jobs it
did not show), every poll interval, and in between when a job should have ended
(by its own progress, :mod:`.job_ends`, else its start plus the median time of the
finished ones): a freed slot is refilled at once, not up to a poll interval later.
A job found by its title is adopted by the row that had an intent (or by a tile
not started yet); an intent whose job surely does not exist is released; a second
job with a tile's title is canceled and deleted. A status only moves forward
(:func:`~.tile_rules.moves_forward`); a failed job's reason, a finished one's
costs, and an ended one's usage are asked for (:mod:`.statuses`).
"""

from __future__ import annotations

import statistics
from typing import Any

from ..definitions import FINAL_STATUSES, NOT_STARTED, TileStatus
from ..jobs.rows import adopted_start, parse_time
from .failures import Failure, FailureKind
from .gateway import Listing
from .job_ends import JobEnds
from .scheduler import READ
from .state import Call, RunState
from .statuses import JobStatuses
from .tile_rules import keep_one

#: seconds at least between two polls a job's expected end asks for
EARLY_GAP = 0.2
#: before any job has finished, a job is checked this long after its start, then at
#: twice that age, and so on (a poll interval later at most): 2, 4, 8... s
FIRST_CHECK = 2.0
#: once jobs' times are known, a job is checked this long after its expected end,
#: then three times longer after, and so on
AFTER_EXPECTED = 0.05
CHECK_STEP = 0.25


def next_check(started: float, took: float | None, after: float) -> float:
    """When to look at a job started at ``started`` (wall seconds) next, after ``after``:
    at its expected end (``started + took``), then ever more slowly if it is late; with
    no ``took`` yet, at ages 2, 4, 8... s."""
    if took is None:
        check = started + FIRST_CHECK
        while check <= after:
            check = started + 2 * (check - started)
        return check
    check, step = started + took + AFTER_EXPECTED, CHECK_STEP
    while check <= after:
        check, step = check + step, step * 3
    return check


class Poller:
    """Asks each back-end for its jobs and hands their statuses to :class:`JobStatuses`;
    adopts, releases and de-duplicates jobs by title."""

    def __init__(self, state: RunState, statuses: JobStatuses) -> None:
        self.state = state
        self.statuses = statuses
        self._removed: set[str] = set()  # duplicate jobs already deleted
        #: wall time of each back-end's last poll
        self._polled_at: dict[str, float] = {}
        #: running jobs' expected ends, from their progress
        self.ends = JobEnds()

    def poll(self) -> None:
        """Send each back-end due for it one poll (see the module's docstring)."""
        state = self.state
        rows, scheduler = state.rows, state.scheduler
        for name, gateway in state.gateways.items():
            if name in state.polling or not gateway.usable:
                continue
            lookups = [i for i in state.lookup_after if rows.backend[i] == name]
            active = rows.active_jobs(name)
            ids = [rows.job_id[i] for i in active]
            if name in state.listed and not lookups and not ids:
                continue
            due = scheduler.poll_due(name)
            if not due and not (scheduler.ready(name, READ) and self._finish_due(name, active)):
                continue
            full = name not in state.listed or bool(lookups)
            state.polling.add(name)
            scheduler.polled(name)
            self._polled_at[name] = state.wall_clock()
            state.submit(Call.POLL, name, gateway.poll, ids, full, state.wall_clock)

    def _finish_due(self, name: str, active: list[int]) -> bool:
        """Whether a job of ``name`` should have finished since its last poll: its slot is
        refilled when it frees, not a poll interval later (see :func:`next_check`)."""
        state = self.state
        now = state.wall_clock()
        last = self._polled_at.get(name, float("-inf"))
        if now - last < EARLY_GAP:
            return False
        took = statistics.median(state.durations) if state.durations else None
        job_id = state.rows.job_id
        for i in active:
            started = state.started_at.get(i)
            if started is None:
                continue
            own = self.ends.took(job_id[i], started)  # its progress, before the run's times
            if next_check(started, took if own is None else own, last) <= now:
                return True
        return False

    def on_poll(self, name: str, value: Any, failure: Failure | None) -> None:
        state = self.state
        state.polling.discard(name)
        if failure is not None:
            state.say(state.scheduler.failed(name, READ, failure))
            return
        state.say(state.scheduler.succeeded(name, READ))
        started, listing, described = value.started, value.listing, value.described
        by_id: dict[str, dict | None] = {j["id"]: j for j in listing.jobs if j.get("id")}
        by_id.update(described)
        for i in state.rows.active_jobs(name):
            job_id = state.rows.job_id[i]
            if job_id not in by_id:
                continue
            info = by_id[job_id]
            if info is None:
                self.ends.forget(job_id)
                state.fail(i, TileStatus.ERROR.value, "job deleted on the back-end")
            else:
                final = info.get("status") in FINAL_STATUSES
                if not final:
                    state.seen_unfinished[i] = started
                self.statuses.apply(i, info.get("status"), info)
                progress = self.statuses.progress(i, info.get("progress"))
                if final:
                    self.ends.forget(job_id)
                else:
                    self.ends.reading(job_id, state.started_at.get(i), started, progress)
        self._match_titles(name, started, listing)
        if listing.complete:
            state.listed.add(name)

    def _match_titles(self, name: str, started: float, listing: Listing) -> None:
        """Adopt the job of a row with an intent (or of a tile not started yet), release
        intents whose job surely does not exist, and remove duplicate jobs."""
        state = self.state
        frame = state.frame
        found: dict[int, list[dict]] = {}
        for job in listing.jobs:
            i = state.row_of_title.get(str(job.get("title")))
            if i is not None:
                found.setdefault(i, []).append(job)
        for i, jobs in found.items():
            if frame.at[i, "backend_name"] not in (name, None):
                continue
            if i in state.lookup_after:
                self._adopt(i, name, keep_one(jobs, None)[0])
            elif frame.at[i, "status"] == NOT_STARTED and i not in state.busy:
                live = [
                    j
                    for j in jobs
                    if j.get("status") not in (TileStatus.ERROR, TileStatus.CANCELED)
                ]
                if live:  # made by a run that did not record intents yet
                    self._adopt(i, name, keep_one(live, None)[0])
            if state.has(i, "id"):
                self._remove_duplicates(i, name, jobs)
        if not listing.complete:
            return
        for i in [i for i, after in state.lookup_after.items() if started >= after]:
            if i not in found and frame.at[i, "backend_name"] == name:
                del state.lookup_after[i]  # no job was made: the tile may be submitted
                state.set(i, status=NOT_STARTED, intent_at=None, backend_name=None, message=None)

    def _adopt(self, i: int, name: str, job: dict) -> None:
        state = self.state
        state.lookup_after.pop(i, None)
        start_time = adopted_start(job, state.wall_clock())
        state.set(
            i,
            id=job["id"],
            backend_name=name,
            start_time=start_time,
            intent_at=None,
            status=TileStatus.CREATED.value,
            message=None,
        )
        if start_time is not None:
            state.started_at[i] = parse_time(start_time)
        self.statuses.apply(i, job.get("status", TileStatus.CREATED.value), job)
        if state.frame.at[i, "status"] == TileStatus.CREATED:
            state.not_before[i] = 0.0  # start it (a crash came between create and start)

    def _remove_duplicates(self, i: int, name: str, jobs: list[dict]) -> None:
        if len(jobs) < 2:
            return
        state = self.state
        known = state.frame.at[i, "id"] if state.has(i, "id") else None
        kept, extra = keep_one(jobs, known)
        extra = [j for j in extra if j["id"] not in self._removed]
        if not extra:
            return
        for job in extra:
            self._removed.add(job["id"])
            state.submit(Call.REMOVED, job["id"], state.gateways[name].remove, job["id"])
        tile = state.frame.at[i, "tile_id"]
        ids = ", ".join(j["id"] for j in extra)
        state.event(
            "warning",
            f"Tile {tile} had {len(extra) + 1} jobs on {name}: kept {kept['id']}, "
            f"canceled and deleted {ids}.",
        )

    def on_removed(self, job_id: str, _: Any, failure: Failure | None) -> None:
        if failure is not None and failure.kind is not FailureKind.GONE:
            self._removed.discard(job_id)  # tried again at the next listing
            self.state.event(
                "warning", f"Could not delete duplicate job {job_id}: {failure.message}"
            )
