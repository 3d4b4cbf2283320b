"""What every picture of the studio shares, whichever toolkit draws it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .kinds import DecisionBoundary

# Orange and blue as in TensorFlow Playground, then the clearest of matplotlib's tab10.
CLASS_COLOURS = ("#f59322", "#0877bd", "#2ca02c", "#d62728", "#9467bd",
                 "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f")
UNKNOWN_CLASS = "#bbbbbb"


def class_colour(k: int) -> str:
    """The colour of class ``k``; a negative ``k`` (no label) is light grey."""
    return CLASS_COLOURS[k % len(CLASS_COLOURS)] if k >= 0 else UNKNOWN_CLASS


def hex_rgb(colour: str) -> tuple[float, float, float]:
    """``"#rrggbb"`` -> (r, g, b) in 0..1."""
    h = colour.lstrip("#")
    return int(h[0:2], 16) / 255.0, int(h[2:4], 16) / 255.0, int(h[4:6], 16) / 255.0


def finite_floats(a: Any, ndim: int | None = None) -> np.ndarray:
    """A float copy with infinities turned into NaN (and a wrong rank into an empty array)."""
    a = np.asarray(a, dtype=np.float64)
    if ndim is not None and a.ndim != ndim:
        return np.zeros((0,) * ndim)
    return np.where(np.isfinite(a), a, np.nan)


# --- feature maps ----------------------------------------------------------------------------

def as_channels(a: np.ndarray) -> np.ndarray:
    """Any array -> (C, H, W) image channels or (C, L) signal channels."""
    if a.ndim <= 1:
        return a.reshape(1, -1)
    return a.reshape(-1, *a.shape[-2:]) if a.ndim > 3 else a


def input_kind(a: np.ndarray) -> tuple[str, np.ndarray]:
    """How to show the input: ("signal", (C, L)), ("rgb", (H, W, 3)) or ("gray", (H, W))."""
    if a.ndim <= 1:
        return "signal", a.reshape(1, -1)
    if a.ndim == 2:
        c, length = a.shape
        return ("signal", a) if c <= 4 and length > 4 * c else ("gray", a)
    if a.ndim == 3 and 3 in (a.shape[0], a.shape[-1]):
        return "rgb", np.moveaxis(a, 0, -1) if a.shape[0] == 3 else a
    return "gray", as_channels(a)[0]


# --- decision boundary -----------------------------------------------------------------------

@dataclass(frozen=True)
class BoundaryPicture:
    """A DecisionBoundary snapshot made safe to draw.

    ``xs`` and ``ys`` ascend and ``probs`` is (H, W, C) to match (one sigmoid output of a
    2-class model is expanded to two columns); ``points`` is (N, 2) with no NaN and ``labels``
    (N,) ints, -1 for no class. ``grid_extent`` is (x_lo, x_hi, y_lo, y_hi), the outer edges
    of the grid's cells, or None when ``has_grid`` is false.
    """

    xs: np.ndarray
    ys: np.ndarray
    probs: np.ndarray
    points: np.ndarray
    labels: np.ndarray
    n_classes: int
    has_grid: bool
    grid_extent: tuple[float, float, float, float] | None


def _grid_edges(centres: np.ndarray, points: np.ndarray) -> tuple[float, float]:
    """Edges of the cells around sorted grid centres; one centre covers the points' range."""
    if centres.size > 1 and centres[-1] > centres[0]:
        half = 0.5 * (centres[-1] - centres[0]) / (centres.size - 1)
        return float(centres[0] - half), float(centres[-1] + half)
    reach = np.abs(points - centres[0]) if points.size else np.zeros(0)
    half = max(1.1 * float(np.nanmax(reach)) if np.isfinite(reach).any() else 0.0, 1.0)
    return float(centres[0] - half), float(centres[0] + half)


def boundary_picture(snapshot: DecisionBoundary) -> BoundaryPicture:
    """Clean a snapshot: never raises on empty, mismatched or non-finite arrays."""
    xs, ys = finite_floats(snapshot.xs).ravel(), finite_floats(snapshot.ys).ravel()
    probs = finite_floats(snapshot.probs)
    if probs.ndim == 2:
        probs = probs[..., None]
    points = finite_floats(snapshot.points)
    points = points if points.ndim == 2 and points.shape[1] >= 2 else np.zeros((0, 2))
    labels = np.asarray(snapshot.labels, dtype=np.float64).ravel()
    if labels.size != len(points):
        labels = np.full(len(points), -1.0)
    labels = np.where(np.isfinite(labels), labels, -1).astype(np.int64)  # -1: no class
    keep = np.isfinite(points[:, :2]).all(axis=1)
    points, labels = points[keep, :2], labels[keep]

    n_classes = max(probs.shape[-1] if probs.ndim == 3 else 0,
                    int(labels.max()) + 1 if labels.size else 0,
                    len(snapshot.class_names), 1)
    has_grid = (probs.ndim == 3 and probs.size > 0 and probs.shape[:2] == (ys.size, xs.size)
                and bool(np.isfinite(xs).all()) and bool(np.isfinite(ys).all()))
    extent = None
    if has_grid:
        if probs.shape[-1] == 1 and n_classes == 2:
            probs = np.concatenate([1.0 - probs, probs], axis=-1)  # one sigmoid output
        if xs.size > 1 and xs[0] > xs[-1]:
            xs, probs = xs[::-1], probs[:, ::-1]
        if ys.size > 1 and ys[0] > ys[-1]:
            ys, probs = ys[::-1], probs[::-1]
        extent = (*_grid_edges(xs, points[:, 0]), *_grid_edges(ys, points[:, 1]))
    return BoundaryPicture(xs=xs, ys=ys, probs=probs, points=points, labels=labels,
                           n_classes=n_classes, has_grid=has_grid, grid_extent=extent)


def blend_classes(probs: np.ndarray, n_classes: int) -> np.ndarray:
    """(H, W, C) probabilities -> (H, W, 3) colours in 0..1: class colours mixed, paled by doubt."""
    colours = np.array([hex_rgb(class_colour(k)) for k in range(probs.shape[-1])])
    p = np.clip(np.nan_to_num(probs, nan=0.0), 0.0, 1.0)
    if probs.shape[-1] == 1:  # one class: its colour, stronger where it is more likely
        return 1.0 - (0.1 + 0.3 * p) * (1.0 - colours[0])
    total = p.sum(axis=-1, keepdims=True)
    p = np.where(total > 0, p / np.where(total > 0, total, 1.0), 1.0 / p.shape[-1])
    mix = p @ colours
    chance = 1.0 / max(n_classes, 2)
    confidence = np.clip((p.max(axis=-1, keepdims=True) - chance) / (1.0 - chance), 0.0, 1.0)
    strength = 0.12 + 0.43 * confidence  # pale enough for same-coloured points to stand out
    return 1.0 - strength * (1.0 - mix)
