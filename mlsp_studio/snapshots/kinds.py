"""The snapshot kinds several paradigms share (decision boundary, confusion, feature maps,
attention, sequences, reconstructions), and the place that loads every kind: the
lab's and each paradigm folder's. ``Snapshot``, ``SNAPSHOT_KINDS`` and the rest of
``base`` are here too."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import ClassVar

import numpy as np

from .base import SNAPSHOT_KINDS, VISUAL_OPTIONS, Snapshot, _freeze, register_snapshots


@dataclass(frozen=True)
class DecisionBoundary(Snapshot):
    """Class probabilities over a grid covering 2-D data, with the data points on top.

    ``probs`` is (H, W, C): row i is ``ys[i]``, column j is ``xs[j]``.
    """

    kind: ClassVar[str] = "boundary"
    xs: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ys: np.ndarray = field(default_factory=lambda: np.zeros(0))
    probs: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    points: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    labels: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    class_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegressionFit(Snapshot):
    """The model's curve over a 1-D input range, with the noisy training points."""

    kind: ClassVar[str] = "regression_fit"
    points_x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    points_y: np.ndarray = field(default_factory=lambda: np.zeros(0))
    curve_x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    curve_y: np.ndarray = field(default_factory=lambda: np.zeros(0))
    truth_y: np.ndarray | None = None


@dataclass(frozen=True)
class ConfusionMatrix(Snapshot):
    """Counts on the test split: row = true class, column = predicted class."""

    kind: ClassVar[str] = "confusion"
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    class_names: tuple[str, ...] = ()
    split: str = "test"


@dataclass(frozen=True)
class FeatureMaps(Snapshot):
    """What each convolution-like layer makes of one chosen input.

    ``layers`` is a tuple of (block label, array (C, H, W) or (C, L)).
    """

    kind: ClassVar[str] = "feature_maps"
    index: int = 0
    input: np.ndarray = field(default_factory=lambda: np.zeros(0))
    label: str = ""
    layers: tuple[tuple[str, np.ndarray], ...] = ()


@dataclass(frozen=True)
class Kernels(Snapshot):
    """Learned convolution weights: ``layers`` is a tuple of (block label, weight array)."""

    kind: ClassVar[str] = "kernels"
    layers: tuple[tuple[str, np.ndarray], ...] = ()


# --- sequences and attention ------------------------------------------------------------------

@dataclass(frozen=True)
class AttentionLayer:
    """One attention block's weights for one example: ``weights`` is (heads, Lq, Lk), each row
    a probability distribution over the keys. ``query_tokens`` / ``key_tokens`` label the rows
    and columns (token text, or "t3" / "p5" for time steps and patches); ``causal`` says a
    mask hid the future; ``mode`` is ``"self"`` or ``"cross"``."""

    label: str
    weights: np.ndarray
    query_tokens: tuple[str, ...] = ()
    key_tokens: tuple[str, ...] = ()
    causal: bool = False
    mode: str = "self"

    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, _freeze(getattr(self, f.name)))


@dataclass(frozen=True)
class AttentionMaps(Snapshot):
    """Every attention block's weights for one chosen example, in network order.

    ``index`` is the example (in the test split) and ``text`` says what it is in words,
    e.g. the input sequence and its target."""

    kind: ClassVar[str] = "attention"
    animation: ClassVar[str] = "Attention maps over training"
    index: int = 0
    text: str = ""
    layers: tuple[AttentionLayer, ...] = ()


@dataclass(frozen=True)
class RecurrentStates(Snapshot):
    """A recurrent block's first layer (forward direction) run over one example.

    ``hidden`` is (T, H); ``gates`` is a tuple of (name, array (T, H)) in [0, 1] or [-1, 1]
    (LSTM: input, forget, output gates and the candidate; GRU: reset and update gates and the
    candidate; a plain RNN has none); ``cell`` is the LSTM's cell state (T, H), else None."""

    kind: ClassVar[str] = "recurrent"
    index: int = 0
    label: str = ""
    cell_type: str = ""
    tokens: tuple[str, ...] = ()
    hidden: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    gates: tuple[tuple[str, np.ndarray], ...] = ()
    cell: np.ndarray | None = None


@dataclass(frozen=True)
class GradientThroughTime(Snapshot):
    """How much the loss's gradient reaches each time step (backpropagation through time).

    ``norms`` is (T,): the mean norm over a batch of dLoss/dx_t at the input of ``label``
    (the first recurrent or attention block). Vanishing gradients show as norms falling by
    orders of magnitude toward the early steps."""

    kind: ClassVar[str] = "bptt"
    label: str = ""
    norms: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass(frozen=True)
class PoolingWeights(Snapshot):
    """Attention pooling's weights over time for one example, over the sequence itself.

    ``signal`` is (T,) or (T, F) for display; ``weights`` is (T,) summing to 1; ``event`` is
    the (start, end) of the active segment where the data knows it, else None."""

    kind: ClassVar[str] = "pooling"
    index: int = 0
    label: str = ""
    signal: np.ndarray = field(default_factory=lambda: np.zeros(0))
    weights: np.ndarray = field(default_factory=lambda: np.zeros(0))
    event: tuple[int, int] | None = None
    true_class: str = ""
    predicted_class: str = ""


@dataclass(frozen=True)
class PatchAttention(Snapshot):
    """A vision transformer's attention from the class token over the image's patches.

    ``image`` is (H, W) (or (C, H, W)); ``weights`` is (heads, gh, gw): for each head of the
    last attention block, the class token's attention on every patch."""

    kind: ClassVar[str] = "patch_attention"
    animation: ClassVar[str] = "Attention over the image patches over training"
    index: int = 0
    label: str = ""
    image: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    weights: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    true_class: str = ""
    predicted_class: str = ""


@dataclass(frozen=True)
class Reconstructions(Snapshot):
    """A few test examples as the encoder saw them and as the decoder rebuilt them (an
    autoencoder's or a denoising network's; for 2-D points, a few hundred, drawn as points in
    the plane).

    ``inputs`` and ``outputs`` are (n, ...) in the data's shape; ``noisy`` is the encoder's
    input when noise is on (same shape), else empty. ``labels`` names each example's class;
    ``noise_level`` is the level the noisy row was made with (the panel's slider, or the
    training setting); ``mse`` is the mean squared error of the outputs against the clean
    inputs and ``noisy_mse`` that of the noisy inputs (NaN without noise)."""

    kind: ClassVar[str] = "reconstructions"
    inputs: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    noisy: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    outputs: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    labels: tuple[str, ...] = ()
    noise: str = "none"
    noise_level: float = 0.0
    mse: float = float("nan")
    noisy_mse: float = float("nan")


SNAPSHOTS: tuple[type[Snapshot], ...] = (
    DecisionBoundary, RegressionFit, ConfusionMatrix, FeatureMaps, Kernels,
                   AttentionMaps, RecurrentStates, GradientThroughTime,
                   PoolingWeights, PatchAttention,
                   Reconstructions)


OPTIONS = {
    "example_index": "which test example the per-example pictures show (int)",
}

register_snapshots(SNAPSHOTS, OPTIONS)

# The training lab keeps its pictures in a module of its own, and each paradigm folder in its
# ``snapshots`` module; each ends with ``register_snapshots(SNAPSHOTS, OPTIONS)``. Loaded here
# so that every kind is known once this module is.
from ..model.plugins import load_role  # noqa: E402
from . import lab, math  # noqa: E402,F401

load_role("snapshots")

__all__ = ["SNAPSHOT_KINDS", "VISUAL_OPTIONS", "Snapshot", "register_snapshots"]
