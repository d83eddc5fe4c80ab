"""Which third-party packages the plugin needs, and how to install the missing ones.

Checked with :func:`importlib.util.find_spec` so that nothing heavy is imported
while QGIS starts: the packages are only located, not loaded.
"""

from __future__ import annotations

import importlib.util
import sys
import sysconfig
from pathlib import Path

#: import name -> pip requirement (pip name and tested range).
REQUIRED_PACKAGES: dict[str, str] = {
    "openeo": "openeo>=0.53,<0.54",
    "geopandas": "geopandas>=0.14,<1.1",
    "shapely": "shapely>=2.0,<3",
    "pandas": "pandas>=1.5,<3",
    "pyproj": "pyproj>=3.3",
}


def missing_packages(required: dict[str, str] | None = None) -> list[str]:
    """Return the import names of required packages that cannot be found."""
    required = REQUIRED_PACKAGES if required is None else required
    missing = []
    for name in required:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            missing.append(name)
    return missing


def python_executable() -> str:
    """Path of the Python interpreter that belongs to the running (QGIS) Python.

    Inside QGIS ``sys.executable`` is the QGIS binary, not Python, so pip
    must be called through the interpreter next to ``sys.exec_prefix``.
    """
    exe = Path(sys.executable)
    if exe.name.lower().startswith("python"):
        return str(exe)
    prefix = Path(sys.exec_prefix)
    candidates = [
        prefix / "python.exe",  # OSGeo4W / Windows installers
        prefix / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}",
        prefix / "bin" / "python3",
    ]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    return "python3"


def pip_install_command(missing: list[str], required: dict[str, str] | None = None) -> str:
    """The exact shell command that installs ``missing`` for this Python."""
    required = REQUIRED_PACKAGES if required is None else required
    specs = " ".join(f'"{required[name]}"' for name in missing)
    flags = ["--user"]
    if _externally_managed():
        # Debian/Ubuntu mark their Python as managed by apt (PEP 668); a --user
        # install does not touch apt's files, so it is safe to allow it.
        flags.append("--break-system-packages")
    if sys.platform.startswith("linux"):
        # QGIS has the distribution's GEOS/GDAL loaded; binary wheels bring their
        # own copies, which clash inside QGIS. Build these two against the system's.
        flags.append("--no-binary shapely,pyogrio")
    return f'"{python_executable()}" -m pip install {" ".join(flags)} {specs}'


def _externally_managed() -> bool:
    stdlib = sysconfig.get_path("stdlib")
    return bool(stdlib) and (Path(stdlib) / "EXTERNALLY-MANAGED").exists()
