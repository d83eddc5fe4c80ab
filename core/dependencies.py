"""Which third-party packages the plugin needs, and how to install the missing ones.

Checked with :func:`importlib.util.find_spec` so that nothing heavy is imported
while QGIS starts: the packages are only located, not loaded.
"""

from __future__ import annotations

import importlib.util
import sys
import sysconfig
from dataclasses import dataclass
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


#: import name -> the distribution's package, where Debian/Ubuntu package it
DISTRIBUTION_PACKAGES: dict[str, tuple[str, ...]] = {
    # geopandas reads and writes files through pyogrio
    "geopandas": ("python3-geopandas", "python3-pyogrio"),
    "shapely": ("python3-shapely",),
    "pandas": ("python3-pandas",),
    "pyproj": ("python3-pyproj",),
}
#: the first releases whose packages meet REQUIRED_PACKAGES (geopandas >= 0.14,
#: shapely 2): Debian 13 (geopandas 1.0.1), Ubuntu 24.04 (geopandas 0.14.3)
_RECENT_ENOUGH = {"debian": (13,), "ubuntu": (24, 4)}


@dataclass(frozen=True)
class PythonSite:
    """Where QGIS's Python comes from: what decides how to install packages into it."""

    platform: str  # sys.platform
    prefix: str  # sys.prefix: "/usr" for a distribution's Python
    python: str  # the interpreter to run pip with
    externally_managed: bool  # PEP 668: the distribution owns site-packages
    virtualenv: bool = False  # pip's --user has no meaning there
    distribution: str = ""  # os-release ID, e.g. "debian"
    version: tuple[int, ...] = ()  # os-release VERSION_ID, e.g. (13,)

    @classmethod
    def current(cls) -> PythonSite:
        release = _os_release()
        version = tuple(
            int(part) for part in release.get("VERSION_ID", "").split(".") if part.isdigit()
        )
        return cls(
            platform=sys.platform,
            prefix=sys.prefix,
            python=python_executable(),
            externally_managed=_externally_managed(),
            virtualenv=sys.prefix != sys.base_prefix,
            distribution=release.get("ID", ""),
            version=version,
        )

    @property
    def has_recent_packages(self) -> bool:
        """The distribution's own packages serve (and QGIS runs the distribution's Python)."""
        oldest = _RECENT_ENOUGH.get(self.distribution)
        return (
            self.platform.startswith("linux")
            and self.prefix == "/usr"
            and oldest is not None
            and self.version >= oldest
        )


def install_command(
    missing: list[str],
    site: PythonSite | None = None,
    required: dict[str, str] | None = None,
) -> str:
    """One shell line that installs ``missing`` for QGIS's Python.

    Where the distribution packages the geo stack in versions the plugin supports
    (Debian 13, Ubuntu 24.04), those come from apt (they are built against the
    GEOS/GDAL that QGIS itself uses) and only the rest from pip. Elsewhere pip
    installs everything; on Linux, shapely and pyogrio are then built from source,
    because their binary wheels carry their own GEOS/GDAL, which clash inside QGIS.
    """
    site = PythonSite.current() if site is None else site
    required = REQUIRED_PACKAGES if required is None else required
    apt: list[str] = []
    pip = list(missing)
    if site.has_recent_packages:
        apt = [pkg for name in missing for pkg in DISTRIBUTION_PACKAGES.get(name, ())]
        pip = [name for name in missing if name not in DISTRIBUTION_PACKAGES]
    commands = []
    if apt:
        commands.append(f"sudo apt install {' '.join(apt)}")
    if pip:
        flags = [] if site.virtualenv else ["--user"]
        if site.externally_managed:
            # A --user install does not touch the files apt owns (PEP 668).
            flags.append("--break-system-packages")
        if site.platform.startswith("linux") and {"shapely", "geopandas"} & set(pip):
            flags.append("--no-binary shapely,pyogrio")
        specs = [f'"{required[name]}"' for name in pip]
        commands.append(" ".join([f'"{site.python}"', "-m pip install", *flags, *specs]))
    return " && ".join(commands)


def _externally_managed() -> bool:
    stdlib = sysconfig.get_path("stdlib")
    return bool(stdlib) and (Path(stdlib) / "EXTERNALLY-MANAGED").exists()


def _os_release() -> dict[str, str]:
    for path in (Path("/etc/os-release"), Path("/usr/lib/os-release")):
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
        return {key: value.strip().strip('"') for key, value in pairs}
    return {}
