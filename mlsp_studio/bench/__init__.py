"""``mlsp-studio bench``: training speed of the engine against a bare PyTorch loop, headless
and under the window, and how the window keeps up while it trains; ``--part gpu`` measures
the CUDA path on a machine with an NVIDIA GPU (``gpu.py``).

Every figure is a ratio or a latency measured in one run; nothing here is a pass or fail.
"""

from __future__ import annotations

import json
import statistics
import sys

import torch

from ..engine.runtime import default_threads
from ..errors import StudioError
from .gpu import gpu_bench
from .loops import (
    BENCH_PRESETS,
    ROUNDS,
    bare_loop_rate,
    built,
    closed_panels_bench,
    diffusion_strip_bench,
    engine_rate,
    history_bytes,
)
from .processes import processes_bench
from .quick import quick_answers
from .recording import recording_bench
from .sequences import lab_bench, sequence_bench, unit_pictures_bench

__all__ = ["run_bench"]


def _window_available() -> bool:
    try:
        import mlsp_studio.gui.measure  # noqa: F401
    except ImportError:
        return False
    return True


def headless(name: str, seconds: float) -> dict[str, float]:
    """The engine headless against the bare loop, alternating ``ROUNDS`` times."""
    key = name.replace("-", "_")
    probe = built(name)
    bare, engine = [], []
    for _ in range(ROUNDS):
        bare.append(bare_loop_rate(probe, seconds))
        engine.append(engine_rate(name, seconds))
    ratio = statistics.median(h / b for h, b in zip(engine, bare, strict=True))
    print(f"{name:<12} bare loop {statistics.median(bare):8.0f} steps/s   engine headless "
          f"{statistics.median(engine):8.0f} steps/s   ratio {ratio:.3f}", file=sys.stderr)
    return {f"bare_steps_per_s_{key}": round(statistics.median(bare), 1),
            f"engine_steps_per_s_{key}": round(statistics.median(engine), 1),
            f"headless_ratio_{key}": round(ratio, 3)}


def run_bench(seconds: float = 2.0, as_json: bool = False, part: str = "all") -> int:
    threads = default_threads()
    torch.set_num_threads(threads)
    results: dict[str, float] = {"threads": threads}
    print(f"MLSP Studio bench: {threads} torch thread(s), {ROUNDS} rounds of {seconds:g} s "
          "per loop, alternating", file=sys.stderr)
    if part == "gpu":
        try:
            results.update(gpu_bench(seconds))
        except StudioError as err:
            print(f"mlsp-studio bench: {err}", file=sys.stderr)
            return 2
    if part in ("all", "generative"):
        results.update(closed_panels_bench(seconds))
        results.update(diffusion_strip_bench())
    if part in ("all", "core"):
        window = _window_available()
        for name in BENCH_PRESETS:
            results.update(headless(name, seconds))
            if window:
                from .window import preset_under_window

                results.update(preset_under_window(name, seconds))
        if window:
            results.update(_window_figures(seconds, results))
        results.update(quick_answers())
        results.update(processes_bench(seconds))
        results.update(recording_bench(seconds))  # recorded ÷ not, and its bytes
        results["history_bytes_1m_steps"] = history_bytes()
        print(f"metric history after 1,000,000 steps: "
              f"{results['history_bytes_1m_steps'] / 1024:.0f} KiB", file=sys.stderr)
    if as_json:
        print(json.dumps(results))
    return 0


def _window_figures(seconds: float, results: dict) -> dict:
    from . import window

    out: dict = {}
    for name in ("ui_lateness_p99_ms", "ui_lateness_p50_ms", "snapshot_to_paint_ms_p99"):
        out[name] = max(v for k, v in results.items() if k.startswith(name + "_"))
    out.update(window.mnist_like_under_window(seconds))
    out.update(window.controls())
    out.update(window.canvas_hundred_blocks())
    out.update(window.first_window())
    out.update(window.torch_in_window_process())
    out.update(window.transport())
    out.update(sequence_bench(seconds))
    out.update(lab_bench(seconds))
    out.update(unit_pictures_bench(seconds))
    from ..gui.measure_replay import replay_scrub_ms

    out.update(replay_scrub_ms())  # a scrub on the timeline, painted
    return out
