"""Pictures of what a model makes of its data: decision boundary, regression fit, confusion.

Each ``*_figure`` function takes a snapshot and returns a figure ready to save; none raises on
empty, constant or non-finite data: it draws what it can and says in words what is missing.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from mlsp_studio.spec.snapshots import ConfusionMatrix, DecisionBoundary, RegressionFit

from .canvas import (
    UNKNOWN_CLASS,
    class_colour,
    finite_floats,
    new_figure,
    padded_range,
    show_message,
)

# --- decision boundary -----------------------------------------------------------------------

def _grid_edges(centres: np.ndarray, points: np.ndarray) -> tuple[float, float]:
    """Edges of the cells around sorted grid centres; one centre covers the points' range."""
    if centres.size > 1 and centres[-1] > centres[0]:
        half = 0.5 * (centres[-1] - centres[0]) / (centres.size - 1)
        return centres[0] - half, centres[-1] + half
    reach = np.abs(points - centres[0]) if points.size else np.zeros(0)
    half = max(1.1 * float(np.nanmax(reach)) if np.isfinite(reach).any() else 0.0, 1.0)
    return centres[0] - half, centres[0] + half


def _blend(probs: np.ndarray, n_classes: int) -> np.ndarray:
    """(H, W, C) probabilities -> (H, W, 3) colours: class colours mixed, paled by doubt."""
    colours = np.array([to_rgb(class_colour(k)) for k in range(probs.shape[-1])])
    p = np.clip(np.nan_to_num(probs, nan=0.0), 0.0, 1.0)
    if probs.shape[-1] == 1:  # one class: its colour, stronger where it is more likely
        strength = 0.1 + 0.3 * p
        return 1.0 - strength * (1.0 - colours[0])
    total = p.sum(axis=-1, keepdims=True)
    p = np.where(total > 0, p / np.where(total > 0, total, 1.0), 1.0 / p.shape[-1])
    mix = p @ colours
    chance = 1.0 / max(n_classes, 2)
    confidence = np.clip((p.max(axis=-1, keepdims=True) - chance) / (1.0 - chance), 0.0, 1.0)
    strength = 0.12 + 0.43 * confidence  # pale enough for same-coloured points to stand out
    return 1.0 - strength * (1.0 - mix)


def boundary_figure(snap: DecisionBoundary) -> Figure:
    """Class colours over the input plane, blended by probability, with the data on top."""
    fig = new_figure()
    ax = fig.add_subplot()
    xs, ys = finite_floats(snap.xs).ravel(), finite_floats(snap.ys).ravel()
    probs = finite_floats(snap.probs)
    if probs.ndim == 2:
        probs = probs[..., None]
    points = finite_floats(snap.points)
    points = points if points.ndim == 2 and points.shape[1] >= 2 else np.zeros((0, 2))
    labels = np.asarray(snap.labels, dtype=np.float64).ravel()
    if labels.size != len(points):
        labels = np.full(len(points), -1.0)
    labels = np.where(np.isfinite(labels), labels, -1).astype(np.int64)  # -1: no class
    keep = np.isfinite(points[:, :2]).all(axis=1)
    points, labels = points[keep, :2], labels[keep]

    n_classes = max(probs.shape[-1] if probs.ndim == 3 else 0,
                    int(labels.max()) + 1 if labels.size else 0, len(snap.class_names), 1)
    has_grid = (probs.ndim == 3 and probs.size > 0 and probs.shape[:2] == (ys.size, xs.size)
                and np.isfinite(xs).all() and np.isfinite(ys).all())
    if has_grid and probs.shape[-1] == 1 and n_classes == 2:
        probs = np.concatenate([1.0 - probs, probs], axis=-1)  # one sigmoid output, 2 classes
    x_lo, x_hi, y_lo, y_hi = math.inf, -math.inf, math.inf, -math.inf
    if has_grid:
        if xs.size > 1 and xs[0] > xs[-1]:
            xs, probs = xs[::-1], probs[:, ::-1]
        if ys.size > 1 and ys[0] > ys[-1]:
            ys, probs = ys[::-1], probs[::-1]
        x_lo, x_hi = _grid_edges(xs, points[:, 0])
        y_lo, y_hi = _grid_edges(ys, points[:, 1])
        ax.imshow(_blend(probs, n_classes), extent=(x_lo, x_hi, y_lo, y_hi), origin="lower",
                  interpolation="bilinear", aspect="auto", zorder=0)
    if len(points):
        size = 22 if len(points) <= 500 else 12 if len(points) <= 2000 else 6
        colours = [class_colour(k) if k < n_classes else UNKNOWN_CLASS for k in labels]
        ax.scatter(points[:, 0], points[:, 1], c=colours, s=size, edgecolors="#222222",
                   linewidths=0.6, zorder=2)
        px_lo, px_hi = points[:, 0].min(), points[:, 0].max()
        py_lo, py_hi = points[:, 1].min(), points[:, 1].max()
        if not has_grid:  # a margin, so no point is cut in half by the frame
            (px_lo, px_hi), (py_lo, py_hi) = padded_range(px_lo, px_hi), padded_range(py_lo, py_hi)
        x_lo, x_hi = min(x_lo, px_lo), max(x_hi, px_hi)
        y_lo, y_hi = min(y_lo, py_lo), max(y_hi, py_hi)
    if not has_grid and not len(points):
        show_message(ax, "No grid and no points to show yet")
    else:
        ax.set_xlim(x_lo, x_hi)
        ax.set_ylim(y_lo, y_hi)
        ratio = (x_hi - x_lo) / (y_hi - y_lo)
        ax.set_aspect("equal" if 1 / 3 < ratio < 3 else "auto", adjustable="box")
        ax.set_xlabel("first input (x1)")
        ax.set_ylabel("second input (x2)")
        names = [snap.class_names[k] if k < len(snap.class_names) else f"class {k}"
                 for k in range(n_classes)]
        handles = [Line2D([], [], marker="o", linestyle="", markersize=7,
                          markerfacecolor=class_colour(k), markeredgecolor="#222222",
                          label=names[k]) for k in range(min(n_classes, 20))]
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  frameon=False, fontsize=9, title="classes", title_fontsize=9)
    ax.set_title(f"Decision boundary — step {snap.step}")
    return fig


