"""JobEnds: when a running job should end, from the progress its back-end reports."""

from __future__ import annotations

import pytest
from openeo_grid_jobs.core.run.job_ends import JobEnds


def test_two_readings_give_the_jobs_pace():
    """20 % at 100 s, 30 % at 101 s: 10 points a second, 70 to go: it ends at 108 s."""
    ends = JobEnds()
    ends.reading("j-1", 95.0, 100.0, 20)
    ends.reading("j-1", 95.0, 101.0, 30.0)
    assert ends.took("j-1", 95.0) == pytest.approx(13.0)


def test_one_reading_is_taken_against_the_jobs_start():
    """Started at 100 s, 25 % at 102 s: the first guess is 8 s in all (late by any time
    it queued, which shows no progress; the next reading corrects it)."""
    ends = JobEnds()
    ends.reading("j-1", 100.0, 102.0, 25)
    assert ends.took("j-1", 100.0) == pytest.approx(8.0)
    ends.reading("j-1", 100.0, 103.0, 40)  # 15 points a second: 60 to go, 4 s
    assert ends.took("j-1", 100.0) == pytest.approx(7.0)


@pytest.mark.parametrize("reported", [None, "50", True, 0, 100, -3, 120])
def test_no_guess_without_a_progress_between_0_and_100(reported):
    ends = JobEnds()
    ends.reading("j-1", 100.0, 102.0, reported)
    assert ends.took("j-1", 100.0) is None


def test_a_stalled_job_keeps_its_last_guess_and_an_ended_one_is_forgotten():
    ends = JobEnds()
    ends.reading("j-1", 100.0, 102.0, 50)
    ends.reading("j-1", 100.0, 103.0, 50.2)  # less than MIN_STEP: no pace from that
    assert ends.took("j-1", 100.0) == pytest.approx(4.0)
    ends.forget("j-1")
    assert ends.took("j-1", 100.0) is None
    ends.reading("j-2", None, 102.0, 50)  # started when? (no guess from one reading)
    assert ends.took("j-2", 100.0) is None
