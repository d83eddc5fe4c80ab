"""Units from a polygon layer in the dock: the Grid tab's units, checked ids, a run over them."""

from __future__ import annotations

import pytest
from helpers.units import FIELDS
from openeo_grid_jobs.core.jobs.database import JobDatabase
from openeo_grid_jobs.ui.adapters.units_source import PROGRESS_FIELD
from openeo_grid_jobs.ui.widgets.grid_panel import AREA_UNITS, GridPanel
from qgis.core import Qgis, QgsFeature, QgsGeometry, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import QDate, Qt


def fields_layer(ids, dates=None) -> QgsVectorLayer:
    """A polygon layer of the helper's fields near Antwerp, their ids in ``field_id``
    (with ``dates``, each field's own ``start_date`` and ``end_date``, a Date field and
    a text field)."""
    uri = "Polygon?crs=EPSG:32631&field=field_id:string&field=crop:string"
    if dates is not None:
        uri += "&field=start_date:date&field=end_date:string"
    layer = QgsVectorLayer(uri, "fields", "memory")
    features = []
    for n, (field_id, shape) in enumerate(zip(ids, FIELDS.values())):
        feature = QgsFeature(layer.fields())
        own = [] if dates is None else [QDate.fromString(dates[n][0], "yyyy-MM-dd"), dates[n][1]]
        feature.setAttributes([field_id, "wheat", *own])
        feature.setGeometry(QgsGeometry.fromWkt(shape.wkt))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    layer.updateExtents()
    QgsProject.instance().addMapLayer(layer)
    return layer


@pytest.fixture
def panel(desktop, qgis_new_project, qtbot):
    desktop.iface.messageBar().clear_messages()
    panel = GridPanel(desktop.iface)
    qtbot.addWidget(panel)
    panel.area_kind.setCurrentIndex(AREA_UNITS)
    panel.show()  # a hidden button takes no click
    return panel


def use(panel, layer, qtbot, field="field_id"):
    panel.units.layer.setLayer(layer)
    panel.units.id_field.setField(field)
    with qtbot.assertNotEmitted(panel.grid_created):
        qtbot.mouseClick(panel.units.use_button, Qt.MouseButton.LeftButton)
    return panel.grid_layer


def test_units_area_hides_the_grid_settings(panel):
    assert panel.units.isVisible()
    assert not panel.tile_size.isVisible()
    panel.area_kind.setCurrentIndex(0)
    assert not panel.units.isVisible()
    assert panel.create_button.isVisible()


def test_units_of_a_polygon_layer_become_the_runs_layer(panel, qtbot):
    source = fields_layer(list(FIELDS))
    with qtbot.waitSignal(panel.grid_layer_changed) as changed:
        units = use(panel, source, qtbot)
    assert changed.args == [units]
    assert units is not source
    assert sorted(f["tile_id"] for f in units.getFeatures()) == sorted(FIELDS)
    assert {f["status"] for f in units.getFeatures()} == {"not_started"}
    assert units.crs().authid() == "EPSG:32631"
    assert PROGRESS_FIELD in units.fields().names()
    shapes = {f["tile_id"]: f.geometry() for f in units.getFeatures()}
    assert shapes["F-04"].isMultipart()  # the unit's own polygon, not its bbox
    assert shapes["F-01"].area() == pytest.approx(FIELDS["F-01"].area)


def test_selected_features_only(panel, qtbot):
    source = fields_layer(list(FIELDS))
    source.selectByExpression("\"field_id\" IN ('F-02', 'F-05')")
    panel.units.selected_only.setChecked(True)
    units = use(panel, source, qtbot)
    assert sorted(f["tile_id"] for f in units.getFeatures()) == ["F-02", "F-05"]


@pytest.mark.parametrize(
    ("ids", "named"),
    [
        (["A", "B", "A", "C", "C"], "duplicate ids: 'A', 'C'"),
        (["A", "", "B", None, "C"], "2 feature(s) of fields have an empty 'field_id'"),
    ],
)
def test_bad_ids_are_named_in_the_message_bar(panel, qtbot, desktop, ids, named):
    source = fields_layer(ids)
    with qtbot.assertNotEmitted(panel.grid_layer_changed):
        assert use(panel, source, qtbot) is None
    warnings = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Warning)
    assert any(named in w for w in warnings), warnings


