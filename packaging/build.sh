#!/usr/bin/env bash
# Build the one-folder desktop artifact with PyInstaller: dist/hearth/{hearth,hearth-desktop}.
# Usage: packaging/build.sh            (uses .venv/bin/python; override with PY=...)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"

"$PY" -c "import PyInstaller" 2>/dev/null || {
  echo "build.sh: PyInstaller is not installed; run: $PY -m pip install -e '.[package]'" >&2
  exit 2
}
# Offline while building too: PyInstaller imports packages to analyse them.
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False DO_NOT_TRACK=1

"$PY" -m PyInstaller --noconfirm --clean \
  --distpath dist --workpath build/pyinstaller \
  packaging/hearth.spec

# The freedesktop entry and icon travel with the folder; install-linux.sh puts them in place.
cp packaging/hearth.desktop packaging/hearth.svg packaging/install-linux.sh dist/hearth/
du -sh dist/hearth
echo "built: dist/hearth (run dist/hearth/hearth-desktop or dist/hearth/hearth doctor)"
