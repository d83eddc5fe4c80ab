"""The run's controllers (``ui/run/``) talk to the panel and its pages through signals and
methods, never their child widgets (issue 23): a widget moved on a page changes no
controller.

Read from the sources with ``ast``: every attribute chain from the panel (``panel``,
``self.panel``) or from a part of it a controller was handed (``self.page`` is the
Problems page, ``self.run_page`` the Run page, …) is followed on a real panel; it may
name a part of the panel (``panel.status``) and what that part offers (its methods,
signals, data), but never land on a widget inside a part (``panel.run_page.open_button``).
"""

from __future__ import annotations

import ast

from helpers.sources import REPO_ROOT
from qgis.PyQt.QtWidgets import QWidget

#: what each root name of a controller's attribute chains is, as a path from the panel
ROOTS = {
    "panel": (),
    "page": ("problems_page",),
    "run_page": ("run_page",),
    "backends": ("backends",),
    "form": ("form",),
}


def chains(tree: ast.AST) -> list[tuple[int, tuple[str, ...]]]:
    """Each outermost attribute chain rooted at one of ``ROOTS``: (line, path from the panel)."""
    found = []
    inner = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute) or id(node) in inner:
            continue
        names: list[str] = []
        base: ast.expr = node
        while isinstance(base, ast.Attribute):
            inner.add(id(base.value))
            names.insert(0, base.attr)
            base = base.value
        if isinstance(base, ast.Name) and base.id == "self" and names and names[0] in ROOTS:
            root, names = names[0], names[1:]
        elif isinstance(base, ast.Name) and base.id in ROOTS:
            root = base.id
        else:
            continue
        found.append((node.lineno, (*ROOTS[root], *names)))
    return found


def widgets_reached(panel, path: tuple[str, ...]) -> str | None:
    """The first widget inside a part of the panel that ``path`` lands on, if any."""
    value = panel
    for depth, name in enumerate(path, 1):
        value = getattr(value, name, None)
        if value is None or (callable(value) and not isinstance(value, QWidget)):
            return None  # a method or signal: what the part offers
        if depth >= 2 and isinstance(value, QWidget):
            return ".".join(path[:depth])
    return None


def test_the_run_controllers_reach_no_widget_of_the_panels_parts(jobs_panel):
    offenders = []
    for path in sorted((REPO_ROOT / "ui" / "run").glob("*.py")):
        for line, chain in chains(ast.parse(path.read_text(), str(path))):
            reached = widgets_reached(jobs_panel, chain)
            if reached is not None:
                offenders.append(f"{path.name}:{line}: panel.{reached}")
    assert offenders == []


def test_the_check_sees_a_widget_two_levels_down(jobs_panel):
    tree = ast.parse("self.panel.run_page.open_button.clicked.connect(f)\nself.page.tree.clear()")
    assert [widgets_reached(jobs_panel, c) for _, c in chains(tree)] == [
        "run_page.open_button",
        "problems_page.tree",
    ]
    tree = ast.parse("panel.status.show_summary('')\npanel.run_page.open_requested.connect(f)")
    assert [widgets_reached(jobs_panel, c) for _, c in chains(tree)] == [None, None]
