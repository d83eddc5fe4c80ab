"""Every QgsSettings key is declared once in ``ui/adapters/settings.py``, the one module that
makes a QgsSettings."""

from __future__ import annotations

import ast

import pytest
from helpers.sources import REPO_ROOT, plugin_files
from openeo_grid_jobs.ui.adapters import settings
from openeo_grid_jobs.ui.widgets.template_form import TemplateForm


def _sources() -> list:
    benchmarks = sorted((REPO_ROOT / "benchmarks").glob("*.py"))
    return [p for p in [*plugin_files(), *benchmarks] if p.name != "settings.py"]


def _uses_qgs_settings(tree: ast.AST) -> bool:
    return any(
        (isinstance(node, ast.Name) and node.id == "QgsSettings")
        or (isinstance(node, ast.Attribute) and node.attr == "QgsSettings")
        or (isinstance(node, ast.alias) and node.name == "QgsSettings")
        for node in ast.walk(tree)
    )


def test_no_module_but_the_settings_module_makes_a_qgs_settings():
    users = {
        str(p.relative_to(REPO_ROOT))
        for p in _sources()
        if _uses_qgs_settings(ast.parse(p.read_text(), filename=str(p)))
    }
    assert users == set()


def test_the_forms_remembered_values_are_declared(qgis_new_project, qtbot):
    form = TemplateForm()
    qtbot.addWidget(form)
    assert set(form.values()) <= set(settings.FORM_KEYS)
    with pytest.raises(KeyError):
        settings.save_form({"not_a_setting": 1})


def test_a_key_reads_back_typed_with_its_default_when_missing():
    settings.POLL_INTERVAL.remove()
    assert settings.POLL_INTERVAL.read() == 5.0
    settings.POLL_INTERVAL.write(1.5)
    assert settings.POLL_INTERVAL.read() == 1.5
    settings.POLL_INTERVAL.remove()
    connection = settings.read_connection("no_such_connection")
    assert (connection["parallel_jobs"], connection["verify_tls"]) == (2, True)
