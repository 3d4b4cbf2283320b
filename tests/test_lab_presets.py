"""The training-lab presets make their point: regularisation lowers the best validation loss,
and momentum and Adam get further than plain SGD in the same number of steps."""

from __future__ import annotations

import pytest

from mlsp_studio.engine import Engine
from mlsp_studio.spec.presets import load_preset


def _final(preset: str, variant: str) -> dict[str, float]:
    engine = Engine(load_preset(preset).with_variant(variant), threads=1)
    engine.run_blocking()
    return engine.summary()["final"]


@pytest.mark.slow
def test_regularisation_lowers_the_best_validation_loss() -> None:
    plain = _final("overfit-regularize", "plain")
    regularized = _final("overfit-regularize", "regularized")
    assert regularized["best_val_loss"] < plain["best_val_loss"]
    # the plain network overfits: its last validation loss is well above its best
    assert plain["val_loss"] > 1.2 * plain["best_val_loss"]


@pytest.mark.slow
def test_momentum_and_adam_beat_plain_sgd_in_the_same_steps() -> None:
    accuracy = {v: _final("optimizers", v)["test_accuracy"] for v in ("sgd", "momentum", "adam")}
    assert accuracy["adam"] >= 0.95 and accuracy["momentum"] >= 0.9
    assert accuracy["sgd"] < min(accuracy["momentum"], accuracy["adam"]) - 0.2
