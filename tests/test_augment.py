"""Data augmentation in supervised training: training batches only, shapes and value ranges
kept, reproducible from the seed, refused for token data, and switched on live."""

from __future__ import annotations

import pytest
import torch
from engine_steps import built_engine, paused_engine, step_and_wait

from mlsp_studio.data import make_dataset
from mlsp_studio.errors import StudioError
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.live import live_changes
from mlsp_studio.model.presets import load_preset
from mlsp_studio.model.project import check_project
from mlsp_studio.paradigms.augment import Augmenter, _shifted, refusal


def _fed(net: torch.nn.Module, training: bool | None = None) -> list[torch.Tensor]:
    """Every input batch the network is called with from now on (only those in training or
    evaluation mode when ``training`` says which)."""
    seen: list[torch.Tensor] = []

    def hook(module: torch.nn.Module, args: tuple) -> None:
        if training is None or module.training == training:
            seen.append(args[0].detach().clone())

    net.register_forward_pre_hook(hook)
    return seen


def _rows_of(batch: torch.Tensor, data: torch.Tensor) -> int:
    """How many rows of ``batch`` are exactly rows of ``data``."""
    same = (batch.reshape(len(batch), 1, -1) == data.reshape(1, len(data), -1)).all(-1)
    return int(same.any(1).sum())


def test_augmentation_alters_training_batches_only() -> None:
    plain, augmented = built_engine(), built_engine(augment=True)
    fed = _fed(augmented.nets["model"])
    augmented.paradigm.step()
    batch = fed[-1]
    train_x = augmented.data.train.x
    assert batch.shape[1:] == train_x.shape[1:]
    assert _rows_of(batch, train_x) == 0  # every point was jittered
    assert torch.cdist(batch, train_x).min(1).values.max() < 0.5  # moved only a little
    # validation and test examples go in as they are, and score as without augmentation
    fed.clear()
    metrics = augmented.paradigm.evaluate("val")
    assert torch.equal(fed[-1], augmented.data.val.x)
    augmented.paradigm.hparams["augment"] = False
    assert augmented.paradigm.evaluate("test") == augmented.paradigm.evaluate("test")
    assert augmented.paradigm.evaluate("val") == metrics
    fed_plain = _fed(plain.nets["model"])
    plain.paradigm.step()
    assert _rows_of(fed_plain[-1], plain.data.train.x) == len(fed_plain[-1])


def test_images_keep_their_shape_and_value_range_and_move_by_whole_pixels() -> None:
    data = make_dataset("digits", {})
    x, y = data.train.x[:64], data.train.y[:64]
    out, labels = Augmenter("image", data.train.x, seed=0)(x, y, 2.0)
    assert out.shape == x.shape and torch.equal(labels, y)
    assert out.min() >= 0.0 and out.max() <= 1.0 and not torch.equal(out, x)
    picture = torch.arange(16.0).reshape(1, 1, 4, 4)
    moved = _shifted(picture, torch.tensor([[1, -1]]), 1)  # one down, one left
    assert torch.equal(moved[0, 0, 0], torch.zeros(4))  # zeros come in at the top
    assert torch.equal(moved[0, 0, 1:, :3], picture[0, 0, :3, 1:])
    assert torch.equal(moved[0, 0, :, 3], torch.zeros(4))  # and on the right
    flat = make_dataset("digits", {"flatten": True})
    out, _ = Augmenter("image", flat.train.x, seed=0)(flat.train.x[:8], flat.train.y[:8], 1.0)
    assert out.shape == (8, 64) and out.min() >= 0.0 and out.max() <= 1.0


def test_signals_are_delayed_scaled_and_noised_with_their_shape() -> None:
    data = make_dataset("signals", {})
    x, y = data.train.x[:32], data.train.y[:32]
    out, labels = Augmenter("signal", data.train.x, seed=3)(x, y, 1.0)
    assert out.shape == x.shape and torch.equal(labels, y)
    assert not torch.allclose(out, x, atol=1e-3)
    # a delay, a gain and light noise: each altered signal still follows its original
    corr = [torch.corrcoef(torch.stack([torch.roll(x[i, 0], s), out[i, 0]]))[0, 1].item()
            for i in range(len(x)) for s in range(-12, 13)]
    best = torch.tensor(corr).reshape(len(x), -1).max(1).values
    assert (best > 0.8).float().mean() > 0.9


def test_augmentation_is_reproducible_from_the_seed() -> None:
    data = make_dataset("digits", {})
    x, y = data.train.x[:16], data.train.y[:16]
    first = Augmenter("image", data.train.x, seed=5)(x, y, 1.0)[0]
    again = Augmenter("image", data.train.x, seed=5)(x, y, 1.0)[0]
    other = Augmenter("image", data.train.x, seed=6)(x, y, 1.0)[0]
    assert torch.equal(first, again) and not torch.equal(first, other)
    runs = [built_engine(augment=True) for _ in range(2)]
    for engine in runs:
        for _ in range(3):
            engine.paradigm.step()
    a, b = (e.nets["model"].state_dict() for e in runs)
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_augmentation_is_refused_for_token_data_with_a_sentence() -> None:
    assert refusal("points2d") is None and refusal("image") is None
    assert "not available for token or sequence data" in refusal("tokens")
    with pytest.raises(StudioError, match="not available for token or sequence data"):
        built_engine("rnn-vs-lstm", None, augment=True)
    # the project check says it too, so the window can show it before Run is pressed
    project = load_preset("rnn-vs-lstm")
    project.hparams["augment"] = True
    errors = check_project(project, BLOCKS).errors
    assert sum("not available for token or sequence data" in e for e in errors) == 1
    assert not check_project(load_preset("rnn-vs-lstm"), BLOCKS).errors


def test_augmentation_switches_on_live_at_the_next_step_and_is_marked() -> None:
    running = load_preset("overfit-regularize").with_variant("plain")
    edited = load_preset("overfit-regularize").with_variant("plain")
    edited.hparams["augment"] = True
    assert live_changes(running, edited) == [("augment", True)]
    edited.hparams["ensemble"] = 3
    assert live_changes(running, edited) is None  # more networks: the run starts over
    with paused_engine(running) as engine:
        fed = _fed(engine.nets["model"], training=True)
        step_and_wait(engine, 2)
        train_x = engine.data.train.x
        assert _rows_of(fed[-1], train_x) == len(fed[-1])
        engine.set_live("augment", True)
        step_and_wait(engine, 1)
        assert _rows_of(fed[-1], train_x) == 0  # the very next step was augmented
        assert (2, "change", "augment", 1.0) in list(engine.history.records())
        engine.set_live("augment_strength", 9.0)
        step_and_wait(engine, 1)
        assert "augment_strength must be" in engine.message
        engine.set_live("augment", False)
        step_and_wait(engine, 1)
        assert _rows_of(fed[-1], train_x) == len(fed[-1])


def test_augmentation_cannot_be_switched_on_live_for_token_data() -> None:
    with paused_engine(load_preset("rnn-vs-lstm"), max_steps=100) as engine:
        step_and_wait(engine, 1)
        engine.set_live("augment", True)
        step_and_wait(engine, 1)
        assert "not available for token or sequence data" in engine.message
        assert engine.paradigm.hparams["augment"] is False
