"""GAN snapshots for the panel tests, made with numpy only (no torch).

``GAN_ORDINARY[kind](seed)`` is a realistic snapshot whose shapes do not depend on the seed;
``GAN_SNAPSHOTS[kind]()`` lists an ordinary one first, then degenerate ones.
"""

from __future__ import annotations

import numpy as np

import mlsp_studio.snapshots.kinds  # noqa: F401  (first: it imports the per-paradigm modules)
from mlsp_studio.paradigms.gan.snapshots import GanBalance, GanField, GanSamples

NAN = np.nan


def ring_centres(k: int = 8, radius: float = 2.0) -> np.ndarray:
    angle = 2 * np.pi * np.arange(k) / k
    return radius * np.stack([np.cos(angle), np.sin(angle)], 1)


def field(seed: int = 0, grid: int = 64, arrows: int = 100) -> GanField:
    rng = np.random.default_rng(seed)
    centres = ring_centres()
    xs = np.linspace(-2.6, 2.6, grid)
    gx, gy = np.meshgrid(xs, xs)
    near = np.exp(-np.min([(gx - cx) ** 2 + (gy - cy) ** 2 for cx, cy in centres], 0) / 0.3)
    real = centres[rng.integers(0, 8, 500)] + rng.normal(0, 0.05, (500, 2))
    fake = centres[rng.integers(0, 5, 500)] + rng.normal(0, 0.3, (500, 2))
    pull = centres[np.argmin(((fake[:arrows, None] - centres) ** 2).sum(-1), 1)] - fake[:arrows]
    return GanField(step=100 * seed, xs=xs, ys=xs, probs=0.2 + 0.6 * near, real=real,
                    fake=fake, arrow_from=fake[:arrows], arrow_vec=pull, centres=centres,
                    spread=0.05, loss_name="flip")


def samples(seed: int = 0, n: int = 64) -> GanSamples:
    rng = np.random.default_rng(seed)
    images = np.clip(rng.normal(0.3, 0.3, (n, 8, 8)), 0, 1)
    images[:, 1:7, 3:5] = 0.9  # a stroke down the middle of each
    return GanSamples(step=100 * seed, images=images, cols=8, value_range=(0.0, 1.0),
                      scores=rng.uniform(0.2, 0.6, n))


def balance(seed: int = 0, n: int = 300) -> GanBalance:
    rng = np.random.default_rng(seed)
    steps = np.arange(1, n + 1, dtype=float) * (1 + seed)
    settle = np.exp(-steps / steps[-1] * 4)
    return GanBalance(step=int(steps[-1]), steps=steps,
                      d_real=0.55 + 0.3 * settle + rng.normal(0, 0.02, n),
                      d_fake=0.45 - 0.3 * settle + rng.normal(0, 0.02, n),
                      d_loss=0.65 - 0.2 * settle + rng.normal(0, 0.02, n),
                      g_loss=0.75 + 0.8 * settle + rng.normal(0, 0.05, n), loss_name="flip")


GAN_SNAPSHOTS = {
    "gan_field": lambda: [
        field(),
        GanField(step=1),
        GanField(step=2, xs=np.linspace(0, 1, 3), ys=np.linspace(0, 1, 3),
                 probs=np.full((3, 3), NAN), real=np.array([[NAN, 1.0], [0.5, 0.5]]),
                 fake=np.array([[np.inf, 0.0]]), arrow_from=np.zeros((1, 2)),
                 arrow_vec=np.full((1, 2), NAN)),
        GanField(step=3, xs=np.zeros(1), ys=np.zeros(1), probs=np.full((1, 1), 0.5),
                 fake=np.zeros((4, 2)), arrow_from=np.zeros((4, 2)),
                 arrow_vec=np.zeros((4, 2)), centres=np.zeros((1, 2)), spread=0.0),
        GanField(step=4, xs=np.linspace(0, 1, 4), ys=np.linspace(0, 1, 3),
                 probs=np.full((2, 2), 0.3), loss_name="reversal"),  # grid of the wrong size
        GanField(step=5, real=np.ones((3, 3)), fake=np.ones(5), arrow_from=np.ones((2, 2)),
                 arrow_vec=np.ones((3, 2)), centres=ring_centres(), spread=NAN),
    ],
    "gan_samples": lambda: [
        samples(),
        GanSamples(step=1),
        GanSamples(step=2, images=np.full((3, 4, 4), NAN), cols=0, value_range=(NAN, NAN)),
        GanSamples(step=3, images=np.ones((1, 8, 8)), cols=8, value_range=(1.0, 1.0)),
        GanSamples(step=4, images=np.zeros((5, 0, 3)), scores=np.array([NAN])),
        GanSamples(step=5, images=np.ones(10), scores=np.ones(3)),
    ],
    "gan_balance": lambda: [
        balance(),
        GanBalance(step=0),
        GanBalance(step=1, steps=np.ones(1), d_real=np.ones(1), d_fake=np.zeros(1),
                   d_loss=np.ones(1), g_loss=np.ones(1)),
        GanBalance(step=2, steps=np.arange(3.0), d_real=np.array([NAN, 0.5, np.inf]),
                   d_fake=np.full(3, NAN), d_loss=np.full(3, NAN), g_loss=np.full(3, -np.inf),
                   loss_name="reversal"),
        GanBalance(step=3, steps=np.arange(4.0), d_real=np.ones(2), d_fake=np.ones(4),
                   d_loss=np.ones(4), g_loss=np.ones(4)),
    ],
}
GAN_ORDINARY = {"gan_field": field, "gan_samples": samples, "gan_balance": balance}
