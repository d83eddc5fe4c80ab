#!/usr/bin/env bash
# README command 2: set up what is missing, lint, then run the whole test suite
# headless (Qt offscreen; the real-desktop tests start their own Xvfb).
# Extra arguments go to pytest, e.g. scripts/test.sh -k grid
#
#   --qgis 3.22  (the default) Debian 12's QGIS on this machine, after the linters
#   --qgis 3.40  QGIS 3.40 LTR in a Debian 13 root under .work/debian13
#                (scripts/debian13.sh); no linters: they check the same files
#                and run with the default
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
qgis=3.22
if [ "${1:-}" = "--qgis" ]; then
  qgis=${2:?"--qgis needs a version: 3.22 or 3.40"}
  shift 2
fi
case "$qgis" in
  3.22) ;;
  3.40) exec bash scripts/debian13.sh test "$@" ;;
  *)
    echo "test.sh: --qgis $qgis: 3.22 (this machine's Debian 12) or 3.40 (Debian 13 root)" >&2
    exit 2
    ;;
esac
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy  # settings and files: [tool.mypy] in pyproject.toml
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
