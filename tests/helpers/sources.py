"""The plugin's own Python modules and their imports, read with ``ast`` (nothing imported).

An import is *module-level* when it runs as the module is imported: not inside a
function, not under ``if TYPE_CHECKING`` (typing only, never run, never counted).
Imports inside functions run later and are counted apart; both are edges of the
import graph that may have no circle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGE = "openeo_grid_jobs"
#: the folders and files that make up the plugin (tests, devtools, scripts are not)
PLUGIN_PARTS = ("core", "cli", "ui", "processing_provider", "plugin.py", "__init__.py")
#: packages that take tens of milliseconds or more to import (``python -X importtime``:
#: requests and pystac about 60 ms, pandas and geopandas 300 ms, openeo 200 ms); the
#: plugin's start-up and ``openeo-grid-jobs --help`` load none of them
HEAVY = frozenset(
    {"openeo", "geopandas", "pandas", "numpy", "shapely", "pyproj", "pyogrio", "pyarrow"}
    | {"osgeo", "pystac", "requests"}
)


def plugin_files() -> list[Path]:
    files: list[Path] = []
    for part in PLUGIN_PARTS:
        path = REPO_ROOT / part
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((PACKAGE, *parts))


@dataclass
class LaterImport:
    """One import statement inside a function: where it is and what it imports."""

    line: int
    #: plugin modules it imports
    plugin: set[str] = field(default_factory=set)
    #: outside modules by full dotted name
    outside: set[str] = field(default_factory=set)


@dataclass
class Imports:
    """What one module imports: plugin modules (resolved) and outside top-level names."""

    module: str
    #: its file, from the repository's root (``core/jobs/__init__.py`` for ``core.jobs``)
    path: str = ""
    #: plugin modules imported as the module is imported
    plugin: set[str] = field(default_factory=set)
    #: plugin modules imported inside functions
    plugin_later: set[str] = field(default_factory=set)
    #: outside modules by full dotted name, at any level
    outside: set[str] = field(default_factory=set)
    #: outside modules by full dotted name, imported as the module is imported
    outside_now: set[str] = field(default_factory=set)
    #: import statements inside functions (any target)
    later: list[LaterImport] = field(default_factory=list)
    #: the lines that import each plugin module, at any level
    lines: dict[str, list[int]] = field(default_factory=dict)


def all_imports() -> dict[str, Imports]:
    """Every plugin module's imports, by module name."""
    files = plugin_files()
    known = {module_name(p) for p in files}
    return {module_name(p): _imports_of(p, known) for p in files}


def _imports_of(path: Path, known: set[str]) -> Imports:
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = Imports(module, path=path.relative_to(REPO_ROOT).as_posix())
    tree = ast.parse(path.read_text(), filename=str(path))
    for node, later in _import_nodes(tree.body, later=False):
        statement = LaterImport(node.lineno)
        if later:
            found.later.append(statement)
        for base, names in _targets(node, package):
            if base.split(".")[0] != PACKAGE:
                found.outside.update([base, *names])
                (statement.outside if later else found.outside_now).update([base, *names])
                continue
            # ``from . import settings`` imports the module settings, ``from .x import y``
            # the module x (y is a name in it)
            for name in names or [base]:
                resolved = _known_module(name, known)
                if resolved is not None and resolved != module:
                    (found.plugin_later if later else found.plugin).add(resolved)
                    statement.plugin.add(resolved)
                    lines = found.lines.setdefault(resolved, [])
                    if node.lineno not in lines:  # ``from .x import a, b``: one line
                        lines.append(node.lineno)
    return found


def _import_nodes(
    body: list[ast.stmt], later: bool
) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node, later
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield from _import_nodes(node.body, later=True)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            continue  # typing only: never runs
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    yield from _import_nodes([child], later)
                elif isinstance(child, ast.excepthandler):
                    yield from _import_nodes(child.body, later)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(node: ast.Import | ast.ImportFrom, package: str) -> list[tuple[str, list[str]]]:
    """(module, [module.name for each imported name]) per target of the statement."""
    if isinstance(node, ast.Import):
        return [(alias.name, []) for alias in node.names]
    if node.level == 0:
        base = node.module or ""
    else:
        parts = package.split(".")
        parts = parts[: len(parts) - (node.level - 1)]
        base = ".".join([*parts, node.module] if node.module else parts)
    return [(base, [f"{base}.{alias.name}" for alias in node.names if alias.name != "*"])]


def _known_module(name: str, known: set[str]) -> str | None:
    """``name`` if it is a plugin module; for ``pkg.mod.attr`` the module ``pkg.mod``."""
    if name in known:
        return name
    parent = name.rpartition(".")[0]
    return parent if parent in known else None
