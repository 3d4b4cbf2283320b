"""Every preset trains a few steps; spiral reaches 0.9 accuracy in a short run."""

from __future__ import annotations

import math

import pytest

from mlsp_studio.engine import Engine, EngineState
from mlsp_studio.model.presets import load_preset, preset_names
from mlsp_studio.model.project import Project


def sized_for_this_machine(project: Project) -> Project:
    """A preset meant for a GPU (``ui.meant_for``) trains its few steps here on 4 windows of
    32 tokens: at its own size a step takes about 9 s on a 2-core CPU, and its final check
    scores over a thousand windows of 256 characters, which takes minutes. Its network,
    paradigm and dataset are the ones it ships with."""
    if project.ui.get("meant_for") == "gpu":
        project.apply_setting("batch_size", 4)
        project.apply_setting("seq_len", 32)
    return project


@pytest.mark.parametrize("name", preset_names())
def test_preset_trains_a_few_steps(name: str) -> None:
    project = sized_for_this_machine(load_preset(name))
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
