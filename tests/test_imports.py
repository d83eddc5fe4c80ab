"""Import hygiene: core stays free of QGIS/Qt, heavy packages load lazily."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_IN_CORE = ("qgis", "PyQt5", "PyQt6", "sip")
HEAVY = ("openeo", "geopandas", "pandas", "shapely", "pyproj", "numpy")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_core_never_imports_qgis_or_qt():
    offenders = {}
    for path in sorted((REPO_ROOT / "core").rglob("*.py")):
        bad = {m for m in imported_modules(path) if m.split(".")[0] in FORBIDDEN_IN_CORE}
        if bad:
            offenders[str(path.relative_to(REPO_ROOT))] = sorted(bad)
    assert offenders == {}


def test_core_imports_in_plain_python_without_qgis():
    modules = [
        "openeo_grid_jobs.core." + p.stem
        for p in sorted((REPO_ROOT / "core").glob("*.py"))
        if p.stem != "__init__"
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('qgis', 'PyQt5'))\n"
        "assert not leaked, leaked\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_plugin_load_does_not_import_heavy_packages():
    """classFactory + initGui must not pull in openeo/geopandas/pandas (QGIS start-up)."""
    code = (
        "import sys\n"
        "from qgis.core import QgsApplication\n"
        "app = QgsApplication([], False)\n"
        "before = set(sys.modules)\n"
        "import openeo_grid_jobs, openeo_grid_jobs.plugin\n"
        "heavy = sorted({m.split('.')[0] for m in set(sys.modules) - before}"
        f" & set({HEAVY!r}))\n"
        "print(heavy)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        env={"QT_QPA_PLATFORM": "offscreen", "HOME": "/tmp"},
    )
