"""The run's worker threads: daemons that give way to QGIS's main thread for a CPU."""

from __future__ import annotations

import os
import sys
import threading

import pytest
from openeo_grid_jobs.core.workers import BACKGROUND_NICENESS, WorkerPool


def niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness: Linux")
def test_pool_threads_are_nicer_than_the_thread_that_made_them():
    """The map's thread gets a CPU before the run's threads on a busy machine; the
    caller's own priority is left as it was."""
    before = niceness()
    pool = WorkerPool(2, "test-nice")
    try:
        seen = {pool.submit(niceness).result(timeout=10) for _ in range(4)}
    finally:
        pool.shutdown()
    assert seen == {min(19, before + BACKGROUND_NICENESS)}
    assert niceness() == before


def test_a_pool_runs_tasks_and_hands_over_their_errors():
    pool = WorkerPool(2, "test-tasks")
    try:
        assert pool.submit(sum, [1, 2, 3]).result(timeout=10) == 6
        with pytest.raises(ZeroDivisionError):
            pool.submit(lambda: 1 / 0).result(timeout=10)
    finally:
        pool.shutdown()
