"""Autoencoder snapshots for the panel tests, made with numpy only (no torch).

``AE_ORDINARY[kind](seed)`` is a realistic snapshot whose shapes do not depend on the seed;
``AE_SNAPSHOTS[kind]()`` lists an ordinary one first, then degenerate ones.
"""

from __future__ import annotations

import numpy as np

from mlsp_studio.paradigms.autoencoder.snapshots import AnomalyScores, LatentCodes
from mlsp_studio.snapshots.kinds import SNAPSHOT_KINDS, Reconstructions

NAN = np.nan
DIGITS = tuple(str(d) for d in range(10))


def reconstructions(seed: int = 0, n: int = 8, noise: str = "salt_pepper") -> Reconstructions:
    rng = np.random.default_rng(seed)
    clean = np.zeros((n, 1, 8, 8))
    clean[:, 0, 1:7, 3:5] = 1.0  # a stroke, like a 1
    noisy = np.where(rng.random(clean.shape) < 0.2, rng.integers(0, 2, clean.shape), clean)
    out = np.clip(clean + 0.1 * rng.normal(size=clean.shape), 0, 1)
    return Reconstructions(step=seed, inputs=clean, noisy=noisy if noise != "none" else
                           np.zeros(0), outputs=out, labels=DIGITS[:n], noise=noise,
                           noise_level=0.2, mse=float(((out - clean) ** 2).mean()),
                           noisy_mse=float(((noisy - clean) ** 2).mean()))


def latent(seed: int = 0, n: int = 200, classes: int = 10, method: str = "code",
           dim: int = 2) -> LatentCodes:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, n)
    angle = 2 * np.pi * labels / classes
    points = np.stack([np.cos(angle), np.sin(angle)], 1) * 3 + rng.normal(size=(n, 2)) * 0.4
    return LatentCodes(step=seed, points=points, labels=labels, class_names=DIGITS[:classes],
                       latent=dim, method=method,
                       explained=np.array([0.4, 0.2]) if method == "pca" else np.zeros(0),
                       knn_accuracy=0.8)


def anomaly(seed: int = 0, n: int = 300) -> AnomalyScores:
    rng = np.random.default_rng(seed)
    anomalous = np.arange(n) % 5 != 0
    scores = np.where(anomalous, rng.gamma(4.0, 0.02, n), rng.gamma(2.0, 0.005, n))
    return AnomalyScores(step=seed, scores=scores, anomalous=anomalous, threshold=0.02,
                         auroc=0.97, normal_names=("1",),
                         anomaly_names=tuple(d for d in DIGITS if d != "1"))


assert {"reconstructions", "latent", "anomaly_scores"} <= set(SNAPSHOT_KINDS)

AE_ORDINARY = {"reconstructions": reconstructions, "latent": latent, "anomaly_scores": anomaly}

AE_SNAPSHOTS = {
    "reconstructions": lambda: [
        reconstructions(),
        reconstructions(n=1, noise="none"),
        reconstructions(n=20, noise="gaussian"),
        Reconstructions(step=1, inputs=np.random.default_rng(0).normal(size=(4, 2)),
                        outputs=np.zeros((4, 2)), labels=("a", "b")),           # points
        Reconstructions(step=2, inputs=np.ones((3, 64)), outputs=np.full((3, 64), NAN),
                        noisy=np.ones((3, 64)), noise="masking", noise_level=NAN),
        Reconstructions(step=3, inputs=np.ones((2, 3, 40)), outputs=np.ones((5, 3, 40))),
        Reconstructions(step=4, inputs=np.zeros((0, 1, 8, 8)), outputs=np.zeros((0, 1, 8, 8))),
        Reconstructions(step=5),
    ],
    "latent": lambda: [
        latent(),
        latent(method="pca", dim=16, classes=3),
        latent(n=1, classes=1, dim=1),
        LatentCodes(step=1, points=np.full((5, 2), NAN), labels=np.arange(5)),
        LatentCodes(step=2, points=np.ones((4, 2)), labels=np.array([0, 99, -1, 2]),
                    class_names=("a", "b")),
        LatentCodes(step=3, points=np.zeros((3, 1)), labels=np.zeros(3, dtype=int)),
        LatentCodes(step=4, points=np.random.default_rng(0).normal(size=(6, 2))),
        LatentCodes(step=5),
    ],
    "anomaly_scores": lambda: [
        anomaly(),
        AnomalyScores(step=1, scores=np.ones(10), anomalous=np.arange(10) > 4, auroc=0.5),
        AnomalyScores(step=2, scores=np.array([0.1, 0.2]), anomalous=np.array([False, False]),
                      threshold=NAN),
        AnomalyScores(step=3, scores=np.array([NAN, np.inf, 0.3]),
                      anomalous=np.array([True, False, True])),
        AnomalyScores(step=4, scores=np.ones(5), anomalous=np.ones(2, dtype=bool)),
        AnomalyScores(step=5),
    ],
}
