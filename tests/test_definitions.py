"""The definitions' enums are their stored strings, wherever they go."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from openeo_grid_jobs.core.backend import BackendConfig
from openeo_grid_jobs.core.definitions import (
    FAILED_STATUSES,
    FINAL_STATUSES,
    NO_RESULT_STATUSES,
    STATUSES,
    LoginMethod,
    TileStatus,
)
from openeo_grid_jobs.core.errors import BackendConnectionError


def test_statuses_are_the_job_managers_strings_in_legend_order():
    assert STATUSES == (
        "not_started",
        "created",
        "queued_for_start",
        "queued",
        "running",
        "finished",
        "error",
        "start_failed",
        "skipped",
        "canceled",
    )
    assert FAILED_STATUSES < NO_RESULT_STATUSES < FINAL_STATUSES
    assert all(type(s) is str for s in FINAL_STATUSES | NO_RESULT_STATUSES)


def test_members_format_store_and_compare_as_their_values(tmp_path):
    member = TileStatus.START_FAILED
    assert (str(member), f"{member}", f"{member:>14}") == (
        "start_failed",
        "start_failed",
        "  start_failed",
    )
    assert json.dumps({"status": member}) == '{"status": "start_failed"}'
    assert member == "start_failed"
    assert "start_failed" in {member}

    frame = pd.DataFrame({"status": [TileStatus.FINISHED, "error", TileStatus.SKIPPED]})
    assert frame["status"].isin(FAILED_STATUSES).tolist() == [False, True, True]
    frame.to_csv(tmp_path / "jobs.csv", index=False)
    assert (tmp_path / "jobs.csv").read_text().split() == ["status", "finished", "error", "skipped"]


def test_login_methods_come_from_stored_strings():
    assert [m.value for m in LoginMethod] == [
        "none",
        "basic",
        "oidc_device",
        "oidc_client_credentials",
    ]
    assert BackendConfig(url="https://x.example", username="u").auth_method is LoginMethod.BASIC
    config = BackendConfig(url="https://x.example", auth_method="oidc_device")
    assert config.auth_method is LoginMethod.OIDC_DEVICE
    assert config.auth_method.uses_oidc
    assert not config.auth_method.needs_stored_secret
    with pytest.raises(
        BackendConnectionError, match="Unknown login method 'kerberos'; one of none"
    ):
        BackendConfig(url="https://x.example", auth_method="kerberos")
