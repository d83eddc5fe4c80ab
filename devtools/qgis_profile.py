"""Make a throw-away QGIS profile folder with this plugin linked in and enabled.

Used by the README's main command and by the real-desktop tests, so neither
ever touches the user's own QGIS profile.
"""

from __future__ import annotations

import argparse
import configparser
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PLUGIN_FOLDER_NAME = "openeo_grid_jobs"


def make_profile(profiles_path: Path, settings: dict[str, dict[str, str]] | None = None) -> Path:
    """Create or update ``profiles_path/profiles/default`` and return its path.

    ``settings`` are extra ``QGIS3.ini`` entries, ``{section: {key: value}}``
    (keys use QSettings' ``\\`` separator inside a section, e.g. ``openeo_grid_jobs\\url``).
    """
    profile = profiles_path / "profiles" / "default"
    plugins = profile / "python" / "plugins"
    plugins.mkdir(parents=True, exist_ok=True)
    link = plugins / PLUGIN_FOLDER_NAME
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(REPO_ROOT, target_is_directory=True)

    ini_path = profile / "QGIS" / "QGIS3.ini"
    ini_path.parent.mkdir(parents=True, exist_ok=True)
    ini = configparser.RawConfigParser()
    ini.optionxform = str  # type: ignore[assignment,method-assign]  # QGIS keys are case-sensitive
    ini.read(ini_path)
    wanted: dict[str, dict[str, str]] = {
        "PythonPlugins": {PLUGIN_FOLDER_NAME: "true"},
        "qgis": {
            "showTips": "false",
            "checkVersion": "false",
            "allowVersionCheck": "false",
        },
        # no "scratch layers will be lost" dialog when the demo (or a test) quits
        "app": {"askToSaveMemoryLayers": "false"},
        "core": {"NewsFeed\\httpsfeedqgisorg\\disabled": "true"},
    }
    for section, values in (settings or {}).items():
        wanted.setdefault(section, {}).update(values)
    for section, values in wanted.items():
        if not ini.has_section(section):
            ini.add_section(section)
        for key, value in values.items():
            ini.set(section, key, value)
    with ini_path.open("w") as f:
        ini.write(f, space_around_delimiters=False)
    return profile


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("profiles_path", type=Path)
    make_profile(parser.parse_args().profiles_path)
