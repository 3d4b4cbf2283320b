"""Training-lab snapshots for the panel tests, made with numpy only (no torch).

``LAB_ORDINARY[kind](seed)`` is a realistic snapshot whose shapes do not depend on the seed;
``LAB_SNAPSHOTS[kind]()`` lists an ordinary one first, then degenerate ones.
"""

from __future__ import annotations

import numpy as np

from mlsp_studio.spec.snapshots import Snapshot  # noqa: F401  (registers every kind first)
from mlsp_studio.spec.snapshots_lab import BINS, LayerStats

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


LAB_ORDINARY = {"layer_stats": layer_stats}
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
