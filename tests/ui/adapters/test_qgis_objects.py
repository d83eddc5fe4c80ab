"""QGIS's always-there objects: present as typed, or a clear failure naming what is not."""

from __future__ import annotations

import pytest
from openeo_grid_jobs.ui.adapters.qgis_objects import (
    MissingQgisObjectError,
    current_project,
    message_bar,
    present,
)
from qgis.core import QgsProject


def test_present_gives_the_value_back():
    value = object()
    assert present(value, "thing") is value


def test_a_missing_object_fails_at_once_naming_it():
    with pytest.raises(MissingQgisObjectError, match="QGIS returned no map canvas"):
        present(None, "map canvas")


def test_the_current_project_and_message_bar(qgis_iface):
    assert current_project() is QgsProject.instance()
    assert message_bar(qgis_iface) is qgis_iface.messageBar()
