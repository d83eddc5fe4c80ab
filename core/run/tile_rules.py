"""Small rules about tiles and their jobs, kept apart from the run loop that applies them.

- statuses only move forward (a late answer never turns ``running`` back into
  ``queued``), and a final status is final;
- when two back-end jobs carry one tile's title, which one the tile keeps;
- the breaker: when the first failures of a run all share one reason and
  nothing has finished, submitting the remaining tiles would only buy more of
  the same failure.
"""

from __future__ import annotations

from ..definitions import FINAL_STATUSES, STATUSES, TileStatus

RANK = {s: (5 if s in FINAL_STATUSES else i) for i, s in enumerate(STATUSES)}
_PREFERENCE: dict[str, int] = {
    TileStatus.FINISHED: 0,
    TileStatus.RUNNING: 1,
    TileStatus.QUEUED: 2,
    TileStatus.CREATED: 3,
}


def moves_forward(old: str, new: str | None) -> bool:
    """Whether a tile may go from ``old`` to ``new``."""
    if not new or new not in RANK or old in FINAL_STATUSES or new == old:
        return False
    return RANK[new] >= RANK[old]


def keep_one(jobs: list[dict], known_id: str | None) -> tuple[dict, list[dict]]:
    """Of several jobs with one tile's title: the one to keep, and the extra ones.

    The job the table already names wins; else the most advanced one (a finished
    result is worth keeping), then the oldest.
    """

    def preference(job: dict) -> tuple[int, int, str]:
        return (
            0 if job.get("id") == known_id else 1,
            _PREFERENCE.get(str(job.get("status")), 9),
            str(job.get("created") or ""),
        )

    ordered = sorted(jobs, key=preference)
    kept = ordered[0]
    extra: dict[object, dict] = {}
    for job in ordered[1:]:  # each job once: a job is never its own duplicate
        if job.get("id") != kept.get("id"):
            extra.setdefault(job.get("id"), job)
    return kept, list(extra.values())


class Breaker:
    """Trips when the first ``threshold`` failures of a run share one reason."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.reasons: list[str] = []
        self.anything_finished = False
        self.tripped: str | None = None

    def finished(self) -> None:
        self.anything_finished = True

    def failed(self, reason: str) -> str | None:
        """Record a permanent failure; the shared reason when the breaker trips now."""
        if self.anything_finished or self.tripped:
            return None
        self.reasons.append(_essence(reason))
        if len(self.reasons) >= self.threshold and len(set(self.reasons)) == 1:
            self.tripped = reason
            return reason
        return None


def _essence(reason: str) -> str:
    """A failure's reason without what differs from tile to tile (ids, numbers)."""
    return "".join(ch for ch in reason[:120] if not ch.isdigit())
