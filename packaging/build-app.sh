#!/usr/bin/env bash
# Builds MLSP Studio as a Linux one-folder application in dist/mlsp-studio/ with PyInstaller,
# then checks that it starts: it lists the presets, trains one headless and opens its window
# offscreen for a picture.
set -euo pipefail
cd "$(dirname "$0")/.."
packaging/setup-env.sh
PY=.venv/bin/python
"$PY" -m pip --disable-pip-version-check -q install "pyinstaller>=6.0"
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN --distpath dist \
    --workpath build/pyinstaller packaging/pyinstaller/mlsp-studio.spec
APP=dist/mlsp-studio/mlsp-studio
CHECK="$(mktemp -d)"
"$APP" presets > "$CHECK/presets.txt"
grep -q "^spiral" "$CHECK/presets.txt"
"$APP" run spiral --steps 300 --out "$CHECK/run" --quiet
test -s "$CHECK/run/model.safetensors"
QT_QPA_PLATFORM=offscreen "$APP" screenshot digits-cnn -o "$CHECK/window.png" --train-seconds 3
test -s "$CHECK/window.png"
echo "Built $APP ($(du -sh dist/mlsp-studio | cut -f1)): it lists the presets, trains" \
     "headless and opens its window offscreen (the picture: $CHECK/window.png)."
