"""Training-lab snapshots for the panel tests, made with numpy only (no torch).

``LAB_ORDINARY[kind](seed)`` is a realistic snapshot whose shapes do not depend on the seed;
``LAB_SNAPSHOTS[kind]()`` lists an ordinary one first, then degenerate ones.
"""

from __future__ import annotations

import numpy as np

from mlsp_studio.snapshots.kinds import Snapshot  # noqa: F401  (registers every kind first)
from mlsp_studio.snapshots.lab import BINS, LayerStats, ReceptiveField, UnitPictures

NAN = np.nan


def layer_stats(seed: int = 0, layers: int = 6, acts: int = 5) -> LayerStats:
    rng = np.random.default_rng(seed)
    grads = 10.0 ** np.linspace(-8, 0, layers) * (1 + 0.1 * rng.random(layers))
    low = -rng.random((layers, 1)) - 0.1
    return LayerStats(
        step=seed * 10, labels=tuple(f"Dense {2 * i + 2}" for i in range(layers)),
        weight_norms=1 + rng.random(layers), grad_norms=grads,
        weight_hist=rng.integers(0, 50, (layers, BINS)).astype(float),
        weight_range=np.hstack([low, -low]), grad_hist=rng.integers(0, 50, (layers, BINS))
        .astype(float), grad_range=np.hstack([low * 1e-3, -low * 1e-3]),
        act_labels=tuple(f"ReLU {2 * i + 3}" for i in range(acts)),
        dead=rng.random(acts) * 0.5, saturated=np.full(acts, NAN))


def receptive_field(seed: int = 0, signal: bool = False, size: int = 8) -> ReceptiveField:
    """A unit of a second 3×3 convolution on a digit (5×5 span), or of a causal signal layer."""
    rng = np.random.default_rng(seed)
    shape = (32,) if signal else (size, size)
    effect = np.zeros(shape)
    if signal:
        effect[10:17] = rng.random(7)
        span, position, map_size = np.array([[10, 16]]), (16,), (32,)
    else:
        lo, hi = max(size // 2 - 2, 0), min(size // 2 + 2, size - 1)
        effect[lo:hi + 1, lo:hi + 1] = rng.random((hi - lo + 1,) * 2)
        span, position, map_size = np.array([[lo, hi], [lo, hi]]), (size // 2,) * 2, shape
    return ReceptiveField(
        step=seed * 10, layers=("Conv2d 2", "ReLU 3", "Conv2d 4"), layer="Conv2d 4",
        channel=seed % 4, channels=4, position=position, map_size=map_size, index=seed,
        label="3", input=rng.random((3 if signal else 1, *shape)),
        effective=effect / max(effect.max(), 1e-12), span=span,
        span_size=tuple(int(hi - lo + 1) for lo, hi in span), causal=signal)


def unit_pictures(seed: int = 0, examples: bool = False) -> UnitPictures:
    """Two hidden blocks of 6 and 40 units (32 pictured) over the plane, or their best test
    pictures (8×8 grey) when ``examples``."""
    rng = np.random.default_rng(seed)
    units, shown = (6, 40), (6, 32)
    common = dict(step=seed * 10, nodes=(2, 3), labels=("Dense 2", "Tanh 3"), units=units)
    if examples:
        return UnitPictures(**common, style="examples",
                            top=tuple(rng.integers(0, 20, (n, 3)) for n in shown),
                            scores=tuple(rng.random((n, 3)) for n in shown),
                            pool=rng.random((20, 8, 8)).astype(np.float16))
    grid = np.linspace(-1, 1, 12)
    return UnitPictures(**common, xs=grid, ys=grid,
                        maps=tuple(rng.normal(size=(n, 12, 12)).astype(np.float16)
                                   for n in shown))


LAB_ORDINARY = {"layer_stats": layer_stats, "receptive_field": receptive_field,
                "unit_pictures": unit_pictures}
LAB_SNAPSHOTS = {
    "layer_stats": lambda: [
        layer_stats(),
        LayerStats(step=1),
        LayerStats(step=2, labels=("Dense 2",), weight_norms=np.array([NAN]),
                   grad_norms=np.array([0.0]), weight_hist=np.full((1, BINS), NAN),
                   weight_range=np.array([[NAN, NAN]]), grad_hist=np.zeros((1, BINS)),
                   grad_range=np.array([[0.0, 0.0]])),
        LayerStats(step=3, labels=("a", "b"), weight_norms=np.ones(3), grad_norms=np.ones(1),
                   act_labels=("Sigmoid 3",), dead=np.array([NAN]), saturated=np.array([1.0])),
        layer_stats(seed=4, layers=40, acts=39),
    ],
}
LAB_SNAPSHOTS["receptive_field"] = lambda: [
    receptive_field(),
    ReceptiveField(step=1),
    receptive_field(seed=2, signal=True),
    receptive_field(seed=3, size=1),
    ReceptiveField(step=4, layers=("Conv2d 2",), layer="Conv2d 2", channels=1, position=(0, 0),
                   map_size=(3, 3), input=np.full((1, 3, 3), NAN), effective=np.full((3, 3), NAN),
                   span=np.array([[0, 2], [0, 2]]), span_size=(5, 5), from_layers=False),
    ReceptiveField(step=5, layers=("Conv1d 2",), layer="Conv1d 2", channels=2, position=(1,),
                   map_size=(4,), input=np.zeros((1, 4)), effective=np.zeros(4),
                   span=np.array([[0, 1, 2]]), span_size=(3,)),
    ReceptiveField(step=6, layers=("Conv1d 2",), layer="Conv1d 2", channels=2, position=(1,),
                   map_size=(4,), input=np.zeros((2, 4)), effective=np.zeros(4),
                   span=np.array([[0, 3]]), span_size=(3,)),
]
LAB_SNAPSHOTS["unit_pictures"] = lambda: [
    unit_pictures(),
    UnitPictures(step=1),
    unit_pictures(seed=2, examples=True),
    UnitPictures(step=3, nodes=(2,), labels=("Dense 2",), units=(3,),
                 maps=(np.full((3, 5, 5), NAN, np.float16),)),
    UnitPictures(step=4, nodes=(2,), labels=("Dense 2",), units=(2,), style="examples",
                 top=(np.zeros((2, 3), np.int64),), scores=(np.zeros((2, 3)),)),
    UnitPictures(step=5, nodes=(2,), labels=("Tanh 2",), units=(1,), maps=(np.zeros((1, 4, 4)),)),
    UnitPictures(step=6, nodes=(2,), labels=("RGB 2",), units=(2,), style="examples",
                 top=(np.array([[0, 1, 1], [1, 0, 0]]),), scores=(np.ones((2, 3)),),
                 pool=np.random.default_rng(0).random((2, 6, 6, 3))),
]
