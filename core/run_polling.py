"""Polling and lookups: the back-ends' answers about jobs, written into the table.

One poll per back-end at a time (a listing, all pages when a row's intent must be
looked up or the back-end was never listed; ``describe`` for the active jobs it
did not show), every poll interval, and in between when a job should have ended
(its start plus the median time of the finished ones): a freed slot is refilled
at once, not up to a poll interval later. A job found by its title is adopted by
the row that had an intent (or by a tile not started yet); an intent whose job
surely does not exist is released; a second job with a tile's title is canceled
and deleted. A status only moves forward (:func:`~.tile_rules.moves_forward`); a
failed job's reason, a finished one's costs, and an ended one's usage are asked for.
"""

from __future__ import annotations

import statistics
from typing import Any

from .definitions import FINAL_STATUSES, NOT_STARTED
from .failures import Failure, FailureKind
from .gateway import Listing
from .job_rows import adopted_start, now_utc, parse_time
from .job_usage import usage_columns
from .run_state import MESSAGE_LIMIT, RunState
from .scheduler import READ
from .tile_rules import keep_one, moves_forward

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


class Polling(RunState):
    def _poll(self) -> None:
        rows = self._rows
        for name, gateway in self.gateways.items():
            if name in self._polling or not gateway.usable:
                continue
            lookups = [i for i in self._lookup_after if rows.backend[i] == name]
            active = rows.active_jobs(name)
            ids = [rows.job_id[i] for i in active]
            if name in self._listed and not lookups and not ids:
                continue
            due = self.scheduler.poll_due(name)
            if not due and not (
                self.scheduler.ready(name, READ) and self._finish_due(name, active)
            ):
                continue
            full = name not in self._listed or bool(lookups)
            self._polling.add(name)
            self.scheduler.polled(name)
            self._polled_at[name] = self.wall_clock()
            self._submit("poll", name, gateway.poll, ids, full, self.wall_clock)

    def _finish_due(self, name: str, active: list[int]) -> bool:
        """Whether a job of ``name`` should have finished since its last poll: its slot is
        refilled when it frees, not a poll interval later (see :func:`next_check`)."""
        now = self.wall_clock()
        last = self._polled_at.get(name, float("-inf"))
        if now - last < EARLY_GAP:
            return False
        took = statistics.median(self._durations) if self._durations else None
        for i in active:
            started = self._started_at.get(i)
            if started is not None and next_check(started, took, last) <= now:
                return True
        return False

    def _on_poll(self, name: str, value: Any, failure: Failure | None) -> None:
        self._polling.discard(name)
        if failure is not None:
            self._say(self.scheduler.failed(name, READ, failure))
            return
        self._say(self.scheduler.succeeded(name, READ))
        started, listing, described = value.started, value.listing, value.described
        by_id: dict[str, dict | None] = {j["id"]: j for j in listing.jobs if j.get("id")}
        by_id.update(described)
        for i in self._rows.active_jobs(name):
            job_id = self._rows.job_id[i]
            if job_id not in by_id:
                continue
            info = by_id[job_id]
            if info is None:
                self._fail(i, "error", "job deleted on the back-end")
            else:
                self._apply_status(i, info.get("status"), info)
                self._progress(i, info.get("progress"))
        self._match_titles(name, started, listing)
        if listing.complete:
            self._listed.add(name)

    def _match_titles(self, name: str, started: float, listing: Listing) -> None:
        """Adopt the job of a row with an intent (or of a tile not started yet), release
        intents whose job surely does not exist, and remove duplicate jobs."""
        found: dict[int, list[dict]] = {}
        for job in listing.jobs:
            i = self._row_of_title.get(str(job.get("title")))
            if i is not None:
                found.setdefault(i, []).append(job)
        for i, jobs in found.items():
            if self.frame.at[i, "backend_name"] not in (name, None):
                continue
            if i in self._lookup_after:
                self._adopt(i, name, keep_one(jobs, None)[0])
            elif self.frame.at[i, "status"] == NOT_STARTED and i not in self._busy:
                live = [j for j in jobs if j.get("status") not in ("error", "canceled")]
                if live:  # made by a run that did not record intents yet
                    self._adopt(i, name, keep_one(live, None)[0])
            if self._has(i, "id"):
                self._remove_duplicates(i, name, jobs)
        if not listing.complete:
            return
        for i in [i for i, after in self._lookup_after.items() if started >= after]:
            if i not in found and self.frame.at[i, "backend_name"] == name:
                del self._lookup_after[i]  # no job was made: the tile may be submitted
                self._set(i, status=NOT_STARTED, intent_at=None, backend_name=None, message=None)

    def _adopt(self, i: int, name: str, job: dict) -> None:
        self._lookup_after.pop(i, None)
        start_time = adopted_start(job, self.wall_clock())
        self._set(
            i,
            id=job["id"],
            backend_name=name,
            start_time=start_time,
            intent_at=None,
            status="created",
            message=None,
        )
        if start_time is not None:
            self._started_at[i] = parse_time(start_time)
        self._apply_status(i, job.get("status", "created"), job)
        if self.frame.at[i, "status"] == "created":
            self._not_before[i] = 0.0  # start it (a crash came between create and start)

    def _remove_duplicates(self, i: int, name: str, jobs: list[dict]) -> None:
        if len(jobs) < 2:
            return
        known = self.frame.at[i, "id"] if self._has(i, "id") else None
        kept, extra = keep_one(jobs, known)
        extra = [j for j in extra if j["id"] not in self._removed]
        if not extra:
            return
        for job in extra:
            self._removed.add(job["id"])
            self._submit("removed", job["id"], self.gateways[name].remove, job["id"])
        tile = self.frame.at[i, "tile_id"]
        ids = ", ".join(j["id"] for j in extra)
        self._event(
            "warning",
            f"Tile {tile} had {len(extra) + 1} jobs on {name}: kept {kept['id']}, "
            f"canceled and deleted {ids}.",
        )

    def _on_removed(self, job_id: str, _: Any, failure: Failure | None) -> None:
        if failure is not None and failure.kind is not FailureKind.GONE:
            self._removed.discard(job_id)  # tried again at the next listing
            self._event("warning", f"Could not delete duplicate job {job_id}: {failure.message}")

    def _apply_status(self, i: int, new: str | None, info: dict) -> None:
        old = self.frame.at[i, "status"]
        if not moves_forward(old, new):
            return
        if new == "canceled" and i in self._overdue:
            return  # canceled past a time limit: its tile fails with the reason (run_limits)
        changes: dict[str, Any] = {"status": new}
        if new == "running" and not self._has(i, "running_start_time"):
            changes["running_start_time"] = now_utc(self.wall_clock())
        if info.get("costs") is not None:
            changes["costs"] = float(info["costs"])
        if new in FINAL_STATUSES:
            changes.update(self._ended(i, info.get("updated")))
            self._took(i, info.get("updated"), new)
        self._set(i, **changes)
        gateway = self.gateways[self.frame.at[i, "backend_name"]]
        job_id = self.frame.at[i, "id"]
        self._usage(i, info)
        if new == "finished":
            self.breaker.finished()
            if info.get("costs") is None or "usage" not in info:
                self._submit("costs", i, gateway.describe, job_id)
        elif new == "error":
            self._submit("error_log", i, gateway.error_message, job_id)
            if "usage" not in info:  # a failed job used resources too
                self._submit("usage", i, gateway.describe, job_id)
        elif new == "canceled" and not self._has(i, "message"):
            self._set(i, message="canceled")

    def _progress(self, i: int, reported: Any) -> None:
        """Keep the job's progress as its back-end reports it (the map labels running
        tiles with it, the ETA reads it); a back-end without progress leaves it empty."""
        if isinstance(reported, bool) or not isinstance(reported, (int, float)):
            return
        value = min(100.0, max(0.0, float(reported)))
        current = self.frame.at[i, "progress"]
        if value != current:
            self._set(i, progress=value)

    def _took(self, i: int, updated: Any, new: str) -> None:
        """A finished job's time from its start to its end (the back-end's ``updated``),
        from which the run expects when the others end."""
        started = self._started_at.pop(i, None)
        ended = parse_time(updated)
        if "." not in str(updated):  # whole seconds (as most back-ends give): the middle
            ended += 0.5
        if new == "finished" and started is not None and ended > started:
            self._durations.append(ended - started)

    def _on_costs(self, i: int, info: Any, failure: Failure | None) -> None:
        """A finished job's own metadata: its costs and usage (listings lack usage)."""
        if failure is None and info and info.get("costs") is not None:
            self._set(i, costs=float(info["costs"]))
        self._on_usage(i, info, failure)

    def _on_usage(self, i: int, info: Any, failure: Failure | None) -> None:
        if failure is None and isinstance(info, dict):
            self._usage(i, info)

    def _usage(self, i: int, info: dict) -> None:
        """The job's ``usage`` into the table, one text column per key as the openeo
        client writes it (:mod:`.job_usage`); a column new to the table is added."""
        columns = usage_columns(info)
        for column in columns:
            if column not in self.frame.columns:
                self.frame[column] = None
            elif self.frame[column].dtype != object:  # read back empty: floats
                self.frame[column] = self.frame[column].astype(object)
        if columns:
            self._set(i, **columns)

    def _on_error_log(self, i: int, message: Any, failure: Failure | None) -> None:
        text = message if failure is None else f"error (logs unavailable: {failure.message})"
        self._set(i, message=str(text)[:MESSAGE_LIMIT])
        if failure is None:
            self._breaker(str(text))
