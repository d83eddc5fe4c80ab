"""Import rules between the plugin's layers, read from the sources with ``ast``.

- ``core`` is plain Python: no QGIS, no Qt (the CLI and the detached engine run it
  without QGIS), and nothing of the CLI (``cli/``), the dock (``ui/``), Processing or
  the plugin shell: the engine and the dock must not depend on the command line's
  parsing and output, and a notebook imports core alone;
- Processing imports no widget module (anything under ``ui/widgets/``, or any ``ui``
  module importing ``QtWidgets`` or ``qgis.gui``): algorithms run in QGIS's headless
  ``qgis_process`` and in threads;
- no import circles, between modules nor between folders (``core/jobs`` → ``core/run``
  → ``core/jobs``), counting imports inside functions (they run too, later) but not
  those under ``if TYPE_CHECKING:`` (they never run); a failure names the circle and
  the lines that import along it;
- in ``core`` and ``cli``, imports are at the top of the module, where they show the
  import graph; one inside a function needs a reason the sources show: it loads a
  heavy package (``HEAVY``) the module does not load at import (QGIS start-up and
  ``openeo-grid-jobs --help`` stay quick), directly or through a plugin module that
  imports one at its top.

That each core module really imports without QGIS, and that the plugin's start-up
stays light, is run for real in ``test_imports.py``.
"""

from __future__ import annotations

from collections import deque

from helpers.sources import HEAVY, PACKAGE, Imports, LaterImport, all_imports

FORBIDDEN_IN_CORE = ("qgis", "PyQt5", "PyQt6", "sip")
CORE = f"{PACKAGE}.core."
#: what core must never import (the layers above it)
ABOVE_CORE = tuple(f"{PACKAGE}.{name}" for name in ("cli", "ui", "processing_provider", "plugin"))
WIDGETS = ("qgis.gui", "qgis.PyQt.QtWidgets", "PyQt5.QtWidgets", "PyQt6.QtWidgets")
#: the folders whose imports inside functions must have a reason
TOP_IMPORTS = tuple(f"{PACKAGE}.{name}." for name in ("core", "cli"))
#: folders that import one another in one direction only (every package folder is
#: checked; these are the ones the rule must see)
FOLDERS = tuple(
    f"{PACKAGE}.{name}"
    for name in (
        "core.grid",
        "core.jobs",
        "core.backends",
        "core.run",
        "core.results",
        "core.engine",
        "cli",
        "ui.adapters",
        "ui.run",
        "ui.widgets",
        "processing_provider",
    )
)


def _every_import(imports: Imports) -> set[str]:
    return imports.plugin | imports.plugin_later


def test_core_never_imports_qgis_or_qt():
    offenders = {
        name: sorted(m for m in imports.outside if m.split(".")[0] in FORBIDDEN_IN_CORE)
        for name, imports in all_imports().items()
        if name.startswith(CORE)
    }
    assert {name: bad for name, bad in offenders.items() if bad} == {}


def test_core_never_imports_the_cli_the_dock_or_processing():
    assert f"{CORE}engine.host" in all_imports()  # the rule reads core's modules
    found = {
        name: sorted(m for m in _every_import(imports) if m.startswith(ABOVE_CORE))
        for name, imports in all_imports().items()
        if name.startswith(CORE)
    }
    assert {name: bad for name, bad in found.items() if bad} == {}


def widget_modules(imports: dict[str, Imports]) -> set[str]:
    return {
        name
        for name, i in imports.items()
        if name.startswith(f"{PACKAGE}.ui.widgets.")
        or (name.startswith(f"{PACKAGE}.ui.") and any(m.startswith(WIDGETS) for m in i.outside))
    }


def test_processing_imports_no_widget_module():
    imports = all_imports()
    widgets = widget_modules(imports)
    assert f"{PACKAGE}.ui.widgets.run_page" in widgets  # the rule sees a widget module
    found = {
        name: sorted(_every_import(i) & widgets)
        for name, i in imports.items()
        if name.startswith(f"{PACKAGE}.processing_provider.")
    }
    assert {name: bad for name, bad in found.items() if bad} == {}


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(cycles)


def test_cycle_finder_finds_a_circle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert import_cycles(graph) == [["a", "b", "c"]]


