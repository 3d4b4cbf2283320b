"""Every preset trains a few steps; spiral reaches 0.9 accuracy in a short run."""

from __future__ import annotations

import math

import pytest

from mlsp_studio.engine import Engine, EngineState
from mlsp_studio.model.presets import load_preset, preset_names


@pytest.mark.parametrize("name", preset_names())
def test_preset_trains_a_few_steps(name: str) -> None:
    project = load_preset(name)
    variants = [project] + [project.with_variant(v) for v in project.variants]
    for variant in variants:
        engine = Engine(variant, max_steps=5)
        engine.run_blocking()
        assert engine.state is EngineState.FINISHED
        assert engine.step_count == 5
        assert all(math.isfinite(v) for _, v in engine.finished.final)
        assert engine.snapshots()  # every preset has something to show


def test_spiral_reaches_ninety_percent_in_a_short_run() -> None:
    engine = Engine(load_preset("spiral"), max_steps=1500)
    engine.run_blocking()
    assert dict(engine.finished.final)["test_accuracy"] >= 0.9
