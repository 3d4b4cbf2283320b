"""Contrastive and cross-modal learning: InfoNCE, the view alterations, the probes, retrieval,
the paired dataset, the paradigms' metrics and pictures, and the two presets on target."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from mlsp_studio.data import make_dataset
from mlsp_studio.engine.engine import Engine
from mlsp_studio.errors import ProjectError
from mlsp_studio.model.paired_datasets import COLUMN_CYCLES, ROW_CYCLES, digit_tones
from mlsp_studio.model.paradigms import PARADIGM_SPECS
from mlsp_studio.model.presets import load_preset
from mlsp_studio.paradigms.base import NonFiniteLoss
from mlsp_studio.paradigms.contrastive.train_augment import augment
from mlsp_studio.paradigms.contrastive.train_common import representation_key
from mlsp_studio.paradigms.contrastive.train_info_nce import (
    aligned_minimum,
    class_top1,
    nt_xent,
    pair_top1,
    probe_accuracy,
    ridge_probe_accuracy,
    symmetric_info_nce,
)
from mlsp_studio.report.figures import FILE_NAMES, snapshot_figure

sys.path.insert(0, str(Path(__file__).parent / "gui"))
from contrastive_snapshot_cases import CONTRASTIVE_SNAPSHOTS  # noqa: E402

# --- InfoNCE -------------------------------------------------------------------------------------

def _derangement(n: int) -> torch.Tensor:
    return torch.roll(torch.arange(n), 1)  # nobody keeps their own partner


def test_nt_xent_of_aligned_orthogonal_views_is_its_minimum_and_shuffled_is_high() -> None:
    z = torch.eye(8, 16)                                  # 8 examples, mutually orthogonal
    for temperature in (0.1, 0.5, 1.0):
        aligned = nt_xent(z, z, temperature).item()
        assert aligned == pytest.approx(aligned_minimum(8, temperature), rel=1e-4)
        shuffled = nt_xent(z, z[_derangement(8)], temperature).item()
        # the partner is now orthogonal and the true match sits among the negatives
        assert shuffled > aligned + 1.0 / temperature - 1e-4
    assert aligned_minimum(8, 0.1) < 1e-3  # near zero at a low temperature


def test_nt_xent_is_scale_free_and_rewards_alignment() -> None:
    rng = torch.Generator().manual_seed(0)
    a = torch.randn(32, 8, generator=rng)
    noisy = a + 0.1 * torch.randn(32, 8, generator=rng)
    assert nt_xent(a, 5 * noisy, 0.2).item() == pytest.approx(nt_xent(a, noisy, 0.2).item(),
                                                                rel=1e-5)
    assert nt_xent(a, noisy, 0.2) < nt_xent(a, torch.randn(32, 8, generator=rng), 0.2) - 1.0


def test_symmetric_info_nce_aligned_low_shuffled_high_and_symmetric() -> None:
    a = torch.eye(10, 12)
    b = a.clone()
    low = symmetric_info_nce(a, b, 0.1).item()
    assert low < 1e-3
    high = symmetric_info_nce(a, b[_derangement(10)], 0.1).item()
    assert high > 9.0  # the true partner scores e^0 against e^10 for the wrong one
    rng = torch.Generator().manual_seed(1)
    x, y = torch.randn(16, 4, generator=rng), torch.randn(16, 4, generator=rng)
    assert symmetric_info_nce(x, y, 0.3).item() == pytest.approx(
        symmetric_info_nce(y, x, 0.3).item(), rel=1e-6)


# --- the alterations ----------------------------------------------------------------------------

ALL_ON = {"augment": True, "shift": 1, "crop": 0.25, "time_shift": 0.1, "scale": 0.2,
          "add_noise": 0.1, "erase": 0.5}
ALL_OFF = {**ALL_ON, "shift": 0, "crop": 0.0, "time_shift": 0.0, "scale": 0.0,
           "add_noise": 0.0, "erase": 0.0}


def _images() -> torch.Tensor:
    return make_dataset("digits", {}).train.x[:32]


@pytest.mark.parametrize("x", [_images(), torch.randn(16, 2, 40), torch.randn(8, 5)],
                         ids=["images", "signals", "vectors"])
def test_augment_keeps_shapes_changes_values_and_leaves_the_input(x: torch.Tensor) -> None:
    before = x.clone()
    one = augment(x, ALL_ON, torch.Generator().manual_seed(0))
    two = augment(x, ALL_ON, torch.Generator().manual_seed(1))
    assert one.shape == x.shape and one.dtype == x.dtype
    assert torch.equal(x, before)
    assert (one - x).abs().mean() > 0.05 and (one - two).abs().mean() > 0.05
    again = augment(x, ALL_ON, torch.Generator().manual_seed(0))
    assert torch.equal(one, again)  # the same seed gives the same views


@pytest.mark.parametrize("setting", ["shift", "crop", "scale", "add_noise", "erase"])
def test_each_image_alteration_alone_changes_the_image(setting: str) -> None:
    x = _images()
    value = {"shift": 2, "crop": 0.5, "scale": 0.5, "add_noise": 0.2, "erase": 1.0}[setting]
    out = augment(x, {**ALL_OFF, setting: value}, torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    assert (out - x).abs().amax(dim=(1, 2, 3)).gt(1e-3).float().mean() > 0.5


def test_alterations_off_give_the_example_back() -> None:
    x = _images()
    assert torch.equal(augment(x, ALL_OFF, torch.Generator().manual_seed(0)), x)
    assert augment(x, {**ALL_ON, "augment": False}, torch.Generator()) is x


def test_a_shift_moves_whole_pixels_and_a_time_shift_whole_samples() -> None:
    x = torch.zeros(1, 1, 8, 8)
    x[0, 0, 4, 4] = 1.0
    out = augment(x, {**ALL_OFF, "shift": 1}, torch.Generator().manual_seed(3))
    assert out.sum().item() == pytest.approx(1.0) and out.max().item() == pytest.approx(1.0)
    ys, xs = torch.nonzero(out[0, 0] > 0.5, as_tuple=True)
    assert abs(int(ys[0]) - 4) <= 1 and abs(int(xs[0]) - 4) <= 1
    signal = torch.arange(1.0, 41.0).reshape(1, 1, 40)
    moved = augment(signal, {**ALL_OFF, "time_shift": 0.25}, torch.Generator().manual_seed(2))
    kept = moved[moved != 0]
    assert torch.all(kept[1:] - kept[:-1] == 1)  # the same samples, in order, moved


# --- probes and retrieval -----------------------------------------------------------------------

def _blobs(separation: float, n: int = 200, seed: int = 0):
    rng = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 3
    centres = separation * torch.eye(3, 6)
    return centres[y] + torch.randn(n, 6, generator=rng), y


@pytest.mark.parametrize("probe", [probe_accuracy, ridge_probe_accuracy])
def test_a_probe_separates_separable_codes_and_not_random_labels(probe) -> None:
    x, y = _blobs(8.0)
    tx, ty = _blobs(8.0, seed=1)
    assert probe(x, y, tx, ty, 3) == 1.0
    shuffled = y[torch.randperm(len(y), generator=torch.Generator().manual_seed(0))]
    assert probe(x, shuffled, tx, ty, 3) < 0.6  # nothing to learn: near a third


def test_retrieval_scores_on_a_hand_made_matrix() -> None:
    sim = torch.tensor([[0.9, 0.1, 0.8],    # finds its own pair
                        [0.7, 0.2, 0.1],    # finds column 0: class 0, its class is 1
                        [0.1, 0.95, 0.3]])  # finds column 1, class 1 like itself
    labels = torch.tensor([0, 1, 1])
    assert class_top1(sim, labels, labels) == pytest.approx(2 / 3)
    assert pair_top1(sim) == pytest.approx(1 / 3)
    assert math.isnan(class_top1(torch.zeros(0, 0), labels[:0], labels[:0]))


# --- the paired dataset -------------------------------------------------------------------------

def _tone_power(signals: np.ndarray, cycles: float) -> np.ndarray:
    t = np.arange(signals.shape[-1]) / 64.0
    return np.abs(signals @ np.exp(-2j * np.pi * cycles * t)) ** 2


def _decode(signals: np.ndarray) -> np.ndarray:
    """The digit whose two keypad tones are loudest in each signal (a matched filter)."""
    power = {c: _tone_power(signals, c) for c in (*ROW_CYCLES, *COLUMN_CYCLES)}
    scores = np.stack([power[digit_tones(d)[0]] + power[digit_tones(d)[1]]
                       for d in range(10)], 1)
    return scores.argmax(1)


@pytest.mark.parametrize(("noise", "least"), [(0.0, 1.0), (0.5, 0.9)])
def test_each_pair_says_the_digit_of_its_image(noise: float, least: float) -> None:
    data = make_dataset("paired_digits", {"noise": noise})
    assert data.context().inputs == {"x": (1, 8, 8), "pair": (1, 64)}
    digits = make_dataset("digits", {})
    assert len(data.train) + len(data.val) + len(data.test) == 1797
    for split in data.splits().values():
        signals = split.extra["pair"][:, 0].numpy().astype(np.float64)
        assert (_decode(signals) == split.y.numpy()).mean() >= least
        assert split.x.shape[1:] == (1, 8, 8) and 0 <= split.x.min() and split.x.max() <= 1
    # the images are the digits dataset's own, with their labels
    every = {tuple(np.round(x.numpy().ravel(), 4)): int(y)
             for s in digits.splits().values() for x, y in zip(s.x, s.y, strict=True)}
    assert all(every[tuple(np.round(x.numpy().ravel(), 4))] == int(y)
               for x, y in zip(data.test.x[:50], data.test.y[:50], strict=True))


def test_pairs_of_one_digit_differ_and_the_seed_repeats_them() -> None:
    data = make_dataset("paired_digits", {})
    same = data.train.extra["pair"][data.train.y == 3]
    assert len(same) > 10 and (same[0] - same[1]).abs().mean() > 0.3  # random phase, noise
    again = make_dataset("paired_digits", {})
    assert torch.equal(again.train.extra["pair"], data.train.extra["pair"])
    other = make_dataset("paired_digits", {"data_seed": 1})
    assert not torch.equal(other.train.extra["pair"][:5], data.train.extra["pair"][:5])
    longer = make_dataset("paired_digits", {"length": 128})
    assert longer.train.extra["pair"].shape[1:] == (1, 128)


# --- the paradigms ------------------------------------------------------------------------------

def _engine(name: str, steps: int = 3, **hparams) -> Engine:
    project = load_preset(name)
    project.hparams.update(hparams)
    engine = Engine(project, max_steps=steps, threads=1)
    engine.build()
    return engine


def test_the_representation_is_what_enters_the_projection_head() -> None:
    engine = _engine("contrastive-digits")
    graph = engine.project.slots["encoder"]
    key, words = representation_key(graph, engine.nets["encoder"].types)
    head = next(i for i, n in graph.nodes.items() if n.type == "ProjectionHead")
    assert key == f"n{next(e.src for e in graph.inputs_of(head))}"
    assert engine.nets["encoder"].shapes[key] == (128,) and "projection head" in words
    plain = graph.copy()
    plain.remove_node(head)
    assert representation_key(plain, engine.nets["encoder"].types) == (
        None, "the encoder's output")


@pytest.mark.parametrize("name", ["contrastive-digits", "cross-modal"])
def test_training_never_reads_the_labels(name: str) -> None:
    engines = [_engine(name), _engine(name)]
    y = engines[1].paradigm.data.train.y
    y.copy_(y[torch.randperm(len(y), generator=torch.Generator().manual_seed(5))])
    losses = [[e.paradigm.step()["loss"] for _ in range(3)] for e in engines]
    assert all(math.isfinite(v) and v > 0 for v in losses[0])
    assert losses[0] == losses[1]  # the same steps whatever the labels say


def test_validation_gives_the_loss_and_the_quick_probes() -> None:
    paradigm = _engine("contrastive-digits").paradigm
    val = paradigm.evaluate("val")
    assert set(val) == {"loss", "few_label_probe_accuracy"}
    assert 0.3 <= val["few_label_probe_accuracy"] <= 1.0  # an untrained encoder: above chance
    assert set(paradigm.evaluate("train")) == {"loss"}
    assert paradigm.evaluate("val")["loss"] == val["loss"]  # the same views at every check


def test_contrastive_final_metrics_and_pictures() -> None:
    engine = _engine("contrastive-digits", steps=3)
    engine.run_blocking()
    final = dict(engine.finished.final)
    for name in ("train_loss", "val_loss", "test_loss", "probe_accuracy",
                 "few_label_probe_accuracy", "random_encoder_probe_accuracy",
                 "random_encoder_few_label_probe_accuracy"):
        assert math.isfinite(final[name]), name
    assert 0.1 < final["probe_accuracy"] <= 1.0
    snaps = {s.kind: s for s in engine.snapshots()}
    assert set(snaps) == {"similarity", "contrastive_embedding"}
    sim = snaps["similarity"]
    assert sim.matrix.shape == (16, 16) and np.all(np.abs(sim.matrix) <= 1 + 1e-5)
    assert list(sim.row_labels) == sorted(sim.row_labels) and len(set(sim.row_labels)) == 10
    emb = snaps["contrastive_embedding"]
    assert emb.points.shape == (len(engine.data.test), 2)
    engine.paradigm.set_visual_option("contrastive_draw", 1)
    other = engine.paradigm.visualize({"similarity"})[0]
    assert not np.allclose(other.matrix, sim.matrix)  # other examples, other views


def test_cross_modal_trains_and_measures_retrieval() -> None:
    engine = _engine("cross-modal", steps=3)
    engine.run_blocking()
    final = dict(engine.finished.final)
    assert {"train_loss", "val_loss", "test_loss", "retrieval_top1"} <= set(final)
    assert final["retrieval_chance"] == pytest.approx(0.1, abs=0.01)
    assert "retrieval_top1" in engine.paradigm.evaluate("val")
    snaps = {s.kind: s for s in engine.snapshots()}
    assert set(snaps) == {"similarity", "retrieval"}
    ret = snaps["retrieval"]
    assert ret.matrix.shape == (10, 20) and sorted(ret.query_labels) == list(range(10))
    assert ret.query_images.shape == (10, 8, 8) and ret.gallery_signals.shape == (20, 64)
    assert set(ret.query_labels) <= set(ret.gallery_labels)  # every query's pair is there


def test_cross_modal_refuses_encoders_that_cannot_share_a_space() -> None:
    project = load_preset("cross-modal")
    project.slots["encoder_b"] = project.slots["encoder_a"]
    with pytest.raises(ProjectError, match="same input"):
        Engine(project, threads=1).build()
    project = load_preset("cross-modal")
    head = next(n for n in project.slots["encoder_b"].nodes.values()
                if n.type == "ProjectionHead")
    head.params["out"] = 16
    with pytest.raises(ProjectError, match="same length"):
        Engine(project, threads=1).build()


@pytest.mark.parametrize("name", ["contrastive-digits", "cross-modal"])
def test_a_non_finite_loss_stops_before_the_weights_change(name: str) -> None:
    engine = _engine(name)
    net = next(iter(engine.nets.values()))
    with torch.no_grad():
        first = next(net.parameters())
        first.fill_(float("nan"))
    before = {k: v.clone() for k, v in net.state_dict().items()}
    with pytest.raises(NonFiniteLoss):
        engine.paradigm.step()
    after = net.state_dict()
    assert all(torch.equal(before[k], after[k]) | torch.isnan(before[k]).all()
               for k in before)


def test_settings_out_of_range_are_refused_with_the_range() -> None:
    hparams = PARADIGM_SPECS.get("contrastive").hparams
    with pytest.raises(Exception, match="0.01"):
        hparams.validate({"temperature": 0.0})
    with pytest.raises(Exception, match="4"):
        hparams.validate({"shift": 9})


# --- figures ------------------------------------------------------------------------------------

@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("kind", sorted(CONTRASTIVE_SNAPSHOTS))
def test_every_contrastive_snapshot_becomes_a_png(kind: str, tmp_path: Path, drawn) -> None:
    for k, snapshot in enumerate(CONTRASTIVE_SNAPSHOTS[kind]()):
        path = snapshot_figure(snapshot, tmp_path / f"{k}.png")
        assert drawn.ink(path) > 0.002, k  # read back: not a blank page
        assert f"step {snapshot.step}" in drawn.text(drawn.last), k
    assert FILE_NAMES[kind].endswith(".png")
    # the ordinary snapshot of each kind: its data is what the figure draws
    snap = CONTRASTIVE_SNAPSHOTS[kind]()[0]
    snapshot_figure(snap, tmp_path / "ordinary.png")
    fig = drawn.last
    shown = {"similarity": ("matrix",), "contrastive_embedding": ("points",),
             "retrieval": ("matrix", "query_images")}[kind]
    for name in shown:
        assert drawn.shows(fig, getattr(snap, name)), name
    if kind == "retrieval":  # each query's image beside the signal it found
        found = snap.matrix.argmax(1)
        for q in range(min(len(found), 8)):
            assert drawn.shows(fig, snap.gallery_signals[found[q]]), q


# --- the presets on target ----------------------------------------------------------------------

@pytest.mark.slow
def test_contrastive_digits_reaches_its_probe_target() -> None:
    engine = Engine(load_preset("contrastive-digits"), threads=1)
    engine.run_blocking()
    final = dict(engine.finished.final)
    assert final["probe_accuracy"] >= 0.9
    # with few labels the learned codes beat the untrained encoder's clearly
    assert final["few_label_probe_accuracy"] >= final[
        "random_encoder_few_label_probe_accuracy"] + 0.05


@pytest.mark.slow
def test_cross_modal_reaches_its_retrieval_target() -> None:
    engine = Engine(load_preset("cross-modal"), threads=1)
    engine.run_blocking()
    assert dict(engine.finished.final)["retrieval_top1"] >= 0.9