def circles_through(graph: dict[str, set[str]], members: list[str]) -> list[list[str]]:
    """Shortest circles in a strongly connected component, until each of its
    ``members`` is on one, each as ``[a, b, ..., a]``."""
    left, circles = list(members), []
    while left:
        circles.append(a_circle(graph, members, left[0]))
        left = [m for m in left if m not in circles[-1]]
    return circles


def a_circle(graph: dict[str, set[str]], members: list[str], start: str) -> list[str]:
    """One shortest circle through ``start`` among ``members``."""
    inside = set(members)
    paths = {start: [start]}
    todo = deque([start])
    while todo:
        node = todo.popleft()
        for nxt in sorted(graph.get(node, ())):
            if nxt == start:
                return [*paths[node], start]
            if nxt in inside and nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                todo.append(nxt)
    raise ValueError(f"no circle through {start}")


def _short(name: str) -> str:
    return name.removeprefix(f"{PACKAGE}.")


def _where(imports: Imports, target: str) -> list[str]:
    """``path:line imports target`` for each line of ``imports.module`` importing it."""
    later = {s.line for s in imports.later}
    return [
        f"{imports.path}:{line} imports {_short(target)}"
        + (" (in a function)" if line in later else "")
        for line in sorted(imports.lines.get(target, ()))
    ]


def module_circles(imports: dict[str, Imports]) -> list[str]:
    """Each circle among the modules: the circle, then the lines that import along it."""
    graph = {name: _every_import(i) for name, i in imports.items()}
    found = []
    for members in import_cycles(graph):
        for circle in circles_through(graph, members):
            lines = [w for a, b in zip(circle, circle[1:]) for w in _where(imports[a], b)]
            found.append(" -> ".join(map(_short, circle)) + "".join(f"\n  {w}" for w in lines))
    return found


def folder_of(module: str, packages: set[str]) -> str:
    """The folder (package) a module is in: the package itself for its ``__init__``."""
    return module if module in packages else module.rpartition(".")[0]


def folder_circles(imports: dict[str, Imports], packages: set[str]) -> list[str]:
    """Each circle among the folders: the circle, then every line that imports across
    one of its steps."""
    graph: dict[str, set[str]] = {}
    across: dict[tuple[str, str], list[str]] = {}
    for name, i in sorted(imports.items()):
        for target in sorted(_every_import(i)):
            here, there = folder_of(name, packages), folder_of(target, packages)
            if here != there:
                graph.setdefault(here, set()).add(there)
                across.setdefault((here, there), []).extend(_where(i, target))
    found = []
    for members in import_cycles(graph):
        for circle in circles_through(graph, members):
            lines = [w for step in zip(circle, circle[1:]) for w in across[step]]
            found.append(" -> ".join(map(_short, circle)) + "".join(f"\n  {w}" for w in lines))
    return found


def _packages(imports: dict[str, Imports]) -> set[str]:
    return {name for name, i in imports.items() if i.path.endswith("__init__.py")}


def test_no_import_circle_among_the_plugins_modules():
    circles = module_circles(all_imports())
    assert not circles, "import circles between modules:\n" + "\n".join(circles)


def test_no_import_circle_among_the_plugins_folders():
    imports = all_imports()
    packages = _packages(imports)
    assert set(FOLDERS) <= packages  # the rule sees each folder
    circles = folder_circles(imports, packages)
    assert not circles, "import circles between folders:\n" + "\n".join(circles)


def test_a_circle_is_named_with_its_importing_lines():
    pkg = PACKAGE

    def module(name: str, now: dict[str, int], *later: tuple[str, int]) -> Imports:
        path = name.replace(".", "/") + ("/__init__.py" if "." not in name else ".py")
        found = Imports(f"{pkg}.{name}", path, plugin={f"{pkg}.{m}" for m in now})
        for target, line in later:
            found.later.append(LaterImport(line, plugin={f"{pkg}.{target}"}))
            found.plugin_later.add(f"{pkg}.{target}")
        for target, line in [*now.items(), *later]:
            found.lines.setdefault(f"{pkg}.{target}", []).append(line)
        return found

    imports = {
        i.module: i
        for i in (
            module("a", {}),
            module("a.low", {"a.table": 3}),
            module("a.table", {}, ("a.low", 9)),  # a circle only inside a function
            module("b", {}),
            module("b.user", {"a.low": 4}),
            module("a.back", {"b.user": 7}),  # a back edge between the folders a and b
        )
    }
    assert module_circles(imports) == [
        "a.low -> a.table -> a.low\n"
        "  a/low.py:3 imports a.table\n"
        "  a/table.py:9 imports a.low (in a function)"
    ]
    assert folder_circles(imports, _packages(imports)) == [
        "a -> b -> a\n  a/back.py:7 imports b.user\n  b/user.py:4 imports a.low"
    ]


