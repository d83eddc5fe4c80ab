"""Shared fixtures. pytest-qgis starts a QgsApplication (offscreen) for the session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))  # tests/helpers importable
sys.path.insert(0, str(REPO_ROOT))  # devtools importable


@pytest.fixture
def desktop(qgis_iface):
    """pytest-qgis's iface with a real main window, Web toolbar, Web menu and docks.

    The stub's addWebToolBarIcon/addDockWidget are no-ops; these stand-ins put
    the plugin's widgets where QGIS would, so tests check real Qt objects.
    """
    from helpers.desktop import StubDesktop

    stub = StubDesktop(qgis_iface)
    yield stub
    stub.close()
