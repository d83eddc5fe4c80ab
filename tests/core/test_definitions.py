"""The definitions' enums are their stored strings, wherever they go."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from openeo_grid_jobs.core.backends.backend import BackendConfig
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


def test_one_poll_interval_default_for_the_policy_and_the_run_settings():
    from openeo_grid_jobs.core.definitions import DEFAULT_POLL_INTERVAL
    from openeo_grid_jobs.core.engine.config import RunConfig
    from openeo_grid_jobs.core.jobs.template import JobTemplate
    from openeo_grid_jobs.core.run.scheduler import RunPolicy

    config = RunConfig(JobTemplate(start="2024-01-01", end="2024-02-01"), [])
    assert RunPolicy().poll_interval == config.poll_interval == DEFAULT_POLL_INTERVAL
    saved = config.to_dict()
    del saved["poll_interval"]  # a run saved before the interval was kept
    assert RunConfig.from_dict(saved).poll_interval == DEFAULT_POLL_INTERVAL


def test_the_core_defaults_read_the_definitions():
    from openeo_grid_jobs.core.definitions import (
        DEFAULT_BANDS,
        DEFAULT_COLLECTION,
        DEFAULT_PARALLEL_JOBS,
    )
    from openeo_grid_jobs.core.jobs.template import JobTemplate
    from openeo_grid_jobs.core.run.gateway import Backend

    template = JobTemplate(start="2024-01-01", end="2024-02-01")
    assert (template.collection, template.bands) == ("SENTINEL2_L2A", ["B04", "B08"])
    assert (DEFAULT_COLLECTION, list(DEFAULT_BANDS)) == (template.collection, template.bands)
    assert template.bands is not JobTemplate(start="2024-01-01", end="2024-02-01").bands
    assert BackendConfig(url="https://x.example").parallel_jobs == DEFAULT_PARALLEL_JOBS == 2
    assert Backend("b", connect=lambda: None).parallel_jobs == DEFAULT_PARALLEL_JOBS


def test_each_default_is_written_once():
    """The seed job's collection, bands and dates and the parallel jobs of a back-end are
    written in the definitions only: a second copy drifts (the dock, Processing, the CLI
    and the template would each start from their own)."""
    import ast

    from helpers.sources import REPO_ROOT, plugin_files

    literals = {"SENTINEL2_L2A", "B04", "B08", "B04, B08", "B04,B08", "2024-05-01", "2024-08-01"}

    def names_parallel_jobs(node: ast.AST | None) -> bool:
        return (isinstance(node, ast.Name) and node.id == "parallel_jobs") or (
            isinstance(node, ast.Attribute) and node.attr == "parallel_jobs"
        )

    def number(node: ast.AST | None) -> bool:
        return isinstance(node, ast.Constant) and type(node.value) is int

    def parallel_jobs_literal(node: ast.AST) -> bool:
        if isinstance(node, ast.keyword):  # BackendConfig(parallel_jobs=2)
            return node.arg == "parallel_jobs" and number(node.value)
        if isinstance(node, ast.AnnAssign):  # parallel_jobs: int = 2
            return names_parallel_jobs(node.target) and number(node.value)
        if isinstance(node, ast.BoolOp):  # args.parallel_jobs or 2
            return any(map(names_parallel_jobs, node.values)) and any(map(number, node.values))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            # self.parallel_jobs.setValue(2)
            return (
                node.func.attr == "setValue"
                and names_parallel_jobs(node.func.value)
                and any(map(number, node.args))
            )
        if isinstance(node, ast.Call) and len(node.args) > 1:  # Key("parallel_jobs", 2)
            first = node.args[0]
            return (
                isinstance(first, ast.Constant)
                and first.value == "parallel_jobs"
                and number(node.args[1])
            )
        return False

    found = []
    for path in plugin_files():
        name = str(path.relative_to(REPO_ROOT))
        if name == "core/definitions.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in literals:
                found.append(f"{name}:{node.lineno}: {node.value!r}")
            elif parallel_jobs_literal(node):
                found.append(f"{name}:{getattr(node, 'lineno', '?')}: parallel_jobs")
    assert found == []


def test_output_formats_are_the_enums_values():
    from openeo_grid_jobs.core.definitions import OutputFormat
    from openeo_grid_jobs.core.jobs.template import OUTPUT_FORMATS, JobTemplate

    assert OUTPUT_FORMATS == ("NetCDF", "GTiff")
    assert JobTemplate(start="2024-01-01", end="2024-02-01").out_format == OutputFormat.NETCDF
    assert (
        type(JobTemplate(start="2024-01-01", end="2024-02-01").out_format) is str
    )  # what the run settings' JSON holds


#: files still comparing statuses as bare strings: being reworked elsewhere, switched then


def test_statuses_are_compared_as_members_not_bare_strings():
    """A status written out (``== "finished"``, ``in ("queued", "running")``) outside
    the definitions: one typo compares False forever."""
    import ast

    from helpers.sources import REPO_ROOT, plugin_files

    def bare(node: ast.AST) -> list[str]:
        items = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
        values = [i.value if isinstance(i, ast.Constant) else None for i in items]
        # ("warning", "error") are log levels: a collection counts when all are statuses
        return values if values and all(v in STATUSES for v in values) else []

    found = {}
    for path in plugin_files():
        name = str(path.relative_to(REPO_ROOT))
        if name == "core/definitions.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Compare):
                for operand in (node.left, *node.comparators):
                    for value in bare(operand):
                        found.setdefault(name, []).append(f"{node.lineno}: {value}")
    assert found == {}
