"""Snapshots of the GAN paradigm: the 2-D field (generated points over the data and the
discriminator's verdict over the plane), the sample grid from fixed noise, and the balance of
the two players over the steps."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ...snapshots.base import PlaneGrid
from ...snapshots.kinds import Snapshot, register_snapshots


@dataclass(frozen=True)
class GanField(PlaneGrid):
    """A GAN on 2-D points, seen on the plane.

    ``probs`` is (H, W): the discriminator's probability that a point is real, row i at
    ``ys[i]``, column j at ``xs[j]``. ``real`` (n, 2) are data points, ``fake`` (m, 2) the
    generator's points for a fixed noise batch. ``arrow_from`` (a, 2) and ``arrow_vec`` (a, 2)
    are where a few of those fakes sit and the way the generator's loss pushes each (minus its
    gradient with respect to the point, not scaled); both are empty when arrows are off.
    ``centres`` (k, 2) and ``spread`` describe mode data (the ring), else empty and 0.
    ``loss_name`` names the generator's loss ("flip" or "reversal").
    """

    kind: ClassVar[str] = "gan_field"
    animation: ClassVar[str] = "The GAN on the plane over training"
    probs: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    real: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    fake: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    arrow_from: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    arrow_vec: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    centres: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    spread: float = 0.0
    loss_name: str = "flip"


@dataclass(frozen=True)
class GanSamples(Snapshot):
    """The generator's images for one fixed noise batch, so the same samples can be watched
    as they change: ``images`` is (n, H, W) (a channel mean for colour), drawn in a grid of
    ``cols`` columns with the data's value range ``value_range``. ``scores`` (n,) is the
    discriminator's probability that each is real (may be empty)."""

    kind: ClassVar[str] = "gan_samples"
    animation: ClassVar[str] = "Generated samples over training"
    images: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    cols: int = 8
    value_range: tuple[float, float] = (0.0, 1.0)
    scores: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass(frozen=True)
class GanBalance(Snapshot):
    """How the two players stand over the steps (bounded, averaged history).

    ``d_real`` and ``d_fake`` are the discriminator's mean probability of "real" for data
    and for generated examples; ``d_loss`` and ``g_loss`` the two losses; all aligned with
    ``steps``. At the game's balance the discriminator cannot tell them apart: both
    probabilities near 0.5 and its loss near ln 2.
    """

    kind: ClassVar[str] = "gan_balance"
    steps: np.ndarray = field(default_factory=lambda: np.zeros(0))
    d_real: np.ndarray = field(default_factory=lambda: np.zeros(0))
    d_fake: np.ndarray = field(default_factory=lambda: np.zeros(0))
    d_loss: np.ndarray = field(default_factory=lambda: np.zeros(0))
    g_loss: np.ndarray = field(default_factory=lambda: np.zeros(0))
    loss_name: str = "flip"


SNAPSHOTS: tuple[type[Snapshot], ...] = (GanField, GanSamples, GanBalance)
OPTIONS: dict[str, str] = {
    "show_arrows": "the GAN field panel: draw the way the generator's loss pushes a few "
                   "generated points (bool)",
}


# --- what the panel and the figure draw alike (numpy only) ----------------------------------

REAL_COLOUR = "#01665e"       # data points, and "real" on the heatmap's scale
FAKE_COLOUR = "#d6604d"       # generated points
HEAT_COLOURS = ("#dfc27d", "#f5f5f5", "#80cdc1")   # D says generated … unsure … real
ARROW_SHARE = 0.08            # the longest arrow is this share of the plane's width


def finite_points(a: np.ndarray) -> np.ndarray:
    """The rows of an (n, 2) array that are finite; anything else gives an empty (0, 2)."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 2:
        return np.zeros((0, 2))
    return a[np.isfinite(a).all(1)]


def field_extent(snap: GanField) -> tuple[float, float, float, float] | None:
    """(x0, x1, y0, y1) of the heatmap grid, or None when there is no usable grid."""
    return snap.grid_extent(snap.probs)


def arrow_segments(start: np.ndarray, vec: np.ndarray, width: float) -> tuple[np.ndarray, float]:
    """Line segments drawing each push as an arrow: (3 a, 2, 2) shaft and two head strokes,
    scaled together so the longest is ``ARROW_SHARE`` of ``width``, and that scale.

    Arrows keep their relative lengths, so a weak push looks weak next to a strong one.
    """
    start = np.asarray(start, np.float64).reshape(-1, 2)
    vec = np.asarray(vec, np.float64).reshape(-1, 2)
    if start.shape != vec.shape or not len(start) or not (math.isfinite(width) and width > 0):
        return np.zeros((0, 2, 2)), 0.0
    keep = np.isfinite(start).all(1) & np.isfinite(vec).all(1)
    start, vec = start[keep], vec[keep]
    longest = float(np.linalg.norm(vec, axis=1).max()) if len(vec) else 0.0
    if longest <= 0:
        return np.zeros((0, 2, 2)), 0.0
    scale = ARROW_SHARE * width / longest
    tip = start + scale * vec
    back = (start - tip) * 0.3                       # the head: 30 % of the shaft, ±25°
    turn = math.radians(25)
    c, s = math.cos(turn), math.sin(turn)
    left = tip + back @ np.array([[c, s], [-s, c]])
    right = tip + back @ np.array([[c, -s], [s, c]])
    segments = np.concatenate([np.stack([start, tip], 1), np.stack([tip, left], 1),
                               np.stack([tip, right], 1)])
    return segments, scale


def sample_mosaic(images: np.ndarray, cols: int) -> np.ndarray:
    """(n, H, W) images laid out in a grid of ``cols`` columns, one NaN pixel apart (drawn
    blank); an empty (0, 0) array when there is nothing to show."""
    images = np.asarray(images, np.float64)
    if images.ndim != 3 or 0 in images.shape:
        return np.zeros((0, 0))
    n, h, w = images.shape
    cols = max(1, min(int(cols), n))
    rows = -(-n // cols)
    out = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), np.nan)
    for i, image in enumerate(images):
        r, c = divmod(i, cols)
        out[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = image
    return np.where(np.isfinite(out), out, np.nan)


def balance_words(snap: GanBalance) -> str:
    """One sentence on who is ahead, from the latest point of the history."""
    real, fake = np.asarray(snap.d_real, np.float64), np.asarray(snap.d_fake, np.float64)
    if not real.size or not fake.size or not (np.isfinite(real[-1]) and np.isfinite(fake[-1])):
        return "no steps yet"
    gap = real[-1] - fake[-1]
    if gap > 0.6:
        return "the discriminator is winning: it tells most generated examples apart"
    if gap < 0.15:
        return "close to the balance: the discriminator can hardly tell them apart"
    return "the discriminator is ahead, the generator is catching up"

register_snapshots(SNAPSHOTS, OPTIONS)
