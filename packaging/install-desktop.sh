#!/usr/bin/env bash
# Adds MLSP Studio to this user's desktop: the menu entry, the icon, and the project file type
# (*.mlsp.json opens in the studio). Run ./studio once first, so that .venv exists.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="${XDG_DATA_HOME:-$HOME/.local/share}"
BIN="$PWD/.venv/bin/mlsp-studio"
[[ -x "$BIN" ]] || { echo "Run ./studio once first: $BIN is missing" >&2; exit 1; }
mkdir -p "$DATA/applications" "$DATA/icons/hicolor/scalable/apps" "$DATA/mime/packages" \
         "$DATA/metainfo"
sed "s|^Exec=mlsp-studio |Exec=$BIN |" packaging/linux/mlsp-studio.desktop \
    > "$DATA/applications/mlsp-studio.desktop"
cp resources/icons/mlsp-studio.svg "$DATA/icons/hicolor/scalable/apps/mlsp-studio.svg"
cp packaging/linux/mlsp-studio-mime.xml "$DATA/mime/packages/mlsp-studio.xml"
cp packaging/linux/io.github.mlsp_studio.MLSPStudio.metainfo.xml "$DATA/metainfo/"
command -v update-mime-database >/dev/null && update-mime-database "$DATA/mime" || true
command -v update-desktop-database >/dev/null && update-desktop-database "$DATA/applications" || true
echo "MLSP Studio is in the applications menu; .mlsp.json files open in it."
