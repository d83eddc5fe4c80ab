"""The plugin's translatable strings as the code holds them, and as the .ts files do.

:func:`code_messages` reads the sources with Python's own parser (so a string is
exactly what Python makes of it: implicit concatenation, escapes, line continuations)
and finds what pylupdate should find: ``translate("Context", "text"...)``,
``QT_TRANSLATE_NOOP("Context", "text")`` and an algorithm's ``self.tr("text")``
(its class is the context). :func:`ts_messages` reads a ``.ts`` file.
"""

from __future__ import annotations

import ast
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
SOURCES = ["plugin.py", "ui", "processing_provider"]
CALLS = {"translate", "QT_TRANSLATE_NOOP"}
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%[a-zA-Z]")


@dataclass
class Found:
    #: (context, source text) -> whether a count (%n) goes with it
    messages: dict[tuple[str, str], bool] = field(default_factory=dict)
    #: calls whose text is not a literal (an f-string there is never translated)
    formatted: list[str] = field(default_factory=list)


def source_files() -> list[Path]:
    files: list[Path] = []
    for name in SOURCES:
        path = REPO_ROOT / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return [f for f in files if "__pycache__" not in f.parts]


def code_messages() -> Found:
    found = Found()
    for path in source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        _visit(tree, None, path, found)
    return found


def _visit(node: ast.AST, cls: str | None, path: Path, found: Found) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.ClassDef):
            _visit(child, child.name, path, found)
            continue
        if isinstance(child, ast.Call):
            _call(child, cls, path, found)
        _visit(child, cls, path, found)


def _name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _literal(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _call(call: ast.Call, cls: str | None, path: Path, found: Found) -> None:
    name, args = _name(call), call.args
    where = f"{path.relative_to(REPO_ROOT)}:{call.lineno}"
    if name in CALLS and len(args) >= 2:
        context, text = _literal(args[0]), _literal(args[1])
        numerus = len(args) >= 4 or any(k.arg == "n" for k in call.keywords)
    elif name == "tr" and isinstance(call.func, ast.Attribute) and len(args) == 1 and cls:
        context, text, numerus = cls, _literal(args[0]), False
    else:
        return
    if any(isinstance(a, ast.JoinedStr) for a in args[:2]):
        found.formatted.append(where)
    if context is not None and text is not None:
        found.messages[(context, text)] = numerus


@dataclass
class TsMessage:
    context: str
    source: str
    numerus: bool
    #: "", "unfinished", "obsolete" or "vanished"
    kind: str
    #: the translation, or its plural forms
    translations: list[str]


def ts_messages(path: Path) -> tuple[str | None, list[TsMessage]]:
    """The language of a .ts file and its messages."""
    root = ET.parse(path).getroot()
    messages = []
    for context in root.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            assert translation is not None
            forms = [f.text or "" for f in translation.iter("numerusform")]
            messages.append(
                TsMessage(
                    name,
                    message.findtext("source") or "",
                    message.get("numerus") == "yes",
                    translation.get("type") or "",
                    forms if forms else [translation.text or ""],
                )
            )
    return root.get("language"), messages


def placeholders(text: str) -> list[str]:
    """``{name}``, ``%n`` (and Qt's ``%v``...) in ``text``, sorted: a translation keeps them."""
    return sorted(PLACEHOLDER.findall(text))
