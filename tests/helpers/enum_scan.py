"""Qt 6 / QGIS 4 readiness scan of the repo's Python files.

What it flags (each hit has a ``kind``):

``unscoped``
    An enum value reached through its class instead of its enum (``Qgis.Warning``
    for ``Qgis.MessageLevel.Warning``). PyQt6 only has the scoped form. The scanner
    resolves each ``Class.member`` through the names the file imports from
    ``qgis``/``PyQt5``/``PyQt6``.
``qgis-alias``
    A QGIS enum that QGIS moved to ``Qgis.*`` (3.30-3.36), reached through its old,
    deprecated alias (``QgsWkbTypes.GeometryType.PolygonGeometry`` is
    ``Qgis.GeometryType.Polygon``). Only visible on a QGIS that has the ``Qgis.*``
    enum (3.30+). The aliases still work on QGIS 4 and pass QGIS's own checker, but
    while the plugin supports QGIS 3.22 most replacements do not exist there: a hit
    whose ``Qgis.*`` enum is missing from QGIS 3.22 is allowed (and listed), one whose
    enum 3.22 has is not.
``qvariant-type``
    ``QVariant.Type.X`` / ``QVariant.X``: ``QVariant.Type`` does not exist in PyQt6;
    ``QMetaType.Type`` exists on Qt 5 and Qt 6.
``qvariant-null``
    ``QVariant()`` / ``QVariant(QVariant.X)`` as a null value: PyQt6 cannot make one;
    ``qgis.core.NULL``.
``exec_``, ``pyqt-import``, ``qgis-pyqt-qt``, ``qregexp``, ``qdesktopwidget``,
``resources_rc``, ``signal-overload``, ``fontmetrics-width``, ``qapp``,
``renamed-enum``, ``qdatetime``, ``addaction``
    The other patterns QGIS's migration script ``scripts/pyqt5_to_pyqt6/
    pyqt5_to_pyqt6.py`` (the plugin repository's Qt 6 check) rewrites or warns
    about: ``exec_()``, ``PyQt5``/``PyQt6`` imports, ``qgis.PyQt.Qt``, ``QRegExp``,
    ``QDesktopWidget``/``desktop()``, compiled resources, ``activated[str]``-style
    overload indexing, ``QFontMetrics.width()``, ``qApp``, enum values Qt 6 renamed
    (``Qt.MidButton``...), the 8-argument ``QDateTime`` and ``QDateTime(QDate)``, and
    ``addAction`` with 4+ arguments.

A hit can be allowed only by an entry of ``ALLOWANCES`` (a file, a kind, and the
QGIS/Qt versions below which the code must run: the hit has to sit in a branch of
``if Qgis.QGIS_VERSION_INT ...`` / ``QT_VERSION ...`` that no newer version enters)
or by the QGIS 3.22 rule for ``qgis-alias`` above.

``python tests/helpers/enum_scan.py [FILES]`` (in QGIS's Python) prints every hit,
allowed ones included.
"""

from __future__ import annotations

import ast
import enum
import importlib
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from qgis.core import Qgis
from qgis.PyQt.QtCore import Qt, QVariant

_QT_MODULES = ("qgis", "PyQt5", "PyQt6")
# sip does not export its enum metaclass; take it from any PyQt5 enum.
_SIP_ENUM = type(type(Qt.ConnectionType.DirectConnection))
# QVariant.Type exists only on Qt 5 (where the scan runs today); None on Qt 6.
_QVARIANT_TYPE = getattr(QVariant, "Type", None)

REPO_ROOT = Path(__file__).resolve().parents[2]

