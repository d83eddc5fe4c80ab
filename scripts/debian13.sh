#!/usr/bin/env bash
# The test suite on QGIS 3.40 LTR or QGIS 3.44 LTR, from a Debian 12 machine: a
# Debian 13 (trixie) root, entered with chroot in a private mount and PID
# namespace, so /proc and /dev mounts and every process started inside (the
# local back-end, Xvfb, QGIS) vanish when the command ends, whatever happens.
#
#   bash scripts/debian13.sh [--qgis V] setup              build or update the root (idempotent)
#   bash scripts/debian13.sh [--qgis V] test [PYTEST ARGS] setup, copy the checkout in, run pytest
#   bash scripts/debian13.sh [--qgis V] shell [COMMAND]    a shell (or COMMAND) in the repo copy
#
#   --qgis 3.40  (the default) Debian 13's own QGIS 3.40, root .work/debian13/root
#   --qgis 3.44  QGIS 3.44 from trixie-backports (same mirror, suite trixie-backports),
#                root .work/debian13-qgis344/root
# The two roots are separate (each with its own lock, stamps and copy of the
# checkout), so both stay usable and can be rebuilt independently.
#
# scripts/test.sh --qgis 3.40 / --qgis 3.44 call `test`. Needs root (debootstrap, chroot).
#
# Inside the root: QGIS, Python 3.13 and the geo stack (GEOS/GDAL/PROJ, shapely,
# pyogrio, geopandas, pyproj, pandas, NumPy 2) from Debian 13 (only qgis and
# python3-qgis, and what they need at their version, from backports); the other
# Python packages in two venvs under /opt/ogj, as on the host (.venv/.venv-backend):
#   /opt/ogj/venv          Debian's python3 + system site packages + plugin/test deps
#   /opt/ogj/venv-backend  the local openEO back-end (requirements/backend.txt)
# The checkout is copied (rsync) to /src, never bind-mounted: pytest-qgis's scratch
# profile (.qgis-settings) and .work/ outputs of a run in the root then never meet
# those of a 3.22 run (or of the other root) in the same checkout. The copy's .venv
# links to /opt/ogj/venv, so the tests' paths (.venv/bin/openeo-grid-jobs) hold as
# on the host.
#
# Each step is skipped when its inputs did not change (stamps inside the root):
# the first run takes about 3 minutes, later ones a few seconds.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

QGIS=3.40
if [ "${1:-}" = "--qgis" ]; then
  QGIS=${2:-}
  shift 2 || shift
fi
SUITE=trixie
case "$QGIS" in
  3.40)
    DIR="$ROOT/.work/debian13"
    QGIS_RELEASE=""  # Debian 13's own QGIS
    ;;
  3.44)
    DIR="$ROOT/.work/debian13-qgis344"
    QGIS_RELEASE=trixie-backports
    ;;
  *)
    printf '[debian13] --qgis %s: 3.40 (Debian 13) or 3.44 (trixie-backports)\n' "$QGIS" >&2
    exit 2
    ;;
esac
RFS="$DIR/root"  # the Debian 13 root file system
log() { printf '[debian13 qgis %s] %s\n' "$QGIS" "$*" >&2; }

# One run at a time per root and checkout (they share the root and its copy of
# the repo); a 3.22 run, or a run in the other root, is independent of it.
mkdir -p "$ROOT/.work"
exec 9>"$DIR.lock"
flock -n 9 || { log "waiting for another QGIS $QGIS run in this checkout"; flock 9; }

# What the tests need from Debian. Changing this list updates the root (apt-get
# install runs again); a package removed from it stays installed until the root is
# deleted (rm -rf "$DIR"). With a QGIS_RELEASE, everything built from the qgis
# source package comes from that release (an apt pin, see setup), the rest from trixie.
QGIS_PACKAGES=(qgis python3-qgis)  # the QGIS desktop, qgis_process, PyQGIS
APT_PACKAGES=(
  python3-geopandas python3-pyogrio python3-shapely python3-pyproj python3-pandas
  python3-pip python3-venv    # the venvs under /opt/ogj
  xvfb xauth                  # xvfb-run for the real-desktop tests
  openssl                     # a self-signed certificate (test_backend_login)
  e2fsprogs                   # chattr: an unwritable results folder even for root
)

