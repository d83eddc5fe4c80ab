"""Build the installable plugin zip (QGIS: Plugins > Install from ZIP).

The zip holds one folder, ``openeo_grid_jobs/``, with only what the plugin
needs at run time: an allow-list, so tests, dev tools and local files can
never leak into a release.
"""

from __future__ import annotations

import argparse
import configparser
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = "openeo_grid_jobs"
TOP_LEVEL_FILES = ["metadata.txt", "__init__.py", "plugin.py", "icon.svg", "LICENSE", "README.md"]
PACKAGES = ["core", "ui", "processing_provider", "i18n"]
#: i18n/: the compiled translations (.qm) only; their sources (.ts) are not read at run time
PACKAGE_SUFFIXES = {".py", ".svg", ".png", ".ui", ".qml", ".model3", ".qm"}


def plugin_files(root: Path = ROOT) -> list[Path]:
    """Files of the plugin, relative to the repo root."""
    files = [Path(name) for name in TOP_LEVEL_FILES]
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if (
                path.is_file()
                and path.suffix in PACKAGE_SUFFIXES
                and "__pycache__" not in path.parts
            ):
                files.append(path.relative_to(root))
    return files


def version(root: Path = ROOT) -> str:
    meta = configparser.ConfigParser()
    meta.read(root / "metadata.txt")
    return meta["general"]["version"]


def build(out_dir: Path, root: Path = ROOT) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{FOLDER}-{version(root)}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for rel in plugin_files(root):
            zf.write(root / rel, f"{FOLDER}/{rel.as_posix()}")
    return target


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    print(build(parser.parse_args().out))