def heavy_at_import(imports: dict[str, Imports]) -> dict[str, frozenset[str]]:
    """The heavy packages each plugin module loads as it is imported, through its
    module-level imports and those of the plugin modules they import."""
    graph = {name: i.plugin for name, i in imports.items()}
    heavy: dict[str, frozenset[str]] = {}
    for name in imports:
        seen, todo = {name}, [name]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        heavy[name] = (
            frozenset(m.split(".")[0] for s in seen for m in imports[s].outside_now) & HEAVY
        )
    return heavy


def unexplained_later_imports(imports: dict[str, Imports]) -> list[str]:
    """``module:line target`` for each import inside a function of core or cli that
    could be at the top: it adds no heavy package there (an import inside a function
    is no way out of an import circle: the circle rules count it)."""
    heavy = heavy_at_import(imports)

    def lazy_for_a_reason(module: str, statement: LaterImport, target: str) -> bool:
        if target in statement.plugin:
            return bool(heavy[target] - heavy[module])
        return target in HEAVY - heavy[module]

    return sorted(
        f"{module}:{statement.line} {target}"
        for module, i in imports.items()
        if module.startswith(TOP_IMPORTS)
        for statement in i.later
        for target in statement.plugin | {m.split(".")[0] for m in statement.outside}
        if not lazy_for_a_reason(module, statement, target)
    )


def test_imports_inside_functions_of_core_and_cli_have_a_reason():
    imports = all_imports()
    assert f"{PACKAGE}.cli.main" in imports  # the rule reads the CLI's modules
    assert unexplained_later_imports(imports) == []


def test_the_reasons_for_an_import_inside_a_function():
    core = f"{PACKAGE}.core"

    def module(name: str, now: set[str], plugin: set[str], *later: LaterImport) -> Imports:
        return Imports(f"{core}.{name}", plugin=plugin, outside_now=now, later=list(later))

    imports = {
        i.module: i
        for i in (
            module(
                "light",
                {"json"},
                set(),
                LaterImport(1, outside={"pandas"}),  # heavy: lazy for a reason
                LaterImport(2, outside={"csv"}),  # the standard library: not
                LaterImport(3, plugin={f"{core}.plain"}),  # light: not
                LaterImport(4, plugin={f"{core}.frames"}),  # loads pandas: lazy
                LaterImport(5, plugin={f"{core}.back"}),  # imports this one: a circle, not
            ),
            module("plain", set(), set()),
            module("frames", set(), {f"{core}.tables"}),
            module("tables", {"pandas.api"}, set()),
            module("back", set(), {f"{core}.light"}),
            module("heavy", {"pandas"}, set(), LaterImport(6, outside={"pandas.api"})),
        )
    }
    assert unexplained_later_imports(imports) == [
        f"{core}.heavy:6 pandas",  # the module loads pandas anyway
        f"{core}.light:2 csv",
        f"{core}.light:3 {core}.plain",
        f"{core}.light:5 {core}.back",
    ]


def test_tests_import_their_helpers_one_way():
    """``helpers.x``, never ``tests.helpers.x``: imported both ways, a helper module is
    loaded twice, as two modules with their own state and classes."""
    import ast
    from pathlib import Path

    tests = Path(__file__).resolve().parent
    both_ways = []
    for path in sorted(tests.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            if any(n == "tests.helpers" or n.startswith("tests.helpers.") for n in names):
                both_ways.append(f"{path.relative_to(tests)}:{node.lineno}")
    assert both_ways == []
