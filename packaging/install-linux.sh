#!/usr/bin/env bash
# Install the built folder for the current user: ~/.local/opt/hearth, launchers in ~/.local/bin,
# the menu entry and icon under ~/.local/share. Run from inside the built folder (dist/hearth).
set -euo pipefail
SRC="$(cd "$(dirname "$0")" && pwd)"
DEST="${PREFIX:-$HOME/.local}"
mkdir -p "$DEST/opt" "$DEST/bin" "$DEST/share/applications" "$DEST/share/icons/hicolor/scalable/apps"
rm -rf "$DEST/opt/hearth.new"
cp -a "$SRC" "$DEST/opt/hearth.new"
rm -rf "$DEST/opt/hearth" && mv "$DEST/opt/hearth.new" "$DEST/opt/hearth"
ln -sf "$DEST/opt/hearth/hearth" "$DEST/bin/hearth"
ln -sf "$DEST/opt/hearth/hearth-desktop" "$DEST/bin/hearth-desktop"
sed "s|^Exec=.*|Exec=$DEST/opt/hearth/hearth-desktop|; s|^TryExec=.*|TryExec=$DEST/opt/hearth/hearth-desktop|" \
  "$SRC/hearth.desktop" > "$DEST/share/applications/hearth.desktop"
cp "$SRC/hearth.svg" "$DEST/share/icons/hicolor/scalable/apps/hearth.svg"
command -v update-desktop-database >/dev/null && update-desktop-database "$DEST/share/applications" || true
echo "Installed Hearth to $DEST/opt/hearth; start it from the menu or with: hearth-desktop"