# --- regression fit --------------------------------------------------------------------------

def regression_figure(snap: RegressionFit) -> Figure:
    """Training points as light dots, the model's curve bold, the true function dashed."""
    fig = new_figure()
    ax = fig.add_subplot()
    px, py = finite_floats(snap.points_x).ravel(), finite_floats(snap.points_y).ravel()
    cx, cy = finite_floats(snap.curve_x).ravel(), finite_floats(snap.curve_y).ravel()
    drawn = False
    if px.size and px.size == py.size:
        ax.scatter(px, py, s=12, color="#7aa6c9", alpha=0.55, linewidths=0,
                   label="training points", zorder=1)
        drawn = True
    if cx.size and cx.size == cy.size:
        order = np.argsort(cx, kind="stable")
        if snap.truth_y is not None:
            ty = finite_floats(snap.truth_y).ravel()
            if ty.size == cx.size:
                ax.plot(cx[order], ty[order], color="#333333", linestyle="--", linewidth=1.6,
                        label="true function", zorder=2)
        ax.plot(cx[order], cy[order], color="#d1495b", linewidth=2.8, label="model",
                zorder=3)
        drawn = True
    if drawn:
        ax.set_xlabel("input x")
        ax.set_ylabel("output y")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=9, loc="best")
    else:
        show_message(ax, "No points and no model curve to show yet")
    ax.set_title(f"Regression fit — step {snap.step}")
    return fig


# --- confusion matrix ------------------------------------------------------------------------

def confusion_figure(snap: ConfusionMatrix) -> Figure:
    """Counts in the cells, coloured by the share of each true class that went where."""
    fig = new_figure()
    ax = fig.add_subplot()
    counts = np.nan_to_num(finite_floats(snap.matrix, ndim=2), nan=0.0)
    split_word = {"val": "validation", "train": "training"}.get(snap.split, snap.split)
    if counts.size == 0:
        show_message(ax, "No predictions counted yet")
        ax.set_title(f"Confusion matrix ({split_word}) — step {snap.step}")
        return fig
    rows, cols = counts.shape
    row_sums = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, row_sums, out=np.zeros_like(counts), where=row_sums > 0)
    image = ax.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0, interpolation="nearest",
                      aspect="equal")
    fig.colorbar(image, ax=ax, shrink=0.85, label="share of the true class")
    n = max(rows, cols)
    if n <= 20:
        size = 12 if n <= 4 else 10 if n <= 7 else 8 if n <= 12 else 6
        for i in range(rows):
            for j in range(cols):
                ax.text(j, i, f"{counts[i, j]:.0f}", ha="center", va="center", fontsize=size,
                        color="white" if shares[i, j] > 0.55 else "#222222")

    def names(k: int) -> list[str]:
        given = snap.class_names if len(snap.class_names) >= k else ()
        return [(str(given[i])[:14] if given else str(i)) for i in range(k)]

    every = max(1, math.ceil(n / 25))
    ax.set_xticks(range(0, cols, every), names(cols)[::every])
    ax.set_yticks(range(0, rows, every), names(rows)[::every])
    long = max((len(s) for s in names(cols)), default=0)
    if long * len(range(0, cols, every)) > 30:  # the names would run into each other
        ax.tick_params(axis="x", labelrotation=45)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")
            label.set_rotation_mode("anchor")
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    total = counts.sum()
    heading = f"Confusion matrix ({split_word}) — step {snap.step}"
    if total > 0 and rows == cols:
        heading += f"\naccuracy {100.0 * np.trace(counts) / total:.1f}% on {total:.0f} examples"
    ax.set_title(heading, fontsize=11)
    return fig
