"""runjobs and the example model headless, against the local openEO back-end: a run to
the end, Cancel (= Stop) and resume, refusals; the results opened with openjobdatabase."""

from __future__ import annotations

import re

import pytest
from helpers.processing import (
    DATES,
    EXTENT,
    RecordingFeedback,
    registered_provider,
    run,
    run_parameters,
)
from helpers.runs import assert_one_job_per_tile
from openeo_grid_jobs.core.jobs.database import JobDatabase
from qgis.core import QgsApplication, QgsProcessingException


@pytest.fixture
def provider(qgis_processing, qgis_new_project):
    with registered_provider() as provider:
        yield provider


@pytest.fixture
def grid(provider):
    return run("creategrid", {"EXTENT": EXTENT, "TILE_SIZE": 5000, "OUTPUT": "TEMPORARY_OUTPUT"})[
        "OUTPUT"
    ]


def test_runjobs_runs_every_tile_to_the_end(grid, saved_local, local_backend, tmp_path):
    from qgis.core import QgsProcessingContext, QgsProject, QgsRasterLayer

    feedback = RecordingFeedback()
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    job_db = tmp_path / "jobs.csv"
    result = run("runjobs", run_parameters(grid, job_db), feedback, context)
    assert result["JOB_DB"] == str(job_db)
    assert (result["TOTAL"], result["FINISHED"], result["FAILED"], result["NOT_FINAL"]) == (
        6,
        6,
        0,
        0,
    )
    assert result["SUMMARY"] == "finished 6"
    frame = JobDatabase(job_db).read()
    assert set(frame["status"]) == {"finished"}
    assert set(frame["backend_name"]) == {"Local"}
    assert_one_job_per_tile([local_backend], frame)
    results = tmp_path / "jobs_results"
    assert result["OUTPUT_FOLDER"] == str(results)
    assert tile_folders(results) == set(frame["tile_id"])
    assert feedback.progress_values[-1] == pytest.approx(100.0)
    assert "6 / 6 tiles final: finished 6" in feedback.infos
    assert feedback.errors == []

    # the mosaic and the STAC catalog, as the CLI and the dock leave them
    assert result["MOSAIC"] == str(results / "mosaic.vrt")
    assert result["CATALOG"] == str(results / "catalog.json")
    assert (results / "catalog.json").is_file()
    mosaic = QgsRasterLayer(result["MOSAIC"], "mosaic")
    assert mosaic.isValid()
    # in the desktop, QGIS then adds the mosaic to the map in the dock's NDVI colours
    details = context.layersToLoadOnCompletion()[result["MOSAIC"]]
    assert details.name == "jobs — NDVI"
    details.postProcessor().postProcessLayer(mosaic, context, feedback)
    assert mosaic.renderer().type() == "singlebandpseudocolor"

    opened = run("openjobdatabase", {"INPUT": str(job_db), "OUTPUT": "TEMPORARY_OUTPUT"})
    layer = opened["OUTPUT"]
    assert opened["SUMMARY"] == "finished 6"
    assert layer.crs().authid() == "EPSG:32631"
    assert {f["status"] for f in layer.getFeatures()} == {"finished"}
    assert all(f["job_id"] and f["result"] for f in layer.getFeatures())


def test_runjobs_without_downloads_leaves_a_catalog_of_the_backends_urls(
    grid, saved_local, local_backend, tmp_path
):
    job_db = tmp_path / "jobs.csv"
    result = run("runjobs", run_parameters(grid, job_db, DOWNLOAD=False))
    assert (result["TOTAL"], result["FINISHED"]) == (6, 6)
    results = tmp_path / "jobs_results"
    assert result["CATALOG"] == str(results / "catalog.json")
    assert not result.get("MOSAIC")  # nothing on disk to mosaic
    assert not list(results.rglob("*.nc"))
    frame = JobDatabase(job_db).read()
    assert frame["result"].isna().all()
    assert frame["result_url"].str.contains(local_backend.url, regex=False).all()


