"""Start and stop the local openEO back-end as a subprocess of its own venv.

Works from any Python (the plugin's venv, pytest, the README's main command)
without importing openeo-driver, whose pins clash with the plugin's openeo.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from types import TracebackType

REPO_ROOT = Path(__file__).resolve().parents[2]
#: the back-end venv's Python; OGJ_BACKEND_PYTHON overrides it (the QGIS 3.40 test root
#: keeps its back-end venv outside the repo copy, see scripts/debian13.sh)
BACKEND_PYTHON = Path(
    os.environ.get("OGJ_BACKEND_PYTHON") or REPO_ROOT / ".venv-backend" / "bin" / "python"
)
READY_PREFIX = "openEO back-end ready at "

#: the test user of the local back-end (see backend_config.py)
USERNAME = "alice"
PASSWORD = "alice123"


class BackendError(RuntimeError):
    pass


class LocalBackend:
    """A running local back-end: ``url``, run-time ``knobs``, ``stop()``; a context manager."""

    def __init__(self, *, startup_timeout: float = 60.0, **options: object) -> None:
        if not BACKEND_PYTHON.exists():
            raise BackendError(
                f"{BACKEND_PYTHON} is missing: run scripts/setup.sh first"
                " (or set OGJ_BACKEND_PYTHON to a Python with requirements/backend.txt)"
            )
        cmd = [str(BACKEND_PYTHON), "-m", "devtools.local_backend.server"]
        for key, value in options.items():
            flag = "--" + key.replace("_", "-")
            if key == "error_titles":
                titles = (
                    [f"{t}={m}" for t, m in value.items()]  # type: ignore[attr-defined]
                    if isinstance(value, dict)
                    else value
                )
                for title in titles:  # type: ignore[attr-defined]
                    cmd += ["--error-title", str(title)]
            elif isinstance(value, bool):  # a switch
                cmd += [flag] if value else []
            elif value is not None:
                cmd += [flag, str(value)]
        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), PYTHONUNBUFFERED="1")
        env.pop("OPENEO_BACKEND_CONFIG", None)
        env.pop("OGJ_OIDC_ISSUER", None)
        # its rasterio wheel brings its own PROJ: a PROJ_DATA meant for Debian's breaks it
        env.pop("PROJ_DATA", None)
        env.pop("PROJ_LIB", None)
        self.process = subprocess.Popen(
            cmd,
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # Ctrl-C in a terminal goes to us; we stop it ourselves
        )
        self.output: list[str] = []
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, args=(lines,), daemon=True).start()
        self.url = self._wait_ready(lines, startup_timeout)

    def _pump(self, lines: queue.Queue[str | None]) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            lines.put(line)
        lines.put(None)

    def _wait_ready(self, lines: queue.Queue[str | None], timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            if line.startswith(READY_PREFIX):
                return line[len(READY_PREFIX) :].strip()
        self.stop()
        raise BackendError("local openEO back-end did not start:\n" + "".join(self.output[-30:]))

    # --- test helpers (loopback-only endpoints of the local back-end) ---------------
    def _call(self, path: str, payload: dict | None = None) -> object:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(
            self.url + path, data=data, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def knobs(self, **changes: object) -> dict:
        """Read, or change then read, the back-end's knobs at run time."""
        return self._call("/_local/knobs", changes or None)  # type: ignore[return-value]

    def requests_served(self) -> int:
        """openEO API requests this back-end has answered (test helpers excluded)."""
        return self._call("/_local/requests")["count"]  # type: ignore[index]

    def all_jobs(self) -> list[dict]:
        """Every job of every user: id, user_id, status, title."""
        return self._call("/_local/jobs")  # type: ignore[return-value]

    def seed_jobs(
        self,
        count: int,
        *,
        user_id: str = USERNAME,
        title_prefix: str = "old job",
        status: str = "finished",
        format: str = "GTiff",
    ) -> list[str]:
        """Insert ``count`` jobs of ``user_id`` at once (titles ``"<prefix> <i>"``, created
        a day ago and earlier, a minute apart; ``status`` one of created, queued, running,
        finished, error, canceled). Finished ones have costs, and result files written
        on first request. Returns their ids, newest first."""
        payload = {
            "user_id": user_id,
            "count": count,
            "title_prefix": title_prefix,
            "status": status,
            "format": format,
        }
        return self._call("/_local/seed_jobs", payload)["ids"]  # type: ignore[index]

    def delete_job_directly(self, job_id: str) -> None:
        """Remove a job (and its results) as if deleted on the back-end by someone else.
        Raises ``urllib.error.HTTPError`` (404) for an unknown job."""
        self._call("/_local/delete_job", {"job_id": job_id})

    def revoke_basic_tokens(self, user_id: str = USERNAME) -> None:
        """Make every basic-auth bearer token handed out to ``user_id`` so far invalid:
        requests with one get 401 ``TokenInvalid``; logging in again gives a valid one."""
        self._call("/_local/revoke_basic_tokens", {"user_id": user_id})

    # --- lifecycle -------------------------------------------------------------------
    def stop(self, timeout: float = 5.0) -> None:
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout)

    def __enter__(self) -> LocalBackend:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
