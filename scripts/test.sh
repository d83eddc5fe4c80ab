#!/usr/bin/env bash
# README command 2: set up what is missing, then run the whole test suite headless
# (Qt offscreen; the real-desktop tests start their own Xvfb) on both QGIS versions
# the plugin is tested on: Debian 12's QGIS 3.22 on this machine (after the linters),
# then QGIS 3.44 LTR (trixie-backports) in a Debian 13 root under
# .work/debian13-qgis344 (scripts/debian13.sh; built on the first run, about 3
# minutes). Both always run; it fails if either does.
# Extra arguments go to pytest, e.g. scripts/test.sh -k grid
#
#   --qgis 3.22  only Debian 12's QGIS, after the linters
#   --qgis 3.44  only QGIS 3.44 LTR (no linters: they check the same files)
#   --qgis 3.40  only QGIS 3.40, Debian 13's own, in its root under .work/debian13
#                (not part of the default run)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
qgis=both
if [ "${1:-}" = "--qgis" ]; then
  qgis=${2:?"--qgis needs a version: 3.22, 3.44 or 3.40"}
  shift 2
fi
case "$qgis" in
  both)
    set +e
    # 3.22's output is also kept, so that its failures (a crash's traceback included:
    # pytest's faulthandler) are repeated at the end, where a CI log's tail shows them
    mkdir -p .work
    log_322=.work/test-qgis-3.22.log
    bash scripts/test.sh --qgis 3.22 "$@" 2>&1 | tee "$log_322"
    rc_322=${PIPESTATUS[0]}
    bash scripts/test.sh --qgis 3.44 "$@"
    rc_344=$?
    if [ "$rc_322" -ne 0 ]; then
      echo "--- QGIS 3.22 failed (exit $rc_322); the end of its output ($log_322):"
      grep -E "^(FAILED|ERROR) |Fatal Python error|^Thread 0x|^Current thread|^  File " \
        "$log_322" | tail -n 60
      tail -n 5 "$log_322"
    fi
    echo "test.sh: QGIS 3.22 exit $rc_322, QGIS 3.44 exit $rc_344"
    [ "$rc_322" -eq 0 ] && [ "$rc_344" -eq 0 ]
    exit
    ;;
  3.22) ;;
  3.40 | 3.44) exec bash scripts/debian13.sh --qgis "$qgis" test "$@" ;;
  *)
    echo "test.sh: --qgis $qgis: 3.22 (this machine's Debian 12), 3.44 or 3.40 (Debian 13 roots)" >&2
    exit 2
    ;;
esac
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy  # settings and files: [tool.mypy] in pyproject.toml
export QT_QPA_PLATFORM=offscreen
exec .venv/bin/python -m pytest "$@"
