"""Run folders hold a TensorBoard event file with the same curves as metrics.csv, written
by the studio itself and read back here by TensorBoard's own reader."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from mlsp_studio.engine import Engine
from mlsp_studio.engine.outputs import write_run
from mlsp_studio.engine.tensorboard import crc32c, write_events
from mlsp_studio.model.presets import load_preset


def _read(folder: Path) -> dict[str, list[tuple[int, float]]]:
    acc = EventAccumulator(str(folder))
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def test_crc32c_matches_the_standard_check_value() -> None:
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32c(b"") == 0


def test_a_runs_curves_read_back_in_tensorboard(tmp_path: Path) -> None:
    engine = Engine(load_preset("spiral"), max_steps=120, threads=1)
    engine.run_blocking()
    written = write_run(tmp_path, engine)
    events = [p for p in written if p.name.startswith("events.out.tfevents.")]
    assert len(events) == 1 and events[0].parent == tmp_path
    curves = _read(tmp_path)
    with (tmp_path / "metrics.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    expected: dict[str, list[tuple[int, float]]] = {}
    for row in rows:
        expected.setdefault(f"{row['metric']}/{row['split']}", []).append(
            (int(row["step"]), float(row["value"])))
    assert set(curves) == set(expected) and "loss/train" in curves and "loss/val" in curves
    for tag, points in expected.items():
        assert [s for s, _ in curves[tag]] == [s for s, _ in points]
        assert [v for _, v in curves[tag]] == pytest.approx([v for _, v in points], rel=1e-5)


def test_awkward_values_and_negative_steps_are_written(tmp_path: Path) -> None:
    write_events(tmp_path, [(0, "train", "loss", float("nan")), (-1, "val", "loss", 1e30),
                            (2**40, "train", "loss", -0.5)], wall_time=1.0)
    curves = _read(tmp_path)
    steps = [s for s, _ in curves["loss/train"]]
    assert steps == [0, 2**40] and curves["loss/val"][0][0] == -1