# --- host tools -------------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || { log "needs root (debootstrap, chroot, mounts): run with sudo"; exit 1; }
need=()
for tool in debootstrap:debootstrap rsync:rsync flock:util-linux; do
  command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
done
if ((${#need[@]})); then
  log "installing on the host: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The Debian mirror the host's apt uses (this machine may only reach that one).
mirror() {
  local uri
  uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
          2>/dev/null | grep -E '^(deb |URIs:)' | grep -o -E 'https?://[^ ]+' \
          | grep -E '/debian/?$' | head -1 || true)
  echo "${DEBIAN13_MIRROR:-${uri:-http://deb.debian.org/debian}}"
}

# --- running commands inside the root ---------------------------------------------
# unshare: a new mount namespace (private: nothing propagates back to the host) and
# PID namespace (--kill-child: if this script is killed, everything inside dies
# too). The inner sh is PID 1 of that namespace; when it exits the kernel ends
# every process still inside and the mounts go with the namespace.
# env -i: the root sees only the variables given here, not the host's (its pip
# configuration, PROJ_DATA, DISPLAY...); PASS_ENV names a few to carry over.
PASS_ENV=(TERM PYTEST_ADDOPTS CI)
in_root() {
  local env_args=(HOME=/root LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
  local name
  for name in "${PASS_ENV[@]}"; do
    [ -n "${!name:-}" ] && env_args+=("$name=${!name}")
  done
  unshare --mount --propagation private --pid --kill-child -- sh -c '
    rfs=$1; shift
    mount -t proc proc "$rfs/proc"
    mount --rbind /dev "$rfs/dev"
    chroot "$rfs" /usr/bin/env -i "$@"
  ' sh "$RFS" "${env_args[@]}" "$@"
}

sha() { sha256sum | cut -d' ' -f1; }

# --- the root ----------------------------------------------------------------------
setup() {
  mkdir -p "$DIR"
  if [ ! -e "$RFS/.ogj-debootstrap-done" ]; then
    # a half-made root (interrupted) is made anew; never one that is in use
    rm -rf "$RFS"
    local url; url=$(mirror)
    log "debootstrap $SUITE from $url into $RFS (about 30 s)"
    debootstrap --variant=minbase "$SUITE" "$RFS" "$url" >"$DIR/debootstrap.log" 2>&1 \
      || { tail -20 "$DIR/debootstrap.log" >&2; exit 1; }
    touch "$RFS/.ogj-debootstrap-done"
  fi
  # apt and pip inside need name resolution; pip needs the CA bundle the host's
  # pip is configured with (this network may intercept TLS with its own CA).
  cp /etc/resolv.conf "$RFS/etc/resolv.conf"
  mkdir -p "$RFS/opt/ogj"
  local ca="${PIP_CERT:-$(pip3 config get global.cert 2>/dev/null || true)}"
  ca=${ca:-/etc/ssl/certs/ca-certificates.crt}
  cp "$ca" "$RFS/opt/ogj/host-ca.crt"

  # QGIS from backports: the suite beside trixie, on the mirror the root came from,
  # pinned to the binary packages of the qgis source package only (apt-get -t would
  # also take mesa, curl... from backports), so the rest of the root, the geo stack
  # included, is Debian 13's own and the same as in the 3.40 root.
  if [ -n "$QGIS_RELEASE" ]; then
    local url
    url=$(awk '$1 == "deb" { print $2; exit }' "$RFS/etc/apt/sources.list" 2>/dev/null || true)
    echo "deb ${url:-$(mirror)} $QGIS_RELEASE main" >"$RFS/etc/apt/sources.list.d/$QGIS_RELEASE.list"
    printf 'Package: src:qgis\nPin: release n=%s\nPin-Priority: 990\n' "$QGIS_RELEASE" \
      >"$RFS/etc/apt/preferences.d/qgis-$QGIS_RELEASE.pref"
  fi

  local want
  local stamp_items=("${QGIS_PACKAGES[@]}" "${APT_PACKAGES[@]}")
  [ -z "$QGIS_RELEASE" ] || stamp_items+=("release=$QGIS_RELEASE")
  want=$(printf '%s\n' "${stamp_items[@]}" | sort | sha)
  if [ "$(cat "$RFS/opt/ogj/apt.sha256" 2>/dev/null)" != "$want" ]; then
    log "installing Debian packages in the root (first time: about 2 minutes)"
    in_root DEBIAN_FRONTEND=noninteractive sh -c \
      'apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" >/dev/null' \
      sh "${QGIS_PACKAGES[@]}" "${APT_PACKAGES[@]}"
    # qgis and PyQGIS of one build, and the QGIS this root is for (a python3-qgis
    # of another version would not import, or load another QGIS's libraries)
    local versions
    versions=$(chroot "$RFS" dpkg-query -W -f='${Version}\n' "${QGIS_PACKAGES[@]}" | sort -u)
    case "$versions" in
      *$'\n'*) log "qgis and python3-qgis differ: ${versions//$'\n'/ }"; exit 1 ;;
      "$QGIS".*) ;;
      *) log "installed QGIS $versions, not $QGIS"; exit 1 ;;
    esac
    echo "$want" >"$RFS/opt/ogj/apt.sha256"
    rm -f "$RFS/opt/ogj/"*.requirements.sha256  # Debian's versions may have moved
  fi

  sync_repo  # the requirement files are read from the copy

  # Plugin venv: Debian's python3 with its system site packages (PyQGIS and the geo
  # stack exist only there). From requirements/plugin.txt only what Debian does not
  # provide (openeo, pyarrow...): Debian's geo packages are linked to the GEOS/GDAL/
  # PROJ that QGIS loads; debian-pins.txt (their versions, as constraints) keeps pip
  # from replacing them with wheels. The dev tools without the linters and their
  # type stubs (those run once, on the host).
  want=$(cat requirements/plugin.txt requirements/dev.txt "${BASH_SOURCE[0]}" | sha)
  if [ "$(cat "$RFS/opt/ogj/venv.requirements.sha256" 2>/dev/null)" != "$want" ]; then
    log "installing Python packages into /opt/ogj/venv (QGIS's Python 3.13)"
    grep -v -E '^(--no-binary|numpy|shapely|pyogrio|geopandas|pandas|pyproj)\b' \
      requirements/plugin.txt >"$RFS/opt/ogj/plugin-reqs.txt"
    grep -v -E '^(ruff|mypy|types-|qgis-stubs|PyQt5-stubs)' requirements/dev.txt >"$RFS/opt/ogj/dev-reqs.txt"
    in_root PIP_CERT=/opt/ogj/host-ca.crt PIP_DISABLE_PIP_VERSION_CHECK=1 sh -euc '
      [ -x /opt/ogj/venv/bin/python ] || python3 -m venv --system-site-packages /opt/ogj/venv
      python3 -c "
import geopandas, numpy, pandas, pyogrio, pyproj, shapely
for m in (numpy, shapely, pyogrio, geopandas, pandas, pyproj):
    print(m.__name__ + \"==\" + m.__version__.split(\"+\")[0])
" >/opt/ogj/debian-pins.txt
      /opt/ogj/venv/bin/pip install -q -c /opt/ogj/debian-pins.txt \
        -r /opt/ogj/plugin-reqs.txt -r /opt/ogj/dev-reqs.txt'
    echo "$want" >"$RFS/opt/ogj/venv.requirements.sha256"
  fi

  # Back-end venv: a separate process, binary wheels are fine. Python 3.12+ venvs
  # come without setuptools, whose pkg_resources openeo-driver still imports.
  want=$(cat requirements/backend.txt "${BASH_SOURCE[0]}" | sha)
  if [ "$(cat "$RFS/opt/ogj/venv-backend.requirements.sha256" 2>/dev/null)" != "$want" ]; then
    log "installing the local back-end into /opt/ogj/venv-backend"
    in_root PIP_CERT=/opt/ogj/host-ca.crt PIP_DISABLE_PIP_VERSION_CHECK=1 sh -euc '
      [ -x /opt/ogj/venv-backend/bin/python ] || python3 -m venv /opt/ogj/venv-backend
      /opt/ogj/venv-backend/bin/pip install -q "setuptools<81" -r /src/requirements/backend.txt'
    echo "$want" >"$RFS/opt/ogj/venv-backend.requirements.sha256"
  fi

  # As scripts/setup.sh does on the host: the repo root is the package
  # `openeo_grid_jobs` in the venv, which has the `openeo-grid-jobs` command; the
  # copy's .venv points at the venv (tests run .venv/bin/openeo-grid-jobs).
  in_root sh -euc '
    ln -sfn /opt/ogj/venv /src/.venv
    site=$(/opt/ogj/venv/bin/python -c "import sysconfig; print(sysconfig.get_paths()[\"purelib\"])")
    ln -sfn /src "$site/openeo_grid_jobs"
    cat >/opt/ogj/venv/bin/openeo-grid-jobs <<PY
#!/opt/ogj/venv/bin/python
"""Headless face of openEO Grid Jobs (written by scripts/debian13.sh)."""
import sys

from openeo_grid_jobs.cli.main import main

sys.exit(main())
PY
    chmod +x /opt/ogj/venv/bin/openeo-grid-jobs'
}

# Copy the checkout (with uncommitted changes) to /src. Excluded: git-ignored files
# and the host's venvs; what is excluded is also kept on the copy's side, so its
# .venv link, .qgis-settings and .work/ survive from run to run.
sync_repo() {
  mkdir -p "$RFS/src"
  rsync -a --delete --exclude=/.git --exclude=/.venv --exclude=/.venv-backend \
    --exclude=/.work --exclude=/.qgis-settings --filter=':- .gitignore' "$ROOT/" "$RFS/src/"
}

# Host paths into the checkout (tab completion) become paths in the copy.
map_args() {
  local arg
  for arg in "$@"; do
    case "$arg" in
      "$ROOT"/*) printf '%s\0' "/src/${arg#"$ROOT"/}" ;;
      *) printf '%s\0' "$arg" ;;
    esac
  done
}

TEST_ENV=(
  QT_QPA_PLATFORM=offscreen
  OGJ_BACKEND_PYTHON=/opt/ogj/venv-backend/bin/python
)

cmd=${1:-test}
shift || true
case "$cmd" in
  setup)
    setup
    ;;
  test)
    setup
    mapfile -d '' args < <(map_args "$@")
    log "QGIS $(chroot "$RFS" dpkg-query -W -f='${Version}' qgis), pytest in $RFS/src"
    in_root "${TEST_ENV[@]}" sh -c 'cd /src && exec /opt/ogj/venv/bin/python -m pytest "$@"' \
      sh "${args[@]}"
    ;;
  shell)
    setup
    if (($#)); then
      in_root "${TEST_ENV[@]}" sh -c 'cd /src && exec "$@"' sh "$@"
    else
      in_root "${TEST_ENV[@]}" TERM="${TERM:-xterm}" sh -c 'cd /src && exec bash -i'
    fi
    ;;
  *)
    log "unknown command '$cmd' (setup, test, shell)"
    exit 2
    ;;
esac
