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
from collections.abc import Collection, Iterator
from typing import Any

from .failures import Failure, FailureKind
from .run_state import MESSAGE_LIMIT, RunState
from .scheduler import READ


class ResultDownloads(RunState):
    def _missing_results(self) -> list[int]:
        """Finished tiles whose result (or, without downloads, its address) is still
        wanted this run."""
        if self.output_dir is None:
            return []
        attempts = self.policy.download_attempts
        missing = self._rows.unfetched
        if not self.download:
            missing = {i for i in missing if not self._has(i, "result_url")}
        return self._rows.ordered(i for i in missing if self._download_failures[i] < attempts)

    def _start_downloads(self) -> None:
        if not self.download:
            self._ask_links()
            return
        if self.output_dir is None or self._downloads is None:
            return
        for i, name in self._due(self._downloads.pending):
            target = self.output_dir / str(self.frame.at[i, "tile_id"])
            self._downloads.request(i, self.gateways[name], self._rows.job_id[i], target)

    def _ask_links(self) -> None:
        """Without downloads: ask where each finished tile's result files are."""
        asking = {key for kind, key in self._tasks.values() if kind == "links"}
        for i, name in self._due(asking):
            self._submit("links", i, self.gateways[name].result_links, self._rows.job_id[i])

    def _due(self, busy: Collection[int]) -> Iterator[tuple[int, str]]:
        """The missing results to ask for now (not ``busy``, past their backoff, their
        back-end ready): (row, back-end)."""
        now, rows = self.clock(), self._rows
        for i in self._missing_results():
            if i in busy or self._download_after.get(i, 0.0) > now:
                continue
            name = rows.backend[i]
            if self.scheduler.ready(name, READ) and self.gateways[name].usable:
                yield i, name

    def _on_links(self, i: int, links: Any, failure: Failure | None) -> None:
        if failure is None:
            self._set(i, result_url=json.dumps(links))
            return
        self._download_failures[i] += 1
        self._download_after[i] = self.clock() + self.scheduler.backoff(self._download_failures[i])
        self._set(i, message=f"result links failed: {failure.message}"[:MESSAGE_LIMIT])

    def _on_download(self, i: int, path: str | None, failure: Failure | None) -> None:
        if path is not None:
            if self._disk_said:
                self._disk_said = False
                self._event("info", f"Results are written in {self.output_dir} again.")
            self._set(i, result=path)
            return
        if failure is None:  # a download gives a path or a failure
            return
        if failure.kind is FailureKind.PERMANENT and failure.status is None:  # the disk
            retry = self.policy.disk_retry
            self._download_after[i] = self.clock() + retry
            if not self._disk_said:  # said once, where the user looks
                self._disk_said = True
                reason = failure.message.rsplit(": ", 1)[-1]
                self._event(
                    "warning",
                    f"Cannot write results in {self.output_dir} ({reason}): the run goes on "
                    f"tracking the jobs, and the downloads wait, tried again every "
                    f"{retry:g} s, until the folder can be written.",
                )
        else:
            self._download_failures[i] += 1
            self._download_after[i] = self.clock() + self.scheduler.backoff(
                self._download_failures[i]
            )
        self._set(i, message=f"download failed: {failure.message}"[:MESSAGE_LIMIT])
