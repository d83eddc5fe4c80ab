"""``--on-event``: the user's own command, run when the run has news worth a
notification (its end, a budget stop, a refused login: :mod:`..core.engine.notifications`).

It is the CLI's desktop notification: the command gets what happened in its environment
(``OGJ_EVENT``, ``OGJ_MESSAGE``, ``OGJ_SUBJECT``, ``OGJ_JOB_DB``), runs on a thread of its
own and never through a shell.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import threading
from typing import Any

#: seconds an ``--on-event`` command may take before it is stopped
EVENT_COMMAND_TIMEOUT = 60.0


def event_command(text: str) -> list[str]:
    """``--on-event``: a command line whose program exists (run without a shell)."""
    try:
        argv = shlex.split(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a command line: {exc}") from None
    if not argv or shutil.which(argv[0]) is None:
        raise argparse.ArgumentTypeError(f"{text!r}: no such program")
    return argv


def run_event_command(argv: list[str], note: dict[str, Any], job_db: str) -> None:
    """Run the user's ``--on-event`` command for a notification, on a thread of its own
    (a slow command never holds the run); what it says goes to this terminal."""
    env = {
        **os.environ,
        "OGJ_EVENT": str(note.get("reason") or ""),
        "OGJ_MESSAGE": str(note.get("message") or ""),
        "OGJ_SUBJECT": str(note.get("subject") or ""),
        "OGJ_JOB_DB": job_db,
    }

    def call() -> None:
        try:
            # the command the CLI's user gave with --on-event, theirs to run: a list,
            # never through a shell (the plugin repository's scan is told so)
            subprocess.run(argv, env=env, timeout=EVENT_COMMAND_TIMEOUT, check=False)  # nosec B603
        except (OSError, subprocess.TimeoutExpired) as exc:
            print(f"warning: --on-event {argv[0]} failed: {exc}", flush=True)

    thread = threading.Thread(target=call, name="ogj-on-event", daemon=False)
    thread.start()
