"""Figures of the contrastive paradigms: the similarity matrix of two views (or two kinds of
data), the learned codes in 2-D by class, and image-to-signal retrieval.

None raises on empty, mismatched or non-finite data: it draws what it can and says in words
what is missing.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from ...report.canvas import (
    bare_axes,
    frame_points,
    nan_note,
    new_figure,
    show_message,
    side_legend,
    variance_names,
)
from ...snapshots.drawing import UNKNOWN_CLASS, class_colour, finite_floats
from . import snapshots as contrastive

RIGHT, WRONG = "#1a9850", "#d73027"


def _tick_labels(ax, axis: str, labels: np.ndarray, names: tuple[str, ...]) -> None:
    k = len(labels)
    every = max(1, math.ceil(k / 24))
    ticks = list(range(0, k, every))
    text = [contrastive.class_name(names, int(labels[i])) for i in ticks]
    if axis == "x":
        ax.set_xticks(ticks, text, fontsize=8)
    else:
        ax.set_yticks(ticks, text, fontsize=8)


def similarity_figure(snap: contrastive.SimilarityMatrix) -> Figure:
    """Cosine similarities of rows (first views or images) with columns (second views or
    signals), from −1 (blue) to 1 (red); the diagonal, the true pairs, outlined."""
    fig = new_figure(5.6, 5.0)
    ax = fig.add_subplot()
    m = contrastive.clean_matrix(snap.matrix)
    title = f"Similarity of {snap.row_title}s and {snap.col_title}s — step {snap.step}"
    if m.size == 0:
        show_message(ax, "No similarities to show yet")
        ax.set_title(title, fontsize=11)
        return fig
    rows, cols = m.shape
    image = ax.imshow(m, cmap="RdBu_r", vmin=-1.0, vmax=1.0, interpolation="nearest")
    fig.colorbar(image, ax=ax, shrink=0.8, label="cosine similarity")
    for i in range(min(rows, cols)):  # the positive pairs
        ax.add_patch(_square(i, i))
    _tick_labels(ax, "x", contrastive.clean_labels(snap.col_labels, cols), snap.class_names)
    _tick_labels(ax, "y", contrastive.clean_labels(snap.row_labels, rows), snap.class_names)
    ax.set_xlabel(f"{snap.col_title} (its class)")
    ax.set_ylabel(f"{snap.row_title} (its class)")
    diagonal = np.diagonal(m)[:min(rows, cols)]
    off = m[~np.eye(rows, cols, dtype=bool)]
    if np.isfinite(diagonal).any() and np.isfinite(off).any():
        title += (f"\npairs (outlined) {np.nanmean(diagonal):.2f} on average, "
                  f"others {np.nanmean(off):.2f}")
    ax.set_title(title + nan_note(m, "\n"), fontsize=10)
    return fig


def _square(i: float, j: float, colour: str = "#111111") -> Rectangle:
    return Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=colour, linewidth=1.2)


def contrastive_embedding_figure(snap: contrastive.ContrastiveEmbedding) -> Figure:
    """The test set's codes on their two main axes, coloured by the class the training
    never saw."""
    fig = new_figure()
    ax = fig.add_subplot()
    points = finite_floats(snap.points)
    points = points[:, :2] if points.ndim == 2 and points.shape[1] >= 2 else np.zeros((0, 2))
    labels = contrastive.clean_labels(snap.labels, len(points))
    keep = np.isfinite(points).all(axis=1)
    title = f"Learned codes of the test set — step {snap.step}"
    if snap.label:
        title += f"\n{snap.label}, on their two main axes (PCA)"
    if math.isfinite(snap.probe_accuracy):
        title += f"\n{snap.probe_label} {100 * snap.probe_accuracy:.1f}%"
    ax.set_title(title, fontsize=10)
    if not keep.any():
        show_message(ax, "No codes to show yet")
        return fig
    idx = np.flatnonzero(keep)
    ax.scatter(points[idx, 0], points[idx, 1], s=16, linewidths=0.3, edgecolors="#333333",
               c=[class_colour(int(k)) if k >= 0 else UNKNOWN_CLASS for k in labels[idx]])
    frame_points(ax, points[idx], *variance_names(snap.explained))
    present = sorted({int(k) for k in labels[idx]})[:20]
    side_legend(ax, [(class_colour(k) if k >= 0 else UNKNOWN_CLASS,
                      contrastive.class_name(snap.class_names, k)) for k in present],
                "class (not used\nin training)", size=8, dot=6)
    return fig


def retrieval_figure(snap: contrastive.Retrieval) -> Figure:
    """Left: query images against gallery signals, each row's best signal marked (green: the
    same digit, red: another). Right: each query image beside the signal it found."""
    m, q, g, best, right = contrastive.retrieval_picture(snap)
    rows, cols = m.shape
    fig = new_figure(10.0, 5.4, layout=None)
    title = f"Retrieval: which signal each image finds — step {snap.step}"
    if math.isfinite(snap.top1):
        title += (f"; on the whole test set {100 * snap.top1:.1f}% of images find a signal "
                  "of their own class")
    fig.suptitle(title, fontsize=10)
    ax = fig.add_axes((0.07, 0.12, 0.5, 0.76))
    if m.size == 0:
        show_message(ax, "No retrieval to show yet")
        return fig
    ax.imshow(m, cmap="RdBu_r", vmin=-1.0, vmax=1.0, interpolation="nearest", aspect="auto")
    for i, b in enumerate(best):
        if b >= 0:
            ax.add_patch(_square(i, b, RIGHT if right[i] else WRONG))
            ax.plot(b, i, marker="o" if right[i] else "x", color=RIGHT if right[i] else WRONG,
                    markersize=6, markeredgewidth=2)
    _tick_labels(ax, "x", g, snap.class_names)
    _tick_labels(ax, "y", q, snap.class_names)
    ax.set_xlabel("signals (their class)")
    ax.set_ylabel("query images (their class)")
    found = int(right.sum())
    ax.set_title(f"{found} of {rows} queries find a signal of their class" + nan_note(m, "\n"),
                 fontsize=9)
    _strip(fig, snap, best, right)
    return fig


def _strip(fig: Figure, snap: contrastive.Retrieval, best: np.ndarray, right: np.ndarray) -> None:
    """Each query image and the trace of the signal it found, one row each."""
    images = finite_floats(snap.query_images)
    signals = finite_floats(snap.gallery_signals)
    n = min(len(best), len(images) if images.ndim == 3 else 0, 8)
    if n == 0 or signals.ndim != 2:
        return
    height = 0.76 / n
    for i in range(n):
        top = 0.88 - (i + 1) * height
        ax_img = fig.add_axes((0.63, top + 0.01, 0.06, height - 0.02))
        ax_img.imshow(images[i], cmap="gray_r", interpolation="nearest")
        bare_axes(ax_img)
        ax_sig = fig.add_axes((0.71, top + 0.01, 0.27, height - 0.02))
        bare_axes(ax_sig)
        b = int(best[i])
        if 0 <= b < len(signals):
            ax_sig.plot(signals[b], color=RIGHT if right[i] else WRONG, linewidth=0.8)
        if i == 0:
            ax_img.set_title("image", fontsize=8)
            ax_sig.set_title("the signal it found", fontsize=8)


FIGURES = {
    "similarity": ("similarity.png", similarity_figure),
    "contrastive_embedding": ("contrastive_embedding.png", contrastive_embedding_figure),
    "retrieval": ("retrieval.png", retrieval_figure),
}
