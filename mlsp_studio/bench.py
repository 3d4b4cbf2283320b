"""``mlsp-studio bench``: training speed of the engine against a bare PyTorch loop.

Each figure is a ratio measured in one run on the same network, data, batch size, optimiser
and thread count, alternating the two loops so that machine load affects both alike.
"""

from __future__ import annotations

import copy
import json
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F

from .engine import Engine, MetricHistory
from .engine.runtime import default_threads
from .paradigms.optim import make_optimizer
from .spec.presets import load_preset

BENCH_PRESETS = ("spiral", "digits-cnn")
ROUNDS = 3


def bare_loop_rate(engine: Engine, seconds: float) -> float:
    """Steps/s of the plainest loop a person would write for the engine's network and data."""
    net = copy.deepcopy(engine.nets["model"])
    paradigm = engine.paradigm
    optimizer = make_optimizer(net.parameters(), paradigm.hparams)
    x, y = paradigm.x, paradigm.y
    batch, n = paradigm.batch_size, len(x)
    classify = paradigm.classify
    order, cursor, steps = torch.randperm(n), 0, 0
    net.train()
    end = time.perf_counter() + seconds
    start = time.perf_counter()
    while time.perf_counter() < end:
        idx = order[cursor:cursor + batch]
        cursor += batch
        if cursor >= n:
            order, cursor = torch.randperm(n), 0
        out = net(x[idx])
        loss = F.cross_entropy(out, y[idx]) if classify else F.mse_loss(out, y[idx])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        steps += 1
    return steps / (time.perf_counter() - start)


def engine_rate(name: str, seconds: float, cpu: bool = False) -> float:
    """Steps per second of the engine headless, every panel closed; with ``cpu``, per CPU
    second of its training thread."""
    engine = Engine(load_preset(name), max_seconds=seconds, max_steps=10**9)
    engine.build()
    engine.run_blocking()
    return engine.step_count / (engine.cpu_elapsed if cpu else engine.elapsed)


def history_bytes(steps: int = 1_000_000) -> int:
    history = MetricHistory()
    for step in range(1, steps + 1):
        history.add(step, "train", "loss", 1.0)
    return history.nbytes()


def _window_bench(name: str, seconds: float) -> dict | None:
    try:
        from .gui.measure import train_under_window
    except ImportError:
        return None
    return train_under_window(name, seconds * ROUNDS)


ATTENTION_PRESET = "transformer-reverse"
GENERATION_PRESET = "gpt-chars"
PROMPTS = ("the cat ", "a dog eats", "abc>abcq;kfm>kfmq;tuv>", "the red bird ", "xyz>",
           "the cow drinks ", "qrs>qrsk;lmn>lmnk;abd>", "the fish ", "a ", "the")


