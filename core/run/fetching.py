"""Result downloads of finished tiles, on the run's download pool (:mod:`.downloads`).

A run without downloads (``download`` False) asks instead where each finished tile's
result files are on the back-end (``result_url``), for its catalog.

A finished tile without a result is downloaded into ``output_dir/<tile>``; a failed
download is tried again after a backoff, a few times per run. A results folder that
cannot be written (disk full, read-only, a network drive gone) does not use up
those tries: it is said once, and the downloads wait for it, tried again every
``policy.disk_retry`` seconds: the run ends once they are written (or on Stop).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterator
from typing import Any

from .failures import Failure, FailureKind
from .scheduler import READ
from .state import MESSAGE_LIMIT, Call, RunState


class ResultFetcher:
    """Downloads finished tiles' results (or asks where they are), each row's tries
    counted for this run."""

    def __init__(self, state: RunState) -> None:
        self.state = state
        self._failures: Counter = Counter()  # failed tries of each row's result
        self._after: dict[int, float] = {}  # clock time before which it is not tried again
        self._disk_said = False  # a results folder that cannot be written was said

    def missing(self) -> list[int]:
        """Finished tiles whose result (or, without downloads, its address) is still
        wanted this run."""
        state = self.state
        if state.output_dir is None:
            return []
        attempts = state.policy.download_attempts
        missing = state.rows.unfetched
        if not state.download:
            missing = {i for i in missing if not state.has(i, "result_url")}
        return state.rows.ordered(i for i in missing if self._failures[i] < attempts)

    def fetch(self) -> None:
        """Ask for the missing results that are due (downloads, or their addresses)."""
        state = self.state
        if not state.download:
            self._ask_links()
            return
        if state.output_dir is None or state.downloads is None:
            return
        for i, name in self._due(state.downloads.pending):
            target = state.output_dir / str(state.frame.at[i, "tile_id"])
            state.downloads.request(i, state.gateways[name], state.rows.job_id[i], target)

    def _ask_links(self) -> None:
        """Without downloads: ask where each finished tile's result files are."""
        state = self.state
        for i, name in self._due(state.keys_asked(Call.LINKS)):
            state.submit(Call.LINKS, i, state.gateways[name].result_links, state.rows.job_id[i])

    def _due(self, busy: Collection[int]) -> Iterator[tuple[int, str]]:
        """The missing results to ask for now (not ``busy``, past their backoff, their
        back-end ready): (row, back-end)."""
        state = self.state
        now, rows = state.clock(), state.rows
        for i in self.missing():
            if i in busy or self._after.get(i, 0.0) > now:
                continue
            name = rows.backend[i]
            if state.scheduler.ready(name, READ) and state.gateways[name].usable:
                yield i, name

    def _failed(self, i: int) -> None:
        """One more failed try of row ``i``'s result: the next waits a longer backoff."""
        self._failures[i] += 1
        self._after[i] = self.state.clock() + self.state.scheduler.backoff(self._failures[i])

    def on_links(self, i: int, links: Any, failure: Failure | None) -> None:
        if failure is None:
            self.state.set(i, result_url=json.dumps(links))
            return
        self._failed(i)
        self.state.set(i, message=f"result links failed: {failure.message}"[:MESSAGE_LIMIT])

    def on_download(self, i: int, path: str | None, failure: Failure | None) -> None:
        state = self.state
        if path is not None:
            if self._disk_said:
                self._disk_said = False
                state.event("info", f"Results are written in {state.output_dir} again.")
            state.set(i, result=path)
            return
        if failure is None:  # a download gives a path or a failure
            return
        if failure.kind is FailureKind.PERMANENT and failure.status is None:  # the disk
            retry = state.policy.disk_retry
            self._after[i] = state.clock() + retry
            if not self._disk_said:  # said once, where the user looks
                self._disk_said = True
                reason = failure.message.rsplit(": ", 1)[-1]
                state.event(
                    "warning",
                    f"Cannot write results in {state.output_dir} ({reason}): the run goes on "
                    f"tracking the jobs, and the downloads wait, tried again every "
                    f"{retry:g} s, until the folder can be written.",
                )
        else:
            self._failed(i)
        state.set(i, message=f"download failed: {failure.message}"[:MESSAGE_LIMIT])
