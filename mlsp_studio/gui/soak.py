"""The soak test behind ``mlsp-studio soak``: train a preset under the window with every panel
open for a long time (30 minutes by default) and watch for leaks, crashes and a sluggish
window.

Memory is the resident size of both processes (the window's and the training process's),
sampled every few seconds; its growth is measured
from the sample at the end of the first minute (imports, first pictures and caches are
settled by then) to the largest sample after it. The window's lateness is a 10 ms timer's
delay, counted into a fixed histogram so that measuring it adds no memory of its own.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from .app import _wait
from .measure import LatenessProbe, _close, _open_training, open_every_panel

BIN_MS = 0.5
BINS = 4000  # up to 2 s; anything later lands in the last bin
SETTLE_S = 60.0  # growth is measured from the end of the first minute
GROWTH_LIMIT = 0.05
LATENESS_LIMIT_MS = 30.0


def resident_bytes(pid: int | str = "self") -> int:
    """A process's resident memory now (Linux), or this one's peak so far elsewhere."""
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024


class LatenessHistogram(LatenessProbe):
    """The 10 ms probe with its delays counted into fixed bins: constant memory however long
    it runs."""

    def __init__(self) -> None:
        super().__init__()
        self.counts = np.zeros(BINS, dtype=np.int64)
        self.worst_ms = 0.0

    def record(self, late_ms: float) -> None:
        self.counts[min(BINS - 1, int(late_ms / BIN_MS))] += 1
        self.worst_ms = max(self.worst_ms, late_ms)

    def quantile_ms(self, q: float) -> float:
        """The upper edge of the bin holding the ``q`` quantile (0 when nothing was timed)."""
        total = int(self.counts.sum())
        if total == 0:
            return 0.0
        index = int(np.searchsorted(np.cumsum(self.counts), math.ceil(q * total)))
        return (index + 1) * BIN_MS


@dataclass
class SoakResult:
    preset: str
    seconds: float
    steps: int
    panels: list[str]
    settled_mb: float           # resident memory at the end of the first minute
    peak_mb: float              # the largest sample after it
    final_mb: float
    growth: float               # (peak - settled) / settled
    lateness_p50_ms: float
    lateness_p99_ms: float
    lateness_worst_ms: float
    frames: int
    message: str = ""
    samples: list[tuple[float, float]] = field(default_factory=list)  # (seconds, MB)

    @property
    def passed(self) -> bool:
        return (not self.message and self.growth <= GROWTH_LIMIT
                and self.lateness_p99_ms <= LATENESS_LIMIT_MS)

    def as_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed}


def soak(preset: str = "digits-cnn", seconds: float = 1800.0, sample_every: float = 5.0,
         settle: float = SETTLE_S, report=None) -> SoakResult:
    """Train ``preset`` under the window with every panel open for ``seconds``."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    settle = min(settle, seconds / 2)
    with tempfile.TemporaryDirectory() as folder:
        app, window = _open_training(preset, folder)
        shown = open_every_panel(window)
        probe = LatenessHistogram()
        probe.start()
        samples: list[tuple[float, float]] = []
        frames, start = window.scheduler.frames, time.perf_counter()
        elapsed = 0.0
        while elapsed < seconds and window.state == "running":
            _wait(app, lambda: False, min(sample_every, seconds - elapsed))
            elapsed = time.perf_counter() - start
            child = window.bridge.pid
            held = resident_bytes() + (resident_bytes(child) if child else 0)
            samples.append((round(elapsed, 1), held / 2**20))
            if report is not None:
                report(elapsed, samples[-1][1], window.bridge.step_count)
        probe.stop()
        steps = window.bridge.step_count
        message = "" if window.state == "running" else f"training stopped: {window.state}"
        frames = window.scheduler.frames - frames
        _close(app, window)
    settled = next((mb for t, mb in samples if t >= settle), samples[-1][1] if samples else 0.0)
    after = [mb for t, mb in samples if t >= settle] or [settled]
    peak = max(after)
    return SoakResult(
        preset, round(elapsed, 1), steps, shown, round(settled, 1), round(peak, 1),
        round(samples[-1][1] if samples else 0.0, 1),
        round((peak - settled) / settled, 4) if settled else 0.0,
        probe.quantile_ms(0.5), probe.quantile_ms(0.99), round(probe.worst_ms, 1), frames,
        message, samples)


def run_soak(preset: str, seconds: float, as_json: bool = False) -> int:
    """Print the soak's progress each minute and its figures at the end; 0 when it passed
    (growth ≤ 5 % after the first minute, lateness p99 ≤ 30 ms, training never stopped)."""
    last = [0.0]

    def report(elapsed: float, mb: float, steps: int) -> None:
        if elapsed - last[0] >= 60.0:
            last[0] = elapsed
            print(f"{elapsed / 60:5.1f} min  {mb:8.1f} MB  step {steps}", flush=True)

    result = soak(preset, seconds, report=report)
    print(f"{result.preset}: {result.seconds:.0f} s, {result.steps} steps, {result.frames} "
          f"frames, panels: {', '.join(result.panels)}")
    print(f"memory: {result.settled_mb:.1f} MB after the first minute, peak {result.peak_mb:.1f}"
          f" MB after it, {result.final_mb:.1f} MB at the end: growth {result.growth:.2%} "
          f"(limit {GROWTH_LIMIT:.0%})")
    print(f"window lateness: p50 {result.lateness_p50_ms:.1f} ms, p99 "
          f"{result.lateness_p99_ms:.1f} ms (limit {LATENESS_LIMIT_MS:.0f}), worst "
          f"{result.lateness_worst_ms:.1f} ms")
    if result.message:
        print(result.message)
    print("passed" if result.passed else "FAILED")
    if as_json:
        print(json.dumps({k: v for k, v in result.as_dict().items() if k != "samples"}))
    return 0 if result.passed else 1
