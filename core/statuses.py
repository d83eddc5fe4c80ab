"""Job statuses as used by openEO's ``MultiBackendJobManager`` job database.

The official openEO batch-job statuses (``created``, ``queued``, ``running``,
``finished``, ``error``, ``canceled``) plus the job manager's own bookkeeping
states (``not_started``, ``queued_for_start``, ``start_failed``, ``skipped``).
"""

from __future__ import annotations

#: In the order a tile goes through them; the legend uses this order.
STATUSES: tuple[str, ...] = (
    "not_started",
    "created",
    "queued_for_start",
    "queued",
    "running",
    "finished",
    "error",
    "start_failed",
    "skipped",
    "canceled",
)
NOT_STARTED = "not_started"
#: A tile in one of these needs nothing more from the back-end.
FINAL_STATUSES = frozenset({"finished", "error", "start_failed", "skipped", "canceled"})