# The enums class Qgis has in QGIS 3.22 (the plugin's qgisMinimumVersion), from
#   python3 -c "from qgis.core import Qgis; print(sorted(n for n in dir(Qgis)
#       if isinstance(getattr(Qgis, n), type) and not n.startswith('_')))"
# on Debian 12's QGIS 3.22.16. A deprecated alias of one of these can be replaced now.
_QGIS_322_ENUM_NAMES = """
ActionStart AnnotationItemEditOperationResult AnnotationItemFlag AnnotationItemFlags
AnnotationItemGuiFlag AnnotationItemGuiFlags AnnotationItemNodeType BabelCommandFlag
BabelCommandFlags BabelFormatCapabilities BabelFormatCapability
BrowserDirectoryMonitoring BrowserItemCapabilities BrowserItemCapability
BrowserItemState BrowserItemType BrowserLayerType BufferSide ContentStatus DataType
DriveType EndCapStyle FeatureCountState FileOperationFlag FileOperationFlags
FilePathType GeometryOperationResult GeometryValidationEngine GeometryValidityFlag
GeometryValidityFlags GpsFeatureType GpsQualityIndicator HttpMethod JoinStyle
MapLayerProperties MapLayerProperty MapSettingsFlag MapSettingsFlags
MeshEditingErrorType MessageLevel PythonMacroMode RasterPipeInterfaceRole
RasterResamplingStage RasterTemporalMode RenderContextFlag RenderContextFlags
RenderSubcomponentProperty ScaleMethod SelectBehavior SpatialFilterType
SqlKeywordCategory SqlLayerDefinitionCapabilities SqlLayerDefinitionCapability
SublayerFlag SublayerFlags SublayerPromptMode SublayerQueryFlag SublayerQueryFlags
SymbolFlag SymbolFlags SymbolLayerFlag SymbolLayerFlags SymbolPreviewFlag
SymbolPreviewFlags SymbolRenderHint SymbolRenderHints SymbolType
TemporalIntervalMatchMethod TextRenderFormat TransformDirection UnplacedLabelVisibility
VectorDataProviderTemporalMode VectorEditResult VectorExportResult
VectorTemporalLimitMode VectorTemporalMode VertexMarkerType VertexType
"""
QGIS_322_ENUMS = frozenset(_QGIS_322_ENUM_NAMES.split())

QT6 = 0x060000  # QT_VERSION of Qt 6.0.0


@dataclass(frozen=True)
class Allowance:
    path: str  # relative to the repo root, with /
    kind: str
    qgis_below: int  # the hit's branch runs only when Qgis.QGIS_VERSION_INT < qgis_below
    qt_below: int  # ... and QT_VERSION < qt_below
    why: str


ALLOWANCES = (
    # ui/adapters/field_types.py: QGIS 3.22-3.36 only have QgsField(name, QVariant.Type, ...)
    # (the QMetaType.Type constructors came in 3.38). Its else branch of
    # `if Qgis.QGIS_VERSION_INT >= 33800 or QT_VERSION >= 0x060000` is the one place
    # QVariant.Type may be written: no QGIS 3.38+ and no Qt 6 build ever runs it.
    Allowance(
        "ui/adapters/field_types.py",
        "qvariant-type",
        qgis_below=33800,
        qt_below=QT6,
        why="QgsField types on QGIS < 3.38 with Qt 5 (ALLOWANCES)",
    ),
)


@dataclass(frozen=True)
class Hit:
    path: Path
    line: int
    kind: str
    written: str  # e.g. "Qgis.Warning"
    fix: str  # e.g. "Qgis.MessageLevel.Warning"
    allowed: str = ""  # why the hit is accepted; empty: it is not

    def __str__(self) -> str:
        note = f"  (allowed: {self.allowed})" if self.allowed else ""
        return f"{self.path}:{self.line}: [{self.kind}] {self.written} → {self.fix}{note}"


def _is_enum_type(obj: Any) -> bool:
    return isinstance(obj, type) and (isinstance(obj, _SIP_ENUM) or issubclass(obj, enum.Enum))


def _imported_names(tree: ast.AST) -> dict[str, Any]:
    """Names bound by ``from qgis.x import Y`` / ``from PyQt5.x import Y`` in the file."""
    names: dict[str, Any] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if not node.module.startswith(_QT_MODULES):
                continue
            try:
                module = importlib.import_module(node.module)
            except ImportError:  # e.g. PyQt6 under QGIS 3: reported as pyqt-import
                continue
            for alias in node.names:
                if hasattr(module, alias.name):
                    names[alias.asname or alias.name] = getattr(module, alias.name)
    return names


def _dotted(node: ast.AST) -> list[str] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


def _qmetatype_name(name: str) -> str:
    """QMetaType.Type's name for QVariant.Type's ``name`` (String → QString...)."""
    from qgis.PyQt.QtCore import QMetaType

    renamed = {"Invalid": "UnknownType", "UserType": "User", "List": "QVariantList"}
    renamed |= {"Map": "QVariantMap", "Hash": "QVariantHash"}
    if name in renamed:
        return renamed[name]
    for candidate in (name, "Q" + name):
        if hasattr(QMetaType.Type, candidate) or hasattr(QMetaType, candidate):
            return candidate
    return name


