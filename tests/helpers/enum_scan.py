"""Find Qt/QGIS enum values reached through their class instead of their enum.

PyQt5 lets ``Qgis.Warning`` stand for ``Qgis.MessageLevel.Warning``; PyQt6 (QGIS 4)
only has the scoped form, and QGIS 3.40 already warns about some unscoped ones.
The scoped forms work on every QGIS we support (3.22+), so the code uses only
them. This scanner resolves each ``Class.member`` in a file through the names the
file imports from ``qgis``/``PyQt5`` and reports the ones whose value is an enum
member while ``Class`` is not that member's enum.
"""

from __future__ import annotations

import ast
import enum
import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qgis.PyQt.QtCore import Qt

_QT_MODULES = ("qgis", "PyQt5", "PyQt6")
# sip does not export its enum metaclass; take it from any PyQt5 enum.
_SIP_ENUM = type(type(Qt.ConnectionType.DirectConnection))


@dataclass(frozen=True)
class Unscoped:
    path: Path
    line: int
    written: str  # e.g. "Qgis.Warning"
    scoped: str  # e.g. "Qgis.MessageLevel.Warning"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.written} → {self.scoped}"


def _is_enum_type(obj: Any) -> bool:
    return isinstance(obj, type) and (isinstance(obj, _SIP_ENUM) or issubclass(obj, enum.Enum))


def _imported_names(tree: ast.AST) -> dict[str, Any]:
    """Names bound by ``from qgis.x import Y`` / ``import qgis.x`` anywhere in the file."""
    names: dict[str, Any] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if not node.module.startswith(_QT_MODULES):
                continue
            module = importlib.import_module(node.module)
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


def scan_file(path: Path) -> list[Unscoped]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = _imported_names(tree)
    found: list[Unscoped] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        parts = _dotted(node)
        if not parts or parts[0] not in names or len(parts) < 2:
            continue
        owner = names[parts[0]]
        try:
            for part in parts[1:-1]:
                owner = getattr(owner, part)
            value = getattr(owner, parts[-1])
        except AttributeError:
            continue
        enum_type = type(value)
        if not _is_enum_type(enum_type) or _is_enum_type(owner) or isinstance(value, type):
            continue
        scoped = ".".join([*parts[:-1], enum_type.__name__, parts[-1]])
        found.append(Unscoped(path, node.lineno, ".".join(parts), scoped))
    return found


def scan(paths: list[Path]) -> list[Unscoped]:
    return [hit for path in paths for hit in scan_file(path)]
