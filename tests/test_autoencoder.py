"""The autoencoder paradigm: noise that does what it says, a clean target, anomaly training on
normal classes only, the ROC and k-NN arithmetic, refusals in words, its figures, and each
preset reaching its target."""

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
from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.datasets import dataset_context
from mlsp_studio.model.graph import Graph
from mlsp_studio.model.presets import load_preset
from mlsp_studio.model.project import check_project
from mlsp_studio.paradigms.autoencoder.snapshots import auroc, picture, rates_at, roc_curve
from mlsp_studio.paradigms.autoencoder.train import corrupt, knn_accuracy
from mlsp_studio.paradigms.base import NonFiniteLoss
from mlsp_studio.paradigms.registry import PARADIGMS
from mlsp_studio.report.figures import FILE_NAMES, snapshot_figure
from mlsp_studio.snapshots.kinds import SNAPSHOT_KINDS

sys.path.insert(0, str(Path(__file__).parent / "gui"))
from autoencoder_snapshot_cases import AE_SNAPSHOTS  # noqa: E402

# --- noise ------------------------------------------------------------------------------------

def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_gaussian_noise_adds_jitter_of_the_level() -> None:
    x = torch.full((200, 1, 8, 8), 0.5)
    noisy = corrupt(x, "gaussian", 0.3, _gen())
    jitter = noisy - x
    assert jitter.mean().item() == pytest.approx(0.0, abs=0.01)
    assert jitter.std().item() == pytest.approx(0.3, rel=0.03)


@pytest.mark.parametrize("level", [0.1, 0.5, 0.9])
def test_masking_zeroes_a_level_share_of_the_values(level: float) -> None:
    x = torch.full((300, 64), 0.7)
    noisy = corrupt(x, "masking", level, _gen(1))
    zeroed = (noisy == 0).float().mean().item()
    assert zeroed == pytest.approx(level, abs=0.02)
    kept = noisy != 0
    assert torch.equal(noisy[kept], x[kept])  # the rest untouched


def test_salt_and_pepper_sets_a_level_share_to_the_lowest_or_highest() -> None:
    x = torch.full((300, 64), 0.4)
    noisy = corrupt(x, "salt_pepper", 0.3, _gen(2), low=-1.0, high=2.0)
    changed = noisy != 0.4
    assert changed.float().mean().item() == pytest.approx(0.3, abs=0.02)
    values = noisy[changed]
    assert set(values.unique().tolist()) == {-1.0, 2.0}
    assert (values == 2.0).float().mean().item() == pytest.approx(0.5, abs=0.04)


def test_no_noise_or_level_zero_leaves_the_input_alone() -> None:
    x = torch.rand(10, 5)
    assert corrupt(x, "none", 0.5, _gen()) is x
    assert corrupt(x, "masking", 0.0, _gen()) is x


# --- the paradigm on digits -------------------------------------------------------------------

