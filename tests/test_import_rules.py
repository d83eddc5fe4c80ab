"""Import rules between the plugin's layers, read from the sources with ``ast``.

- ``core`` is plain Python: no QGIS, no Qt (the CLI and the detached engine run it
  without QGIS), and nothing of the CLI (``cli/``), the dock (``ui/``), Processing or
  the plugin shell: the engine and the dock must not depend on the command line's
  parsing and output, and a notebook imports core alone;
- Processing imports no widget module (anything under ``ui/widgets/``, or any ``ui``
  module importing ``QtWidgets`` or ``qgis.gui``): algorithms run in QGIS's headless
  ``qgis_process`` and in threads;
- no import circles among the plugin's modules (module-level imports only);
- in ``core`` and ``cli``, imports are at the top of the module, where they show the
  import graph; one inside a function needs a reason the sources show: it loads a
  heavy package (``HEAVY``) the module does not load at import (QGIS start-up and
  ``openeo-grid-jobs --help`` stay quick), directly or through a plugin module that
  imports one at its top, or at the top it would close an import circle.

That each core module really imports without QGIS, and that the plugin's start-up
stays light, is run for real in ``test_imports.py``.
"""

from __future__ import annotations

from helpers.sources import HEAVY, PACKAGE, Imports, LaterImport, all_imports

FORBIDDEN_IN_CORE = ("qgis", "PyQt5", "PyQt6", "sip")
CORE = f"{PACKAGE}.core."
#: what core must never import (the layers above it)
ABOVE_CORE = tuple(f"{PACKAGE}.{name}" for name in ("cli", "ui", "processing_provider", "plugin"))
WIDGETS = ("qgis.gui", "qgis.PyQt.QtWidgets", "PyQt5.QtWidgets", "PyQt6.QtWidgets")
#: the folders whose imports inside functions must have a reason
TOP_IMPORTS = tuple(f"{PACKAGE}.{name}." for name in ("core", "cli"))


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


def test_no_import_cycles_among_the_plugins_modules():
    graph = {name: i.plugin for name, i in all_imports().items()}
    assert import_cycles(graph) == []


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


def reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        for nxt in graph.get(node, ()) - seen:
            seen.add(nxt)
            todo.append(nxt)
    return False


def unexplained_later_imports(imports: dict[str, Imports]) -> list[str]:
    """``module:line target`` for each import inside a function of core or cli that
    could be at the top: it adds no heavy package and closes no circle there."""
    heavy = heavy_at_import(imports)
    graph = {name: i.plugin for name, i in imports.items()}

    def lazy_for_a_reason(module: str, statement: LaterImport, target: str) -> bool:
        if target in statement.plugin:
            return bool(heavy[target] - heavy[module]) or reaches(graph, target, module)
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
                LaterImport(5, plugin={f"{core}.back"}),  # imports this one: a circle
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