def test_no_selection_is_refused(panel, qtbot, desktop):
    source = fields_layer(list(FIELDS))
    panel.units.selected_only.setChecked(True)
    assert use(panel, source, qtbot) is None
    warnings = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Warning)
    assert any("No feature of fields is selected" in w for w in warnings)


def units_of_the_dock(jobs_panel, local_backend, desktop, qtbot, job_db, ids, dates=None):
    """The dock's Grid tab makes the unit layer of fields ``ids`` that the Jobs panel runs
    (on the local back-end, its job database ``job_db``)."""
    from helpers.connections import add_connection

    add_connection(local_backend.url, "Local", parallel_jobs=3)
    jobs_panel.backends.reload()
    grid = GridPanel(desktop.iface)
    qtbot.addWidget(grid)
    grid.grid_layer_changed.connect(jobs_panel.set_grid_layer)
    grid.area_kind.setCurrentIndex(AREA_UNITS)
    grid.show()
    units = use(grid, fields_layer(ids, dates), qtbot)
    assert jobs_panel.layer is units
    jobs_panel.run_page.job_db.setFilePath(str(job_db))
    return units


def test_a_run_over_units_sends_each_units_bbox(
    jobs_panel, local_backend, connection, desktop, qtbot, tmp_path
):
    from helpers.units import load_collection_args

    from tests.ui.widgets.test_jobs_panel import run_and_wait

    units = units_of_the_dock(
        jobs_panel, local_backend, desktop, qtbot, tmp_path / "jobs.csv", ["F-01", "F-02"]
    )
    assert run_and_wait(jobs_panel, qtbot) == {"finished": 2}
    assert {f["status"] for f in units.getFeatures()} == {"finished"}
    saved = JobDatabase(tmp_path / "jobs.csv").read().set_index("tile_id")
    assert sorted(saved.index) == ["F-01", "F-02"]
    extent = load_collection_args(connection, saved.loc["F-02", "id"])["spatial_extent"]
    assert (extent["west"], extent["north"]) == pytest.approx(FIELDS["F-02"].bounds[::3])


def test_a_run_can_send_each_units_polygon(
    jobs_panel, local_backend, connection, desktop, qtbot, tmp_path
):
    import shapely
    from helpers.units import load_collection_args
    from openeo_grid_jobs.core.jobs.template import EXTENT_GEOJSON

    from tests.ui.widgets.test_jobs_panel import run_and_wait

    units_of_the_dock(jobs_panel, local_backend, desktop, qtbot, tmp_path / "jobs.csv", ["F-01"])
    jobs_panel.form.extent.setCurrentIndex(jobs_panel.form.extent.findData(EXTENT_GEOJSON))
    assert run_and_wait(jobs_panel, qtbot) == {"finished": 1}
    saved = JobDatabase(tmp_path / "jobs.csv").read()
    sent = load_collection_args(connection, saved["id"].iloc[0])["spatial_extent"]
    assert sent["type"] == "Polygon"
    triangle = shapely.geometry.shape(sent)
    assert len(triangle.exterior.coords) == 4  # the field's triangle, not its bbox
    assert triangle.bounds[0] == pytest.approx(4.356, abs=1e-3)  # lon/lat


def test_units_with_their_own_dates_send_them(
    jobs_panel, local_backend, connection, desktop, qtbot, tmp_path
):
    from helpers.units import load_collection_args

    from tests.ui.widgets.test_jobs_panel import run_and_wait

    dates = [("2023-04-01", "2023-07-01"), ("2023-09-15", "2023-10-15")]
    units_of_the_dock(
        jobs_panel, local_backend, desktop, qtbot, tmp_path / "jobs.csv", ["F-01", "F-02"], dates
    )
    assert run_and_wait(jobs_panel, qtbot) == {"finished": 2}
    saved = JobDatabase(tmp_path / "jobs.csv").read().set_index("tile_id")
    for unit, own in zip(["F-01", "F-02"], dates):
        args = load_collection_args(connection, saved.loc[unit, "id"])
        assert tuple(args["temporal_extent"]) == own
