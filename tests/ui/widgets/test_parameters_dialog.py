"""The dock's per-job parameters (Job › Parameters…): a graph file's declared parameters
listed, each bound to a field of the units, the row's extent or dates, or a value;
unbound required ones refused before anything is submitted; the bindings remembered
and restored with a run's settings."""

from __future__ import annotations

from helpers.units import FIELDS
from helpers.units import graph_file as units_graph_file
from openeo_grid_jobs.core.engine.config import RunConfig
from openeo_grid_jobs.core.jobs.database import JobDatabase
from openeo_grid_jobs.ui.widgets.grid_panel import AREA_UNITS, GridPanel
from openeo_grid_jobs.ui.widgets.parameters_dialog import BOUND_TO, CONSTANT, VALUE
from openeo_grid_jobs.ui.widgets.template_form import TemplateForm
from qgis.core import Qgis, QgsFeature, QgsGeometry, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import Qt

THRESHOLDS = {"F-01": 0.2, "F-02": 0.35, "F-03": 0.5}
DECLARED = [
    {"name": "threshold", "description": "per field", "schema": {"type": "number"}},
    {"name": "bands", "schema": {"type": "array"}},
    {"name": "offset", "schema": {"type": "number"}, "default": 0},
]


def graph_file(tmp_path) -> str:
    """A process definition whose graph takes ``threshold`` (in a callback, beside the
    callback's own ``x``) and ``bands``, and declares ``offset`` with a default."""
    return units_graph_file(tmp_path, factor="threshold", declared=DECLARED)


def fields_layer(thresholds=THRESHOLDS) -> QgsVectorLayer:
    """Fields near Antwerp with a numeric ``threshold`` and a text ``crop``, and two
    fields named like the job table's own columns (``id``, ``costs``)."""
    uri = (
        "Polygon?crs=EPSG:32631&field=field_id:string&field=crop:string"
        "&field=threshold:double&field=id:string&field=costs:double"
    )
    layer = QgsVectorLayer(uri, "fields", "memory")
    features = []
    for field_id, value in thresholds.items():
        feature = QgsFeature(layer.fields())
        feature.setAttributes([field_id, "wheat", value, "x", 1.0])
        feature.setGeometry(QgsGeometry.fromWkt(FIELDS[field_id].wkt))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    QgsProject.instance().addMapLayer(layer)
    return layer


def units_in_the_dock(jobs_panel, desktop, qtbot, source, job_db):
    """The Grid tab makes the unit layer of ``source`` (by ``field_id``) that the Jobs
    panel runs, its job database ``job_db``."""
    grid = GridPanel(desktop.iface)
    qtbot.addWidget(grid)
    grid.grid_layer_changed.connect(jobs_panel.set_grid_layer)
    grid.area_kind.setCurrentIndex(AREA_UNITS)
    grid.show()
    grid.units.layer.setLayer(source)
    grid.units.id_field.setField("field_id")
    qtbot.mouseClick(grid.units.use_button, Qt.MouseButton.LeftButton)
    assert jobs_panel.layer is grid.grid_layer is not None
    jobs_panel.run_page.job_db.setFilePath(str(job_db))
    return grid.grid_layer


def graph_process(form: TemplateForm, path: str) -> None:
    form.process.setCurrentIndex(form.process.findData("process_graph"))
    form.graph_file.setFilePath(path)


def bound_to(dialog, row: int) -> list[str]:
    combo = dialog.table.cellWidget(row, BOUND_TO)
    return [combo.itemText(i) for i in range(combo.count())]


