"""Import hygiene, run for real: core imports without QGIS, heavy packages load lazily.

The static rules (what each layer may import, no circles) are in ``test_import_rules.py``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers.sources import HEAVY

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_core_imports_in_plain_python_without_qgis_nor_heavy_packages():
    """Every core and CLI module, imported, loads no QGIS and no heavy package: those are
    imported inside the functions that use them (``test_import_rules.py``)."""
    modules = [
        "openeo_grid_jobs." + ".".join(p.relative_to(REPO_ROOT).with_suffix("").parts)
        for folder in ("core", "cli")
        for p in sorted((REPO_ROOT / folder).rglob("*.py"))
        if p.stem not in ("__init__", "__main__")
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('qgis', 'PyQt5'))\n"
        "assert not leaked, leaked\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules}"
        f" & {set(HEAVY)!r})\n"
        "assert not heavy, heavy\n"
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
        f" & {set(HEAVY)!r})\n"
        "print(heavy)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        env={"QT_QPA_PLATFORM": "offscreen", "HOME": "/tmp"},
    )
