"""Snapshots of the training lab: how big each layer's weights and gradients are, how they
are spread, and how many units have died or saturated (numpy only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from .snapshots import Snapshot, register_snapshots

BINS = 30  # bars per histogram


@dataclass(frozen=True)
class LayerStats(Snapshot):
    """Every weighted layer of the network, input side first, on one training batch.

    ``labels`` names the L layers (e.g. "Dense 3"); ``weight_norms`` and ``grad_norms`` (L,)
    are the L2 norms of each layer's weight and of the loss's gradient with respect to it
    (the weights are not changed by measuring). ``weight_hist`` and ``grad_hist`` are (L, BINS)
    counts over the ranges ``weight_range`` and ``grad_range`` (L, 2). ``act_labels`` names the
    activation blocks; ``dead`` (A,) is the share of ReLU-like units that gave 0 for every
    example of the batch, ``saturated`` (A,) the share of sigmoid or tanh outputs within 2 % of
    their limits (NaN where it does not apply)."""

    kind: ClassVar[str] = "layer_stats"
    labels: tuple[str, ...] = ()
    weight_norms: np.ndarray = field(default_factory=lambda: np.zeros(0))
    grad_norms: np.ndarray = field(default_factory=lambda: np.zeros(0))
    weight_hist: np.ndarray = field(default_factory=lambda: np.zeros((0, BINS)))
    weight_range: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    grad_hist: np.ndarray = field(default_factory=lambda: np.zeros((0, BINS)))
    grad_range: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    act_labels: tuple[str, ...] = ()
    dead: np.ndarray = field(default_factory=lambda: np.zeros(0))
    saturated: np.ndarray = field(default_factory=lambda: np.zeros(0))


def histogram(values: np.ndarray, bins: int = BINS) -> tuple[np.ndarray, np.ndarray]:
    """Counts over the finite values' range, and that range; empty or constant data give a
    range one unit wide so a picture can still be drawn."""
    finite = values[np.isfinite(values)].astype(np.float64)
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    counts, _ = np.histogram(finite, bins=bins, range=(lo, hi))
    return counts.astype(np.float64), np.array([lo, hi])


SNAPSHOTS = (LayerStats,)
OPTIONS: dict[str, str] = {}

register_snapshots(SNAPSHOTS, OPTIONS)
