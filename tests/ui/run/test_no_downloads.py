"""A run without downloads: statuses on the map, results left on the back-end, a STAC
catalog that points at their URLs; a later run with downloads fetches them."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from helpers.engine import run_request
from helpers.runs import assert_one_job_per_tile, small_grid
from openeo_grid_jobs.core.engine.config import RunConfig
from openeo_grid_jobs.core.engine.engine import RunEngine
from openeo_grid_jobs.core.engine.events import Outcome
from openeo_grid_jobs.core.engine.request import RunRequest
from openeo_grid_jobs.core.jobs.database import JobDatabase


def run(request: RunRequest) -> dict:
    engine = RunEngine(request, lambda _event: None)
    engine.open()
    try:
        return engine.run()
    finally:
        engine.close()


def catalog_assets(catalog: Path) -> dict[str, list[str]]:
    """tile_id -> its item's asset hrefs (as written)."""
    items = [json.loads(p.read_text()) for p in catalog.parent.rglob("*.json")]
    return {
        d["properties"]["tile_id"]: [a["href"] for a in d["assets"].values()]
        for d in items
        if d.get("type") == "Feature"
    }


def test_a_run_without_downloads_then_one_that_fetches_them(local_backend, connection, tmp_path):
    request = run_request(tmp_path, local_backend.url, small_grid(2, 1), parallel=2)
    assert request.config is not None
    request.config.download = False
    ended = run(request)
    assert ended["outcome"] == Outcome.DONE
    assert ended["counts"] == {"finished": 2}
    assert ended["missing_results"] == {"count": 0}  # nothing was wanted on disk
    assert "mosaic" not in ended["outputs"]
    results = tmp_path / "results"
    expected = {"catalog.json", *small_grid(2, 1).tile_id}  # the catalog and its items only
    assert {p.name for p in results.iterdir()} == expected
    assert not list(results.rglob("*.nc"))
    table = JobDatabase(tmp_path / "jobs.csv").read()
    assert table["result"].isna().all()
    hrefs = catalog_assets(Path(ended["outputs"]["catalog"]))
    assert set(hrefs) == set(table["tile_id"])
    for links in hrefs.values():
        (href,) = links
        assert href.startswith(local_backend.url)
        answer = connection.get(href, expected_status=200)  # the back-end serves it there
        assert answer.status_code == 200
        assert len(answer.content) > 1000
    assert RunConfig.load(tmp_path / "jobs.csv").download is False  # kept on resume

    # later: the same run with downloads fetches the results it left on the back-end
    later = RunRequest(
        request.job_db,
        config=replace(request.config, download=True),
        secrets=request.secrets,
        holder="tests",
    )
    jobs_before = len(local_backend.all_jobs())
    ended = run(later)
    assert ended["counts"] == {"finished": 2}
    assert len(local_backend.all_jobs()) == jobs_before  # no job submitted again
    table = JobDatabase(tmp_path / "jobs.csv").read()
    assert all(Path(p).exists() for p in table["result"])
    assert_one_job_per_tile([local_backend], table)
    assert Path(ended["outputs"]["mosaic"]).is_file()
    local = catalog_assets(Path(ended["outputs"]["catalog"]))
    assert all(not href.startswith("http") for links in local.values() for href in links)


def result_layers() -> list:
    """The tiles' result layers on the map (Load results' group), not the mosaic."""
    from qgis.core import QgsProject, QgsRasterLayer

    return [
        layer
        for layer in QgsProject.instance().mapLayers().values()
        if isinstance(layer, QgsRasterLayer) and layer.source().endswith(".nc")
    ]


def test_the_dock_runs_without_downloads_then_fetches_them(
    jobs_panel, local_backend, qtbot, tmp_path
):
    """Download results off: the map gets every status, nothing is downloaded, the
    catalog points at the back-end; Load results fetches the results, then adds them."""
    from helpers.connections import add_connection
    from qgis.PyQt.QtCore import Qt

    add_connection(local_backend.url, "Local", parallel_jobs=6)
    jobs_panel.backends.reload()
    jobs_panel.run_page.download.setChecked(False)
    with qtbot.waitSignal(jobs_panel.run_finished, timeout=60_000) as blocker:
        qtbot.mouseClick(jobs_panel.buttons.run, Qt.MouseButton.LeftButton)
    assert blocker.args[0] == {"finished": 6}
    qtbot.waitUntil(lambda: not jobs_panel.is_running(), timeout=5000)
    statuses = {f["status"] for f in jobs_panel.layer.getFeatures()}
    assert statuses == {"finished"}
    assert not any(f["result"] for f in jobs_panel.layer.getFeatures())  # all NULL
    results = tmp_path / "jobs_results"
    assert (results / "catalog.json").is_file()
    assert not list(results.rglob("*.nc"))
    assert RunConfig.load(tmp_path / "jobs.csv").download is False

    # Load results fetches them: the run resumes with downloads, then adds the layers
    jobs_before = len(local_backend.all_jobs())
    with qtbot.waitSignal(jobs_panel.run_finished, timeout=60_000):
        qtbot.mouseClick(jobs_panel.run_page.results_button, Qt.MouseButton.LeftButton)
    assert jobs_panel.run_page.download.isChecked()
    qtbot.waitUntil(lambda: len(result_layers()) == 6, timeout=5000)
    assert len(local_backend.all_jobs()) == jobs_before  # nothing submitted again
    assert len(list(results.rglob("*.nc"))) == 6
    assert all(f["result"] for f in jobs_panel.layer.getFeatures())
    assert_one_job_per_tile([local_backend], JobDatabase(tmp_path / "jobs.csv").read())


def test_load_results_never_submits_a_tile_without_a_job(jobs_panel, local_backend, qtbot, desktop):
    """A run without downloads stopped part-way: the results left on the back-end are
    fetched by a run, which would also submit the tiles that have no job yet. Load
    results does not start it: it says so, and nothing is submitted."""
    from helpers.connections import add_connection
    from qgis.core import Qgis
    from qgis.PyQt.QtCore import Qt

    local_backend.knobs(job_duration=0.5)
    add_connection(local_backend.url, "Local", parallel_jobs=1)
    jobs_panel.backends.reload()
    jobs_panel.run_page.download.setChecked(False)
    qtbot.mouseClick(jobs_panel.buttons.run, Qt.MouseButton.LeftButton)
    shown = lambda: {f["status"] for f in jobs_panel.layer.getFeatures()}  # noqa: E731
    qtbot.waitUntil(lambda: "finished" in shown(), timeout=30_000)
    with qtbot.waitSignal(jobs_panel.run_finished, timeout=10_000):
        qtbot.mouseClick(jobs_panel.buttons.stop, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not jobs_panel.is_running(), timeout=5000)
    waiting = sum(f["status"] == "not_started" for f in jobs_panel.layer.getFeatures())
    assert waiting > 0
    jobs_before = len(local_backend.all_jobs())

    qtbot.mouseClick(jobs_panel.run_page.results_button, Qt.MouseButton.LeftButton)
    assert not jobs_panel.is_running()
    warnings = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Warning)
    assert any(f"{waiting} tiles have no job yet" in m for m in warnings), warnings
    assert len(local_backend.all_jobs()) == jobs_before
    assert_one_job_per_tile([local_backend], JobDatabase(jobs_panel.job_db_path()).read())
