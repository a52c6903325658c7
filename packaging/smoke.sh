#!/usr/bin/env bash
# Smoke test of the app as a user gets it, with no network:
#   packaging/smoke.sh                       the download: dist/hearth-*.tar.zst is checked against
#                                            its .sha256, unpacked, installed with install-linux.sh
#                                            into a scratch prefix, and the installed copy is tested
#   packaging/smoke.sh dist/hearth           a built folder, as it is
# The tests themselves are packaging/smoke.py (every capability a user reaches). This script runs
# itself again inside a new network namespace that has only a loopback interface (unshare -rn).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${SMOKE_PYTHON:-python3}"  # any Python 3 with its standard library drives the app

if [ -z "${HEARTH_SMOKE_NETNS:-}" ]; then
  unshare -rn true 2>/dev/null || {
    echo "smoke: cannot make a network namespace (unshare -rn); the smoke must run without network" >&2
    exit 2
  }
  exec env HEARTH_SMOKE_NETNS=1 unshare -rn "$0" "$@"
fi

if [ $# -ge 1 ]; then
  DIST="$1"
  [ -x "$DIST/hearth" ] || { echo "smoke: $DIST/hearth not found; run make package first" >&2; exit 2; }
  exec "$PY" packaging/smoke.py "$DIST"
fi

ARCHIVE="$(ls -t dist/hearth-*.tar.zst 2>/dev/null | head -1 || true)"
[ -n "$ARCHIVE" ] || { echo "smoke: no dist/hearth-*.tar.zst; run make package first" >&2; exit 2; }
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
# What a user does (packaging/README.md, "Install"): verify, unpack, install.
(cd "$(dirname "$ARCHIVE")" && sha256sum -c "$(basename "$ARCHIVE").sha256")
tar -C "$SCRATCH" --zstd -xf "$ARCHIVE"
PREFIX="$SCRATCH/prefix" "$SCRATCH/hearth/install-linux.sh"
"$SCRATCH/prefix/bin/hearth" --version
grep -q "^Exec=$SCRATCH/prefix/opt/hearth/hearth-desktop" "$SCRATCH/prefix/share/applications/hearth.desktop"
rm -rf "$SCRATCH/hearth"  # from here on only the installed copy exists
"$PY" packaging/smoke.py "$SCRATCH/prefix/opt/hearth"
