"""When each running job should end, from the progress its back-end reports.

The polls between the regular ones aim at a job's expected end, so that its slot is
refilled as it frees (:mod:`.polling`). Before any job of the run has finished,
the only clue is the job's own ``progress`` (openEO's percent done): its pace
between two readings gives its end, and one reading, taken against the job's
start, gives a first guess (late by the job's time queued, which shows no
progress). Back-ends report progress unevenly; a wrong guess costs one early
listing, never a missed end (the regular poll still comes).
"""

from __future__ import annotations

from typing import Any

#: readings closer than this (percent points) give no pace (rounding, a stalled job)
MIN_STEP = 0.5


def reported_percent(reported: Any) -> float | None:
    """A job's ``progress`` as its back-end reported it, as a percent within 0-100;
    None when it is not a number (missing, text, a boolean)."""
    if isinstance(reported, bool) or not isinstance(reported, (int, float)):
        return None
    return min(100.0, max(0.0, float(reported)))


class JobEnds:
    """Each running job's first progress reading and its expected end (wall seconds),
    by job id."""

    def __init__(self) -> None:
        self._first: dict[str, tuple[float, float]] = {}
        self._ends: dict[str, float] = {}

    def reading(self, job_id: str, started: float | None, seen: float, reported: Any) -> None:
        """The back-end said the job (started at ``started``, wall seconds) was
        ``reported`` percent done when asked at ``seen``."""
        done = reported_percent(reported)
        if done is None or not 0.0 < done < 100.0:
            return
        first = self._first.setdefault(job_id, (seen, done))
        since, then = first
        if done - then >= MIN_STEP and seen > since:  # its pace
            self._ends[job_id] = seen + (100.0 - done) * (seen - since) / (done - then)
        elif first == (seen, done) and started is not None and seen > started:
            self._ends[job_id] = started + (seen - started) * 100.0 / done

    def took(self, job_id: str, started: float) -> float | None:
        """How long the job should take from ``started``, by its progress; None when it
        reported none."""
        end = self._ends.get(job_id)
        return end - started if end is not None and end > started else None

    def forget(self, job_id: str) -> None:
        """The job ended (or is gone)."""
        self._first.pop(job_id, None)
        self._ends.pop(job_id, None)
