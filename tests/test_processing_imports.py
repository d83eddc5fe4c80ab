"""Processing imports nothing of the dock's run (``ui/run/``) or its widgets (``ui/widgets/``).

Its algorithms run headless in ``qgis_process`` and in QGIS's task threads: what they
share with the dock (saved connections as back-ends, a run read from its files, layers,
settings) lives in ``ui/adapters/``. Read from the sources with ``ast``: every import
statement, inside functions and under ``TYPE_CHECKING`` too, relative ones resolved
(``test_import_rules.py`` also forbids modules that import ``QtWidgets``/``qgis.gui``).
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "openeo_grid_jobs"
FORBIDDEN = (f"{PACKAGE}.ui.run", f"{PACKAGE}.ui.widgets")


def imported_modules(path: Path, root: Path = REPO_ROOT) -> list[tuple[int, str]]:
    """(line, dotted name) of each module ``path`` imports or imports names from; for
    ``from x import y`` also ``x.y`` (``y`` may be a module)."""
    parts = path.relative_to(root).with_suffix("").parts
    package = (PACKAGE, *parts[:-1])  # the module's package (an ``__init__``'s own folder)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def forbidden_imports(folder: Path, root: Path = REPO_ROOT) -> list[str]:
    inside = tuple(f"{name}." for name in FORBIDDEN)
    return sorted(
        {
            f"{path.relative_to(root).as_posix()}:{line}"
            for path in sorted(folder.rglob("*.py"))
            for line, name in imported_modules(path, root)
            if name in FORBIDDEN or name.startswith(inside)
        }
    )


def test_processing_imports_nothing_of_ui_run_or_ui_widgets():
    assert (REPO_ROOT / "processing_provider" / "run_jobs.py").is_file()  # it reads them
    assert forbidden_imports(REPO_ROOT / "processing_provider") == []


def test_the_check_resolves_relative_imports(tmp_path):
    folder = tmp_path / "processing_provider"
    folder.mkdir()
    (folder / "algorithm.py").write_text(
        "from ..ui.adapters.backends import connection_logins\n"  # 1 allowed
        "from ..ui.runner import x\n"  # 2 not ui.run
        "from .common import y\n"  # 3 processing_provider.common
        "def f():\n"
        "    from ..ui.run.control import RunControl\n"  # 5
        "    from ..ui import widgets\n"  # 6
        f"    import {PACKAGE}.ui.widgets.jobs_panel\n",  # 7
        encoding="utf-8",
    )
    (folder / "__init__.py").write_text("from ..ui.run import viewer\n", encoding="utf-8")
    found = forbidden_imports(folder, tmp_path)
    assert found == [
        "processing_provider/__init__.py:1",
        "processing_provider/algorithm.py:5",
        "processing_provider/algorithm.py:6",
        "processing_provider/algorithm.py:7",
    ]
    names = {name for _, name in imported_modules(folder / "algorithm.py", tmp_path)}
    assert {f"{PACKAGE}.processing_provider.common", f"{PACKAGE}.ui.runner"} <= names
