#!/usr/bin/env bash
# README command 2: set up what is missing, lint, then run the whole test suite
# headless (Qt offscreen; the real-desktop tests start their own Xvfb).
# Extra arguments go to pytest, e.g. scripts/test.sh -k grid
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy  # settings and files: [tool.mypy] in pyproject.toml
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
