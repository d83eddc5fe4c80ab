"""The interpreter-wide settings a run changes (ui/run_interpreter.py) are put back."""

from __future__ import annotations

import gc
import sys
import threading

import pytest
from openeo_grid_jobs.ui.run_interpreter import (
    RUN_SWITCH_INTERVAL,
    quick_gil_handoffs,
    sharing_with_the_map,
)


def test_handoffs_quick_while_any_run_goes_on():
    before = sys.getswitchinterval()
    assert before > RUN_SWITCH_INTERVAL  # Python's 5 ms
    first_in, second_out = threading.Event(), threading.Event()
    seen = {}

    def second_run():
        first_in.wait()
        with quick_gil_handoffs():
            seen["second"] = sys.getswitchinterval()
        second_out.set()

    thread = threading.Thread(target=second_run)
    thread.start()
    with quick_gil_handoffs():
        first_in.set()
        second_out.wait()
        # the second run ended first: the first still runs with quick handoffs
        assert sys.getswitchinterval() == RUN_SWITCH_INTERVAL
    thread.join()
    assert seen["second"] == RUN_SWITCH_INTERVAL
    assert sys.getswitchinterval() == before


def failing_run():
    with sharing_with_the_map():
        assert sys.getswitchinterval() == RUN_SWITCH_INTERVAL
        assert gc.get_freeze_count() > 0
        raise RuntimeError("the run failed")


def test_put_back_when_a_run_fails():
    before = sys.getswitchinterval()
    with pytest.raises(RuntimeError, match="the run failed"):
        failing_run()
    assert sys.getswitchinterval() == before
    assert gc.get_freeze_count() == 0
