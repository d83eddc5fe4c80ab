#!/usr/bin/env bash
# README command 1: set up what is missing, then start the real QGIS desktop
# with the plugin installed and enabled in a throw-away profile under .work/.
# Options (see devtools/launch_qgis.py): --screenshot FILE.png --after SECONDS,
# with it --demo-run (a grid's run) or --demo-series (fields x months, Temporal Controller)
#
#   --qgis 3.44  QGIS 3.44 LTR from its Debian 13 root (scripts/debian13.sh), under
#                Xvfb; what it writes (screenshots) lands in the root's copy of the
#                checkout, .work/debian13-qgis344/root/src
#   --qgis 3.40  the same with QGIS 3.40 from its root; its copy: .work/debian13/root/src
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
if [ "${1:-}" = "--qgis" ]; then
  case "${2:-}" in
    3.22) shift 2 ;;
    3.40 | 3.44)
      version=$2; shift 2
      exec bash scripts/debian13.sh --qgis "$version" shell .venv/bin/python -m devtools.launch_qgis "$@"
      ;;
    *) echo "run-qgis.sh: --qgis ${2:-}: 3.22 (this machine's Debian 12), 3.44 or 3.40 (Debian 13 roots)" >&2; exit 2 ;;
  esac
fi
bash scripts/setup.sh
exec .venv/bin/python -m devtools.launch_qgis "$@"
