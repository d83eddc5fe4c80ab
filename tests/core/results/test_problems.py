"""Failed tiles grouped by reason, most frequent first (the dock's Problems list)."""

from __future__ import annotations

import pandas as pd
from openeo_grid_jobs.core.results.problems import normalized, problems, problems_text
from openeo_grid_jobs.core.run.budget import budget_reason


def table(rows):
    return pd.DataFrame(rows, columns=["tile_id", "status", "message"])


def test_reasons_counted_most_frequent_first():
    frame = table(
        [
            ("a", "error", "java.lang.OutOfMemoryError: Java heap space"),
            ("b", "finished", None),
            ("c", "error", "OOM: container killed (exit code 137)"),
            ("d", "error", "Memory limit exceeded on executor 12"),
            ("e", "error", "NoDataAvailable: no data in extent"),
            ("f", "running", None),
            ("g", "error", "No data found for SENTINEL2_L2A in 31N_119_1132"),
            ("h", "canceled", "canceled by you"),
            ("i", "error", "java.lang.OutOfMemoryError: GC overhead limit exceeded"),
        ]
    )
    found = problems(frame)
    assert problems_text(found) == "out of memory: 4, no data in extent: 2, canceled by you: 1"
    assert found[0].tile_ids == ("a", "c", "d", "i")
    assert found[0].example == "java.lang.OutOfMemoryError: Java heap space"
    assert str(found[1]) == "no data in extent: 2"


def test_messages_that_differ_in_ids_and_numbers_are_one_reason():
    frame = table(
        [
            ("31N_1_2", "error", "Job j-2611a8f3c9d4 failed after 2412 s on 31N_1_2 (ref: r-91a)"),
            ("31N_1_3", "error", "Job j-77b0e1d2aa01 failed after 12.5 s on 31N_1_3 (ref: r-0ff)"),
            ("31N_1_4", "start_failed", "create failed: HTTP 400: Band(s) ['B99'] do not exist"),
            ("31N_1_5", "start_failed", "create failed: HTTP 400: Band(s) ['B98'] do not exist"),
        ]
    )
    found = problems(frame)
    assert [(p.reason, p.count) for p in found] == [
        ("Job … failed after … s on …", 2),
        ("create failed: HTTP 400: Band(s) ['B98'] do not exist", 1),
        ("create failed: HTTP 400: Band(s) ['B99'] do not exist", 1),  # band names differ
    ]
    assert found[0].tile_ids == ("31N_1_2", "31N_1_3")
    assert normalized("Job j-2611a8f3c9d4 took 3 s") == normalized("JOB j-0000000abc12 took 99 s")


def test_skipped_canceled_and_silent_tiles():
    reason = budget_reason(5.0, 4.6)
    frame = table(
        [
            ("a", "skipped", reason),
            ("b", "skipped", reason),
            ("c", "canceled", "canceled"),  # canceled on the back-end by the user
            ("d", "canceled", "canceled by you"),
            ("e", "error", None),
            ("f", "start_failed", "   "),
        ]
    )
    found = problems(frame)
    assert [(p.reason, p.count) for p in found] == [
        ("canceled by you", 2),
        ("credit budget of 5.0 reached: 4.6 spent or committed", 2),
        ("no reason given", 2),
    ]
    assert found[0].example == ""
    assert found[2].statuses == {"error": 1, "start_failed": 1}


def test_nothing_failed_and_limits():
    assert problems(table([("a", "finished", None)])) == []
    assert problems(pd.DataFrame()) == []
    frame = table([(str(i), "error", f"reason {'xyz'[i % 3]}") for i in range(7)])
    found = problems(frame)
    assert problems_text(found, limit=1) == "reason x: 3, and 2 more"
