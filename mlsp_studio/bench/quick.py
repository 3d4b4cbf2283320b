"""How long the studio takes over the things a person expects at once: a built-in dataset
made, a hostile checkpoint or IDX file refused, the largest network opened and checked, a
pace held, a prompt answered headless, a stopped run's thread ended. The tests check that
each happens and is right; these are the times, measured here and never asserted."""

from __future__ import annotations

import json
import statistics
import struct
import sys
import tempfile
import time
from pathlib import Path

import torch

from ..data import make_dataset
from ..engine import Engine, EngineState
from ..engine.checkpoints import CheckpointError, load_checkpoint
from ..errors import StudioError
from ..model.catalog import BLOCKS
from ..model.graph import MAX_NODES
from ..model.presets import load_preset, presets_dir
from ..model.project import check_project, load_project
from ..readers.userfiles_idx import load_idx

BUILTIN_DATASETS = ("spiral", "circles", "xor", "blobs", "moons", "ring", "sine", "digits",
                    "noisy_digits", "signals")


def _say(text: str) -> None:
    print(text, file=sys.stderr)


def _best(call, repeats: int) -> float:
    """The fastest of ``repeats`` calls, in seconds (the others paid for the machine's load)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def dataset_times(repeats: int = 3) -> dict[str, float]:
    """Seconds to make each built-in dataset at its default size (best of ``repeats``)."""
    seconds = {name: _best(lambda n=name: make_dataset(n, {}), repeats)
               for name in BUILTIN_DATASETS}
    slowest = max(seconds, key=seconds.get)
    median = statistics.median(seconds.values())
    _say(f"built-in datasets at their default size: slowest {slowest} "
         f"{seconds[slowest] * 1000:.0f} ms, median {median * 1000:.0f} ms (best of {repeats})")
    return {"dataset_make_s_max": round(seconds[slowest], 3)}


def _hostile_checkpoints(folder: Path) -> list[Path]:
    def write(name: str, header: bytes, body: bytes = b"", length: int | None = None) -> Path:
        path = folder / name
        path.write_bytes(struct.pack("<Q", len(header) if length is None else length) + header
                         + body)
        return path

    absurd = {"weight": {"dtype": "F32", "shape": [100000, 100000],
                         "data_offsets": [0, 40_000_000_000]}}
    many = {f"t{i}": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}
            for i in range(200_000)}
    return [write("length.safetensors", b"{}", length=2**60),
            write("absurd.safetensors", json.dumps(absurd).encode()),
            write("nested.safetensors", b"[" * 200_000 + b"]" * 200_000),
            write("many.safetensors", json.dumps(many).encode())]


def refusal_times(repeats: int = 3) -> dict[str, float]:
    """Milliseconds to refuse the worst checkpoint files and an IDX file that declares a
    billion pictures (best of ``repeats`` each; the slowest file counts)."""
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        net = torch.nn.Linear(3, 2)

        def refuse(call) -> None:
            try:
                call()
            except (CheckpointError, StudioError):
                return
            raise RuntimeError("a hostile file was not refused")

        checkpoints = max(_best(lambda p=p: refuse(lambda: load_checkpoint(net, p)), repeats)
                          for p in _hostile_checkpoints(folder))
        idx = folder / "huge-idx3-ubyte"
        idx.write_bytes(struct.pack(">IIII", 0x803, 10**9, 28, 28) + bytes(100))
        huge_idx = _best(lambda: refuse(lambda: load_idx(str(idx), str(idx))), repeats)
    _say(f"hostile checkpoints refused in {checkpoints * 1000:.0f} ms at worst; an IDX header "
         f"declaring 10⁹ pictures in {huge_idx * 1000:.1f} ms")
    return {"hostile_checkpoint_refused_ms_max": round(checkpoints * 1000, 1),
            "huge_idx_refused_ms": round(huge_idx * 1000, 2)}


def largest_project_time(repeats: int = 3) -> dict[str, float]:
    """Seconds to open and check a project with the most blocks a network may hold, four
    connections between each pair in a row."""
    data = json.loads((presets_dir() / "spiral.mlsp.json").read_text(encoding="utf-8"))
    nodes = [{"id": i, "type": "Add", "params": {"inputs": 4}} for i in range(1, MAX_NODES + 1)]
    edges = [{"from": i, "to": i + 1, "port": f"in{k}"} for k in range(1, 5)
             for i in range(1, MAX_NODES)]
    data["slots"]["model"] = {"nodes": nodes, "edges": edges}
    with tempfile.TemporaryDirectory() as name:
        path = Path(name) / "largest.mlsp.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        seconds = _best(lambda: check_project(load_project(path), BLOCKS), repeats)
    _say(f"a network of {MAX_NODES} blocks and {len(edges)} connections opened and checked in "
         f"{seconds:.2f} s")
    return {"largest_project_open_s": round(seconds, 3)}


def pace_figures(pace: float = 10.0, steps: int = 20) -> dict[str, float]:
    """The engine held at ``pace`` steps per second: the rate it keeps, and how soon Step's
    one step comes at a pace of one step per second."""
    engine = Engine(load_preset("spiral"), sink=lambda event: None, threads=1)
    engine.build()
    times: list[float] = []
    step = engine.paradigm.step
    engine.paradigm.step = lambda: (times.append(time.perf_counter()), step())[1]

    def until(test, timeout: float = 60.0) -> None:
        end = time.monotonic() + timeout
        while not test():
            if time.monotonic() > end:
                raise RuntimeError("the engine did not get there in a minute")
            time.sleep(0.005)

    engine.set_pace(pace)
    engine.start(running=True)
    try:
        until(lambda: len(times) >= steps + 2)
        engine.set_pace(1)
        engine.pause()
        until(lambda: engine.state is EngineState.PAUSED)
        held = steps / (times[steps + 1] - times[1])
        done = len(times)
        sent = time.perf_counter()
        engine.step()
        until(lambda: len(times) > done)
        step_ms = (times[done] - sent) * 1000
    finally:
        engine.stop()
        engine.join(30)
    _say(f"pace {pace:g} steps/s held at {held:.2f} steps/s; Step at a pace of 1 step/s began "
         f"after {step_ms:.0f} ms")
    return {"pace_10_held_steps_per_s": round(held, 2),
            "step_at_slow_pace_ms": round(step_ms, 1)}


def stop_time(rounds: int = 5) -> dict[str, float]:
    """Milliseconds from Stop to the end of the headless engine's thread, digits-cnn running
    (the window's Stop, which also crosses to the training process, is ``stop_ms``)."""
    times = []
    for _ in range(rounds):
        engine = Engine(load_preset("digits-cnn"), max_steps=10**9, threads=1)
        engine.start()
        end = time.monotonic() + 60
        while engine.step_count < 3 and time.monotonic() < end:
            time.sleep(0.005)
        start = time.perf_counter()
        engine.stop()
        if not engine.join(60):
            raise RuntimeError("the engine's thread did not end in a minute")
        times.append(time.perf_counter() - start)
    _say(f"headless Stop → thread ended: median {statistics.median(times) * 1000:.0f} ms, "
         f"slowest {max(times) * 1000:.0f} ms ({rounds} stops)")
    return {"engine_stop_ms_p50": round(statistics.median(times) * 1000, 1),
            "engine_stop_ms_max": round(max(times) * 1000, 1)}


def generation_time(repeats: int = 5) -> dict[str, float]:
    """Milliseconds for gpt-chars (a few steps trained) to answer a prompt, headless."""
    engine = Engine(load_preset("gpt-chars"), max_steps=5, threads=1)
    engine.run_blocking()
    paradigm = engine.paradigm
    times = []
    for seed in range(repeats):
        paradigm.set_visual_option("prompt", "the red cat ")
        paradigm.set_visual_option("sample_seed", seed)
        start = time.perf_counter()
        paradigm.visualize({"generation"})
        times.append(time.perf_counter() - start)
    best = min(times)
    _say(f"gpt-chars: a {paradigm.hparams['sample_length']}-token answer in {best * 1000:.0f} ms "
         f"at best, {max(times) * 1000:.0f} ms at worst, headless")
    return {"generation_ms_min": round(best * 1000, 1),
            "generation_ms_max": round(max(times) * 1000, 1)}


def quick_answers() -> dict[str, float]:
    """Every figure of this module."""
    out: dict[str, float] = {}
    for part in (dataset_times, refusal_times, largest_project_time, pace_figures, stop_time,
                 generation_time):
        out.update(part())
    return out