# Enum values Qt 6 removed under these names (QGIS's deprecated_renamed_enums).
_RENAMED_ENUMS = {
    ("Qt", "MidButton"): "Qt.MouseButton.MiddleButton",
    ("Qt", "TextColorRole"): "Qt.ItemDataRole.ForegroundRole",
    ("Qt", "BackgroundColorRole"): "Qt.ItemDataRole.BackgroundRole",
    ("QPainter", "HighQualityAntialiasing"): "QPainter.RenderHint.Antialiasing",
}
# signal[str], signal[int, bool], signal["QString"], signal["double"]...
_SIGNAL_OVERLOAD_TYPES = {"str", "int", "float", "bool", "object"}
_SIGNAL_OVERLOAD_CPP = re.compile(
    r"(const )?Q[A-Z][a-z][A-Za-z0-9]*( ?&)?"  # QString, const QString&, QModelIndex
    r"|int|double|bool|qlonglong"
)


class _FileScan:
    def __init__(self, path: Path, source: str):
        self.path = path
        self.tree = ast.parse(source, filename=str(path))
        self.names = _imported_names(self.tree)
        self.parents: dict[ast.AST, ast.AST] = {
            child: node for node in ast.walk(self.tree) for child in ast.iter_child_nodes(node)
        }
        self.hits: list[tuple[ast.AST, str, str, str]] = []
        # names assigned a QFontMetrics(...) in this file (QGIS tracks these too)
        self.font_metrics = {
            target.id
            for node in ast.walk(self.tree)
            if isinstance(node, ast.Assign)
            and self._calls(node.value, "QFontMetrics", "QFontMetricsF")
            for target in node.targets
            if isinstance(target, ast.Name)
        }

    def add(self, node: ast.AST, kind: str, written: str, fix: str) -> None:
        self.hits.append((node, kind, written, fix))

    @staticmethod
    def _calls(node: ast.AST, *names: str) -> bool:
        if not isinstance(node, ast.Call):
            return False
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        return name in names

    def _resolves_to(self, node: ast.AST, obj: Any) -> bool:
        parts = _dotted(node)
        if not parts or parts[0] not in self.names:
            return False
        value = self.names[parts[0]]
        try:
            for part in parts[1:]:
                value = getattr(value, part)
        except AttributeError:
            return False
        return value is obj

    def run(self) -> None:
        for node in ast.walk(self.tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                self.imports(node)
            elif isinstance(node, ast.Attribute):
                self.attribute(node)
            elif isinstance(node, ast.Name):
                if node.id == "qApp" and isinstance(node.ctx, ast.Load):
                    self.add(node, "qapp", "qApp", "QApplication.instance()")
            elif isinstance(node, ast.Call):
                self.call(node)
            elif isinstance(node, ast.Subscript):
                self.subscript(node)
            elif isinstance(node, ast.FunctionDef) and node.name == "exec_":
                self.add(node, "exec_", "def exec_", "def exec")

    def imports(self, node: ast.Import | ast.ImportFrom) -> None:
        modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom):
            modules.append(("." * node.level) + (node.module or ""))
        for module in modules:
            if module.split(".")[0] in ("PyQt5", "PyQt6"):
                self.add(node, "pyqt-import", f"import {module}", "qgis.PyQt")
            if module == "qgis.PyQt.Qt":
                self.add(node, "qgis-pyqt-qt", "qgis.PyQt.Qt", "qgis.PyQt.QtCore")
            if module.split(".")[-1] == "resources_rc":
                self.add(node, "resources_rc", module, "load icons by file path")
        for alias in node.names:
            if alias.name in ("QRegExp", "QRegExpValidator"):
                self.add(node, "qregexp", alias.name, "QRegularExpression")
            elif alias.name == "QDesktopWidget":
                self.add(node, "qdesktopwidget", alias.name, "QScreen")
            elif alias.name == "resources_rc":
                self.add(node, "resources_rc", alias.name, "load icons by file path")
            elif alias.name == "qApp":
                self.add(node, "qapp", "qApp", "QApplication.instance()")

    def attribute(self, node: ast.Attribute) -> None:
        if node.attr == "exec_":
            self.add(node, "exec_", "exec_", "exec")
        elif node.attr in ("QRegExp", "QRegExpValidator"):
            self.add(node, "qregexp", node.attr, "QRegularExpression")
        elif node.attr == "QDesktopWidget":
            self.add(node, "qdesktopwidget", node.attr, "QScreen")
        elif node.attr == "qApp":
            self.add(node, "qapp", "qApp", "QApplication.instance()")
        elif node.attr == "width" and (
            self._calls(node.value, "fontMetrics", "QFontMetrics", "QFontMetricsF")
            or (isinstance(node.value, ast.Name) and node.value.id in self.font_metrics)
        ):
            self.add(node, "fontmetrics-width", "QFontMetrics.width()", "horizontalAdvance()")
        parent = self.parents.get(node)
        if not (isinstance(parent, ast.Attribute) and parent.value is node):
            self.chain(node)  # the whole a.b.c, once

    def chain(self, node: ast.Attribute) -> None:
        parts = _dotted(node)
        if not parts or parts[0] not in self.names:
            return
        objs = [self.names[parts[0]]]
        for part in parts[1:]:
            try:
                objs.append(getattr(objs[-1], part))
            except AttributeError:
                break
        if (parts[0], parts[-1]) in _RENAMED_ENUMS:
            fix = _RENAMED_ENUMS[(parts[0], parts[-1])]
            self.add(node, "renamed-enum", ".".join(parts), fix)
            return
        for i in range(1, len(objs)):
            owner, value = objs[i - 1], objs[i]
            written = ".".join(parts[: i + 1])
            if owner is QVariant and (
                parts[i] == "Type"
                or (_QVARIANT_TYPE is not None and isinstance(value, _QVARIANT_TYPE))
            ):
                member = parts[i + 1] if parts[i] == "Type" and len(parts) > i + 1 else parts[i]
                written = ".".join(parts[: i + 2] if member != parts[i] else parts[: i + 1])
                fix = "QMetaType.Type"
                if member != "Type":
                    fix += "." + _qmetatype_name(member)
                self.add(node, "qvariant-type", written, fix)
                return
            last = i == len(objs) - 1
            if _is_enum_type(value) and not last:
                continue
            if _is_enum_type(value):  # the enum itself, e.g. in an annotation
                via = owner
                if self._qgis_alias(value, via):
                    self.add(node, "qgis-alias", written, value.__qualname__)
                return
            enum_type = type(value)
            if not _is_enum_type(enum_type) or isinstance(value, type):
                continue
            via = objs[i - 2] if _is_enum_type(owner) and i >= 2 else owner
            # an old member name patched onto the new enum (Qgis.GeometryType.PolygonGeometry)
            patched = isinstance(value, enum.Enum) and parts[i] not in enum_type.__members__
            if self._qgis_alias(enum_type, via) or (
                patched and enum_type.__qualname__.startswith("Qgis.")
            ):
                member = value.name if isinstance(value, enum.Enum) else parts[i]
                self.add(node, "qgis-alias", written, f"{enum_type.__qualname__}.{member}")
            elif not _is_enum_type(owner):
                scoped = ".".join([*parts[:i], enum_type.__name__, parts[i]])
                self.add(node, "unscoped", written, scoped)
            return

    @staticmethod
    def _qgis_alias(enum_type: type, via: Any) -> bool:
        """An enum of class Qgis, reached through another class (its old home)."""
        return enum_type.__qualname__.startswith("Qgis.") and via is not Qgis

    def call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr == "desktop" and not node.args:
                self.add(node, "qdesktopwidget", "desktop()", "QScreen")
            if func.attr == "addAction" and len(node.args) >= 4:
                self.add(node, "addaction", "addAction(4+ arguments)", "QAction(...), addAction")
        if self._resolves_to(func, QVariant) and (
            not node.args or (len(node.args) == 1 and self._is_qvariant_member(node.args[0]))
        ):
            self.add(node, "qvariant-null", "QVariant()", "qgis.core.NULL")
        if self._calls(node, "QDateTime") and (
            len(node.args) == 8 or (len(node.args) == 1 and self._calls(node.args[0], "QDate"))
        ):
            self.add(node, "qdatetime", "QDateTime(...)", "QDateTime(QDate(...), QTime(...))")

    def _is_qvariant_member(self, node: ast.AST) -> bool:
        return isinstance(node, ast.Attribute) and self._resolves_to(node.value, QVariant)

    def subscript(self, node: ast.Subscript) -> None:
        value, index = node.value, node.slice
        if not isinstance(value, ast.Attribute) or not value.attr[:1].islower():
            return
        items = index.elts if isinstance(index, ast.Tuple) else [index]
        if items and all(
            (isinstance(item, ast.Name) and item.id in _SIGNAL_OVERLOAD_TYPES)
            or (
                isinstance(item, ast.Constant)
                and isinstance(item.value, str)
                and _SIGNAL_OVERLOAD_CPP.fullmatch(item.value) is not None
            )
            for item in items
        ):
            self.add(node, "signal-overload", f"{value.attr}[...]", f"{value.attr} (one signature)")


