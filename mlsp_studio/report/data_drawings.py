"""Pictures of what a model makes of its data: decision boundary, regression fit, confusion.

Each ``*_figure`` function takes a snapshot and returns a figure ready to save; none raises on
empty, constant or non-finite data: it draws what it can and says in words what is missing.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from mlsp_studio.snapshots.drawing import (
    UNKNOWN_CLASS,
    blend_classes,
    boundary_picture,
    class_colour,
    finite_floats,
)
from mlsp_studio.snapshots.kinds import ConfusionMatrix, DecisionBoundary, RegressionFit

from .canvas import new_figure, padded_range, show_message, side_legend

# --- decision boundary -----------------------------------------------------------------------

def boundary_figure(snap: DecisionBoundary) -> Figure:
    """Class colours over the input plane, blended by probability, with the data on top."""
    fig = new_figure()
    ax = fig.add_subplot()
    pic = boundary_picture(snap)
    points, labels, n_classes, has_grid = pic.points, pic.labels, pic.n_classes, pic.has_grid
    x_lo, x_hi, y_lo, y_hi = math.inf, -math.inf, math.inf, -math.inf
    if pic.grid_extent is not None:
        x_lo, x_hi, y_lo, y_hi = pic.grid_extent
        ax.imshow(blend_classes(pic.probs, n_classes), extent=pic.grid_extent, origin="lower",
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
        side_legend(ax, [(class_colour(k), names[k]) for k in range(min(n_classes, 20))],
                    "classes", edge="#222222")
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
