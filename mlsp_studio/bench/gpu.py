"""``mlsp-studio bench --part gpu``: the CUDA path measured on a machine with an NVIDIA GPU,
in one command that takes a few minutes.

- steps/s of digits-cnn, gpt-chars and ddpm-digits on the GPU and on this machine's CPU;
- the engine against the plainest PyTorch loop on the GPU (digits-cnn);
- bfloat16 (``--precision bf16``) against float32 on the GPU;
- gpt-chars-large, the preset meant for a GPU: steps/s and its whole run in hours;
- with two GPUs or more, digits-cnn on two processes over NCCL against one.

Every run starts with a short one that is thrown away (CUDA's first kernels, cuDNN's choice
of algorithms), then the figure is the best of a few alternating rounds.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import torch

from ..engine import Engine, EngineState
from ..errors import StudioError
from ..model.presets import load_preset
from .loops import bare_loop_rate
from .processes import examples_per_second

GPU_PRESETS = ("digits-cnn", "gpt-chars", "ddpm-digits")
LARGE = "gpt-chars-large"
ROUNDS = 2


def _engine(name: str, device: str, seconds: float | None, precision: str = "float32"
            ) -> Engine:
    """The preset built on ``device``: to train for ``seconds``, or (None) as it stands."""
    project = load_preset(name)
    project.apply_setting("device", device)
    engine = Engine(project, max_seconds=seconds, max_steps=10**9 if seconds else None,
                    precision=precision)
    engine.build()
    return engine


def device_rate(name: str, device: str, seconds: float, precision: str = "float32") -> float:
    """Steps per second of the engine headless on ``device``, after a thrown-away warm-up."""
    _engine(name, device, min(1.0, seconds), precision).run_blocking()
    best = 0.0
    for _ in range(ROUNDS):
        engine = _engine(name, device, seconds, precision)
        engine.run_blocking()
        if engine.state is EngineState.ERROR:
            raise StudioError(f"{name} on {device}: {engine.message}")
        best = max(best, engine.step_count / engine.elapsed)
    return best


def bare_ratio(name: str, device: str, seconds: float) -> tuple[float, float]:
    """(engine, bare loop) steps/s on ``device``, alternating, each the best of its rounds."""
    probe = _engine(name, device, None)
    bare_loop_rate(probe, min(1.0, seconds))  # warm-up
    bare = max(bare_loop_rate(probe, seconds) for _ in range(ROUNDS))
    return device_rate(name, device, seconds), bare


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def gpu_bench(seconds: float) -> dict[str, float]:
    """The figures above; a StudioError in a sentence on a machine without a usable GPU."""
    if not torch.cuda.is_available():
        raise StudioError("the GPU part of the bench needs a usable NVIDIA GPU, and this "
                          "machine has none; run it on the GPU machine")
    _say(f"GPU: {torch.cuda.get_device_name(0)}, {torch.cuda.device_count()} of them; "
         f"CPU: {torch.get_num_threads()} torch threads")
    figures: dict[str, float] = {"gpus": torch.cuda.device_count()}
    for name in GPU_PRESETS:
        key = name.replace("-", "_")
        gpu = device_rate(name, "cuda", seconds)
        cpu = device_rate(name, "cpu", seconds)
        figures |= {f"gpu_steps_per_s_{key}": round(gpu, 1),
                    f"cpu_steps_per_s_{key}": round(cpu, 1),
                    f"gpu_over_cpu_{key}": round(gpu / cpu, 2)}
        line = f"{name:<12} GPU {gpu:8.1f} steps/s   CPU {cpu:8.1f} steps/s   ×{gpu / cpu:.1f}"
        if torch.cuda.is_bf16_supported():
            half = device_rate(name, "cuda", seconds, "bf16")
            figures[f"gpu_bf16_over_float32_{key}"] = round(half / gpu, 3)
            line += f"   bf16 ÷ float32 {half / gpu:.2f}"
        _say(line)
    engine, bare = bare_ratio("digits-cnn", "cuda", seconds)
    figures |= {"gpu_engine_steps_per_s_digits_cnn": round(engine, 1),
                "gpu_bare_steps_per_s_digits_cnn": round(bare, 1),
                "gpu_headless_ratio_digits_cnn": round(engine / bare, 3)}
    _say(f"digits-cnn on the GPU: engine {engine:.0f} ÷ bare loop {bare:.0f} steps/s = "
         f"{engine / bare:.3f}")
    large = device_rate(LARGE, "cuda", seconds)
    steps = _engine(LARGE, "cuda", None).total_steps
    figures |= {"gpu_steps_per_s_gpt_chars_large": round(large, 2),
                "gpu_hours_gpt_chars_large": round(steps / large / 3600, 3)}
    _say(f"{LARGE}: {large:.2f} steps/s on the GPU, its {steps:,} steps in "
         f"{steps / large / 3600:.2f} h")
    if torch.cuda.device_count() >= 2:
        with tempfile.TemporaryDirectory() as folder:
            one, two = (examples_per_second(n, max(seconds, 4.0), Path(folder),
                                            device="cuda") for n in (1, 2))
        figures["nccl_samples_per_s_ratio_digits_cnn"] = round(two / one, 3)
        _say(f"digits-cnn on 2 GPUs (NCCL) ÷ 1: {two / one:.3f}")
    else:
        _say("one GPU: the run on two GPUs over NCCL needs two")
    return figures
