"""Every Qt/QGIS enum value is written in its scoped form (``Qgis.MessageLevel.Warning``).

Unscoped forms (``Qgis.Warning``) do not exist under PyQt6 / QGIS 4; the scoped ones
work on every QGIS the plugin supports, so there is no reason to write the old ones.
"""

from __future__ import annotations

from pathlib import Path

from helpers.enum_scan import scan, scan_file

REPO_ROOT = Path(__file__).resolve().parent.parent


def _python_files() -> list[Path]:
    return [
        path
        for path in REPO_ROOT.rglob("*.py")
        if not any(part.startswith(".") for part in path.relative_to(REPO_ROOT).parts)
    ]


def test_no_unscoped_enum_values_anywhere(qgis_app):
    files = _python_files()
    assert len(files) > 50  # the scan really looked at the plugin, tests and tools
    unscoped = scan(files)
    assert not unscoped, "use the scoped form:\n" + "\n".join(map(str, unscoped))


def test_the_scan_finds_unscoped_values(qgis_app, tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from qgis.core import Qgis, QgsWkbTypes\n"
        "from qgis.PyQt.QtCore import Qt\n"
        "a = Qgis.Warning\n"
        "b = Qt.DirectConnection | Qt.AlignmentFlag.AlignLeft\n"
        "c = QgsWkbTypes.GeometryType.PolygonGeometry\n",
        encoding="utf-8",
    )
    found = {(hit.line, hit.written, hit.scoped) for hit in scan_file(sample)}
    assert found == {
        (3, "Qgis.Warning", "Qgis.MessageLevel.Warning"),
        (4, "Qt.DirectConnection", "Qt.ConnectionType.DirectConnection"),
    }
