#!/usr/bin/env bash
# Creates (or refreshes) the studio's virtual environment in .venv.
#   packaging/setup-env.sh            the studio
#   packaging/setup-env.sh --test     the studio and its test tools
# PyTorch: the CUDA build where an NVIDIA GPU answers, the CPU build everywhere else
# (a plain `pip install torch` on a machine without CUDA pulls gigabytes of CUDA packages).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
VENV="${MLSP_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"
TORCH_VERSION="${MLSP_TORCH_VERSION:-2.13.0}"
EXTRAS="gui,export"
[[ "${1:-}" == "--test" ]] && EXTRAS="gui,export,test"

if [[ ! -x "$VENV/bin/python" ]]; then
    echo "Creating the virtual environment in $VENV"
    "$PY" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)

stamp="$VENV/.mlsp-setup-$EXTRAS"
if [[ -f "$stamp" && "$stamp" -nt pyproject.toml && "$stamp" -nt "$0" ]] \
    && "$VENV/bin/python" -c "import torch" 2>/dev/null; then
    exit 0
fi

if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
    if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
        echo "Installing PyTorch (CUDA build: an NVIDIA GPU is present)"
        "${PIP[@]}" install "torch>=2.2"
    elif "${PIP[@]}" download --no-index --no-deps -d "$(mktemp -d)" "torch==$TORCH_VERSION" \
            >/dev/null 2>&1; then
        # A local wheel folder this machine's pip is set up with holds the CPU build.
        echo "Installing PyTorch $TORCH_VERSION (CPU build from the local wheel folder)"
        "${PIP[@]}" install "torch==$TORCH_VERSION"
    else
        echo "Installing PyTorch (CPU build from PyTorch's CPU package index)"
        "${PIP[@]}" install torch --index-url https://download.pytorch.org/whl/cpu \
            --extra-index-url https://pypi.org/simple
    fi
fi

echo "Installing MLSP Studio [$EXTRAS]"
"${PIP[@]}" install -e ".[$EXTRAS]"
touch "$stamp"
