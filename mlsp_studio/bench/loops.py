"""The bench's loops without a window: a bare PyTorch loop, the engine headless, the paradigms'
own steps, and the diffusion strip. Each figure is a ratio measured in one run on the same
network, data, batch size, optimiser and thread count, alternating the loops so that
machine load affects both alike."""

from __future__ import annotations

import copy
import statistics
import sys
import time

import torch
import torch.nn.functional as F

from ..engine import Engine, MetricHistory
from ..model.presets import load_preset
from ..model.project import Project
from ..paradigms.optim import make_optimizer

BENCH_PRESETS = ("spiral", "digits-cnn")
ROUNDS = 3


def built(name: str) -> Engine:
    """A preset's engine with its data and networks made, for a loop to drive."""
    engine = Engine(load_preset(name), max_steps=1)
    engine.build()
    return engine


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
    if x.is_cuda:  # the steps queued on the GPU count once they are done
        torch.cuda.synchronize(x.device)
    return steps / (time.perf_counter() - start)


def engine_rates(target: str | Project, seconds: float) -> tuple[float, float]:
    """Steps per wall second and per CPU second of its training thread of the engine
    headless, every panel closed, on a preset (by name) or a project."""
    project = load_preset(target) if isinstance(target, str) else target.copy()
    engine = Engine(project, max_seconds=seconds, max_steps=10**9)
    engine.build()
    engine.run_blocking()
    return engine.step_count / engine.elapsed, engine.step_count / engine.cpu_elapsed


def engine_rate(target: str | Project, seconds: float, cpu: bool = False) -> float:
    """:func:`engine_rates`, per wall second or with ``cpu`` per CPU second."""
    return engine_rates(target, seconds)[1 if cpu else 0]


def history_bytes(steps: int = 1_000_000) -> int:
    history = MetricHistory()
    for step in range(1, steps + 1):
        history.add(step, "train", "loss", 1.0)
    return history.nbytes()


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
        probe = built(name)
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
    paradigm = built(STRIP_PRESET).paradigm
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
