"""Diffusion snapshots for the panel tests, made with numpy only (no torch).

``DIFFUSION_ORDINARY[kind](seed)`` is a realistic snapshot whose shapes do not depend on the
seed; ``DIFFUSION_SNAPSHOTS[kind]()`` lists an ordinary one first, then degenerate ones.
"""

from __future__ import annotations

import numpy as np

import mlsp_studio.snapshots.kinds  # noqa: F401  (first: it imports the per-paradigm modules)
from mlsp_studio.paradigms.diffusion.snapshots import (
    EACH_CLASS,
    NO_CLASS,
    DiffusionForward,
    DiffusionSamples,
    DiffusionTrajectory,
)

NAN = np.nan
DIGITS = tuple(str(d) for d in range(10))


def alpha_bar(T: int = 100) -> np.ndarray:
    betas = np.linspace(1e-3, 0.2, T)
    return np.concatenate([[1.0], np.cumprod(1 - betas)])


def ring(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    k = rng.integers(0, 8, n)
    angle = 2 * np.pi * k / 8
    return np.stack([np.cos(angle), np.sin(angle)], 1) * 1.4 + rng.normal(0, 0.04, (n, 2)), k


def forward_points(seed: int = 0) -> DiffusionForward:
    rng = np.random.default_rng(seed)
    x0, k = ring(300, rng)
    return DiffusionForward(step=seed, alpha_bar=alpha_bar(), x0=x0,
                            noise=rng.normal(size=(300, 2)), schedule="linear", labels=k)


def forward_digits(seed: int = 0) -> DiffusionForward:
    rng = np.random.default_rng(seed)
    return DiffusionForward(step=seed, alpha_bar=alpha_bar(200), x0=rng.uniform(-1, 1, (8, 64)),
                            noise=rng.normal(size=(8, 64)), image_shape=(8, 8),
                            schedule="cosine", labels=np.arange(8))


def trajectory_digits(seed: int = 0) -> DiffusionTrajectory:
    rng = np.random.default_rng(seed)
    return DiffusionTrajectory(step=seed, steps=np.array([200, 172, 143, 115, 82, 54, 25, 0]),
                               frames=rng.uniform(-1, 1, (8, 16, 64)), image_shape=(8, 8),
                               classes=np.arange(16) % 10, class_names=DIGITS,
                               guidance_class=EACH_CLASS, guidance=3.0, conditional=True,
                               sampler="ddim", sample_steps=50, timesteps=200, seconds=0.05)


def trajectory_points(seed: int = 0) -> DiffusionTrajectory:
    rng = np.random.default_rng(seed)
    frames = np.stack([ring(500, rng)[0] * (i / 7) + rng.normal(size=(500, 2)) * (1 - i / 7)
                       for i in range(8)])
    return DiffusionTrajectory(step=seed, steps=np.array([100, 86, 71, 57, 43, 29, 14, 0]),
                               frames=frames, classes=np.full(500, NO_CLASS), sampler="ddpm",
                               sample_steps=100, timesteps=100, seconds=0.3)


def samples(seed: int = 0) -> DiffusionSamples:
    rng = np.random.default_rng(seed)
    data, k = ring(400, rng)
    return DiffusionSamples(step=seed, samples=ring(500, rng)[0], data=data, data_labels=k,
                            classes=np.full(500, NO_CLASS))


DIFFUSION_SNAPSHOTS = {
    "diffusion_forward": lambda: [
        forward_points(),
        forward_digits(),
        DiffusionForward(step=1),
        DiffusionForward(step=2, alpha_bar=np.array([1.0, NAN, 0.0]),
                         x0=np.array([[NAN, 1.0], [0.0, 0.0]]), noise=np.zeros((2, 2))),
        DiffusionForward(step=3, alpha_bar=alpha_bar(5), x0=np.zeros((3, 64)),
                         noise=np.zeros((3, 60)), image_shape=(8, 8)),
        DiffusionForward(step=4, alpha_bar=np.zeros(0), x0=np.ones((2, 5)), noise=np.ones((2, 5))),
    ],
    "diffusion_trajectory": lambda: [
        trajectory_digits(),
        trajectory_points(),
        DiffusionTrajectory(step=1),
        DiffusionTrajectory(step=2, steps=np.array([3, 0]), frames=np.full((2, 4, 64), NAN),
                            image_shape=(8, 8), conditional=True, class_names=("a",),
                            guidance=NAN, note="the guidance scale must be between 0 and 20"),
        DiffusionTrajectory(step=3, steps=np.array([1]), frames=np.zeros((1, 0, 2))),
        DiffusionTrajectory(step=4, steps=np.zeros(0, dtype=int), frames=np.ones((3, 2, 5))),
    ],
    "diffusion_samples": lambda: [
        samples(),
        DiffusionSamples(step=1),
        DiffusionSamples(step=2, samples=np.array([[NAN, 1.0], [np.inf, 0.0]]),
                         data=np.zeros((1, 2))),
        DiffusionSamples(step=3, samples=np.ones((4, 3)), data=np.ones(3)),
        DiffusionSamples(step=4, samples=np.zeros((5, 2)), conditional=True,
                         class_names=("a", "b"), guidance_class=1, guidance=2.0),
    ],
}
DIFFUSION_ORDINARY = {"diffusion_forward": forward_digits,
                      "diffusion_trajectory": trajectory_digits, "diffusion_samples": samples}