def _sequence_bench(seconds: float) -> dict[str, float]:
    """The attention-map panel's cost to training, and how fast a new prompt is answered."""
    from .gui.measure import answer_latency, panel_cost

    out: dict[str, float] = {}
    cost = panel_cost(ATTENTION_PRESET, "attention", seconds, ROUNDS)
    out["attention_panel_ratio"] = round(cost["ratio"], 3)
    print(f"{ATTENTION_PRESET}: attention-map panel shown {cost['shown_steps_per_s']:.0f} "
          f"steps/s, hidden {cost['hidden_steps_per_s']:.0f} steps/s: ratio "
          f"{cost['ratio']:.3f}", file=sys.stderr)
    latencies = sorted(answer_latency(GENERATION_PRESET, "generation", "prompt",
                                      list(PROMPTS)))
    out["prompt_answer_ms_p50"] = round(latencies[len(latencies) // 2], 1)
    out["prompt_answer_ms_max"] = round(latencies[-1], 1)
    print(f"{GENERATION_PRESET}: a new prompt answered in {out['prompt_answer_ms_p50']:.0f} ms "
          f"(median of {len(latencies)}, slowest {out['prompt_answer_ms_max']:.0f} ms) while "
          "training", file=sys.stderr)
    return out


LAB_PRESET = "deep-gradients"


def _lab_bench(seconds: float) -> dict[str, float]:
    """What the gradients-and-weights panel costs training while it is shown."""
    from .gui.measure import panel_cost

    cost = panel_cost(LAB_PRESET, "layer_stats", seconds, ROUNDS)
    print(f"{LAB_PRESET}: gradients-and-weights panel shown {cost['shown_steps_per_s']:.0f} "
          f"steps/s, hidden {cost['hidden_steps_per_s']:.0f} steps/s: ratio "
          f"{cost['ratio']:.3f}", file=sys.stderr)
    return {"layer_stats_panel_ratio": round(cost["ratio"], 3)}


def _time_child(args: list[str], marker: str | None = None) -> float:
    """Wall seconds from starting a child Python to its exit (or to it printing ``marker``)."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
    if marker is not None:
        for line in child.stdout:
            if marker in line:
                break
    child.wait()
    return time.perf_counter() - start


def first_window_times(repeats: int = 3) -> tuple[float, float]:
    """Median seconds to the first painted window, and to ``python -c "import torch"``."""
    window = [_time_child(["-m", "mlsp_studio.gui.measure"], "window-shown")
              for _ in range(repeats)]
    torch_import = [_time_child(["-c", "import torch"]) for _ in range(repeats)]
    return statistics.median(window), statistics.median(torch_import)


GENERATIVE_PRESETS = ("autoencoder-digits", "denoising-ae", "anomaly-ae", "gan-ring",
                      "gan-digits", "ddpm-2d", "ddpm-digits", "contrastive-digits", "cross-modal")


def paradigm_loop_rate(engine: Engine, seconds: float) -> float:
    """Steps per CPU second of the paradigm's own step called in a plain loop: no metrics
    sent, no validation, no pictures. A paradigm with several networks has no simpler loop.

    CPU seconds of this thread, not wall seconds: on a shared machine the wall clock also
    counts the time other programs took."""
    paradigm = engine.paradigm
    steps = 0
    start, cpu = time.perf_counter(), time.thread_time()
    while time.perf_counter() < start + seconds:
        paradigm.step()
        steps += 1
    return steps / (time.thread_time() - cpu)


def closed_panels_bench(seconds: float, names: tuple[str, ...] = GENERATIVE_PRESETS
                        ) -> dict[str, float]:
    """Each preset trained by the engine with no panel open, against its plain loop."""
    out: dict[str, float] = {}
    for name in names:
        key = name.replace("-", "_")
        probe = Engine(load_preset(name), max_steps=1)
        probe.build()
        loop, headless = [], []
        for _ in range(ROUNDS):
            loop.append(paradigm_loop_rate(probe, seconds))
            headless.append(engine_rate(name, seconds, cpu=True))
        ratio = statistics.median(h / b for h, b in zip(headless, loop, strict=True))
        out[f"closed_panels_ratio_{key}"] = round(ratio, 3)
        print(f"{name:<20} plain loop {statistics.median(loop):7.1f} steps per CPU s   engine, "
              f"panels closed {statistics.median(headless):7.1f}   ratio {ratio:.3f}",
              file=sys.stderr)
    return out


STRIP_PRESET = "ddpm-digits"


def diffusion_strip_bench(repeats: int = 5) -> dict[str, float]:
    """Seconds to re-sample the diffusion strip (16 images at 50 DDIM steps) from the
    current weights, as the training thread does for the panel."""
    engine = Engine(load_preset(STRIP_PRESET), max_steps=1)
    engine.build()
    paradigm = engine.paradigm
    hp = paradigm.hparams
    if (hp["sampler"], hp["sample_steps"]) != ("ddim", 50):
        raise RuntimeError(f"{STRIP_PRESET} no longer samples with 50 DDIM steps")
    times = []
    for k in range(repeats + 1):  # the first pass pays one-time costs and is not counted
        paradigm.set_visual_option("guidance_scale", 3.0)  # as the panel's control does
        start = time.perf_counter()
        snap, = paradigm.visualize({"diffusion_trajectory"})
        if k:
            times.append(time.perf_counter() - start)
    if snap.frames.shape[1] != 16:
        raise RuntimeError(f"the strip holds {snap.frames.shape[1]} images, not 16")
    median = statistics.median(times)
    print(f"{STRIP_PRESET}: the denoising strip re-sampled in {median * 1000:.0f} ms (median of "
          f"{repeats}, slowest {max(times) * 1000:.0f} ms)", file=sys.stderr)
    return {"diffusion_strip_s_p50": round(median, 3), "diffusion_strip_s_max":
            round(max(times), 3)}


def run_bench(seconds: float = 2.0, as_json: bool = False, part: str = "all") -> int:
    threads = default_threads()
    torch.set_num_threads(threads)
    results: dict[str, float] = {"threads": threads}
    print(f"MLSP Studio bench: {threads} torch thread(s), {ROUNDS} rounds of {seconds:g} s "
          "per loop, alternating", file=sys.stderr)
    if part in ("all", "generative"):
        results.update(closed_panels_bench(seconds))
        results.update(diffusion_strip_bench())
    if part == "generative":
        if as_json:
            print(json.dumps(results))
        return 0
    for name in BENCH_PRESETS:
        key = name.replace("-", "_")
        probe = Engine(load_preset(name), max_steps=1)
        probe.build()
        bare, headless = [], []
        for _ in range(ROUNDS):
            bare.append(bare_loop_rate(probe, seconds))
            headless.append(engine_rate(name, seconds))
        ratios = [h / b for h, b in zip(headless, bare, strict=True)]
        results[f"bare_steps_per_s_{key}"] = round(statistics.median(bare), 1)
        results[f"engine_steps_per_s_{key}"] = round(statistics.median(headless), 1)
        results[f"headless_ratio_{key}"] = round(statistics.median(ratios), 3)
        print(f"{name:<12} bare loop {statistics.median(bare):8.0f} steps/s   engine headless "
              f"{statistics.median(headless):8.0f} steps/s   ratio "
              f"{statistics.median(ratios):.3f}", file=sys.stderr)
        # the bare loop right before and right after, so that drift in the machine's speed
        # during the window's longer phase weighs on both sides alike
        before = bare_loop_rate(probe, seconds)
        window = _window_bench(name, seconds)
        if window is not None:
            after = bare_loop_rate(probe, seconds)
            results[f"gui_steps_per_s_{key}"] = round(window["steps_per_s"], 1)
            results[f"gui_ratio_{key}"] = round(window["steps_per_s"] /
                                                (0.5 * (before + after)), 3)
            results[f"ui_lateness_p50_ms_{key}"] = round(window["lateness_p50_ms"], 2)
            results[f"ui_lateness_p99_ms_{key}"] = round(window["lateness_p99_ms"], 2)
            print(f"{'':<12} under the window (every panel open): "
                  f"{window['steps_per_s']:8.0f} steps/s   ratio "
                  f"{results[f'gui_ratio_{key}']:.3f}   UI lateness p50 "
                  f"{window['lateness_p50_ms']:.1f} ms, p99 {window['lateness_p99_ms']:.1f} ms"
                  f"   {window['frames'] / window['seconds']:.1f} frames/s", file=sys.stderr)
    if any(k.startswith("ui_lateness_p99_ms_") for k in results):
        results["ui_lateness_p99_ms"] = max(v for k, v in results.items()
                                            if k.startswith("ui_lateness_p99_ms_"))
        results["ui_lateness_p50_ms"] = max(v for k, v in results.items()
                                            if k.startswith("ui_lateness_p50_ms_"))
        window_s, torch_s = first_window_times()
        results["first_window_s"] = round(window_s, 3)
        results["import_torch_s"] = round(torch_s, 3)
        results["first_window_ratio"] = round(window_s / torch_s, 3)
        print(f"first window {window_s:.2f} s vs 'import torch' {torch_s:.2f} s: ratio "
              f"{results['first_window_ratio']:.2f}", file=sys.stderr)
    if any(k.startswith("gui_ratio_") for k in results):
        results.update(_sequence_bench(seconds))
        results.update(_lab_bench(seconds))
    results["history_bytes_1m_steps"] = history_bytes()
    print(f"metric history after 1,000,000 steps: "
          f"{results['history_bytes_1m_steps'] / 1024:.0f} KiB", file=sys.stderr)
    if as_json:
        print(json.dumps(results))
    return 0
