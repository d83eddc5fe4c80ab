#!/usr/bin/env bash
# README command 1: set up what is missing, then start the real QGIS desktop
# with the plugin installed and enabled in a throw-away profile under .work/.
# Options (see devtools/launch_qgis.py): --screenshot FILE.png --after SECONDS
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/setup.sh
exec .venv/bin/python -m devtools.launch_qgis "$@"
