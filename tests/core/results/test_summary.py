"""The run summary (core/results/summary.py): numbers on an injected clock, and a real ETA."""

from __future__ import annotations

import threading
import time

import pytest
from helpers.runs import DATES, backend, make_runner, small_grid
from openeo_grid_jobs.core.jobs.rows import now_utc
from openeo_grid_jobs.core.jobs.table import frame_from_tiles
from openeo_grid_jobs.core.results.summary import (
    RunSummary,
    format_bytes,
    format_duration,
    format_number,
)

NOW = 1_750_000_000.0  # the injected "now"


def table(tmp_path, statuses):
    frame = frame_from_tiles(small_grid(len(statuses), 1), *DATES)
    frame["status"] = statuses
    return frame


def test_counts_costs_sizes_and_eta_of_a_run_half_way(tmp_path):
    statuses = ["finished"] * 3 + ["error", "start_failed", "canceled"]
    statuses += ["running", "running", "queued"] + ["not_started"] * 4
    frame = table(tmp_path, statuses)
    frame.loc[0:2, "duration_s"] = [100.0, 110.0, 120.0]
    frame.loc[0:2, "costs"] = [1.25, 2.0, float("nan")]
    frame.loc[6:7, "start_time"] = now_utc(NOW - 50)  # running for 50 s
    frame.loc[3, "duration_s"] = 5.0  # a failed tile's duration is not a tile's duration
    one_file = tmp_path / "a.nc"
    one_file.write_bytes(b"x" * 1_000_000)
    folder = tmp_path / "b"
    folder.mkdir()
    (folder / "part1.tif").write_bytes(b"x" * 150_000)
    (folder / "part2.tif").write_bytes(b"x" * 50_000)
    frame.loc[0:2, "result"] = [str(one_file), str(folder), str(tmp_path / "removed.nc")]

    summary = RunSummary.from_frame(frame, started=NOW - 725, parallel=4, now=NOW)
    assert summary.total == 13
    assert (summary.finished, summary.failed, summary.canceled) == (3, 2, 1)
    assert (summary.running, summary.queued, summary.waiting) == (2, 1, 4)
    assert summary.counts["not_started"] == 4
    assert summary.elapsed_s == 725
    assert summary.mean_duration_s == 110
    assert summary.costs == 3.25
    assert summary.downloaded_bytes == 1_200_000
    # 4 slots: two running jobs free theirs in 60 s, the queued one in 110 s, one is free;
    # 4 waiting tiles of 110 s each take the first free slot: the last ends in 220 s
    assert summary.eta_s == 220
    assert summary.eta_at == NOW + 220
    assert not summary.done
    eta_clock = time.strftime("%H:%M", time.localtime(NOW + 220))
    assert summary.text() == (
        "13 tiles: 3 finished, 2 failed, 1 canceled, 2 running, 1 queued, 4 waiting · 12 min"
        f" · ETA {eta_clock} (~4 min) · 3.25 credits · 1.2 MB"
    )


def test_no_eta_before_a_tile_finished_and_none_needed_at_the_end(tmp_path):
    frame = table(tmp_path, ["running", "queued", "not_started"])
    summary = RunSummary.from_frame(frame, started=NOW - 30, parallel=2, now=NOW)
    assert summary.eta_s is None
    assert summary.eta_at is None
    assert summary.costs is None
    assert summary.text() == "3 tiles: 1 running, 1 queued, 1 waiting · 30 s · no ETA yet"

    frame["status"] = ["finished", "error", "finished"]
    frame["duration_s"] = [10.0, 1.0, 12.0]
    summary = RunSummary.from_frame(frame, started=NOW - 4000, parallel=2, clock=lambda: NOW)
    assert summary.done
    assert summary.eta_s == 0
    assert summary.text() == "3 tiles: 2 finished, 1 failed · 1 h 07 min"


def test_a_job_running_longer_than_the_mean_frees_its_slot_now(tmp_path):
    frame = table(tmp_path, ["finished", "running"])
    frame.loc[0, "duration_s"] = 60.0
    frame.loc[1, "start_time"] = now_utc(NOW - 300)
    summary = RunSummary.from_frame(frame, started=NOW - 400, parallel=1, now=NOW)
    assert summary.eta_s == 0
    assert "(<1 min)" in summary.text()


