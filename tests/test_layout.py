"""The layout section of docs/development.md against the tree: every package folder
listed with the first line of its ``__init__.py``, every test folder listed, nothing
listed that is not there (what may import what: ``test_import_rules.py``)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("core", "cli", "ui", "processing_provider")
ROW = re.compile(r"^\| `([\w/]+)/` \| (.+) \|$")


def listed() -> dict[str, str]:
    text = (REPO_ROOT / "docs/development.md").read_text(encoding="utf-8")
    section = text.split("<!-- layout:", 1)[1].split("<!-- layout end -->", 1)[0]
    return {m.group(1): m.group(2) for m in map(ROW.match, section.splitlines()) if m}


def packages() -> dict[str, str]:
    found = {}
    for top in SOURCES:
        for init in sorted((REPO_ROOT / top).rglob("__init__.py")):
            doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
            found[init.parent.relative_to(REPO_ROOT).as_posix()] = doc.split("\n")[0]
    return found


def test_every_package_is_listed_with_its_purpose():
    rows = listed()
    for folder, purpose in packages().items():
        assert purpose, f"{folder}/__init__.py has no docstring"
        assert rows.get(folder) == purpose, f"{folder}/: listed as {rows.get(folder)!r}"


def test_every_test_folder_is_listed():
    rows = listed()
    folders = {
        p.parent.relative_to(REPO_ROOT).as_posix()
        for p in (REPO_ROOT / "tests").rglob("*.py")
        if "__pycache__" not in p.parts
    }
    assert sorted(folders - set(rows)) == []


def test_nothing_listed_is_missing():
    assert [f for f in listed() if not (REPO_ROOT / f).is_dir()] == []


def _pyproject() -> dict:
    import tomllib

    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_installable_package_lists_every_package_folder():
    """``pip install .`` (the CLI on a server) installs the packages pyproject lists: a
    folder missing there would be missing from the install, and the command broken."""
    folders = {"openeo_grid_jobs"} | {
        "openeo_grid_jobs." + folder.replace("/", ".") for folder in packages()
    }
    assert set(_pyproject()["tool"]["setuptools"]["packages"]) == folders


def test_the_installable_package_has_the_plugins_version():
    metadata = (REPO_ROOT / "metadata.txt").read_text(encoding="utf-8")
    version = next(
        line.split("=", 1)[1].strip()
        for line in metadata.splitlines()
        if line.startswith("version=")
    )
    assert _pyproject()["project"]["version"] == version
