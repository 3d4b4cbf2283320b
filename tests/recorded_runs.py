"""A short recorded run made by the command line, or trained in a window, for the tests that
read recordings."""

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


def window_recorded_run(window, qtbot):
    """Train the window's project at full speed to its end; (the run in Runs compared, its
    recording, closed)."""
    from mlsp_studio.messages.recording import Recording

    window.doc.set_pace(0)
    window.on_run()
    runs = window.panels["runs"]
    qtbot.waitUntil(lambda: runs.runs and runs.runs[-1].done, timeout=120_000)
    run = runs.runs[-1]
    qtbot.waitUntil(lambda: (Path(run.recording) / "index.json").is_file(), timeout=30_000)
    recording = Recording(run.recording)
    qtbot.waitUntil(lambda: recording.refresh() or recording.ended, timeout=30_000)
    return run, recording
