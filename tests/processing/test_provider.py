"""The Processing provider headless: creategrid and openjobdatabase through processing.run,
the provider's algorithms, help and registration by the plugin."""

from __future__ import annotations

import subprocess
import sys

import pytest
import shapely
from helpers.processing import BOUNDS, EXTENT, registered_provider, run, tiles_of
from openeo_grid_jobs.core.errors import GridJobsError
from openeo_grid_jobs.core.grid.grid import build_grid
from openeo_grid_jobs.ui.adapters.grid_layer import create_grid_layer
from qgis.core import (
    QgsApplication,
    QgsFeature,
    QgsGeometry,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsProject,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QMetaType

ALGORITHMS = ["creategrid", "openjobdatabase", "runjobs"]


@pytest.fixture
def provider(qgis_processing, qgis_new_project):
    with registered_provider() as provider:
        yield provider


def test_provider_has_the_three_algorithms_and_the_example_model(provider):
    ids = sorted(a.id() for a in provider.algorithms())
    assert ids == sorted(
        [f"openeogridjobs:{n}" for n in ALGORITHMS] + ["openeogridjobs:Grid and run"]
    )
    assert provider.id() == "openeogridjobs"
    assert provider.name() == "openEO Grid Jobs"
    assert not provider.icon().isNull()
    model = QgsApplication.processingRegistry().algorithmById("openeogridjobs:Grid and run")
    assert model.group() == "Example models"
    assert [o.name() for o in model.outputDefinitions()] == [
        "creategrid:Grid",
        "runjobs:Job database",
    ]


@pytest.mark.parametrize("name", ALGORITHMS)
def test_help_says_what_it_does_and_names_every_parameter(provider, name):
    algorithm = QgsApplication.processingRegistry().algorithmById(f"openeogridjobs:{name}")
    text = algorithm.shortHelpString()
    assert len(text.split("\n\n")[0]) > 80, "a paragraph on what it does"
    for parameter in algorithm.parameterDefinitions():
        label = parameter.description().split(" (")[0]
        assert f"<b>{label}" in text, f"{name}: {label} is not explained"
    assert "openeo" in algorithm.tags()
    assert not algorithm.icon().isNull()
    assert algorithm.shortDescription()


def test_creategrid_from_an_extent_makes_the_docks_grid(provider):
    result = run("creategrid", {"EXTENT": EXTENT, "TILE_SIZE": 5000, "OUTPUT": "TEMPORARY_OUTPUT"})
    layer = result["OUTPUT"]
    dock = create_grid_layer(build_grid(BOUNDS, "EPSG:32631", 5000))
    assert (result["TILE_COUNT"], result["GRID_CRS_USED"]) == (6, "EPSG:32631")
    assert layer.crs().authid() == "EPSG:32631"
    fields = [(f.name(), f.type(), f.length()) for f in layer.fields()]
    assert fields == [(f.name(), f.type(), f.length()) for f in dock.fields()]
    assert tiles_of(layer) == tiles_of(dock)
    assert {f["status"] for f in layer.getFeatures()} == {"not_started"}


def test_creategrid_runs_without_feedback(provider):
    """QGIS's API lets a caller run an algorithm with no feedback (a null pointer in C++):
    it runs and reports to no one."""
    algorithm = QgsApplication.processingRegistry().createAlgorithmById("openeogridjobs:creategrid")
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    parameters = {"EXTENT": EXTENT, "TILE_SIZE": 5000, "OUTPUT": "TEMPORARY_OUTPUT"}
    results, ok = algorithm.run(parameters, context, None)
    assert ok
    assert results["TILE_COUNT"] == 6


def test_creategrid_writes_a_geopackage_with_integer_indices(provider, tmp_path):
    path = str(tmp_path / "grid.gpkg")
    result = run("creategrid", {"EXTENT": EXTENT, "TILE_SIZE": 5000, "OUTPUT": path})
    layer = QgsVectorLayer(result["OUTPUT"], "grid", "ogr")
    assert layer.featureCount() == 6
    assert layer.crs().authid() == "EPSG:32631"
    assert layer.fields().field("col").type() in (QMetaType.Type.Int, QMetaType.Type.LongLong)


def test_creategrid_covers_the_selected_polygons_only(provider):
    """Selected features only (Processing's own option) as the dock's 'selected features'."""
    antwerp = shapely.box(4.36, 51.13, 4.5, 51.25)
    ghent = shapely.box(3.65, 51.0, 3.8, 51.1)
    aoi = QgsVectorLayer("Polygon?crs=EPSG:4326", "aoi", "memory")
    for polygon in (antwerp, ghent):
        feature = QgsFeature()
        feature.setGeometry(QgsGeometry.fromWkt(polygon.wkt))
        aoi.dataProvider().addFeature(feature)
    QgsProject.instance().addMapLayer(aoi)
    aoi.selectByIds([next(aoi.getFeatures()).id()])
    source = QgsProcessingFeatureSourceDefinition(aoi.id(), True)
    result = run("creategrid", {"AOI": source, "TILE_SIZE": 5000, "OUTPUT": "TEMPORARY_OUTPUT"})
    expected = build_grid([antwerp], "EPSG:4326", 5000)
    assert set(tiles_of(result["OUTPUT"])) == set(expected.tile_ids)
    everything = run("creategrid", {"AOI": aoi, "TILE_SIZE": 5000, "OUTPUT": "TEMPORARY_OUTPUT"})
    assert everything["TILE_COUNT"] == len(build_grid([antwerp, ghent], "EPSG:4326", 5000))


def test_creategrid_in_a_chosen_crs(provider):
    extent = "4.36,4.5,51.13,51.25 [EPSG:4326]"
    result = run(
        "creategrid",
        {
            "EXTENT": extent,
            "TILE_SIZE": 10000,
            "GRID_CRS": "EPSG:3035",
            "OUTPUT": "TEMPORARY_OUTPUT",
        },
    )
    expected = build_grid((4.36, 51.13, 4.5, 51.25), "EPSG:4326", 10000, grid_crs="EPSG:3035")
    assert result["OUTPUT"].crs().authid() == "EPSG:3035"
    assert set(tiles_of(result["OUTPUT"])) == set(expected.tile_ids)


@pytest.mark.parametrize(
    ("changes", "core_args"),
    [
        ({"TILE_SIZE": 0}, {"tile_size": 0}),
        ({"MAX_TILES": 5}, {"max_tiles": 5}),
        ({"GRID_CRS": "EPSG:4326"}, {"grid_crs": "EPSG:4326"}),
        ({"EXTENT": "4,5,95,96 [EPSG:4326]"}, {"aoi": (4, 95, 5, 96), "aoi_crs": "EPSG:4326"}),
    ],
    ids=["tile size 0", "over the limit", "geographic grid CRS", "off the Earth"],
)
def test_creategrid_refuses_what_the_dock_refuses(provider, changes, core_args):
    core = {"aoi": BOUNDS, "aoi_crs": "EPSG:32631", "tile_size": 5000, **core_args}
    with pytest.raises(GridJobsError) as refused:
        build_grid(core.pop("aoi"), core.pop("aoi_crs"), core.pop("tile_size"), **core)
    parameters = {"EXTENT": EXTENT, "TILE_SIZE": 5000, "OUTPUT": "TEMPORARY_OUTPUT", **changes}
    with pytest.raises(QgsProcessingException) as raised:
        run("creategrid", parameters)
    assert str(raised.value) == str(refused.value)


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({}, "Give the area to cover"),
        ({"EXTENT": EXTENT, "AOI": "aoi"}, "not both"),
        ({"EXTENT": "595000,610000,5660000,5670000"}, "The extent has no CRS"),
    ],
)
def test_creategrid_needs_one_area(provider, parameters, message):
    if "AOI" in parameters:
        aoi = QgsVectorLayer("Polygon?crs=EPSG:4326", "aoi", "memory")
        QgsProject.instance().addMapLayer(aoi)
        parameters["AOI"] = aoi
    with pytest.raises(QgsProcessingException, match=message):
        run("creategrid", {"TILE_SIZE": 5000, "OUTPUT": "TEMPORARY_OUTPUT", **parameters})


