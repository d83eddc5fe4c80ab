#!/usr/bin/env bash
# Idempotent set-up of everything the project needs on a Debian 12 machine:
#   Debian packages (QGIS, Xvfb, GEOS/GDAL headers), the plugin venv .venv
#   (QGIS's Python + plugin + dev tools), the back-end venv .venv-backend
#   (openeo-driver), the openeo-grid-jobs command, and a throw-away QGIS profile
#   under .work/ with the plugin linked in and enabled.
# Quick when already done: each step is skipped when its inputs did not change.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
log() { printf '[setup] %s\n' "$*" >&2; }

# --- Debian packages --------------------------------------------------------
APT_PACKAGES=(qgis python3-qgis python3-pyproj python3-venv python3-dev xvfb xauth
              libgeos-dev libgdal-dev build-essential
              pyqt5-dev-tools qttools5-dev-tools)  # pylupdate5, lrelease: scripts/translations.py
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- helpers -----------------------------------------------------------------
# Re-run a pip install only when its inputs change (hash kept inside the venv).
pip_install_if_changed() {
  local venv=$1; shift
  local stamp="$venv/.requirements.sha256"
  local want; want=$(cat "$@" "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  log "installing Python packages into $venv (first time only: a few minutes)"
  "$venv/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1
  local args=(); for f in "$@"; do args+=(-r "$f"); done
  # (grep drops pip's notes about this machine's unused local index folders)
  "$venv/bin/python" -m pip install -q "${args[@]}" 2> >(grep -v "is ignored: it is neither" >&2)
  echo "$want" >"$stamp"
}

# --- plugin venv: QGIS's Python + plugin deps + dev tools ---------------------
if [ ! -x .venv/bin/python ]; then
  log "creating .venv from /usr/bin/python3 (system site packages, so qgis imports)"
  /usr/bin/python3 -m venv --system-site-packages .venv
fi
pip_install_if_changed .venv requirements/plugin.txt requirements/dev.txt

# The repo root *is* the plugin package: installed editable as `openeo_grid_jobs`,
# with its `openeo-grid-jobs` command (pyproject.toml), pointing at this checkout.
SITE=$(.venv/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
[ -L "$SITE/openeo_grid_jobs" ] && rm "$SITE/openeo_grid_jobs"  # how older set-ups linked it
installed=$(cd / && "$ROOT/.venv/bin/python" -c 'import openeo_grid_jobs as p; print(p.__file__)' 2>/dev/null || true)
stamp=.venv/.package.sha256
want=$( (echo "$ROOT"; cat pyproject.toml) | sha256sum | cut -d' ' -f1)
if [ "$installed" != "$ROOT/__init__.py" ] || [ ! -x .venv/bin/openeo-grid-jobs ] \
   || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing the plugin folder into .venv (editable: pip install -e .)"
  PYTHONWARNINGS=ignore .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e . \
    2> >(grep -v "is ignored: it is neither" >&2)
  echo "$want" >"$stamp"
fi

# --- back-end venv: openeo-driver's dummy back-end ----------------------------
if [ ! -x .venv-backend/bin/python ]; then
  log "creating .venv-backend for the local openEO back-end"
  /usr/bin/python3 -m venv .venv-backend
fi
pip_install_if_changed .venv-backend requirements/backend.txt

# --- throw-away QGIS profile with the plugin enabled (for the main command) ---
.venv/bin/python -m devtools.qgis_profile "$ROOT/.work/qgis-profiles"

log "ready"
