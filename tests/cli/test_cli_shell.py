"""The installed command-line entry point."""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
COMMAND = REPO_ROOT / ".venv" / "bin" / "openeo-grid-jobs"


def test_help_lists_subcommands():
    result = subprocess.run([str(COMMAND), "--help"], capture_output=True, text=True, check=True)
    assert "usage: openeo-grid-jobs" in result.stdout


def test_unknown_subcommand_is_a_usage_error():
    result = subprocess.run([str(COMMAND), "nope"], capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