def tile_folders(results) -> set[str]:
    """The tiles' result folders in a results folder (beside mosaic.vrt, catalog.json)."""
    return {p.name for p in results.iterdir() if p.is_dir()}


def _all_started(info: str) -> bool:
    """A count line with running jobs and every tile's job made: time to press Cancel."""
    return bool(re.search(r"\brunning \d", info)) and not re.search(
        r"\b(not_started|queued_for_start|created) \d", info
    )


def test_cancel_stops_tracking_and_a_rerun_resumes(grid, saved_local, local_backend, tmp_path):
    local_backend.knobs(job_duration=3.0)
    job_db = tmp_path / "jobs.csv"
    parameters = run_parameters(grid, job_db, PARALLEL_JOBS=6, OUTPUT_FOLDER=str(tmp_path / "out"))
    feedback = RecordingFeedback(cancel_when=_all_started)
    stopped = run("runjobs", parameters, feedback)
    assert stopped["NOT_FINAL"] > 0
    assert any("run again with the same job database" in w for w in feedback.warnings)
    frame = JobDatabase(job_db).read()
    assert frame["id"].notna().all()
    jobs = {j["id"]: j["status"] for j in local_backend.all_jobs()}
    assert {jobs[i] for i in frame["id"]} <= {"queued", "running", "finished"}, "not canceled"

    resumed = run("runjobs", parameters)  # the same parameters again: resume
    assert (resumed["FINISHED"], resumed["NOT_FINAL"]) == (6, 0)
    frame = JobDatabase(job_db).read()
    assert set(frame["status"]) == {"finished"}
    assert_one_job_per_tile([local_backend], frame)
    assert len(tile_folders(tmp_path / "out")) == 6


def test_failed_tiles_are_counted_with_their_reasons(grid, saved_local, tmp_path):
    feedback = RecordingFeedback()
    result = run("runjobs", run_parameters(grid, tmp_path / "j.csv", BANDS="B04,NOPE"), feedback)
    assert result["FAILED"] == 6
    assert result["FINISHED"] == 0
    assert any("6 tile(s) failed" in w for w in feedback.warnings)


def test_resume_with_other_job_settings_is_refused(grid, saved_local, tmp_path):
    job_db = tmp_path / "jobs.csv"
    run("runjobs", run_parameters(grid, job_db))
    with pytest.raises(QgsProcessingException, match=r"other job settings.*end: 2024-08-01"):
        run("runjobs", run_parameters(grid, job_db, END_DATE="2024-09-01"))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"JOB_OPTIONS": "{not json"}, "job options are not valid JSON"),
        ({"UDP_ID": "my_udp", "PROCESS_GRAPH": "graph.json"}, "not both"),
        ({"START_DATE": DATES[1], "END_DATE": DATES[0]}, "must be after the start date"),
        ({"JOB_DB": "/tmp/jobs.txt"}, "use .csv or .parquet"),
        ({"GRID": None}, "does not exist yet: give a grid"),
    ],
)
def test_bad_run_input_is_refused_before_any_job(
    grid, saved_local, local_backend, tmp_path, changes, message
):
    if "PROCESS_GRAPH" in changes:
        graph = tmp_path / changes["PROCESS_GRAPH"]
        graph.write_text('{"load": {"process_id": "load_collection", "arguments": {}}}')
        changes = {**changes, "PROCESS_GRAPH": str(graph)}
    parameters = run_parameters(grid, tmp_path / "jobs.csv", **changes)
    before = len(local_backend.all_jobs())
    with pytest.raises(QgsProcessingException, match=message):
        run("runjobs", parameters)
    assert len(local_backend.all_jobs()) == before
    assert not (tmp_path / "jobs.csv").exists()


def test_an_unknown_connection_names_the_saved_ones(grid, saved_local, tmp_path):
    feedback = RecordingFeedback()
    with pytest.raises(QgsProcessingException):
        run(
            "runjobs", run_parameters(grid, tmp_path / "jobs.csv", connection="Elsewhere"), feedback
        )
    assert any(
        "No saved connection is named 'Elsewhere' (saved: 'Local')" in e for e in feedback.errors
    )


