"""The plugin's translations: ``i18n/*.ts`` from the code, ``i18n/*.qm`` from those.

    .venv/bin/python scripts/translations.py update   # the .ts files from the code
    .venv/bin/python scripts/translations.py compile  # the .qm files (lrelease)
    .venv/bin/python scripts/translations.py check    # exit 1 if update would change a .ts
    .venv/bin/python scripts/translations.py new fr   # start i18n/openeo_grid_jobs_fr.ts

``update`` runs pylupdate over ``plugin.py``, ``ui/`` and ``processing_provider/``
(``core/`` stays English) and writes ``i18n/openeo_grid_jobs.ts``, the template (every
string, none translated), and brings each ``i18n/openeo_grid_jobs_<lang>.ts`` up to
date: its translations are kept, a new string is added *unfinished*, a vanished one
is marked *obsolete* (``tests/test_i18n.py`` fails on both until a translator has
been there, e.g. with Qt Linguist). The ``.ts`` files carry no source locations, so
that code moving about does not change them.

pylupdate5 (Debian: pyqt5-dev-tools) on a Qt 5 machine; on a Qt 6 one pylupdate6
(PyQt6's, Debian: pyqt6-dev-tools), with ``--tool pylupdate6``: the same ``.ts``
format and the same messages, laid out and ordered its own way (``check`` compares
what the files say, not their text).
lrelease is Qt's (Debian: qttools5-dev-tools, or qt6-l10n-tools); a ``.qm`` works
with either Qt.

pylupdate5 reads Python with a tokenizer of its own that skips a ``translate(...)``
call ending in a trailing comma, which ruff writes whenever the call is split into
one argument per line; it is given a copy of the sources without those commas (line
numbers unchanged).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "i18n"
BASENAME = "openeo_grid_jobs"
TEMPLATE = I18N / f"{BASENAME}.ts"
SOURCES = ["plugin.py", "ui", "processing_provider"]
#: a comma that ends a line followed by a line that closes the call
TRAILING_COMMA = re.compile(r",([ \t]*\n[ \t]*\))")
LOCATION = re.compile(r"^[ \t]*<location [^>]*/>\n", re.MULTILINE)


def source_files(root: Path = ROOT) -> list[Path]:
    """The Python files whose strings are translated, relative to ``root``."""
    files: list[Path] = []
    for name in SOURCES:
        path = root / name
        found = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        files += [f.relative_to(root) for f in found if "__pycache__" not in f.parts]
    return files


def languages() -> list[str]:
    """The languages with a translation: ``openeo_grid_jobs_<lang>.ts``."""
    prefix = f"{BASENAME}_"
    return sorted(p.stem[len(prefix) :] for p in I18N.glob(f"{prefix}*.ts"))


def _tool(name: str) -> str:
    path = shutil.which(name) or (
        f"/usr/lib/qt6/bin/{name}" if Path(f"/usr/lib/qt6/bin/{name}").exists() else None
    )
    if path is None:
        hint = {
            "pylupdate5": "pyqt5-dev-tools",
            "pylupdate6": "pyqt6-dev-tools",
            "lrelease": "qttools5-dev-tools or qt6-l10n-tools",
        }.get(name, name)
        sys.exit(f"{name} is missing (Debian: apt-get install {hint})")
    return path


def generate(out_dir: Path, tool: str = "pylupdate5") -> list[Path]:
    """Write the template and the updated translations to ``out_dir`` (the real ones
    are read, never written); returns the files written."""
    work = Path(tempfile.mkdtemp(prefix="ogj-i18n-"))
    try:
        for rel in source_files():
            copy = work / rel
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(TRAILING_COMMA.sub(r"\1", (ROOT / rel).read_text(encoding="utf-8")))
        (work / "i18n").mkdir()
        targets = [TEMPLATE.name] + [f"{BASENAME}_{lang}.ts" for lang in languages()]
        written = []
        for name in targets:
            ts = work / "i18n" / name
            if name != TEMPLATE.name:  # merged into: its translations are kept
                shutil.copy(I18N / name, ts)
            files = [str(p) for p in source_files()]
            # messages no longer in the code are dropped, not kept as "obsolete": the
            # translation of a changed text is redone from its new source
            if tool == "pylupdate6":
                cmd = [_tool(tool), "--no-summary", "--no-obsolete", *files]
                cmd += ["--ts", str(ts.relative_to(work))]
            else:
                cmd = [_tool(tool), "-noobsolete", *files, "-ts", str(ts.relative_to(work))]
            subprocess.run(cmd, cwd=work, check=True, capture_output=True)
            text = LOCATION.sub("", ts.read_text(encoding="utf-8"))
            if name != TEMPLATE.name:
                text = _with_language(text, name[len(BASENAME) + 1 : -len(".ts")])
            out = out_dir / name
            out.write_text(text, encoding="utf-8")
            written.append(out)
        return written
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _with_language(text: str, lang: str) -> str:
    """The ``<TS>`` element names its language (lrelease needs it for plural forms)."""
    return re.sub(r"<TS version=\"([^\"]+)\"[^>]*>", rf'<TS version="\1" language="{lang}">', text)


def update(tool: str) -> None:
    for path in generate(I18N, tool):
        print(path.relative_to(ROOT))


def messages(path: Path) -> list[tuple]:
    """What a .ts file says, whatever tool wrote it (pylupdate5 and pylupdate6 lay it
    out and order it differently): its language and each message with its kind
    (unfinished, obsolete...) and translation."""
    root = ET.parse(path).getroot()
    found: list[tuple] = [("language", root.get("language") or "")]
    for context in root.iter("context"):
        for message in context.iter("message"):
            translation = message.find("translation")
            forms = tuple(f.text or "" for f in translation.iter("numerusform"))
            found.append(
                (
                    context.findtext("name") or "",
                    message.findtext("source") or "",
                    message.get("numerus") or "",
                    translation.get("type") or "",
                    forms or (translation.text or "",),
                )
            )
    return sorted(found)


def check(tool: str) -> int:
    """0 when the .ts files hold what ``update`` would write, else 1 (and which differ)."""
    with tempfile.TemporaryDirectory(prefix="ogj-i18n-check-") as tmp:
        stale = [
            p.name
            for p in generate(Path(tmp), tool)
            if not (I18N / p.name).exists() or messages(I18N / p.name) != messages(p)
        ]
    for name in stale:
        print(f"i18n/{name} is not up to date: run scripts/translations.py update")
    return 1 if stale else 0


def compile_qm() -> None:
    for lang in languages():
        ts = I18N / f"{BASENAME}_{lang}.ts"
        qm = ts.with_suffix(".qm")
        subprocess.run(
            [_tool("lrelease"), "-silent", str(ts), "-qm", str(qm)],
            check=True,
        )
        print(qm.relative_to(ROOT))


def new(lang: str, tool: str) -> None:
    target = I18N / f"{BASENAME}_{lang}.ts"
    if target.exists():
        sys.exit(f"{target.relative_to(ROOT)} exists")
    update(tool)
    target.write_text(_with_language(TEMPLATE.read_text(encoding="utf-8"), lang), "utf-8")
    print(target.relative_to(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["update", "compile", "check", "new"])
    parser.add_argument("lang", nargs="?", help="new: the language code, e.g. fr or pt_BR")
    parser.add_argument("--tool", choices=["pylupdate5", "pylupdate6"], default="pylupdate5")
    args = parser.parse_args()
    I18N.mkdir(exist_ok=True)
    if args.command == "update":
        update(args.tool)
    elif args.command == "compile":
        compile_qm()
    elif args.command == "check":
        return check(args.tool)
    else:
        if not args.lang:
            parser.error("new: name the language, e.g. fr")
        new(args.lang, args.tool)
    return 0


if __name__ == "__main__":
    sys.exit(main())
