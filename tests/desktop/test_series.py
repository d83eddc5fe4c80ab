"""Real-desktop time series: the actual QGIS under Xvfb runs four fields monthly over
three months through the dock, opens QGIS's Temporal Controller and goes to the second
window (``launch_qgis --demo-series``; its screenshot is
docs/screenshots/temporal-controller-second-window.png)."""

from __future__ import annotations

import pytest
from helpers.desktop_runs import driven_session

pytestmark = pytest.mark.desktop

JAN, FEB, MAR = "2024-01-01_2024-02-01", "2024-02-01_2024-03-01", "2024-03-01_2024-04-01"


@pytest.fixture(scope="module")
def series_run(tmp_path_factory, _backend_process):
    out = tmp_path_factory.mktemp("series")
    return driven_session(out, _backend_process, {"OGJ_DEMO_SERIES": "1"}, parallel_jobs=6)


def test_fields_run_monthly_as_a_time_series(series_run):
    result, report, shot = series_run
    assert report["errors"] == []
    assert result.returncode == 0
    series = report["series"]
    assert series["units"] == ["F-01", "F-02", "F-03", "F-04"]
    assert series["windows"] == ["2024-01-01/2024-04-01/P1M"]
    assert report["run_counts"] == {"finished": 12}  # 4 fields x 3 months
    assert report["run"]["progress"] == ["3/3"]
    assert series["mosaics"] == [JAN, FEB, MAR]
    assert shot.stat().st_size > 20_000


def test_the_temporal_controller_shows_the_second_window(series_run):
    _, report, _ = series_run
    series = report["series"]
    assert series["controller_open"]
    assert series["frames"] == [
        ["2024-01-01 00:00:00", "2024-01-31 23:59:59"],
        ["2024-02-01 00:00:00", "2024-02-29 23:59:59"],
        ["2024-03-01 00:00:00", "2024-03-31 23:59:59"],
    ]
    assert series["current_frame"] == 1
    assert series["visible_at_second_frame"] == [FEB]