def ok(dialog, qtbot) -> None:
    button = dialog.box.button(dialog.box.StandardButton.Ok)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_the_dialog_lists_a_graph_files_parameters_and_binds_them(
    jobs_panel, desktop, qtbot, tmp_path
):
    units_in_the_dock(jobs_panel, desktop, qtbot, fields_layer(), tmp_path / "jobs.csv")
    form = jobs_panel.form
    path = graph_file(tmp_path)
    graph_process(form, path)
    assert form.parameters_button.text() == "Parameters…"
    qtbot.mouseClick(form.parameters_button, Qt.MouseButton.LeftButton)
    dialog = form.parameters_dialog
    assert dialog is not None
    assert dialog.isVisible()
    table = dialog.table
    assert [table.item(r, 0).text() for r in range(table.rowCount())] == [
        "threshold",
        "bands",
        "offset",
    ]
    threshold, bands, offset = range(3)
    assert table.item(threshold, 0).font().bold()
    assert table.item(bands, 0).font().bold()
    assert not table.item(offset, 0).font().bold()
    assert table.item(threshold, 0).toolTip() == "Required\nper field"
    assert table.item(offset, 0).toolTip() == "Default: 0"
    # only the units' own fields: not the unit layer's (tile_id, windows, west...) nor
    # those named like the job table's columns (id, costs)
    assert bound_to(dialog, threshold) == [
        "(not bound)",
        "Field crop",
        "Field threshold",
        "The row's extent",
        "The row's dates",
        "A value",
    ]
    value_flags = table.item(bands, VALUE).flags()
    assert not value_flags & Qt.ItemFlag.ItemIsEditable  # only a value is typed
    dialog.bind(threshold, "column:threshold")
    dialog.bind(bands, CONSTANT, '["B04"]')
    assert table.item(bands, VALUE).flags() & Qt.ItemFlag.ItemIsEditable
    # each choice is read whole: its column is as wide as the widest combo wants
    combo = table.cellWidget(threshold, BOUND_TO)
    assert table.columnWidth(BOUND_TO) >= combo.sizeHint().width()
    ok(dialog, qtbot)
    assert not dialog.isVisible()
    assert form.parameters_button.text() == "Parameters (2)"
    template = form.template()
    assert template.parameters == {
        "threshold": {"column": "threshold"},
        "bands": {"value": ["B04"]},
    }
    assert template.process_parameters == DECLARED
    assert template.bound_columns() == ["threshold"]


def test_bad_bindings_keep_the_dialog_open_with_the_reason(jobs_panel, qtbot, tmp_path):
    form = jobs_panel.form
    form.process.setCurrentIndex(form.process.findData("udp"))
    qtbot.mouseClick(form.parameters_button, Qt.MouseButton.LeftButton)
    dialog = form.parameters_dialog
    assert dialog.table.rowCount() == 0  # a UDP's names are typed
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    dialog.table.item(0, 0).setText("max cloud")
    dialog.bind(0, CONSTANT, "30")
    ok(dialog, qtbot)
    assert dialog.isVisible()
    assert "'max cloud' is not a parameter name" in dialog.error.text()
    dialog.table.item(0, 0).setText("max_cloud")
    ok(dialog, qtbot)
    assert not dialog.isVisible()
    assert form.bindings == {"max_cloud": {"value": 30}}


def test_an_unbound_required_parameter_is_refused_naming_it(
    jobs_panel, desktop, qtbot, tmp_path, local_backend
):
    from helpers.connections import add_connection

    add_connection(local_backend.url, "Local", parallel_jobs=3)
    jobs_panel.backends.reload()
    units_in_the_dock(jobs_panel, desktop, qtbot, fields_layer(), tmp_path / "jobs.csv")
    graph_process(jobs_panel.form, graph_file(tmp_path))
    jobs_panel.form.set_bindings({"bands": {"value": ["B04"]}})
    jobs_before = len(local_backend.all_jobs())
    assert not jobs_panel.start_run()
    warnings = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Warning)
    assert any(
        "'threshold'" in w and "Nothing was submitted" in w and "'bands'" not in w for w in warnings
    ), warnings
    assert not (tmp_path / "jobs.csv").exists()
    assert len(local_backend.all_jobs()) == jobs_before


def test_a_dock_run_gives_each_units_job_its_fields_value(
    jobs_panel, desktop, qtbot, tmp_path, local_backend, connection
):
    from helpers.connections import add_connection

    from tests.ui.widgets.test_jobs_panel import run_and_wait

    add_connection(local_backend.url, "Local", parallel_jobs=3)
    jobs_panel.backends.reload()
    units_in_the_dock(jobs_panel, desktop, qtbot, fields_layer(), tmp_path / "jobs.csv")
    graph_process(jobs_panel.form, graph_file(tmp_path))
    jobs_panel.form.set_bindings(
        {"threshold": {"column": "threshold"}, "bands": {"value": ["B04"]}}
    )
    jobs_before = {j["id"] for j in local_backend.all_jobs()}
    assert run_and_wait(jobs_panel, qtbot) == {"finished": 3}
    frame = JobDatabase(tmp_path / "jobs.csv").read()
    assert sorted(frame["tile_id"]) == sorted(THRESHOLDS)
    made = [j for j in local_backend.all_jobs() if j["id"] not in jobs_before]
    assert sorted(j["id"] for j in made) == sorted(frame["id"])  # one job per row
    for row in frame.itertuples():
        graph = connection.job(row.id).describe()["process"]["process_graph"]
        scale = graph["scale"]["arguments"]["process"]["process_graph"]["m"]["arguments"]
        assert scale == {"x": {"from_parameter": "x"}, "y": THRESHOLDS[row.tile_id]}
        assert graph["load"]["arguments"]["bands"] == ["B04"]
    saved = RunConfig.load(tmp_path / "jobs.csv").template
    assert saved.parameters == {
        "threshold": {"column": "threshold"},
        "bands": {"value": ["B04"]},
    }


