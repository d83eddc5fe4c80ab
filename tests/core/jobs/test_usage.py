"""Job usage: each ended job's ``usage`` in the job table as the openeo client writes it,
carried to the map, its export and the STAC items, and summed in the run summary."""

from __future__ import annotations

import json
import threading

import pytest
from helpers.runs import assert_one_job_per_tile, backend, make_runner, small_grid
from openeo_grid_jobs.core.jobs.rows import tile_updates
from openeo_grid_jobs.core.jobs.usage import (
    UsageTotals,
    cpu_hours,
    memory_gb_hours,
    parse_usage,
    usage_columns,
    usage_stats,
)
from openeo_grid_jobs.core.results.stac_catalog import write_catalog
from openeo_grid_jobs.core.results.summary import RunSummary
from openeo_grid_jobs.ui.adapters.export import export_layer
from openeo_grid_jobs.ui.adapters.layer_updates import GridLayerUpdater
from qgis.core import QgsVectorLayer

METADATA = {
    "id": "j-1",
    "status": "finished",
    "costs": 3.0,
    "usage": {
        "cpu": {"value": 7200, "unit": "cpu-seconds"},
        "memory": {"value": 3686400, "unit": "mb-seconds"},
        "duration": {"value": 3600, "unit": "seconds"},
        "network": {"value": 12, "unit": "kb"},
        "status": {"value": 1, "unit": "x"},  # would overwrite a column: skipped
    },
}


def test_usage_columns_are_the_clients_texts():
    assert usage_columns(METADATA) == {
        "cpu": "7200 cpu-seconds",
        "memory": "3686400 mb-seconds",
        "duration": "3600 seconds",
        "network": "12 kb",
    }
    assert usage_columns({"status": "running"}) == {}


def test_usage_texts_read_back_in_hours():
    assert parse_usage("7200 cpu-seconds") == (7200.0, "cpu-seconds")
    assert parse_usage(float("nan")) is None
    assert parse_usage("lots") is None
    assert cpu_hours("7200 cpu-seconds") == 2.0
    assert cpu_hours("1.5 cpu-hours") == 1.5
    assert memory_gb_hours("3686400 mb-seconds") == 1.0  # 1 GB for an hour
    assert memory_gb_hours("12 kb") is None  # not a memory unit: left out, not guessed
    assert usage_stats({"cpu": "7200 cpu-seconds", "network": "12 kb"}) == {
        "cpu": {"value": 7200, "unit": "cpu-seconds"},
        "network": {"value": 12, "unit": "kb"},
    }


def test_a_real_run_writes_exports_and_sums_usage(local_backend, tmp_path, grid_layer):
    tiles = small_grid(3, 2)
    local_backend.knobs(job_duration=1.0, error_titles=[tiles.tile_id.iloc[5]])
    runner = make_runner(tmp_path, [backend(local_backend.url, parallel=6)], tiles, poll=0.2)
    assert runner.run(threading.Event()) == {"finished": 5, "error": 1}

    table = runner.db.read()  # on disk, as a notebook's job manager would read it
    assert_one_job_per_tile([local_backend], table)
    assert list(table["cpu"]) == ["2 cpu-seconds"] * 6  # the failed job's too
    assert list(table["memory"]) == ["4096 mb-seconds"] * 6
    assert set(table["duration"]) <= {"1 seconds", "2 seconds"}  # started to finished
    assert all(str(v).endswith(" kb") for v in table["network"])
    assert table["duration_s"].notna().all()  # the plugin's own duration is untouched

    summary = RunSummary.from_frame(table, started=0.0, parallel=6)
    assert summary.cpu_hours == pytest.approx(12 / 3600)
    assert summary.memory_gb_hours == pytest.approx(6 * 4 / 3600)
    assert summary.costs == pytest.approx(5 * 23.0)  # failed jobs report no costs here
    assert "0.003 CPU-hours · 0.007 GB-hours" in summary.text()
    assert UsageTotals.of(table.drop(columns=["cpu", "memory"])) == UsageTotals(None, None)

    # the map's layer and its export carry them as numbers
    GridLayerUpdater(grid_layer).apply(tile_updates(table))
    path = export_layer(grid_layer, tmp_path / "export.gpkg")
    back = {f["tile_id"]: f for f in QgsVectorLayer(str(path), "back", "ogr").getFeatures()}
    first = back[tiles.tile_id.iloc[0]]
    assert first["cpu_h"] == pytest.approx(2 / 3600)
    assert first["mem_gbh"] == pytest.approx(4 / 3600)

    # and the STAC items the usage object itself
    catalog = write_catalog(table, tmp_path / "results")
    documents = [json.loads(p.read_text()) for p in catalog.parent.rglob("*.json")]
    usages = [d["properties"].get("openeo:usage") for d in documents if d["type"] == "Feature"]
    assert len(usages) == 5  # the finished, downloaded tiles
    assert all(u["cpu"] == {"value": 2, "unit": "cpu-seconds"} for u in usages)
