"""The training-lab presets make their point: regularisation lowers the best validation loss,
and momentum and Adam get further than plain SGD in the same number of steps."""

from __future__ import annotations

import pytest

from mlsp_studio.engine import Engine
from mlsp_studio.model.presets import load_preset


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


def test_the_unet_shows_noisy_cleaned_and_clean_digits_at_any_noise_level() -> None:
    engine = Engine(load_preset("unet-denoise"), max_steps=20, threads=1)
    engine.run_blocking()
    paradigm = engine.paradigm
    assert "reconstructions" in paradigm.visual_kinds
    snap = paradigm.visualize({"reconstructions"})[0]
    assert snap.inputs.shape == snap.noisy.shape == snap.outputs.shape == (8, 1, 8, 8)
    assert snap.noise_level == 0.3
    paradigm.set_visual_option("noise_level_view", 0.0)
    quiet = paradigm.visualize({"reconstructions"})[0]
    assert quiet.noisy_mse == 0.0 and quiet.noise_level == 0.0
    paradigm.set_visual_option("noise_level_view", 1.0)
    loud = paradigm.visualize({"reconstructions"})[0]
    assert loud.noisy_mse > snap.noisy_mse > quiet.noisy_mse


@pytest.mark.slow
def test_the_skip_connection_lowers_the_test_error() -> None:
    skip = _final("unet-denoise", "skip")["test_mse"]
    noskip = _final("unet-denoise", "noskip")["test_mse"]
    assert skip < noskip < 0.09  # both clean the digits (the noisy input scores about 0.09)
