"""Normalizing-flow snapshots for the panel tests, made with numpy only (no torch).

``FLOW_ORDINARY[kind](seed)`` is a realistic snapshot whose shapes do not depend on the seed;
``FLOW_SNAPSHOTS[kind]()`` lists an ordinary one first, then degenerate ones.
"""

from __future__ import annotations

import numpy as np

import mlsp_studio.snapshots.kinds  # noqa: F401  (first: it imports the per-paradigm modules)
from mlsp_studio.paradigms.flow.snapshots import FlowDensity, FlowLayers, FlowSamples

NAN, INF = np.nan, np.inf


def ring(n: int, rng: np.random.Generator) -> np.ndarray:
    k = rng.integers(0, 8, n)
    angle = 2 * np.pi * k / 8
    return np.stack([np.cos(angle), np.sin(angle)], 1) * 2.0 + rng.normal(0, 0.05, (n, 2))


def ring_log_density(xs: np.ndarray, ys: np.ndarray, spread: float = 0.15) -> np.ndarray:
    """log p of an even mixture of eight round Gaussians on a circle of radius 2, (H, W)."""
    gx, gy = np.meshgrid(xs, ys)
    angle = 2 * np.pi * np.arange(8) / 8
    cx, cy = 2.0 * np.cos(angle), 2.0 * np.sin(angle)
    sq = (gx[..., None] - cx) ** 2 + (gy[..., None] - cy) ** 2
    each = np.exp(-0.5 * sq / spread ** 2) / (2 * np.pi * spread ** 2)
    return np.log(each.mean(-1) + 1e-300)


def density(seed: int = 0) -> FlowDensity:
    rng = np.random.default_rng(seed)
    xs, ys = np.linspace(-2.6, 2.6, 64), np.linspace(-2.5, 2.5, 60)
    return FlowDensity(step=seed, xs=xs, ys=ys, log_density=ring_log_density(xs, ys),
                       data=ring(400, rng), nll=-0.8 + 0.01 * seed, entropy=-1.07)


def samples(seed: int = 0) -> FlowSamples:
    rng = np.random.default_rng(seed)
    return FlowSamples(step=seed, samples=ring(500, rng) + rng.normal(0, 0.05, (500, 2)),
                       data=ring(400, rng))


def layers(seed: int = 0, couplings: int = 6) -> FlowLayers:
    """The Gaussian's grid pushed a little further toward the ring at every stage."""
    rng = np.random.default_rng(seed)
    ticks, along = np.linspace(-3, 3, 7), np.linspace(-3, 3, 20)
    rows = [np.stack([along, np.full_like(along, v)], 1) for v in ticks]
    columns = [np.stack([np.full_like(along, v), along], 1) for v in ticks]
    grid = np.stack(rows + columns)                                  # (14, 20, 2)
    points = rng.normal(size=(100, 2))

    def bend(a: np.ndarray, share: float) -> np.ndarray:
        r = np.linalg.norm(a, axis=-1, keepdims=True) + 1e-9
        return a * (1 - share) + share * a / r * 2.0

    shares = np.linspace(0, 1, couplings + 1)
    return FlowLayers(step=seed, lines=np.stack([bend(grid, s) for s in shares]),
                      points=np.stack([bend(points, s) for s in shares]), data=ring(300, rng))


FLOW_SNAPSHOTS = {
    "flow_density": lambda: [
        density(),
        FlowDensity(step=1),
        FlowDensity(step=2, xs=np.linspace(0, 1, 3), ys=np.linspace(0, 1, 2),
                    log_density=np.array([[NAN, INF, -INF], [0.0, 1.0, -2.0]]),
                    data=np.array([[NAN, 1.0], [INF, 0.0], [0.5, 0.5]]), nll=NAN,
                    entropy=INF),
        FlowDensity(step=3, xs=np.linspace(0, 1, 4), ys=np.linspace(0, 1, 5),
                    log_density=np.zeros((3, 3)), data=np.ones((4, 3))),   # sizes disagree
        FlowDensity(step=4, xs=np.array([1.0, 0.0]), ys=np.array([0.0, NAN]),
                    log_density=np.full((2, 2), -1e6), nll=3.0),
        FlowDensity(step=5, xs=np.linspace(-1, 1, 3), ys=np.linspace(-1, 1, 3),
                    log_density=np.full((3, 3), 800.0), data=np.zeros((0, 2)), nll=-INF,
                    entropy=1.0),
    ],
    "flow_samples": lambda: [
        samples(),
        FlowSamples(step=1),
        FlowSamples(step=2, samples=np.array([[NAN, 1.0], [INF, 0.0]]), data=np.zeros((1, 2))),
        FlowSamples(step=3, samples=np.ones((4, 3)), data=np.ones(3)),
        FlowSamples(step=4, samples=np.zeros((5, 2)), data=np.zeros((0, 2))),
    ],
    "flow_layers": lambda: [
        layers(),
        FlowLayers(step=1),
        FlowLayers(step=2, lines=np.full((3, 4, 5, 2), NAN), points=np.full((3, 2, 2), INF)),
        FlowLayers(step=3, lines=np.zeros((3, 4, 5, 2)), points=np.zeros((2, 7, 2))),  # 3 ≠ 2
        FlowLayers(step=4, lines=np.ones((2, 4, 5, 3)), points=np.zeros((0, 0, 2))),
        FlowLayers(step=5, lines=np.zeros((1, 0, 0, 2)), data=np.array([[INF, NAN]])),
        layers(6, couplings=1),
    ],
}
FLOW_ORDINARY = {"flow_density": density, "flow_samples": samples, "flow_layers": layers}
