"""Run requests and viewers for engine tests: the channel as the dock uses it, without Qt."""

from __future__ import annotations

import threading
from pathlib import Path

from openeo_grid_jobs.core.backends.backend import BackendConfig, Secrets
from openeo_grid_jobs.core.engine.channel import LOST, ChannelClient
from openeo_grid_jobs.core.engine.config import RunConfig
from openeo_grid_jobs.core.engine.events import EventKind, updates_from_rows
from openeo_grid_jobs.core.engine.request import RunRequest
from openeo_grid_jobs.core.jobs.template import JobTemplate

from devtools.local_backend.launcher import PASSWORD, USERNAME

from .runs import DATES, small_grid, wait_until


def run_request(
    tmp_path: Path,
    url: str,
    tiles=None,
    *,
    name: str = "local",
    parallel: int = 2,
    poll: float = 0.3,
    output: bool = True,
    db_name: str = "jobs.csv",
    **options,
) -> RunRequest:
    """A new run of ``tiles`` (3 x 2 by default) on the local back-end as alice."""
    config = RunConfig(
        JobTemplate(*DATES),
        [BackendConfig(url, username=USERNAME, name=name, parallel_jobs=parallel)],
        poll_interval=poll,
        output_dir=str(tmp_path / "results") if output else None,
    )
    return RunRequest(
        str(tmp_path / db_name),
        config=config,
        tiles=small_grid(3, 2) if tiles is None else tiles,
        secrets={name: Secrets(username=USERNAME, password=PASSWORD)},
        holder="tests",
        **options,
    )


class Viewer:
    """Attached to a live run: keeps every event and the tiles' statuses as shown."""

    def __init__(self, job_db: str | Path) -> None:
        self.events: list[dict] = []
        self.statuses: dict[str, str] = {}
        self.ended = threading.Event()
        self.lost = threading.Event()
        self._lock = threading.Lock()
        self.client = ChannelClient.attach(job_db, self._on_event, wait=10)

    def _on_event(self, message: dict) -> None:
        with self._lock:
            self.events.append(message)
            kind = message.get("kind")
            if kind in (EventKind.HELLO, EventKind.UPDATES):
                for update in updates_from_rows(message.get("rows") or []):
                    self.statuses[update.tile_id] = update.status
            if kind == EventKind.ENDED:
                self.ended.set()
            if kind == LOST:
                self.lost.set()

    def of_kind(self, kind: str) -> list[dict]:
        with self._lock:
            return [e for e in self.events if e.get("kind") == kind]

    def hello(self) -> dict:
        wait_until(lambda: bool(self.of_kind(EventKind.HELLO)), timeout=10)
        return self.of_kind(EventKind.HELLO)[0]

    def notices(self) -> list[str]:
        return [e["message"] for e in self.of_kind(EventKind.NOTICE)]

    def wait_ended(self, timeout: float = 120) -> dict:
        assert self.ended.wait(timeout), f"the run did not end within {timeout} s"
        return self.of_kind(EventKind.ENDED)[-1]

    def send(self, op: str, **values) -> None:
        assert self.client.send({"op": op, **values})

    def detach(self) -> None:
        self.client.detach()
