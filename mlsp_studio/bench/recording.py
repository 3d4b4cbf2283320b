"""What recording a run costs: training speed with the recording written ÷ without, headless,
and the bytes a 1,000,000-step run's recording takes (fed synthetic events, no training)."""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

from ..engine import Engine
from ..engine.outputs import record_run
from ..engine.recording import RecordingWriter
from ..messages.events import Finished, MetricsBatch, Status
from ..model.presets import load_preset
from ..snapshots.kinds import ConfusionMatrix, DecisionBoundary, FeatureMaps
from .loops import ROUNDS

RECORDING_PRESETS = ("spiral", "gpt-chars")


def recorded_rate(name: str, seconds: float, record: bool) -> float:
    """Steps per second of a preset trained headless for ``seconds``, recorded or not."""
    engine = Engine(load_preset(name), max_seconds=seconds, max_steps=10**9)
    engine.build()
    with tempfile.TemporaryDirectory(prefix="mlsp-bench-recording-") as folder:
        if record:
            record_run(engine, folder)
        engine.run_blocking()
    return engine.step_count / engine.elapsed


def overhead_bench(seconds: float) -> dict[str, float]:
    """Each preset with and without its recording, alternating ``ROUNDS`` times."""
    out: dict[str, float] = {}
    for name in RECORDING_PRESETS:
        bare, recorded = [], []
        for _ in range(ROUNDS):
            bare.append(recorded_rate(name, seconds, record=False))
            recorded.append(recorded_rate(name, seconds, record=True))
        ratio = statistics.median(r / b for r, b in zip(recorded, bare, strict=True))
        out[f"recording_overhead_ratio_{name.replace('-', '_')}"] = round(ratio, 3)
        print(f"{name:<12} headless {statistics.median(bare):8.0f} steps/s   recorded "
              f"{statistics.median(recorded):8.0f} steps/s   ratio {ratio:.3f}", file=sys.stderr)
    return out


def synthetic_snapshots(step: int, rng: np.random.Generator) -> list:
    """Snapshots of the sizes a run sends: a decision boundary on a 100 × 100 grid (120 kB),
    a 10-class confusion matrix and feature maps of a small CNN (about 60 kB)."""
    grid = np.linspace(-1, 1, 100)
    probs = rng.random((100, 100, 3), dtype=np.float32)
    return [DecisionBoundary(step=step, xs=grid, ys=grid, probs=probs,
                             points=rng.random((200, 2)), labels=rng.integers(0, 3, 200)),
            ConfusionMatrix(step=step, matrix=rng.integers(0, 50, (10, 10))),
            FeatureMaps(step=step, input=rng.random((28, 28), dtype=np.float32),
                        layers=(("conv", rng.random((16, 28, 28), dtype=np.float32)),))]


def feed_synthetic(writer: RecordingWriter, steps: int, every: int = 1000,
                   batch: int = 30) -> None:
    """Give ``writer`` what a ``steps``-step run would: two training metrics a step (in
    batches of ``batch`` steps), validation every 100 steps, three kinds of snapshot every
    ``every`` steps (at 1,000 steps/s, a frame a second: twice what a headless run asks
    for), each written as it comes, then its end."""
    rng = np.random.default_rng(0)
    for first in range(1, steps + 1, batch):
        last = min(steps, first + batch - 1)
        records = [(s, "train", name, 1.0 / s) for s in range(first, last + 1)
                   for name in ("loss", "accuracy")]
        records += [(s, "val", "loss", 1.0 / s) for s in range(first, last + 1) if s % 100 == 0]
        writer(MetricsBatch(tuple(records)))
        if last // every != (first - 1) // every:
            for snap in synthetic_snapshots(last, rng):
                writer(snap)
            writer(Status("running", last, 0, steps, 1000.0, last / 1000.0, "cpu"))
            writer.flush()
    writer(Finished(steps, steps / 1000.0, (("test_accuracy", 0.9),), "done"))


def recording_bytes(steps: int = 1_000_000) -> int:
    """Bytes of the recording of a ``steps``-step run (synthetic events, written to disk)."""
    with tempfile.TemporaryDirectory(prefix="mlsp-bench-recording-") as folder:
        writer = RecordingWriter(Path(folder), ("boundary", "confusion", "feature_maps"))
        feed_synthetic(writer, steps)
        return writer.nbytes


def recording_bench(seconds: float) -> dict[str, float]:
    out = overhead_bench(seconds)
    out["recording_bytes_1m_steps"] = recording_bytes()
    print(f"recording after 1,000,000 steps: {out['recording_bytes_1m_steps'] / 1e6:.1f} MB",
          file=sys.stderr)
    return out
