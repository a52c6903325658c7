#!/usr/bin/env bash
# Smoke test of the built folder with no network: every capability a user reaches
# (packaging/smoke.py says which). Runs itself again inside a new network namespace that has
# only a loopback interface (unshare -rn: needs no root where user namespaces are allowed).
# Usage: packaging/smoke.sh [dist/hearth]
set -euo pipefail
cd "$(dirname "$0")/.."
DIST="${1:-dist/hearth}"
[ -x "$DIST/hearth" ] || { echo "smoke: $DIST/hearth not found; run make package first" >&2; exit 2; }
PY="${SMOKE_PYTHON:-python3}"  # any Python 3 with its standard library drives the app

if [ -z "${HEARTH_SMOKE_NETNS:-}" ]; then
  unshare -rn true 2>/dev/null || {
    echo "smoke: cannot make a network namespace (unshare -rn); the smoke must run without network" >&2
    exit 2
  }
  exec env HEARTH_SMOKE_NETNS=1 unshare -rn "$0" "$@"
fi
exec "$PY" packaging/smoke.py "$DIST"