class Constant(torch.nn.Module):
    """A decoder that ignores its code and gives one learned picture (zeros at first)."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        super().__init__()
        self.picture = torch.nn.Parameter(torch.zeros(shape))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.picture.expand(len(z), *self.picture.shape)


class Spy(torch.nn.Module):
    """An encoder that keeps what it was fed and gives its first ``latent`` values."""

    def __init__(self, latent: int = 2) -> None:
        super().__init__()
        self.latent = latent
        self.scale = torch.nn.Parameter(torch.ones(()))
        self.fed: list[torch.Tensor] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.fed.append(x.detach().clone())
        return self.scale * x.reshape(len(x), -1)[:, :self.latent]


def _setup(hparams: dict, encoder=None, decoder=None, dataset="digits", options=None):
    project = load_preset("autoencoder-digits")
    project.hparams.update(hparams)
    project.dataset = dataset
    opts, _ = dataset_context(dataset, options or {})
    data = make_dataset(dataset, opts)
    paradigm = PARADIGMS.create("autoencoder")
    shape = tuple(data.train.x.shape[1:])
    paradigm.setup(project, {"encoder": encoder or Spy(), "decoder": decoder or Constant(shape)},
                   data, torch.device("cpu"))
    return paradigm, data


def test_the_target_is_the_clean_example_whatever_the_noise() -> None:
    encoder = Spy()
    paradigm, _ = _setup({"noise": "masking", "noise_level": 1.0, "batch_size": 16},
                         encoder=encoder)
    loss = paradigm.step()["loss"]
    assert torch.count_nonzero(encoder.fed[-1]) == 0  # the encoder saw nothing but zeros
    clean = paradigm.x
    # a zero picture against the clean digits: their mean square, well above 0
    assert loss > 0.05
    assert loss == pytest.approx((clean ** 2).mean().item(), rel=0.5)


def test_anomaly_training_and_validation_hold_only_normal_classes() -> None:
    paradigm, data = _setup({"normal_classes": [1, 7]})
    for split in ("train", "val"):
        _, y = paradigm.splits[split]
        assert set(y.unique().tolist()) == {1, 7}
        source = getattr(data, split).y
        assert len(y) == int(((source == 1) | (source == 7)).sum())
    assert len(paradigm.x) == len(paradigm.splits["train"][0]) < len(data.train)
    assert "anomaly_scores" in paradigm.visual_kinds
    (snap,) = paradigm.visualize({"anomaly_scores"})
    assert len(snap.scores) == len(data.test)  # every test example is scored
    expected = ~np.isin(data.test.y.numpy(), [1, 7])
    assert np.array_equal(snap.anomalous, expected)
    final = paradigm.final_metrics()
    assert 0.0 <= final["auroc"] <= 1.0 and "latent_knn_accuracy" in final


@pytest.mark.parametrize("classes,words", [
    ([12], "class 12, which this data does not have; its classes are 0 (0)"),
    (list(range(10)), "every class of the data, so no test example is an anomaly"),
])
def test_unusable_normal_classes_are_refused_in_words(classes, words) -> None:
    with pytest.raises(ProjectError, match=words.replace("(", r"\(").replace(")", r"\)")):
        _setup({"normal_classes": classes})


def test_a_regression_dataset_cannot_name_normal_classes() -> None:
    with pytest.raises(ProjectError, match="needs a dataset with classes"):
        _setup({"normal_classes": [0]}, dataset="sine",
               encoder=Spy(1), decoder=Constant((1,)))


def test_token_data_is_refused_in_words() -> None:
    with pytest.raises(ProjectError, match="rebuilds numbers .* recall gives token ids"):
        _setup({}, dataset="recall")


def test_a_nan_loss_raises_before_the_weights_move() -> None:
    decoder = Constant((1, 8, 8))
    with torch.no_grad():
        decoder.picture[0, 0, 0] = math.nan
    paradigm, _ = _setup({}, decoder=decoder)
    before = [p.detach().clone() for p in paradigm.encoder.parameters()]
    with pytest.raises(NonFiniteLoss):
        paradigm.step()
    assert all(torch.equal(a, b) for a, b in zip(before, paradigm.encoder.parameters(),
                                                 strict=True))
    assert paradigm.steps_done == 0


def test_the_noise_slider_sets_the_noise_of_the_next_picture() -> None:
    paradigm, _ = _setup({"noise": "salt_pepper", "noise_level": 0.2})
    paradigm.set_visual_option("noise_level_view", 0.0)
    (snap,) = paradigm.visualize({"reconstructions"})
    assert snap.noise_level == 0.0 and np.array_equal(snap.noisy, snap.inputs)
    paradigm.set_visual_option("noise_level_view", 1.0)
    (snap,) = paradigm.visualize({"reconstructions"})
    assert snap.noise_level == 1.0 and set(np.unique(snap.noisy)) <= {0.0, 1.0}
    assert snap.noisy_mse > 0.2
    paradigm.set_visual_option("noise_level_view", "loud")  # not a number: training's level
    assert paradigm.view_level() == pytest.approx(0.2)


def test_a_decoder_of_the_wrong_shape_is_refused_in_words() -> None:
    project = load_preset("autoencoder-digits")
    decoder = project.slots["decoder"].to_dict()
    for node in decoder["nodes"]:
        if node["type"] == "Reshape":
            node["params"]["shape"] = [1, 4, 16]
    project.slots["decoder"] = Graph.from_dict(decoder)
    errors = check_project(project, BLOCKS).errors
    assert errors == ["decoder: the network gives (N, 1, 4, 16) but must give (N, 1, 8, 8) (the "
                      "shape of the data it rebuilds)"]


# --- arithmetic -------------------------------------------------------------------------------

def test_auroc_of_known_rankings() -> None:
    normal_low = np.array([False, False, True, True])
    assert auroc(np.array([0.1, 0.2, 0.3, 0.4]), normal_low) == 1.0
    assert auroc(np.array([0.4, 0.3, 0.2, 0.1]), normal_low) == 0.0
    assert auroc(np.array([0.1, 0.3, 0.2, 0.4]), normal_low) == 0.75
    assert auroc(np.ones(4), normal_low) == 0.5  # ties count a half
    assert math.isnan(auroc(np.ones(3), np.zeros(3, dtype=bool)))


def test_auroc_matches_counting_pairs_and_the_roc_area() -> None:
    rng = np.random.default_rng(0)
    scores = np.round(rng.normal(size=300), 1)  # many ties
    anomalous = rng.random(300) < 0.3 + 0.2 * (scores > 0)
    pos, neg = scores[anomalous], scores[~anomalous]
    pairs = (pos[:, None] > neg[None]).mean() + 0.5 * (pos[:, None] == neg[None]).mean()
    assert auroc(scores, anomalous) == pytest.approx(pairs)
    fpr, tpr = roc_curve(scores, anomalous)
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0.0, 0.0, 1.0, 1.0)
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)
    area = float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))
    assert area == pytest.approx(pairs)


def test_rates_at_a_threshold() -> None:
    scores = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    anomalous = np.array([False, False, True, False, True])
    assert rates_at(scores, anomalous, 0.25) == (1.0, pytest.approx(1 / 3))
    assert rates_at(scores, anomalous, 0.45) == (0.5, 0.0)
    assert rates_at(scores, anomalous, 1.0) == (0.0, 0.0)


def test_knn_accuracy_on_two_clusters() -> None:
    rng = np.random.default_rng(0)
    a = torch.tensor(rng.normal(size=(20, 2)) * 0.1, dtype=torch.float32)
    b = a + 5.0
    train = torch.cat([a, b])
    labels = torch.tensor([0] * 20 + [1] * 20)
    test = torch.tensor([[0.0, 0.0], [5.0, 5.0], [0.1, -0.1]])
    assert knn_accuracy(train, labels, test, torch.tensor([0, 1, 0])) == 1.0
    assert knn_accuracy(train, labels, test, torch.tensor([1, 0, 1])) == 0.0
    assert knn_accuracy(train[:3], labels[:3], test, torch.tensor([0, 0, 0])) == 1.0  # k > n


def test_pictures_of_examples() -> None:
    assert picture(np.zeros((1, 8, 8))).shape == (8, 8)
    assert picture(np.zeros(64)).shape == (8, 8)
    assert picture(np.zeros(2)).shape == (1, 2)
    assert picture(np.zeros((3, 40))).shape == (3, 40)
    assert picture(np.zeros((3, 5, 6))).shape == (5, 6)


# --- figures ----------------------------------------------------------------------------------

CASES = [(kind, i) for kind, make in AE_SNAPSHOTS.items() for i in range(len(make()))]


@pytest.mark.parametrize("kind,index", CASES)
def test_every_autoencoder_snapshot_becomes_a_png(kind: str, index: int, tmp_path: Path,
                                                  drawn) -> None:
    snap = AE_SNAPSHOTS[kind]()[index]
    path = snapshot_figure(snap, tmp_path / FILE_NAMES[kind])
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert SNAPSHOT_KINDS[kind] is type(snap)
    fig = drawn.last
    assert drawn.ink(path) > 0.005 and f"step {snap.step}" in drawn.text(fig)
    if index:
        return
    # the ordinary snapshot of each kind: its data is what the figure draws
    if kind == "reconstructions":  # a picture per digit: the input, the noisy one, rebuilt
        for name in ("inputs", "noisy", "outputs"):
            assert drawn.shows(fig, getattr(snap, name)[:, 0]), name
        assert {"input", "rebuilt"} <= set(drawn.texts(fig))
    elif kind == "latent":
        assert drawn.shows(fig, snap.points)
        assert f"5-nearest-neighbour accuracy {100 * snap.knn_accuracy:.1f} %" in drawn.text(fig)
        assert [t for t in drawn.texts(fig)][-10:] == list(snap.class_names)  # the legend
    else:  # the ROC curve and the threshold, with the AUROC in the heading
        fpr, tpr = roc_curve(snap.scores, snap.anomalous)
        assert any(len(line.get_xdata()) == len(fpr) and np.allclose(line.get_xdata(), fpr)
                   and np.allclose(line.get_ydata(), tpr) for line in drawn.lines(fig))
        assert f"threshold {snap.threshold:.4f}" in drawn.texts(fig)
        assert f"AUROC {snap.auroc:.3f}" in drawn.text(fig)


# --- presets reach their targets --------------------------------------------------------------

def _run(name: str, variant: str | None = None) -> dict[str, float]:
    project = load_preset(name)
    if variant:
        project = project.with_variant(variant)
    engine = Engine(project, threads=1)
    finished = engine.run_blocking()
    assert finished.step == engine.total_steps
    return dict(finished.final)


@pytest.mark.slow
def test_autoencoder_digits_clusters_classes_in_two_numbers() -> None:
    final = _run("autoencoder-digits")
    assert final["latent_knn_accuracy"] >= 0.7
    assert final["test_mse"] < 0.045  # the mean picture alone scores about 0.07


@pytest.mark.slow
def test_denoising_ae_rebuilds_much_closer_than_its_noisy_input() -> None:
    final = _run("denoising-ae")
    assert final["test_mse"] < 0.5 * final["noisy_input_mse"]


@pytest.mark.slow
def test_anomaly_ae_tells_other_digits_from_ones() -> None:
    final = _run("anomaly-ae")
    assert final["auroc"] >= 0.9
    assert final["anomaly_mse"] > 2 * final["test_mse"]