def _version_bounds(test: ast.AST, negate: bool) -> dict[str, int]:
    """Upper bounds (exclusive) on QGIS_VERSION_INT / QT_VERSION a branch implies."""
    if isinstance(test, ast.BoolOp):
        # body of `a and b`: both hold; else of `a or b`: neither holds
        if isinstance(test.op, ast.Or if negate else ast.And):
            bounds: dict[str, int] = {}
            for value in test.values:
                for name, bound in _version_bounds(value, negate).items():
                    bounds[name] = min(bound, bounds.get(name, bound))
            return bounds
        return {}
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return {}
    left, right = test.left, test.comparators[0]
    name = left.attr if isinstance(left, ast.Attribute) else getattr(left, "id", None)
    if name not in ("QGIS_VERSION_INT", "QT_VERSION") or not isinstance(right, ast.Constant):
        return {}
    if not isinstance(right.value, int):
        return {}
    # `x < N` holds in the body, `x >= N` fails in the else: both mean x < N there
    strict, inclusive = (ast.GtE, ast.Gt) if negate else (ast.Lt, ast.LtE)
    op = type(test.ops[0])
    if op is strict:
        return {name: right.value}
    if op is inclusive:
        return {name: right.value + 1}
    return {}


def _bounds_at(scan: _FileScan, node: ast.AST) -> dict[str, int]:
    bounds: dict[str, int] = {}
    child, parent = node, scan.parents.get(node)
    while parent is not None:
        if isinstance(parent, ast.If):
            negate = child in parent.orelse
            if negate or child in parent.body:
                for name, bound in _version_bounds(parent.test, negate).items():
                    bounds[name] = min(bound, bounds.get(name, bound))
        child, parent = parent, scan.parents.get(parent)
    return bounds