def test_openjobdatabase_shows_a_notebooks_tracker(provider, connection, tmp_path):
    from helpers.notebook import notebook_tracker

    path = notebook_tracker(tmp_path, connection, started=2)
    result = run("openjobdatabase", {"INPUT": str(path), "OUTPUT": "TEMPORARY_OUTPUT"})
    layer = result["OUTPUT"]
    assert result["TILE_COUNT"] == layer.featureCount() == 6
    statuses = [f["status"] for f in layer.getFeatures()]
    assert statuses.count("not_started") == 4
    assert len([f for f in layer.getFeatures() if f["job_id"]]) == 2
    assert layer.crs().authid() == "EPSG:4326"  # a notebook's tiles are lon/lat polygons


def test_openjobdatabase_refuses_what_it_cannot_read(provider, tmp_path):
    broken = tmp_path / "jobs.csv"
    broken.write_text("not,a\njob,database\n")
    with pytest.raises(QgsProcessingException):
        run("openjobdatabase", {"INPUT": str(broken), "OUTPUT": "TEMPORARY_OUTPUT"})
    with pytest.raises(QgsProcessingException, match="does not exist"):
        run("openjobdatabase", {"INPUT": str(tmp_path / "none.csv"), "OUTPUT": "TEMPORARY_OUTPUT"})


