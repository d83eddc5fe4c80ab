"""Keep pyproj's per-thread PROJ contexts alive where threads outlive their Python state.

pyproj 3.7 keeps one PROJ context per OS thread: a pointer in thread-specific
storage, freed by a ``threading.local`` object when the thread's *Python* state
ends. QGIS runs tasks (the grid build, Processing algorithms) on pooled native
threads and gives each task a new Python thread state, so the next task on that
thread is handed the freed context and QGIS crashes in ``proj_create``
(pyproj#1509 and #1622; seen with Debian 13's QGIS 3.40 and pyproj 3.7.1 on the
second *Create grid*). Keeping every context object referenced avoids it: one
context per Python thread state, bounded by the tasks a session runs.

:func:`install` must run before pyproj makes its first context, yet the plugin
must not import pyproj while QGIS starts; so it patches ``pyproj._context`` as
soon as that module is imported (an import hook), or at once if it already was.
Versions without the per-thread contexts (before 3.7) have nothing to patch.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType
from typing import Any

MODULE = "pyproj._context"
#: every context manager pyproj made since install(): never freed, never dangling
_KEPT: list[Any] = []


def install() -> None:
    """Patch pyproj now if it is imported, else as soon as it is (idempotent)."""
    module = sys.modules.get(MODULE)
    if module is not None:
        _keep_contexts(module)
    elif not any(isinstance(finder, _PatchOnImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _PatchOnImport())


def patched() -> bool:
    """Whether pyproj's contexts are kept (False where pyproj needs no patch, too)."""
    return bool(getattr(sys.modules.get(MODULE), _MARK, False))


_MARK = "_openeo_grid_jobs_keeps_contexts"


def _keep_contexts(module: ModuleType) -> None:
    local = getattr(module, "_CONTEXT_MANAGER_LOCAL", None)
    if local is None or getattr(module, _MARK, False):
        return  # pyproj < 3.7 (no per-thread contexts), or done already

    class Keeping(type(local)):  # type: ignore[misc]
        def __setattr__(self, name: str, value: Any) -> None:
            if value is not None:
                _KEPT.append(value)
            super().__setattr__(name, value)

    # the old one too: the contexts already made through it (the main thread's) stay valid
    _KEPT.append(local)
    setattr(module, "_CONTEXT_MANAGER_LOCAL", Keeping())  # noqa: B010 (a module's global)
    setattr(module, _MARK, True)


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: wraps the real loader of ``pyproj._context``."""

    def find_spec(
        self, fullname: str, path: Any = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != MODULE:
            return None
        sys.meta_path.remove(self)  # once: the real finders find the real module
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _PatchingLoader(spec.loader)
        return spec


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader) -> None:
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self.loader.exec_module(module)
        _keep_contexts(module)