def test_a_unit_without_a_bound_value_is_refused(
    jobs_panel, desktop, qtbot, tmp_path, local_backend
):
    from helpers.connections import add_connection

    from tests.ui.widgets.test_jobs_panel import run_and_wait

    add_connection(local_backend.url, "Local", parallel_jobs=3)
    jobs_panel.backends.reload()
    units = units_in_the_dock(
        jobs_panel, desktop, qtbot, fields_layer({"F-01": 0.2, "F-02": None}), tmp_path / "jobs.csv"
    )
    graph_process(jobs_panel.form, graph_file(tmp_path))
    jobs_panel.form.set_bindings({"threshold": {"column": "threshold"}, "bands": {"value": []}})
    jobs_before = len(local_backend.all_jobs())
    assert run_and_wait(jobs_panel, qtbot) == {}
    errors = desktop.iface.messageBar().get_messages(Qgis.MessageLevel.Critical)
    assert any("F-02" in m and "'threshold'" in m and units.name() in m for m in errors), errors
    assert len(local_backend.all_jobs()) == jobs_before


def test_an_unbound_required_udp_parameter_is_refused_by_the_runs_check(
    jobs_panel, desktop, qtbot, tmp_path, local_backend, connection
):
    from helpers.connections import add_connection

    from tests.core.jobs.test_parameters import UDP_GRAPH, UDP_PARAMETERS
    from tests.ui.widgets.test_jobs_panel import run_and_wait

    connection.save_user_defined_process("per_field", UDP_GRAPH, parameters=UDP_PARAMETERS)
    add_connection(local_backend.url, "Local", parallel_jobs=3)
    jobs_panel.backends.reload()
    units_in_the_dock(jobs_panel, desktop, qtbot, fields_layer(), tmp_path / "jobs.csv")
    form = jobs_panel.form
    form.process.setCurrentIndex(form.process.findData("udp"))
    form.udp_id.setText("per_field")
    form.set_bindings({"threshold": {"column": "threshold"}})  # label: unbound
    jobs_before = len(local_backend.all_jobs())
    run_and_wait(jobs_panel, qtbot)
    messages = [
        m
        for level in (Qgis.MessageLevel.Critical, Qgis.MessageLevel.Warning)
        for m in desktop.iface.messageBar().get_messages(level)
    ]
    assert any("'label'" in m and "Nothing was submitted" in m for m in messages), messages
    assert len(local_backend.all_jobs()) == jobs_before


def test_bindings_are_remembered_and_restored_with_a_runs_template(jobs_panel, qtbot, tmp_path):
    form = jobs_panel.form
    graph_process(form, graph_file(tmp_path))
    bindings = {
        "threshold": {"column": "threshold"},
        "bands": {"row": "dates"},
        "offset": {"value": "30"},  # text that looks like a number stays text
    }
    form.set_bindings(bindings)
    template = form.template()
    jobs_panel.inputs.save_settings()
    remembered = TemplateForm()  # the next session
    qtbot.addWidget(remembered)
    assert remembered.bindings == bindings
    shown = TemplateForm()  # a run's saved settings (resume, attach)
    qtbot.addWidget(shown)
    shown.set_bindings({})
    shown.show_template(template)
    assert shown.bindings == bindings
    assert shown.parameters_button.text() == "Parameters (3)"
    graph_process(shown, graph_file(tmp_path))
    assert shown.template().parameters == bindings
    dialog = shown.edit_parameters()  # no units: the saved field is still named
    row = dialog.row_of("threshold")
    combo = dialog.table.cellWidget(row, BOUND_TO)
    assert combo.currentText() == "Field threshold (not in the units)"
    assert dialog.table.item(dialog.row_of("offset"), VALUE).text() == '"30"'
    ok(dialog, qtbot)
    assert shown.bindings == bindings
