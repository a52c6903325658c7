#!/usr/bin/env bash
# Build the desktop app: the PyInstaller one-folder build dist/hearth/{hearth,hearth-desktop}, then
# the download dist/hearth-<version>-linux-<arch>.tar.zst and its .sha256 (packaging/README.md).
# Usage: packaging/build.sh            (uses .venv/bin/python; override with PY=...)
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"

"$PY" -c "import PyInstaller" 2>/dev/null || {
  echo "build.sh: PyInstaller is not installed; run: make install (it comes with the lock)" >&2
  exit 2
}
command -v zstd >/dev/null || { echo "build.sh: zstd not found: apt-get install zstd" >&2; exit 2; }
# Offline while building too: PyInstaller imports packages to analyse them.
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 ANONYMIZED_TELEMETRY=False DO_NOT_TRACK=1

# The embedder's ONNX graph, exported from the installed weights (a no-op when up to date).
ONNX_DIR="$("$PY" -c 'import sys; print(sys.prefix)')/share/hearth/onnx"
"$PY" packaging/export_onnx.py "$ONNX_DIR"

"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller \
  packaging/hearth.spec

# Symbol tables of the bundled libraries (~190 MB nobody reads at run time), except where strip
# corrupts the file: what auditwheel rewrote with patchelf — the libraries it grafted into
# <package>.libs/ and the modules whose RPATH points there (numpy's OpenBLAS, stripped, fails
# with "ELF load command address/offset not page-aligned"). The executable itself carries the
# Python archive and is left alone.
stripped=0
while IFS= read -r -d '' lib; do
  readelf -d "$lib" 2>/dev/null | grep -E '\((RPATH|RUNPATH)\)' | grep -q '\.libs' && continue
  strip "$lib" 2>/dev/null && stripped=$((stripped + 1))
done < <(find dist/hearth/_internal -type f \( -name '*.so' -o -name '*.so.*' \) -not -path '*.libs/*' -print0)
echo "build.sh: stripped $stripped libraries"

# One executable, two names: hearth_entry.py starts the app when called as hearth-desktop.
[ -e dist/hearth/hearth-desktop ] || ln -s hearth dist/hearth/hearth-desktop
# The freedesktop entry and icon travel with the folder; install-linux.sh puts them in place.
cp packaging/hearth.desktop packaging/hearth.svg packaging/install-linux.sh dist/hearth/
du -sh dist/hearth

# The download: one .tar.zst holding the hearth/ folder, and its checksum.
VERSION="$("$PY" -c 'import engine; print(engine.__version__)')"
ARCHIVE="hearth-${VERSION}-linux-$(uname -m).tar.zst"
rm -f "dist/$ARCHIVE" "dist/$ARCHIVE.sha256"
# Reproducible member order, owner and times, so the same build gives the same archive.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='@0' -C dist -cf - hearth \
  | zstd -q -T0 -12 --long=27 -o "dist/$ARCHIVE"
(cd dist && sha256sum "$ARCHIVE" > "$ARCHIVE.sha256")
ls -l "dist/$ARCHIVE"
cat "dist/$ARCHIVE.sha256"
echo "built: dist/hearth (run dist/hearth/hearth-desktop) and dist/$ARCHIVE"
