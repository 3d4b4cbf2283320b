"""A short recorded run made by the command line, for the tests that read recordings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def recorded_run(folder: Path, preset: str = "gan-ring", steps: int = 300) -> Path:
    """Train ``preset`` headless for ``steps`` steps (one thread, seed 1, no figures) into
    ``folder``, recording it; the folder."""
    subprocess.run([sys.executable, "-m", "mlsp_studio", "run", preset, "--steps", str(steps),
                    "--seed", "1", "--threads", "1", "--no-figures", "--quiet",
                    "--out", str(folder)], check=True, timeout=300, capture_output=True)
    return folder
