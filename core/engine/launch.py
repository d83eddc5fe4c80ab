"""Start a run engine in a process of its own, detached, and tell whether one is running.

The dock and Processing start the engine this way (:func:`launch_engine`), so a run
outlives QGIS: closed, crashed or updated, the engine goes on, and a QGIS opened
later attaches to it (:mod:`.channel`). It runs :func:`.host.main`
with QGIS's own Python (:func:`find_python`: inside QGIS, ``sys.executable`` is
QGIS itself on Windows and macOS), in a session of its own (POSIX) or a new
process group without a console (Windows), with its standard error in a log file
beside the job database (``<job db>.engine.log``).

The request goes over the child's standard input (a pipe): the back-ends' secrets
never appear in its command line or environment, nor in any file. The child
answers on standard output with one line (ready, or why it refused) and then
closes it.

:func:`engine_state` says what a viewer finds for a job database: a run going on
(attach to it), a run whose engine died (``kill -9``, a reboot: "not running since
14:02 — Run to resume"), or none.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..errors import GridJobsError
from ..jobs.db_lock import lock_state
from .refusals import error_from_wire

#: seconds the engine may take to open the job database and its channel
READY_TIMEOUT = 120.0
_PYTHON_NAME = re.compile(r"python(\d+(\.\d+)?)?w?(\.exe)?", re.IGNORECASE)
#: the detached engine's priority below QGIS's (POSIX niceness; Windows: below normal):
#: its work (a request, a poll, a table save) waits a moment for a CPU rather than QGIS's
#: map, on a machine whose cores are busy. It is a batch job: a second late is nothing.
ENGINE_NICENESS = 10
#: what the child runs: the plugin's folder and its package name come as arguments. The
#: package is loaded from that folder under that name, whatever the folder is called (a
#: checkout, a zip's folder) and whatever the interpreter's own paths hold: QGIS's
#: Python does not read a virtualenv's .pth files, so an editable install is not seen
_BOOTSTRAP = (
    "import os, sys, importlib, importlib.util; "
    f"getattr(os, 'nice', lambda n: n)({ENGINE_NICENESS}); "
    "folder, name = sys.argv[1], sys.argv[2]; "
    "spec = importlib.util.spec_from_file_location("
    "name, folder + '/__init__.py', submodule_search_locations=[folder]); "
    "package = importlib.util.module_from_spec(spec); sys.modules[name] = package; "
    "spec.loader.exec_module(package); "
    "importlib.import_module(name + '.core.engine.host').main()"
)


class EngineLaunchError(GridJobsError):
    """The engine process could not be started (no interpreter, it died at once...)."""


def find_python(
    executable: str | None = None,
    prefix: str | None = None,
    exec_prefix: str | None = None,
    platform: str | None = None,
    version: tuple[int, int] | None = None,
    exists: Callable[[str], bool] = os.path.isfile,
) -> str:
    """The Python interpreter of the running QGIS (or of this Python), as a file to run.

    The arguments default to this interpreter's ``sys`` values; tests pass the layouts
    of other platforms. Inside QGIS, ``sys.executable`` is the QGIS program on Windows
    (``qgis-bin.exe``: OSGeo4W keeps Python in ``apps\\Python3XY``, the standalone
    installer too) and on macOS (``QGIS.app/Contents/MacOS/QGIS``: Python in
    ``Contents/MacOS/bin/python3`` or in the bundled framework's ``bin``); on Linux it
    is whatever ``python3`` comes first on ``PATH`` (a pyenv shim, a conda Python...),
    while QGIS's is ``<prefix>/bin/python3.X``: an interpreter counts only from QGIS's
    own prefix.
    """
    executable = sys.executable if executable is None else executable
    prefix = sys.prefix if prefix is None else prefix
    exec_prefix = sys.exec_prefix if exec_prefix is None else exec_prefix
    platform = sys.platform if platform is None else platform
    major, minor = version or sys.version_info[:2]
    versioned = f"python{major}.{minor}"
    candidates: list[str] = []
    # Embedded in QGIS on Linux, sys.executable is the first "python3" on PATH (seen: a
    # pyenv shim), not QGIS's: it is QGIS's only when it lives in QGIS's prefix
    homes = {_join(platform, b, "bin") for b in (prefix, exec_prefix)} | {prefix, exec_prefix}
    named = bool(executable) and _PYTHON_NAME.fullmatch(_basename(executable, platform))
    if named and _parent(executable, platform) in homes:
        candidates.append(executable)
    if platform == "win32":
        root = _parent(_parent(executable, platform), platform) if executable else ""
        for base in filter(None, (exec_prefix, prefix)):
            candidates += [_join(platform, base, n) for n in ("python.exe", "python3.exe")]
        if root:
            apps = _join(platform, root, "apps", f"Python{major}{minor}")
            candidates += [_join(platform, apps, "python.exe")]
            candidates += [_join(platform, root, "bin", "python.exe")]
    elif platform == "darwin":
        here = _parent(executable, platform) if executable else ""
        for base in filter(None, (here, prefix, exec_prefix)):
            candidates += [_join(platform, base, "bin", n) for n in (versioned, "python3")]
    else:
        for base in filter(None, (exec_prefix, prefix)):
            candidates += [_join(platform, base, "bin", n) for n in (versioned, "python3")]
    for candidate in candidates:
        if candidate and exists(candidate):
            return candidate
    raise EngineLaunchError(
        "Cannot find the Python interpreter of QGIS to run the engine in (looked for "
        + ", ".join(dict.fromkeys(candidates))
        + ")."
    )


def _sep(platform: str) -> str:
    return "\\" if platform == "win32" else "/"


def _join(platform: str, *parts: str) -> str:
    sep = _sep(platform)
    return sep.join(p.rstrip("\\/") for p in parts if p)


def _parent(path: str, platform: str) -> str:
    cut = max(path.rfind("\\"), path.rfind("/")) if platform == "win32" else path.rfind("/")
    return path[:cut] if cut > 0 else ""


def _basename(path: str, platform: str) -> str:
    cut = max(path.rfind("\\"), path.rfind("/")) if platform == "win32" else path.rfind("/")
    return path[cut + 1 :]


def log_path(job_db: str | os.PathLike[str]) -> Path:
    """Where a detached engine writes what it logs: beside the job database."""
    path = Path(job_db)
    return path.with_name(path.name + ".engine.log")


@dataclass(frozen=True)
class LaunchedEngine:
    pid: int
    address: str
    log: Path


def launch_engine(request: Any, *, python: str | None = None) -> LaunchedEngine:
    """Start a detached engine for ``request`` (a :class:`~.request.RunRequest`) and
    wait until it holds the job database and listens; its refusal as the typed error it
    raised (:func:`~.refusals.error_from_wire`)."""
    python = python or find_python()
    plugin_dir = Path(__file__).resolve().parent.parent.parent
    package = (__package__ or "core").rsplit(".", 2)[0]
    log = log_path(request.job_db)
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [python, "-c", _BOOTSTRAP, str(plugin_dir), package]
    with open(log, "ab") as log_file:
        try:
            # QGIS's own Python with the fixed bootstrap above, as a list (no shell), and
            # nothing in it that a user typed: the plugin repository's scan is told so
            child = subprocess.Popen(  # nosec B603
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log_file,
                cwd=str(Path(request.job_db).absolute().parent),
                close_fds=True,
                **_detached(),
            )
        except OSError as exc:
            raise EngineLaunchError(f"Cannot start the run's engine ({python}): {exc}") from None
    answer = _handshake(child, request.to_wire())
    threading.Thread(target=child.wait, name="ogj-engine-reaper", daemon=True).start()
    if "ready" in answer:
        return LaunchedEngine(child.pid, str(answer["ready"]), log)
    if "failed" in answer:
        raise error_from_wire(answer["failed"])
    tail = _tail(log)
    raise EngineLaunchError(
        f"The run's engine stopped at once ({answer.get('why', 'no answer')})"
        + (f": {tail}" if tail else f"; see {log}.")
    )


def _detached() -> dict[str, Any]:
    if sys.platform == "win32":  # pragma: no cover - not tested here
        flags = subprocess.CREATE_NEW_PROCESS_GROUP | subprocess.CREATE_NO_WINDOW
        return {"creationflags": flags | subprocess.BELOW_NORMAL_PRIORITY_CLASS}
    return {"start_new_session": True}


def _handshake(child: subprocess.Popen, request: bytes) -> dict[str, Any]:
    """Send the request, read the one-line answer (or the reason there is none)."""
    answer: dict[str, Any] = {}

    def talk() -> None:
        stdin, stdout = child.stdin, child.stdout
        if stdin is None or stdout is None:  # both are pipes (Popen above)
            answer["why"] = "no pipe to it"
            return
        try:
            stdin.write(request)
            stdin.close()
            line = stdout.readline()
            stdout.close()
            answer.update(json.loads(line) if line.strip() else {"why": "it wrote nothing"})
        except (OSError, ValueError) as exc:
            answer["why"] = str(exc)

    talker = threading.Thread(target=talk, name="ogj-engine-handshake", daemon=True)
    talker.start()
    talker.join(READY_TIMEOUT)
    if talker.is_alive():
        child.kill()
        return {"why": f"not ready within {READY_TIMEOUT:.0f} s"}
    return answer


def _tail(log: Path, lines: int = 3) -> str:
    try:
        text = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(text[-lines:])


@dataclass(frozen=True)
class EngineState:
    """What a viewer finds for a job database."""

    #: a run holds it now (attach to it)
    live: bool
    #: its engine ended without letting go (kill -9, a crash, a reboot): when the job
    #: database was last written, seconds since the epoch
    died_at: float | None = None
    #: who holds (or held) it: "QGIS (openEO Grid Jobs), process 123 on host"
    holder: str | None = None


def engine_state(job_db: str | os.PathLike[str]) -> EngineState:
    state = lock_state(Path(job_db))
    info = state.info or {}
    holder = (
        f"{info.get('holder')}, process {info.get('pid')} on {info.get('host')}" if info else None
    )
    if state.held:
        return EngineState(True, holder=holder)
    if state.died:
        try:
            died_at = Path(job_db).stat().st_mtime
        except OSError:
            died_at = None
        return EngineState(False, died_at=died_at, holder=holder)
    return EngineState(False)
