"""Qt 6 / QGIS 4 readiness of every Python file of the repo (tests and tools included).

Every Qt/QGIS enum value is written in its scoped form (``Qgis.MessageLevel.Warning``):
unscoped forms (``Qgis.Warning``) do not exist under PyQt6 / QGIS 4, the scoped ones
work on every QGIS the plugin supports. The same scan (tests/helpers/enum_scan.py)
flags what else QGIS's own Qt 6 checker reports: ``QVariant.Type``, ``exec_``,
``PyQt5`` imports, ``QRegExp``, ``QDesktopWidget``, compiled resources,
``activated[str]``, ``QFontMetrics.width()``... and, on QGIS 3.30+, QGIS enums reached
through their deprecated pre-``Qgis.*`` aliases. No Qt 6 QGIS runs here: this scan is
the whole of the QGIS 4 check.
"""

from __future__ import annotations

from pathlib import Path

from helpers.enum_scan import ALLOWANCES, python_files, scan, scan_file
from qgis.core import Qgis


def _found(path: Path, relative: str = "sample.py") -> set[tuple[int, str, str, bool]]:
    return {(h.line, h.kind, h.fix, bool(h.allowed)) for h in scan_file(path, relative)}


def test_no_qt6_blockers_anywhere(qgis_app):
    files = python_files()
    assert len(files) > 50  # the scan really looked at the plugin, tests and tools
    blocking = [hit for hit in scan(files) if not hit.allowed]
    assert not blocking, "not Qt 6 / QGIS 4 ready:\n" + "\n".join(map(str, blocking))


def test_every_allowance_is_still_needed(qgis_app):
    """An allowance that matches nothing any more goes, so none can cover a new use."""
    hits = [hit for hit in scan(python_files()) if hit.allowed]
    for allowance in ALLOWANCES:
        assert any(
            hit.kind == allowance.kind and hit.path.as_posix().endswith("/" + allowance.path)
            for hit in hits
        ), f"unused allowance: {allowance}"


def test_the_scan_finds_unscoped_values(qgis_app, tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from qgis.core import Qgis, QgsSymbol, QgsWkbTypes\n"
        "from qgis.PyQt.QtCore import Qt\n"
        "a = Qgis.Warning\n"
        "b = Qt.DirectConnection | Qt.AlignmentFlag.AlignLeft\n"
        "c = QgsWkbTypes.GeometryType.PolygonGeometry\n"
        "d = QgsSymbol.SymbolType.Marker\n",
        encoding="utf-8",
    )
    expected = {
        (3, "unscoped", "Qgis.MessageLevel.Warning", False),
        (4, "unscoped", "Qt.ConnectionType.DirectConnection", False),
        # QgsSymbol.SymbolType is Qgis.SymbolType's old alias, and 3.22 has Qgis.SymbolType
        (6, "qgis-alias", "Qgis.SymbolType.Marker", False),
    }
    if hasattr(Qgis, "GeometryType"):  # QGIS 3.30+: QgsWkbTypes.GeometryType is an alias
        # allowed: QGIS 3.22 (qgisMinimumVersion) has no Qgis.GeometryType
        expected.add((5, "qgis-alias", "Qgis.GeometryType.Polygon", True))
    assert _found(sample) == expected


def test_the_scan_finds_what_qt6_removed(qgis_app, tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from PyQt5.QtCore import QObject\n"  # 1
        "from qgis.PyQt.QtCore import QDateTime, QRegExp, QVariant, Qt\n"
        "from qgis.PyQt.QtGui import QFontMetrics\n"
        "from qgis.PyQt.QtWidgets import QDesktopWidget, qApp\n"
        "from . import resources_rc\n"  # 5
        "a = QVariant.Int\n"
        "b = QVariant.Type.String\n"
        "c = QVariant()\n"
        "dialog.exec_()\n"
        "combo.activated[str].connect(print)\n"  # 10
        "w = widget.fontMetrics().width('x')\n"
        "metrics = QFontMetrics(font)\n"
        "w = metrics.width('x')\n"
        "button = Qt.MidButton\n"
        "t = QDateTime(2020, 1, 1, 0, 0, 0, 0, Qt.TimeSpec.UTC)\n"  # 15
        "screen = QApplication.desktop()\n"
        "qApp.quit()\n"
        "menu.addAction(icon, 'text', receiver, slot)\n"
        "ok = combo.currentIndexChanged[int]\n"
        "fine = settings['QGIS_PREFIX_PATH']\n",  # 20: a dict lookup, no hit
        encoding="utf-8",
    )
    found = {(line, kind) for line, kind, _fix, _allowed in _found(sample)}
    assert found == {
        (1, "pyqt-import"),
        (2, "qregexp"),
        (4, "qdesktopwidget"),
        (4, "qapp"),
        (5, "resources_rc"),
        (6, "qvariant-type"),
        (7, "qvariant-type"),
        (8, "qvariant-null"),
        (9, "exec_"),
        (10, "signal-overload"),
        (11, "fontmetrics-width"),
        (13, "fontmetrics-width"),
        (14, "renamed-enum"),
        (15, "qdatetime"),
        (16, "qdesktopwidget"),
        (17, "qapp"),
        (18, "addaction"),
        (19, "signal-overload"),
    }
    fixes = {(line, fix) for line, _kind, fix, _allowed in _found(sample)}
    assert {(6, "QMetaType.Type.Int"), (7, "QMetaType.Type.QString")} <= fixes


FIELD_TYPES = """\
from qgis.core import Qgis
from qgis.PyQt.QtCore import QT_VERSION, QMetaType, QVariant

if Qgis.QGIS_VERSION_INT >= 33800 or QT_VERSION >= 0x060000:
    INT = QMetaType.Type.Int
else:
    INT = QVariant.Type.Int  # 7: Qt 5 and QGIS < 3.38 only
if Qgis.QGIS_VERSION_INT < 33800:
    OTHER = QVariant.Type.Int  # 9: QGIS < 3.38, but also on a Qt 6 build
LATER = QVariant.Type.Int  # 10: every version
"""


def test_qvariant_type_is_allowed_only_in_field_types_old_qt5_branch(qgis_app, tmp_path):
    sample = tmp_path / "field_types.py"
    sample.write_text(FIELD_TYPES, encoding="utf-8")
    assert {
        (line, allowed) for line, *_, allowed in _found(sample, "ui/adapters/field_types.py")
    } == {
        (7, True),
        (9, False),
        (10, False),
    }
    # the same branch in another file is not allowed
    assert not any(allowed for *_, allowed in _found(sample, "ui/other.py"))
