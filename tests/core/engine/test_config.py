"""Run settings beside the job database: round trip, and never a secret."""

from __future__ import annotations

import pytest
from openeo_grid_jobs.core.backends.backend import BackendConfig
from openeo_grid_jobs.core.engine.config import RunConfig, RunConfigError
from openeo_grid_jobs.core.errors import BackendConnectionError
from openeo_grid_jobs.core.jobs.template import JobTemplate


def test_round_trip(tmp_path):
    config = RunConfig(
        JobTemplate("2024-05-01", "2024-08-01", out_format="GTiff"),
        [BackendConfig("https://openeo.example/", "me", 3)],
        poll_interval=30,
        output_dir="results",
    )
    config.save(tmp_path / "jobs.csv")
    back = RunConfig.load(tmp_path / "jobs.csv")
    assert back.template.out_format == "GTiff"
    assert back.backends[0].name == "openeo.example"
    assert (back.backends[0].username, back.backends[0].parallel_jobs) == ("me", 3)
    assert back.poll_interval == 30
    assert (back.backends[0].auth_method, back.backends[0].verify_tls) == ("basic", True)


@pytest.mark.parametrize("key", ["password", "access_token", "client_secret"])
def test_secrets_are_refused(tmp_path, key):
    config = RunConfig(JobTemplate("2024-05-01", "2024-08-01"), [], extra={"auth": {key: "x"}})
    with pytest.raises(RunConfigError, match="secret"):
        config.save(tmp_path / "jobs.csv")
    assert not RunConfig.path_for(tmp_path / "jobs.csv").exists()


def test_bad_url_and_missing_settings(tmp_path):
    with pytest.raises(BackendConnectionError, match="not a back-end URL"):
        BackendConfig("openeo.example")
    with pytest.raises(RunConfigError, match="No run settings"):
        RunConfig.load(tmp_path / "jobs.csv")
