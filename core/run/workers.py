"""A fixed-size pool of daemon threads for network calls that a Stop never waits for.

``concurrent.futures.ThreadPoolExecutor`` joins its threads when the interpreter
exits, so a CLI stopped by Ctrl-C would hang until the slowest pending request
timed out. Here the threads are daemons: a stopped run simply abandons what is
in flight (a job created meanwhile is found again by its title on resume).
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import Any, Callable, Optional

_Task = Optional[tuple[Future, Callable[..., Any], tuple[Any, ...]]]


class WorkerPool:
    """``submit(fn, *args)`` runs ``fn`` on one of ``size`` daemon threads."""

    def __init__(self, size: int, name: str, on_done: Callable[[], None] | None = None) -> None:
        self._tasks: queue.Queue[_Task] = queue.Queue()
        self._on_done = on_done
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{n}", daemon=True)
            for n in range(max(1, size))
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        future: Future = Future()
        self._tasks.put((future, fn, args))
        return future

    def shutdown(self) -> None:
        """Let the threads end after their current task; queued tasks are dropped."""
        while True:
            try:
                task = self._tasks.get_nowait()
            except queue.Empty:
                break
            if task is not None:
                task[0].cancel()
        for _ in self._threads:
            self._tasks.put(None)

    def _work(self) -> None:
        while True:
            task = self._tasks.get()
            if task is None:
                return
            future, fn, args = task
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # handed to whoever reads the future
                future.set_exception(exc)
            if self._on_done is not None:
                self._on_done()
