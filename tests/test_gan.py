"""The GAN paradigm: the round of k discriminator steps and one generator step, both generator
losses (the reversal gradient is minus the discriminator's), the mode metrics, divergence,
the note on collapse, its pictures and figures, and gan-ring reaching its target."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mlsp_studio.engine.engine import Engine, EngineState
from mlsp_studio.model.presets import load_preset
from mlsp_studio.paradigms.base import NonFiniteLoss
from mlsp_studio.paradigms.gan.snapshots import arrow_segments, sample_mosaic
from mlsp_studio.paradigms.gan.train import BalanceHistory, mode_metrics
from mlsp_studio.report.figures import FILE_NAMES, snapshot_figure

sys.path.insert(0, str(Path(__file__).parent / "gui"))
from gan_snapshot_cases import GAN_SNAPSHOTS, ring_centres  # noqa: E402


def _engine(preset: str = "gan-ring", **hparams) -> Engine:
    project = load_preset(preset)
    project.hparams.update(hparams)
    engine = Engine(project, max_steps=10, threads=1)
    engine.build()
    return engine


def _params(net: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in net.parameters()]


def _same(a: list[torch.Tensor], b: list[torch.Tensor]) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


# --- the round ---------------------------------------------------------------------------------

@pytest.mark.parametrize("loss", ["flip", "reversal"])
def test_a_round_is_k_discriminator_steps_then_one_generator_step(loss: str) -> None:
    gan = _engine(d_steps=3, generator_loss=loss).paradigm
    g_start = _params(gan.G)
    order: list[str] = []
    d_seen: list[list[torch.Tensor]] = []

    def on_d(*_) -> None:
        order.append("d")
        d_seen.append(_params(gan.D))
        assert _same(_params(gan.G), g_start)  # the generator holds still meanwhile

    gan.d_opt.register_step_post_hook(on_d)
    gan.g_opt.register_step_post_hook(lambda *_: order.append("g"))
    d_before = _params(gan.D)
    out = gan.step()
    assert order == ["d", "d", "d", "g"]
    for before, after in zip([d_before, *d_seen], d_seen, strict=False):
        assert not _same(before, after)  # each discriminator step moved it
    assert _same(_params(gan.D), d_seen[-1])  # the generator's step left D alone
    assert not _same(_params(gan.G), g_start)
    assert set(out) == {"loss", "d_loss", "g_loss", "d_real", "d_fake"}
    assert out["loss"] == pytest.approx(out["d_loss"] + out["g_loss"])
    assert 0.0 < out["d_real"] < 1.0 and 0.0 < out["d_fake"] < 1.0
    assert (out["g_loss"] < 0) == (loss == "reversal")  # log(1 − D) is below 0
    assert gan.steps_done == 1


def test_discriminator_loss_is_ln2_when_it_cannot_tell() -> None:
    gan = _engine().paradigm
    zeros = torch.zeros(16)
    assert gan._d_loss(zeros, zeros).item() == pytest.approx(math.log(2))
    sure = gan._d_loss(torch.full((4,), 20.0), torch.full((4,), -20.0)).item()
    assert sure < 1e-6


def _grads(loss: torch.Tensor, net: torch.nn.Module) -> list[torch.Tensor]:
    return torch.autograd.grad(loss, list(net.parameters()), retain_graph=True)


def test_flip_gradient_is_that_of_scoring_fakes_as_real() -> None:
    gan = _engine().paradigm
    z = torch.randn(32, gan.latent, generator=torch.Generator().manual_seed(3))
    loss, _, value = gan.generator_loss(z)
    logit = gan.D(gan.G(z)).reshape(-1)
    expected = F.binary_cross_entropy_with_logits(logit, torch.ones_like(logit))
    assert value == pytest.approx(expected.item(), rel=1e-6)
    for got, want in zip(_grads(loss, gan.G), _grads(expected, gan.G), strict=True):
        torch.testing.assert_close(got, want)


def test_reversal_gradient_is_minus_the_discriminators_fake_loss_gradient() -> None:
    gan = _engine(generator_loss="reversal").paradigm
    z = torch.randn(32, gan.latent, generator=torch.Generator().manual_seed(4))
    loss, _, value = gan.generator_loss(z)
    logit = gan.D(gan.G(z)).reshape(-1)
    fake_loss = F.binary_cross_entropy_with_logits(logit, torch.zeros_like(logit))
    assert value == pytest.approx(-fake_loss.item(), rel=1e-6)
    pairs = list(zip(_grads(loss, gan.G), _grads(fake_loss, gan.G), strict=True))
    assert any(g.abs().max() > 0 for g, _ in pairs)
    for got, through_d in pairs:
        torch.testing.assert_close(got, -through_d)
    # the discriminator's own gradient from the same loss is not reversed
    for got, want in zip(_grads(loss, gan.D), _grads(fake_loss, gan.D), strict=True):
        torch.testing.assert_close(got, want)


def test_a_non_finite_loss_raises_before_any_weight_moves() -> None:
    engine = _engine()
    gan = engine.paradigm
    with torch.no_grad():
        next(gan.D.parameters()).fill_(float("nan"))
    g_before, d_before = _params(gan.G), _params(gan.D)
    with pytest.raises(NonFiniteLoss):
        gan.step()
    assert _same(_params(gan.G), g_before)
    assert _same([p.nan_to_num() for p in _params(gan.D)],
                 [p.nan_to_num() for p in d_before])
    engine.run_blocking()
    assert engine.state is EngineState.DIVERGED and "diverged at step 1" in engine.message


# --- the metrics -------------------------------------------------------------------------------

def test_samples_on_one_mode_cover_one_mode() -> None:
    centres = ring_centres()
    rng = np.random.default_rng(0)
    samples = centres[3] + rng.normal(0, 0.05, (2000, 2))
    covered, quality = mode_metrics(samples, centres, 0.05)
    assert covered == 1 and quality > 0.99


def test_samples_on_every_mode_cover_all_and_far_ones_are_bad() -> None:
    centres = ring_centres()
    rng = np.random.default_rng(1)
    good = centres[np.arange(1600) % 8] + rng.normal(0, 0.05, (1600, 2))
    far = rng.uniform(-0.5, 0.5, (400, 2))  # near the middle of the ring: no mode's
    covered, quality = mode_metrics(np.concatenate([good, far]), centres, 0.05)
    # a 2-D normal lies within 3 standard deviations with chance 1 − exp(−4.5) ≈ 0.989
    assert covered == 8 and quality == pytest.approx(0.8 * (1 - math.exp(-4.5)), abs=0.01)
    assert mode_metrics(far, centres, 0.05) == (0, 0.0)


def test_a_mode_needs_one_percent_of_the_samples() -> None:
    centres = ring_centres()
    samples = np.repeat(centres[:2], [1981, 19], axis=0)  # 19 of 2000 is under 1 %
    assert mode_metrics(samples, centres, 0.05)[0] == 1
    samples = np.repeat(centres[:2], [1980, 20], axis=0)
    assert mode_metrics(samples, centres, 0.05)[0] == 2
    with_nan = np.concatenate([samples, np.full((2000, 2), np.nan)])
    assert mode_metrics(with_nan, centres, 0.05)[1] == pytest.approx(0.5)


def test_final_numbers_and_a_collapse_said_in_words() -> None:
    engine = _engine()
    engine.run_blocking()
    final = dict(engine.finished.final)
    assert {"modes_covered", "high_quality_fraction", "val_loss", "val_d_real",
            "test_d_fake"} <= set(final)
    gan = engine.paradigm
    assert gan.mode_scores() == gan.mode_scores()  # fixed noise: the same figures each time
    note = gan.final_note({"modes_covered": 3.0, "val_d_real": 0.6, "val_d_fake": 0.4})
    assert "only 3 of the 8" in note and "mode collapse" in note
    assert "None of the 8" in gan.final_note({"modes_covered": 0.0})
    assert "the other 2 get almost none" in gan.final_note({"modes_covered": 6.0})
    assert "7 of the 8 clouds; the last one gets" in gan.final_note({"modes_covered": 7.0})
    assert gan.final_note({"modes_covered": 8.0, "val_d_real": 0.55, "val_d_fake": 0.45}) == ""
    assert "tells nearly every" in gan.final_note({"modes_covered": 8.0, "val_d_real": 0.99,
                                                   "val_d_fake": 0.01})
    both = gan.final_note({"modes_covered": 0.0, "val_d_real": 1.0, "val_d_fake": 0.0})
    assert both.startswith("None of the 8") and "Try a smaller d_lr" in both
    assert "Train longer" not in both


def test_balance_history_stays_bounded_and_spans_the_run() -> None:
    history = BalanceHistory(cap=100)
    for step in range(1, 5001):
        history.add(step, {"d_real": 0.6, "d_fake": 0.4, "d_loss": 0.7, "g_loss": step})
    rows = history.arrays()
    assert len(rows) <= 101 and rows[0, 0] < 50 and rows[-1, 0] > 4900
    np.testing.assert_allclose(rows[:, 1], 0.6)
    np.testing.assert_allclose(rows[:, 4], rows[:, 0])  # averaged alike: g_loss = step


# --- pictures ----------------------------------------------------------------------------------

def test_field_snapshot_and_the_arrows_toggle() -> None:
    engine = _engine()
    engine.run_blocking()
    gan = engine.paradigm
    assert gan.visual_kinds == {"gan_field", "gan_balance"}
    (field,) = gan.visualize({"gan_field"})
    assert field.probs.shape == (64, 64) and 0 <= field.probs.min() <= field.probs.max() <= 1
    assert field.fake.shape == (500, 2) and field.real.shape[1] == 2
    assert field.arrow_from.shape == field.arrow_vec.shape == (100, 2)
    np.testing.assert_allclose(field.arrow_from, field.fake[:100], atol=1e-6)
    assert len(field.centres) == 8 and field.spread == pytest.approx(0.05)
    # each arrow points up the discriminator's score: where the generator wants to go
    start = torch.from_numpy(np.array(field.arrow_from))
    step = torch.from_numpy(np.array(field.arrow_vec))
    step = 1e-3 * step / step.norm(dim=1, keepdim=True).clamp_min(1e-12)
    with torch.no_grad():
        rise = gan.D(start + step).reshape(-1) - gan.D(start).reshape(-1)
    assert (rise > 0).float().mean() > 0.9
    gan.set_visual_option("show_arrows", False)
    (field,) = gan.visualize({"gan_field"})
    assert field.arrow_from.shape == (0, 2)
    (balance,) = gan.visualize({"gan_balance"})
    assert len(balance.steps) == 10 and balance.steps[-1] == 10


def test_sample_grid_shows_the_same_noise_every_time() -> None:
    engine = _engine("gan-digits")
    gan = engine.paradigm
    assert gan.visual_kinds == {"gan_samples", "gan_balance"}
    (first,) = gan.visualize({"gan_samples"})
    (again,) = gan.visualize({"gan_samples"})
    assert first.images.shape == (64, 8, 8) and first.cols == 8
    np.testing.assert_array_equal(first.images, again.images)
    assert 0 <= first.images.min() and first.images.max() <= 1   # the sigmoid's range
    gan.step()
    (later,) = gan.visualize({"gan_samples"})
    assert not np.array_equal(later.images, first.images)
    assert later.scores.shape == (64,)


def test_arrows_keep_their_relative_lengths_and_mosaic_has_gaps() -> None:
    segments, scale = arrow_segments(np.zeros((2, 2)), np.array([[1.0, 0.0], [0.0, 0.5]]), 10)
    assert segments.shape == (6, 2, 2)
    np.testing.assert_allclose(segments[0, 1], [0.8, 0.0])   # the longest: 8 % of the width
    np.testing.assert_allclose(segments[1, 1], [0.0, 0.4])
    assert scale == pytest.approx(0.8)
    assert arrow_segments(np.zeros((1, 2)), np.zeros((1, 2)), 10)[0].shape == (0, 2, 2)
    mosaic = sample_mosaic(np.ones((5, 2, 3)), cols=2)
    assert mosaic.shape == (3 * 3 - 1, 2 * 4 - 1)
    assert np.isnan(mosaic[2]).all() and np.isnan(mosaic[:, 3]).all()
    assert np.isnan(mosaic[6:, 4:]).all()  # the sixth cell is empty


@pytest.mark.parametrize("kind", sorted(GAN_SNAPSHOTS))
def test_every_gan_snapshot_has_a_figure(kind: str, tmp_path: Path, drawn) -> None:
    for i, snapshot in enumerate(GAN_SNAPSHOTS[kind]()):
        path = snapshot_figure(snapshot, tmp_path / f"{i}_{FILE_NAMES[kind]}")
        assert drawn.ink(path) > 0.001, i  # read back: not a blank page
    # the ordinary snapshot of each kind: its data is what the figure draws
    snap = GAN_SNAPSHOTS[kind]()[0]
    snapshot_figure(snap, tmp_path / "ordinary.png")
    fig = drawn.last
    assert f"step {snap.step}" in drawn.text(fig)
    if kind == "gan_field":  # the discriminator's opinion under the data and the samples
        for name in ("probs", "real", "fake"):
            assert drawn.shows(fig, getattr(snap, name)), name
        assert {"data", "generated"} <= set(drawn.texts(fig))
    elif kind == "gan_samples":  # the samples in a grid
        (image,) = drawn.images(fig)
        np.testing.assert_allclose(image, sample_mosaic(snap.images, snap.cols))
    else:  # D(data), D(generated) and both losses over the steps
        for name in ("d_real", "d_fake", "d_loss", "g_loss"):
            assert drawn.shows(fig, getattr(snap, name)), name
        assert {"D(data)", "D(generated)"} <= set(drawn.texts(fig))


# --- the presets -------------------------------------------------------------------------------

@pytest.mark.slow
def test_gan_ring_draws_every_cloud() -> None:
    engine = Engine(load_preset("gan-ring"), threads=1)
    engine.run_blocking()
    final = dict(engine.finished.final)
    assert final["modes_covered"] == 8
    assert final["high_quality_fraction"] >= 0.8
    assert engine.message == ""


def _digit_reader(data) -> torch.nn.Module:
    """A small classifier trained on the real digits (about 98 % test accuracy), to read the
    generator's samples."""
    torch.manual_seed(0)
    reader = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 128), torch.nn.ReLU(),
                                 torch.nn.Linear(128, 10))
    optimizer = torch.optim.Adam(reader.parameters(), 3e-3)
    x, y = data.train.x, data.train.y
    pick = torch.Generator().manual_seed(0)
    for _ in range(600):
        idx = torch.randint(0, len(x), (64,), generator=pick)
        loss = F.cross_entropy(reader(x[idx]), y[idx])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        assert (reader(data.test.x).argmax(1) == data.test.y).float().mean() > 0.95
    return reader


@pytest.mark.slow
def test_gan_digits_draws_recognisable_digits_of_every_class() -> None:
    engine = Engine(load_preset("gan-digits"), threads=1)
    engine.run_blocking()
    gan = engine.paradigm
    reader = _digit_reader(engine.data)
    with torch.no_grad():
        gan.G.eval()
        z = torch.randn(1000, gan.latent, generator=torch.Generator().manual_seed(7))
        probs = torch.softmax(reader(gan._generate(z)), 1)
        real = torch.softmax(reader(engine.data.test.x), 1).max(1).values
    sure = probs.max(1).values > 0.9
    # the reader is that sure of about 90 % of real test digits
    assert (real > 0.9).float().mean() > 0.85
    assert sure.float().mean() >= 0.45
    kinds = np.bincount(probs.argmax(1)[sure].numpy(), minlength=10)
    # README: "recognisable digits of every class": each of the ten digits is among the
    # samples the reader is sure of, at least 10 times in 1,000 (not collapsed onto a few)
    assert (kinds >= 10).all(), kinds.tolist()