def test_the_dialog_offers_the_ticked_connection(provider, saved_local):
    algorithm = QgsApplication.processingRegistry().createAlgorithmById("openeogridjobs:runjobs")
    assert algorithm.parameterDefinition("CONNECTION").defaultValue() == "Local"


def test_the_example_model_makes_a_grid_and_runs_it(provider, saved_local, local_backend, tmp_path):
    job_db = tmp_path / "model.csv"
    parameters = {
        "area": EXTENT,
        "tile_size": 5000,
        "connection": "Local",
        "start_date": DATES[0],
        "end_date": DATES[1],
        "poll_interval": 0.3,
        "creategrid:Grid": str(tmp_path / "grid.gpkg"),
        "runjobs:Job database": str(job_db),
    }
    result = run("openeogridjobs:Grid and run", parameters)
    assert result["runjobs:Job database"] == str(job_db)
    frame = JobDatabase(job_db).read()
    assert len(frame) == 6
    assert set(frame["status"]) == {"finished"}
    assert_one_job_per_tile([local_backend], frame)
    assert (tmp_path / "grid.gpkg").exists()
    assert len(tile_folders(tmp_path / "model_results")) == 6


def test_the_shipped_model_is_what_devtools_builds(provider, tmp_path):
    """The .model3 is generated by devtools/make_example_model.py: the two agree."""
    from openeo_grid_jobs.processing_provider.provider import EXAMPLE_MODEL
    from qgis.core import QgsProcessingModelAlgorithm

    from devtools.make_example_model import build_model

    assert build_model().toFile(str(tmp_path / "built.model3"))
    shipped, built = QgsProcessingModelAlgorithm(), QgsProcessingModelAlgorithm()
    assert shipped.fromFile(str(EXAMPLE_MODEL))
    assert built.fromFile(str(tmp_path / "built.model3"))
    # which model format version QGIS writes is QGIS's (3.40 saves Version2), not the model
    shipped_model, built_model = shipped.toVariant(), built.toVariant()
    for variant in (shipped_model, built_model):
        variant.pop("internal_version", None)
    assert shipped_model == built_model
    model = QgsApplication.processingRegistry().algorithmById("openeogridjobs:Grid and run")
    for child in ("creategrid", "runjobs"):  # the modeler draws an invalid child in red
        assert model.validateChildAlgorithm(child) == (True, [])


def test_cancel_in_the_desktop_stops_the_background_run(
    grid, saved_local, local_backend, tmp_path, qtbot
):
    """As the Toolbox runs it: a QgsProcessingAlgRunnerTask in a worker thread (no event
    loop there), Cancel pressed on the main thread."""
    from qgis.core import (
        QgsProcessingAlgRunnerTask,
        QgsProcessingContext,
        QgsProject,
    )

    local_backend.knobs(job_duration=3.0)
    job_db = tmp_path / "jobs.csv"
    algorithm = QgsApplication.processingRegistry().createAlgorithmById("openeogridjobs:runjobs")
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    feedback = RecordingFeedback()
    parameters = run_parameters(grid, job_db, PARALLEL_JOBS=6)
    task = QgsProcessingAlgRunnerTask(algorithm, parameters, context, feedback)
    ended = []
    task.executed.connect(lambda ok, results: ended.append(results))
    QgsApplication.taskManager().addTask(task)
    qtbot.waitUntil(lambda: any(_all_started(i) for i in feedback.infos), timeout=30_000)
    feedback.cancel()  # the main thread, as the dialog's Cancel button
    qtbot.waitUntil(lambda: bool(ended), timeout=5_000)  # within moments, not at the jobs' end
    frame = JobDatabase(job_db).read()
    assert not frame["status"].isin(["finished"]).all()
    assert any("run again with the same job database" in w for w in feedback.warnings)
    resumed = run("runjobs", parameters)
    frame = JobDatabase(job_db).read()
    assert (resumed["FINISHED"], resumed["NOT_FINAL"]) == (6, 0), frame[["status", "message"]]
    assert_one_job_per_tile([local_backend], JobDatabase(job_db).read())
