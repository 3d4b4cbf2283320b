"""Helpers for the recording tests: one snapshot list per kind (every kind the paradigms make,
with the degenerate ones the panel tests draw), and recordings written in a folder."""

from __future__ import annotations

import dataclasses
import importlib
import sys
from pathlib import Path

from mlsp_studio.engine.recording import RecordingWriter
from mlsp_studio.messages.events import Finished, MetricsBatch

sys.path.insert(0, str(Path(__file__).parent / "gui"))  # the panel tests' snapshot cases

CASE_MODULES = ("autoencoder", "contrastive", "diffusion", "flow", "gan", "lab", "math", "seq",
                "text")


def snapshots_by_kind() -> dict[str, list]:
    """kind -> snapshots of it, steps 1, 2, 3, ... in order."""
    from test_figures import SNAPSHOTS  # the shared kinds, ordinary and awkward

    found: dict[str, list] = {}
    for name in CASE_MODULES:
        module = importlib.import_module(f"{name}_snapshot_cases")
        table = next(v for k, v in vars(module).items() if k.endswith("_SNAPSHOTS"))
        for kind, make in table.items():
            found.setdefault(kind, []).extend(make())
    for snap in SNAPSHOTS.values():
        found.setdefault(snap.kind, []).append(snap)
    return {kind: [dataclasses.replace(s, step=k + 1) for k, s in enumerate(snaps)]
            for kind, snaps in found.items()}


def write_small(folder: Path, steps: int = 50, kinds: tuple[str, ...] = ("boundary",),
                snapshots: dict[str, list] | None = None, end: bool = True) -> RecordingWriter:
    """A recording of ``steps`` steps: train loss each step, validation every 10, the given
    snapshots, ended unless ``end`` is false."""
    writer = RecordingWriter(folder, kinds, flush_every_s=3600)
    writer(MetricsBatch(tuple((s, "train", "loss", 1.0 / s) for s in range(1, steps + 1))))
    writer(MetricsBatch(tuple((s, "val", "loss", 2.0 / s) for s in range(10, steps + 1, 10))))
    for snaps in (snapshots or {}).values():
        for snap in snaps:
            writer(snap)
    writer.flush()
    if end:
        writer(Finished(steps, 1.0, (), "done"))
    return writer
