"""The ``openeo-grid-jobs`` command in a child process, as a user runs it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

COMMAND = str(Path(__file__).resolve().parents[2] / ".venv" / "bin" / "openeo-grid-jobs")


def run_cli(*args, password="alice123", env_extra=None, **kwargs):
    """``openeo-grid-jobs run ARGS`` started, its output piped; the password in the
    environment (never a flag)."""
    env = dict(os.environ)
    env.pop("OPENEO_PASSWORD", None)
    if password is not None:
        env["OPENEO_PASSWORD"] = password
    env.update(env_extra or {})
    return subprocess.Popen(
        [COMMAND, "run", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )
