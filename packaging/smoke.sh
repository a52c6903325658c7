#!/usr/bin/env bash
# Smoke test of the built folder, as a user without Python would run it:
#   1. `hearth --version` and `hearth doctor` work;
#   2. `hearth ask` sends one message to the bundled starter model and gets an answer;
#   3. `hearth docs add` + `hearth ask --docs` index a folder and answer with a citation;
#   4. `hearth privacy check` runs the privacy router for real (it fails closed, so a bundle
#      missing its data would otherwise go unnoticed);
#   5. `hearth-desktop --smoke` starts offscreen, shows its window and exits 0.
# Runs inside a network namespace with no network when `unshare -n` is permitted.
# Usage: packaging/smoke.sh [dist/hearth]
set -euo pipefail
cd "$(dirname "$0")/.."
DIST="${1:-dist/hearth}"
[ -x "$DIST/hearth" ] || { echo "smoke: $DIST/hearth not found; run make package first" >&2; exit 2; }

HOME_DIR="$(mktemp -d)"
trap 'rm -rf "$HOME_DIR"' EXIT
# A clean environment: no Python of ours, no offline variables (the app must set its own).
run() { env -i PATH=/usr/bin:/bin HOME="$HOME_DIR" HEARTH_HOME="$HOME_DIR/hearth" \
        LANG=C.UTF-8 QT_QPA_PLATFORM=offscreen $NETNS "$@"; }
NETNS=""
if unshare -n true 2>/dev/null; then NETNS="unshare -n"; echo "smoke: running without network (unshare -n)"; fi

run "$DIST/hearth" --version
run "$DIST/hearth" doctor >"$HOME_DIR/doctor.txt" || { cat "$HOME_DIR/doctor.txt"; echo "smoke: doctor failed" >&2; exit 1; }
grep -q "backends" "$HOME_DIR/doctor.txt"
answer="$(run "$DIST/hearth" ask --quiet "Say hello in one short sentence.")"
[ -n "${answer// /}" ] || { echo "smoke: empty answer" >&2; exit 1; }
echo "smoke: starter model answered: $answer"

# Documents: index a folder (parser child, embedder, chromadb) and get a cited answer.
mkdir -p "$HOME_DIR/docs"
printf '# Boiler\n\nTo reset the boiler, hold the red button for ten seconds.\n' > "$HOME_DIR/docs/boiler.md"
added="$(run "$DIST/hearth" docs add --name smoke --quiet "$HOME_DIR/docs")"
echo "smoke: $added"
case "$added" in *"1 indexed"*"0 failed"*) ;; *) echo "smoke: indexing failed" >&2; exit 1;; esac
grounded="$(run "$DIST/hearth" ask --quiet --docs smoke "How do I reset the boiler?")"
case "$grounded" in *boiler.md*) echo "smoke: grounded answer cites boiler.md";;
  *) echo "$grounded"; echo "smoke: no citation" >&2; exit 1;; esac

# The privacy router must really run (it fails closed, so a broken bundle would only show here).
checked="$(run "$DIST/hearth" privacy check "My name is Jane Doe and I live at 12 Oak Street")"
case "$checked" in *"check failed"*) echo "$checked"; echo "smoke: privacy router broken" >&2; exit 1;; esac
echo "smoke: privacy router: $(echo "$checked" | head -1)"

# The desktop app, offscreen: --smoke shows the window, prints one JSON line and exits 0.
run timeout 120 "$DIST/hearth-desktop" --smoke >"$HOME_DIR/desktop.log" 2>&1 || {
  cat "$HOME_DIR/desktop.log"; echo "smoke: hearth-desktop --smoke failed" >&2; exit 1; }
grep -q '"visible": true' "$HOME_DIR/desktop.log" || { cat "$HOME_DIR/desktop.log"; exit 1; }
echo "smoke: desktop window shown: $(tail -1 "$HOME_DIR/desktop.log")"
echo "smoke: OK"
