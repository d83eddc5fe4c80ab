"""What the dock says in QGIS's message bar when a run starts: tiles, or (unit, window)
jobs when the run has time windows."""

from __future__ import annotations

import pytest
from openeo_grid_jobs.core.backends.backend import BackendConfig
from openeo_grid_jobs.core.engine.config import RunConfig
from openeo_grid_jobs.core.engine.request import RunRequest
from openeo_grid_jobs.core.jobs.template import JobTemplate
from openeo_grid_jobs.ui.run.messages import RunMessages
from qgis.core import Qgis


@pytest.mark.parametrize(
    ("windows", "retry", "said"),
    [
        ([], False, "Run started: 4 tiles on Local; kept in jobs.csv."),
        ([], True, "Retrying the failed tiles of 4 on Local; kept in jobs.csv."),
        (
            ["2024-01-01/2024-04-01/P1M"],
            False,
            "Run started: 4 units × 3 time windows (12 jobs) on Local; kept in jobs.csv.",
        ),
        (
            ["2024-01-01/2024-04-01/P1M"],
            True,
            "Retrying the failed jobs of 4 units × 3 time windows on Local; kept in jobs.csv.",
        ),
    ],
)
def test_a_run_started_is_said_in_its_rows_words(desktop, tmp_path, windows, retry, said):
    template = JobTemplate(start="2024-01-01", end="2024-04-01", windows=windows)
    backend = BackendConfig("http://127.0.0.1:1", name="Local")
    request = RunRequest(
        str(tmp_path / "jobs.csv"), config=RunConfig(template, [backend]), retry_failed=retry
    )
    bar = desktop.iface.messageBar()
    before = len(bar.get_messages(Qgis.MessageLevel.Info))
    RunMessages(desktop.iface).started(request, 4)
    new = bar.get_messages(Qgis.MessageLevel.Info)[before:]
    assert len(new) == 1, new
    assert said in new[0]
