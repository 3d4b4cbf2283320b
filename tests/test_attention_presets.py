"""The attention presets learn in short runs, and each shows what it is for: turning positional
encoding off breaks the transformer that reverses a row."""

from __future__ import annotations

import pytest

from mlsp_studio.engine import Engine
from mlsp_studio.model.presets import load_preset

PRESETS = ("seq2seq-attention", "transformer-reverse", "vit-digits", "conformer-signals")


def _train(name: str, steps: int, variant: str | None = None, **options) -> dict[str, float]:
    project = load_preset(name)
    if variant:
        project = project.with_variant(variant)
    project.dataset_options.update(options)
    project.hparams["eval_every"] = 10_000  # the short runs skip validation along the way
    engine = Engine(project, max_steps=steps, threads=1)
    engine.build()
    before = engine.paradigm.evaluate("test")
    engine.run_blocking()
    after = dict(engine.finished.final)
    assert engine.snapshots(), f"{name} has nothing to show"
    return {"loss_before": before["loss"], **after}


@pytest.mark.parametrize("name", PRESETS)
def test_preset_loads_with_a_description_and_order(name: str) -> None:
    from mlsp_studio.model.catalog import BLOCKS
    from mlsp_studio.model.presets import preset_names
    from mlsp_studio.model.project import check_project

    project = load_preset(name)
    assert len(project.description) > 200 and project.ui["title"]
    assert name in preset_names()
    for variant in [None, *project.variants]:
        p = project.with_variant(variant) if variant else project
        check = check_project(p, BLOCKS)
        assert check.ok, check.errors


def test_seq2seq_attention_learns_to_reverse() -> None:
    # a short run on shorter strings; the README's target (exact match ≥ 0.9 with the
    # preset's own settings) is asserted in test_preset_targets.py
    final = _train("seq2seq-attention", 150, n_samples=800, length=6)
    assert final["test_loss"] < final["loss_before"] / 3
    assert final["test_accuracy"] > 0.6
    assert 0.0 <= final["test_exact_match"] <= final["test_accuracy"]


def test_transformer_reverse_needs_its_positional_encoding() -> None:
    with_position = _train("transformer-reverse", 120, n_samples=1200)
    without = _train("transformer-reverse", 120, "no-position", n_samples=1200)
    assert with_position["test_loss"] < with_position["loss_before"] / 2
    assert with_position["test_accuracy"] > 0.8
    assert without["test_accuracy"] < 0.4
    assert with_position["test_accuracy"] > without["test_accuracy"] + 0.4


def test_vit_digits_learns() -> None:
    # a short run; the README's target (test accuracy ≥ 0.95 with the preset's own budget)
    # is asserted in test_preset_targets.py
    final = _train("vit-digits", 300)
    assert final["test_loss"] < final["loss_before"] / 2
    assert final["test_accuracy"] > 0.6  # ten classes: chance is 0.1


def test_conformer_signals_learns() -> None:
    final = _train("conformer-signals", 60, n_samples=300)
    assert final["test_loss"] < final["loss_before"]
    assert final["test_accuracy"] > 0.5  # five classes: chance is 0.2
