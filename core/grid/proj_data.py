"""Point pyproj at a usable PROJ data directory (``proj.db``) when it cannot find one.

Debian's ``python3-pyproj`` used from a virtualenv looks for its data under the
venv's ``sys.prefix`` (``.venv/share/proj``), finds nothing, and warns "Valid PROJ
data directory not found" on every start. The data is there, under the base
interpreter's prefix (``/usr/share/proj``). :func:`ensure_proj_data` finds it and
sets ``PROJ_DATA``/``PROJ_LIB`` (read by pyproj when it is imported, and by GDAL)
and, if pyproj is already imported, ``pyproj.datadir.set_data_dir``.

Nothing here imports pyproj unless it is already imported: importing this module,
or calling the function before pyproj is needed, stays cheap.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterable
from pathlib import Path

PROJ_DB = "proj.db"
ENV_VARS = ("PROJ_DATA", "PROJ_LIB")


def ensure_proj_data() -> None:
    """Make pyproj find a PROJ data directory; do nothing if it already finds one."""
    if any(os.environ.get(name) for name in ENV_VARS):
        return  # the user's (or the host application's) choice wins, right or wrong
    if "pyproj" in sys.modules:
        if _imported_pyproj_data_dir_ok():
            return
    elif _pyproj_finds_data_itself():
        return
    found = next((d for d in candidate_dirs() if _valid(d)), None)
    if found is None:
        return  # nothing better to offer: let pyproj say what it says
    for name in ENV_VARS:
        os.environ[name] = str(found)
    if "pyproj" in sys.modules:
        import pyproj.datadir

        pyproj.datadir.set_data_dir(found)


def candidate_dirs() -> list[Path]:
    """Where PROJ data is installed, most specific first, without duplicates."""
    dirs = [
        Path(sys.prefix, "share", "proj"),
        Path(sys.base_prefix, "share", "proj"),
        Path(sys.exec_prefix, "share", "proj"),
        Path(sys.base_exec_prefix, "share", "proj"),
        Path("/usr/share/proj"),
    ]
    return list(dict.fromkeys(dirs))


def _valid(path: Path | str) -> bool:
    return Path(path, PROJ_DB).is_file()


def _any_valid(paths: Iterable[str]) -> bool:
    return any(p and _valid(p) for p in paths)


def _imported_pyproj_data_dir_ok() -> bool:
    import pyproj.datadir
    from pyproj.exceptions import DataDirError

    try:
        data_dir = pyproj.datadir.get_data_dir()
    except DataDirError:
        return False
    return _any_valid(data_dir.split(os.pathsep))


def _pyproj_finds_data_itself() -> bool:
    """Whether pyproj, once imported, will find data without help (what its
    ``get_data_dir`` checks: a wheel's bundled data, then ``sys.prefix``; the
    environment variables are handled by the caller)."""
    spec = importlib.util.find_spec("pyproj")  # locates the package, does not import it
    if spec is None or spec.origin is None:
        return True  # no pyproj: nothing to fix
    bundled = Path(spec.origin).parent / "proj_dir" / "share" / "proj"
    return _valid(bundled) or _valid(Path(sys.prefix, "share", "proj"))
