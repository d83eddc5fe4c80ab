"""The run's worker threads: daemons whose errors reach whoever reads the future."""

from __future__ import annotations

import pytest
from openeo_grid_jobs.core.run.workers import WorkerPool


def test_a_pool_runs_tasks_and_hands_over_their_errors():
    pool = WorkerPool(2, "test-tasks")
    try:
        assert pool.submit(sum, [1, 2, 3]).result(timeout=10) == 6
        with pytest.raises(ZeroDivisionError):
            pool.submit(lambda: 1 / 0).result(timeout=10)
    finally:
        pool.shutdown()
