"""Snapshots of the autoencoder paradigm: the latent codes in the plane, and
the reconstruction errors that flag anomalies, with the ROC arithmetic the panel, the figure
and the paradigm share (numpy only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ...snapshots.kinds import Snapshot, register_snapshots


@dataclass(frozen=True)
class LatentCodes(Snapshot):
    """The test set's latent codes in the plane, one point per example.

    ``points`` is (n, 2): the code itself when it has two numbers, its two main directions
    (PCA) when it has more, the code and 0 when it has one. ``labels`` (n,) are class ids
    (−1 for none); ``explained`` is the share of the codes' variance on each axis (PCA only);
    ``knn_accuracy`` is how often the 5 nearest training codes hold the right class."""

    kind: ClassVar[str] = "latent"
    points: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    labels: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    class_names: tuple[str, ...] = ()
    latent: int = 2
    method: str = "code"
    explained: np.ndarray = field(default_factory=lambda: np.zeros(0))
    knn_accuracy: float = float("nan")


@dataclass(frozen=True)
class AnomalyScores(Snapshot):
    """Every test example's reconstruction error, and whether it is of a normal class.

    ``scores`` (n,) are the errors (mean squared, per example); ``anomalous`` (n,) is True for
    the classes the autoencoder never trained on. ``threshold`` is a suggested cut: the error
    that 95 % of the normal validation examples stay under. ``auroc`` is the area under the
    ROC curve (1 = every anomaly scores above every normal example, 0.5 = chance)."""

    kind: ClassVar[str] = "anomaly_scores"
    scores: np.ndarray = field(default_factory=lambda: np.zeros(0))
    anomalous: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    threshold: float = float("nan")
    auroc: float = float("nan")
    normal_names: tuple[str, ...] = ()
    anomaly_names: tuple[str, ...] = ()


SNAPSHOTS: tuple[type[Snapshot], ...] = (LatentCodes, AnomalyScores)
OPTIONS: dict[str, str] = {
    "noise_level_view": "the noise level the reconstruction panel shows, from 0 to 1 "
                        "(denoising; float)",
}


# --- ROC arithmetic --------------------------------------------------------------------------

def clean_scores(scores: np.ndarray, anomalous: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The finite scores and their flags, as float64 and bool arrays of one length."""
    s = np.asarray(scores, dtype=np.float64).ravel()
    a = np.asarray(anomalous).astype(bool).ravel()
    n = min(len(s), len(a))
    s, a = s[:n], a[:n]
    keep = np.isfinite(s)
    return s[keep], a[keep]


def auroc(scores: np.ndarray, anomalous: np.ndarray) -> float:
    """Area under the ROC curve: the chance that a random anomaly scores above a random normal
    example (ties count a half), from the ranks of the scores. NaN without both kinds."""
    s, a = clean_scores(scores, anomalous)
    n_pos, n_neg = int(a.sum()), int((~a).sum())
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    ranks[order] = np.arange(1, len(s) + 1)
    # tied scores share the mean of their ranks
    values, inverse, counts = np.unique(s, return_inverse=True, return_counts=True)
    if len(values) < len(s):
        sums = np.bincount(inverse, weights=ranks)
        ranks = (sums / counts)[inverse]
    return float((ranks[a].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def rates_at(scores: np.ndarray, anomalous: np.ndarray,
             threshold: float) -> tuple[float, float]:
    """(true positive rate, false positive rate) when every score above ``threshold`` is
    flagged: the share of anomalies flagged and the share of normal examples flagged."""
    s, a = clean_scores(scores, anomalous)
    flagged = s > threshold
    tpr = float(flagged[a].mean()) if a.any() else float("nan")
    fpr = float(flagged[~a].mean()) if (~a).any() else float("nan")
    return tpr, fpr


def roc_curve(scores: np.ndarray, anomalous: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(false positive rates, true positive rates) from flagging nothing to flagging all, one
    point per distinct score; empty arrays without both kinds of example."""
    s, a = clean_scores(scores, anomalous)
    n_pos, n_neg = int(a.sum()), int((~a).sum())
    if n_pos == 0 or n_neg == 0:
        return np.zeros(0), np.zeros(0)
    order = np.argsort(-s, kind="mergesort")
    s, a = s[order], a[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # the end of each run of equal scores
    tp = np.cumsum(a)[last]
    fp = np.cumsum(~a)[last]
    return np.r_[0.0, fp / n_neg], np.r_[0.0, tp / n_pos]


# --- how an example is drawn -----------------------------------------------------------------

def picture(example: np.ndarray) -> np.ndarray:
    """One example as a 2-D grey picture: (1, H, W) or (H, W) as it is, the first channel of
    a (C, H, W) image, a vector with a square length ≥ 16 as a square, any other vector as a
    single row, and (C, L) signals as C rows."""
    a = np.asarray(example, dtype=np.float64)
    if a.ndim == 0:
        return a.reshape(1, 1)
    if a.ndim == 1:
        side = int(round(np.sqrt(a.size)))
        return a.reshape(side, side) if side >= 4 and side * side == a.size else a.reshape(1, -1)
    if a.ndim == 2:
        return a
    return a.reshape(-1, *a.shape[-2:])[0]

register_snapshots(SNAPSHOTS, OPTIONS)