def test_output_layers_are_styled_by_status_when_loaded(provider):
    """What Processing does after a run in the desktop: the post-processor styles the layer."""
    from openeo_grid_jobs.processing_provider.common import StylePostProcessor, status_style
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    layer = run("creategrid", {"EXTENT": EXTENT, "TILE_SIZE": 5000, "OUTPUT": "memory:"})["OUTPUT"]
    QgsProject.instance().addMapLayer(layer)
    processor = StylePostProcessor.create(status_style, "Antwerp")
    processor.postProcessLayer(layer, QgsProcessingContext(), QgsProcessingFeedback())
    assert layer.renderer().type() == "categorizedSymbol"
    assert layer.name() == "Antwerp"
    assert layer.attributeAlias(layer.fields().indexOf("west")) == "west (lon °, WGS 84)"
    assert processor not in StylePostProcessor._alive  # used once, then let go


def test_plugin_registers_the_provider_and_removes_it_on_unload(qgis_processing):
    """qgis_process calls initProcessing alone, with no iface; the desktop through initGui."""
    from openeo_grid_jobs import classFactory

    registry = QgsApplication.processingRegistry()
    plugin = classFactory(None)
    plugin.initProcessing()
    plugin.initProcessing()  # twice (initGui calls it as well): one provider
    assert registry.providerById("openeogridjobs") is plugin.provider
    plugin.unload()
    assert registry.providerById("openeogridjobs") is None


def test_provider_load_imports_no_heavy_package():
    """QGIS builds every algorithm at start-up: that must not import openeo, pandas..."""
    code = (
        "import sys\n"
        "from qgis.core import QgsApplication\n"
        "app = QgsApplication([], False)\n"
        "app.initQgis()\n"
        # QGIS 3.40's own qgis.core loads numpy and shapely (as_numpy, as_shapely)
        "before = {m.split('.')[0] for m in sys.modules}\n"
        "from openeo_grid_jobs.processing_provider.provider import GridJobsProvider\n"
        "provider = GridJobsProvider()\n"
        "assert QgsApplication.processingRegistry().addProvider(provider)\n"
        "assert len(provider.algorithms()) == 4\n"
        "heavy = {'openeo', 'geopandas', 'pandas', 'shapely', 'pyproj', 'numpy'}\n"
        "loaded = sorted(heavy & ({m.split('.')[0] for m in sys.modules} - before))\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        env={"QT_QPA_PLATFORM": "offscreen", "HOME": "/tmp"},
        capture_output=True,
    )


def test_release_zip_ships_the_provider_and_the_model(tmp_path):
    import zipfile
    from pathlib import Path

    package = Path(__file__).resolve().parent.parent.parent / "scripts" / "package.py"
    out = subprocess.run(
        [sys.executable, str(package), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    names = zipfile.ZipFile(out).namelist()
    for needed in ("provider.py", "run_jobs.py", "models/grid_and_run.model3"):
        assert f"openeo_grid_jobs/processing_provider/{needed}" in names
