"""Figures of word2vec: every word at its place in the plane of the two main directions of the
word vectors, coloured by group, with the nearest words of a query."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ...report.canvas import frame_points, new_figure, show_message, side_legend, variance_names
from ...report.sequence_drawings import token_text
from ...report.text_drawings import MONO
from ...snapshots.drawing import UNKNOWN_CLASS, class_colour, finite_floats
from .snapshots import Embeddings

MAX_LABELS = 150  # more words than this go unlabelled


def embeddings_figure(snap: Embeddings) -> Figure:
    """Every word at its place in the plane of the two main directions, coloured by group."""
    fig = new_figure()
    ax = fig.add_subplot()
    points = finite_floats(snap.points)
    n = min(len(snap.words), len(points)) if points.ndim == 2 and points.shape[-1] >= 2 else 0
    words = [str(w) for w in snap.words[:n]]
    points = points[:n, :2] if n else np.zeros((0, 2))
    groups = [str(g) for g in snap.groups[:n]] if len(snap.groups) >= n else [""] * n
    keep = np.isfinite(points).all(axis=1) if n else np.zeros(0, dtype=bool)
    caption = f"\n{snap.label}".replace("$", r"\$") if snap.label else ""
    ax.set_title(f"Word vectors — step {snap.step}{caption}", fontsize=11)
    if not keep.any():
        show_message(ax, "No word vectors to show yet")
        return fig
    names = sorted({g for g in groups if g})
    colour_of = {g: class_colour(k) for k, g in enumerate(names)}
    colours = [colour_of.get(g, UNKNOWN_CLASS) for g in groups]
    idx = np.flatnonzero(keep)
    ax.scatter(points[idx, 0], points[idx, 1], c=[colours[i] for i in idx], s=26,
               edgecolors="#333333", linewidths=0.4, zorder=2)
    near = {w for w, _ in snap.neighbours}
    if len(idx) <= MAX_LABELS:
        for i in idx:
            strong = words[i] == snap.query or words[i] in near
            ax.annotate(token_text(words[i], 14), points[i], xytext=(3, 3),
                        textcoords="offset points", fontsize=7.5 if strong else 6.5,
                        fontweight="bold" if strong else "normal", color="#222222", zorder=3)
    marked = [i for i in idx if words[i] in near]
    if marked:
        ax.scatter(points[marked, 0], points[marked, 1], s=90, facecolors="none",
                   edgecolors="#111111", linewidths=1.0, zorder=3)
    query = [i for i in idx if words[i] == snap.query]
    if query:
        ax.scatter(points[query, 0], points[query, 1], s=220, marker="*", color="#ffd400",
                   edgecolors="#111111", linewidths=0.8, zorder=4)
    frame_points(ax, points[idx], *variance_names(snap.explained))
    legend = names[:12]
    if legend:
        side_legend(ax, [(colour_of[g], token_text(g, 14)) for g in legend], "groups", size=8,
                    dot=6, title_size=8.5)
    if snap.query:
        lines = [f"nearest to “{token_text(snap.query, 14)}”:"]
        lines += [f"{token_text(w, 12)}  {s:.2f}" for w, s in snap.neighbours[:8]]
        ax.text(1.03, 0.0 if legend else 1.0, "\n".join(lines), transform=ax.transAxes,
                fontsize=8, va="bottom" if legend else "top", ha="left", family=MONO)
    if len(idx) > MAX_LABELS:
        ax.text(0.01, 0.01, f"{len(idx)} words: too many to label", transform=ax.transAxes,
                fontsize=8, color="#555555")
    return fig


FIGURES: dict = {"embeddings": ("embeddings.png", embeddings_figure)}