def _allowed(scan: _FileScan, node: ast.AST, hit: Hit, relative: str) -> str:
    if hit.kind == "qgis-alias":
        enum_name = hit.fix.split(".")[1]
        if enum_name not in QGIS_322_ENUMS:
            return f"Qgis.{enum_name} is not in QGIS 3.22 (qgisMinimumVersion)"
        return ""
    bounds = _bounds_at(scan, node)
    for allowance in ALLOWANCES:
        if (allowance.path, allowance.kind) != (relative, hit.kind):
            continue
        if (
            bounds.get("QGIS_VERSION_INT", sys.maxsize) <= allowance.qgis_below
            and bounds.get("QT_VERSION", sys.maxsize) <= allowance.qt_below
        ):
            return allowance.why
    return ""


def scan_file(path: Path, relative: str | None = None) -> list[Hit]:
    """Every hit in ``path``; ``relative`` (default: from the repo root) picks ALLOWANCES."""
    if relative is None:
        try:
            relative = path.resolve().relative_to(REPO_ROOT).as_posix()
        except ValueError:
            relative = path.as_posix()
    scan = _FileScan(path, path.read_text(encoding="utf-8"))
    scan.run()
    hits = []
    for node, kind, written, fix in scan.hits:
        hit = Hit(path, getattr(node, "lineno", 0), kind, written, fix)
        hits.append(replace(hit, allowed=_allowed(scan, node, hit, relative)))
    return sorted(set(hits), key=lambda h: (str(h.path), h.line, h.kind, h.written))


def scan(paths: list[Path]) -> list[Hit]:
    return [hit for path in paths for hit in scan_file(path)]


def python_files(root: Path = REPO_ROOT) -> list[Path]:
    """Every .py of the repo, tests and tools included; not .venv, .work, .git..."""
    return sorted(
        path
        for path in root.rglob("*.py")
        if not any(part.startswith(".") for part in path.relative_to(root).parts)
    )


if __name__ == "__main__":
    files = [Path(arg) for arg in sys.argv[1:]] or python_files()
    found = scan(files)
    for hit in found:
        print(hit)
    blocking = [hit for hit in found if not hit.allowed]
    print(f"{len(found)} hits, {len(blocking)} not allowed, in {len(files)} files")
    sys.exit(1 if blocking else 0)
