"""The user's cancel: the back-end jobs of some rows (or all) canceled, during a run or
without one (:meth:`~.runner.GridJobRunner.cancel_now`).

A row whose job is still being made is canceled once the job exists (the launcher
asks again when the create comes back); a job already gone counts as canceled.
"""

from __future__ import annotations

from typing import Any

from ..definitions import ACTIVE_STATUSES, TileStatus
from .failures import Failure, FailureKind
from .state import MESSAGE_LIMIT, Call, RunState
from .statuses import JobStatuses


class Canceller:
    """Asks the back-ends to cancel rows' jobs and writes what they answer."""

    def __init__(self, state: RunState, statuses: JobStatuses) -> None:
        self.state = state
        self.statuses = statuses

    def cancel(self, indices: list[int] | None) -> int:
        """Ask the back-end to cancel the active jobs of ``indices`` (all when None); how
        many rows were active."""
        state = self.state
        frame = state.frame
        count = 0
        for i in frame.index if indices is None else indices:
            if frame.at[i, "status"] not in ACTIVE_STATUSES:
                continue
            count += 1
            if not state.has(i, "id"):  # its job is being made: cancel it once it exists
                state.cancel_wanted.add(i)
                continue
            state.cancel_wanted.discard(i)
            gateway = state.gateways[frame.at[i, "backend_name"]]
            state.submit(Call.CANCELED, i, gateway.cancel, frame.at[i, "id"])
        return count

    def on_canceled(self, i: int, _: Any, failure: Failure | None) -> None:
        if failure is None or failure.kind is FailureKind.GONE:
            self.state.set(i, message="canceled by you")
            self.statuses.apply(i, TileStatus.CANCELED.value, {})
        else:
            self.state.set(i, message=f"cancel failed: {failure.message}"[:MESSAGE_LIMIT])
