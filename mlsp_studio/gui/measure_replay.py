"""How fast a scrub on the timeline is painted, for ``mlsp-studio bench``: a preset is
recorded headless, opened in the window (offscreen), and the timeline is moved to steps
drawn at random; each move is timed until every shown panel has painted that step."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings

from .app import _wait, make_app, open_window
from .measure import _close, quantile

REPLAY_PRESET = "gan-ring"


def replay_scrub_ms(preset: str = REPLAY_PRESET, seconds: float = 8.0,
                    scrubs: int = 60) -> dict[str, float]:
    """p50 and p99 of the time from a timeline move to every shown panel painted."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as folder:
        run_dir = Path(folder) / "run"
        subprocess.run([sys.executable, "-m", "mlsp_studio", "run", preset, "--seconds",
                        str(seconds), "--threads", "1", "--no-figures", "--quiet", "--out",
                        str(run_dir)], check=True, capture_output=True, timeout=600)
        app = make_app()
        settings = QSettings(str(Path(folder) / "bench.ini"), QSettings.IniFormat)
        window = open_window(str(run_dir), settings=settings)
        _wait(app, lambda: window.recording is not None and window.bridge.is_ready, 120)
        _wait(app, lambda: False, 1.0)  # past the first pictures of the paused run
        steps = window.timeline.steps
        rng = random.Random(0)
        times = []
        for _ in range(scrubs):
            start = time.perf_counter()
            window.timeline.show_step(rng.choice(steps))  # painted before it returns
            app.processEvents()
            times.append((time.perf_counter() - start) * 1000.0)
        frames = len(steps)
        _close(app, window)
    print(f"{preset}: a scrub over {frames} recorded steps is painted in "
          f"{quantile(times, 0.5):.0f} ms (p50), {quantile(times, 0.99):.0f} ms (p99)",
          file=sys.stderr)
    return {"replay_scrub_ms_p50": round(quantile(times, 0.5), 1),
            "replay_scrub_ms_p99": round(quantile(times, 0.99), 1),
            "replay_frames": frames}