def test_a_running_job_s_progress_says_how_long_it_has_left(tmp_path):
    frame = table(tmp_path, ["finished", "running", "running", "not_started"])
    frame.loc[0, "duration_s"] = 600.0
    frame.loc[1:2, "start_time"] = now_utc(NOW - 700)
    frame.loc[1:2, "running_start_time"] = now_utc(NOW - 600)
    frame.loc[1, "progress"] = 75.0  # 10 min for 75 %: 200 s left, not "overdue, done now"
    summary = RunSummary.from_frame(frame, started=NOW - 1400, parallel=2, now=NOW)
    # tile 2 (no progress) frees its slot now and takes the waiting tile: 600 s
    assert summary.eta_s == 600
    frame.loc[3, "status"] = "queued"
    frame.loc[3, "start_time"] = now_utc(NOW - 10)
    frame.loc[2, "progress"] = 20.0  # 10 min for 20 %: 40 min left
    assert RunSummary.from_frame(frame, started=NOW, parallel=2, now=NOW).eta_s == 2400


def test_progress_gives_an_eta_before_any_tile_finished(tmp_path):
    frame = table(tmp_path, ["running", "running"])
    frame["running_start_time"] = now_utc(NOW - 300)
    frame["progress"] = [50.0, 25.0]
    summary = RunSummary.from_frame(frame, started=NOW - 400, parallel=2, now=NOW)
    assert summary.eta_s == 900  # the slower one: 5 min for 25 %
    assert summary.text().startswith("2 tiles: 2 running (38 %) · 7 min · ETA ")
    frame.loc[1, "progress"] = float("nan")  # one job without: no made-up number
    assert RunSummary.from_frame(frame, started=NOW, parallel=2, now=NOW).eta_s is None


def test_formats():
    assert [format_duration(s) for s in (0, 44.6, 61, 3599, 3600, 7500)] == [
        "0 s",
        "45 s",
        "1 min",
        "1 h 00 min",
        "1 h 00 min",
        "2 h 05 min",
    ]
    assert [format_number(v) for v in (3.2, 0.05, 0.001, 23.0, 138.0, 1234.5)] == [
        "3.2",
        "0.05",
        "0",
        "23",
        "138",
        "1,234",
    ]
    assert [format_bytes(n) for n in (0, 999, 1500, 850_000, 120_000_000, 3_400_000_000)] == [
        "0 B",
        "999 B",
        "1.5 kB",
        "850 kB",
        "120 MB",
        "3.4 GB",
    ]


def test_eta_of_equal_jobs_after_the_first_batch_is_within_20_percent(local_backend, tmp_path):
    """A real run: 12 tiles, 4 at a time, every job 4 s. Estimated right after the first
    four finished, the ETA is within 20 % of the time the run really took from then."""
    local_backend.knobs(job_duration=4.0, jitter=0.0)
    parallel = 4
    runner = make_runner(
        tmp_path, [backend(local_backend.url, parallel=parallel)], small_grid(4, 3), poll=0.3
    )
    estimates = []
    started = time.time()

    def on_update(_updates):
        finished = int((runner.frame["status"] == "finished").sum())
        if finished >= parallel and not estimates:
            summary = RunSummary.from_frame(runner.frame, started=started, parallel=parallel)
            estimates.append((time.time(), summary))

    runner.on_update = on_update
    assert runner.run(threading.Event()) == {"finished": 12}
    ended = time.time()
    (estimated_at, summary), *_ = estimates
    assert summary.finished in (parallel, parallel + 1)
    assert 3.5 <= summary.mean_duration_s <= 6  # whole seconds of start and end times
    really_left = ended - estimated_at
    assert really_left > 6  # two more batches of 4 s
    assert summary.eta_s == pytest.approx(really_left, rel=0.2), (summary, really_left)
    assert summary.eta_at == pytest.approx(ended, abs=0.2 * really_left)
    assert "ETA" in summary.text()
