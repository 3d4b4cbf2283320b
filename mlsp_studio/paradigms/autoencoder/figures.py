"""Figures of the autoencoder paradigm, each from one snapshot: the reconstruction grid, the
latent codes coloured by class, and the anomaly scores with their ROC curve. None raises on
empty, constant or non-finite data: it draws what it can and says the rest in words."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from ...report.canvas import (
    bare_axes,
    frame_points,
    new_figure,
    padded_range,
    show_message,
    side_legend,
)
from ...snapshots.drawing import UNKNOWN_CLASS, class_colour, finite_floats
from ...snapshots.kinds import Reconstructions
from .snapshots import (
    AnomalyScores,
    LatentCodes,
    picture,
    rates_at,
    roc_curve,
)

MAX_COLUMNS = 8
NORMAL_COLOUR = "#0877bd"
ANOMALY_COLOUR = "#d62728"
NOISE_WORDS = {"gaussian": "added jitter", "masking": "values blanked",
               "salt_pepper": "salt and pepper"}


def _rows(snap: Reconstructions) -> list[tuple[str, np.ndarray]]:
    """(row title, examples) for each row the snapshot has, cut to a common length."""
    rows = [("input", finite_floats(snap.inputs))]
    noisy = finite_floats(snap.noisy)
    if noisy.ndim >= 1 and len(noisy) and snap.noise != "none":
        rows.append((f"noisy input\n({NOISE_WORDS.get(snap.noise, snap.noise)} "
                     f"{snap.noise_level:.2f})", noisy))
    rows.append(("rebuilt", finite_floats(snap.outputs)))
    n = min(min(len(a) if a.ndim >= 1 else 0 for _, a in rows), MAX_COLUMNS)
    return [(title, a[:n]) for title, a in rows] if n else []


def _points_figure(snap: Reconstructions) -> Figure:
    """2-D points and their reconstructions, each joined to its input by a thin line."""
    fig = new_figure()
    ax = fig.add_subplot()
    a, b = finite_floats(snap.inputs), finite_floats(snap.outputs)
    n = min(len(a), len(b))
    keep = np.isfinite(a[:n]).all(1) & np.isfinite(b[:n]).all(1)
    a, b = a[:n][keep], b[:n][keep]
    title = f"Reconstructions — step {snap.step}"
    if math.isfinite(snap.mse):
        title += f" · squared error {snap.mse:.4f}"
    ax.set_title(title)
    if not len(a):
        show_message(ax, "No points to show yet")
        return fig
    ax.add_collection(LineCollection(np.stack([a, b], 1), colors="#bbbbbb", linewidths=0.6,
                                     zorder=1))
    ax.scatter(a[:, 0], a[:, 1], s=10, color="#7f7f7f", label="input", zorder=2)
    noisy = finite_floats(snap.noisy)
    if snap.noise != "none" and noisy.ndim == 2 and noisy.shape[1] == 2 and len(noisy):
        ax.scatter(noisy[:, 0], noisy[:, 1], s=8, color="#bcbd22", zorder=2,
                   label=f"noisy input ({NOISE_WORDS.get(snap.noise, snap.noise)})")
    ax.scatter(b[:, 0], b[:, 1], s=10, color="#ff7f0e", label="rebuilt", zorder=3)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_xlabel("first value (x1)")
    ax.set_ylabel("second value (x2)")
    ax.grid(True, alpha=0.25)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return fig


def reconstructions_figure(snap: Reconstructions) -> Figure:
    """Inputs, noisy inputs (when denoising) and outputs, one column per test example, on one
    grey scale shared by all, so a faint reconstruction looks faint; 2-D points in the
    plane instead."""
    inputs, outputs = np.asarray(snap.inputs), np.asarray(snap.outputs)
    if inputs.ndim == 2 and inputs.shape[1] == 2 and outputs.shape[1:] == (2,):
        return _points_figure(snap)
    rows = _rows(snap)
    n = len(rows[0][1]) if rows else 0
    fig = new_figure(1.1 * max(n, 4) + 1.4, 1.25 * max(len(rows), 2) + 0.9)
    title = f"Reconstructions — step {snap.step}"
    if math.isfinite(snap.mse):
        title += f" · squared error of these {snap.mse:.4f}"
    if math.isfinite(snap.noisy_mse):
        title += f" (noisy input {snap.noisy_mse:.4f})"
    fig.suptitle(title)
    if not n:
        show_message(fig.add_subplot(), "No examples to show yet")
        return fig
    # the clean inputs' range: noise beyond it saturates instead of fading the digits
    finite = rows[0][1][np.isfinite(rows[0][1])]
    if not finite.size:
        values = np.concatenate([a.ravel() for _, a in rows])
        finite = values[np.isfinite(values)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    hi = hi if hi > lo else lo + 1.0
    axes = fig.subplots(len(rows), n, squeeze=False)
    for r, (name, examples) in enumerate(rows):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(picture(examples[c]), cmap="gray_r", vmin=lo, vmax=hi,
                      interpolation="nearest", aspect="equal")
            bare_axes(ax)
            if c == 0:
                ax.set_ylabel(name, fontsize=9)
            if r == 0 and c < len(snap.labels) and snap.labels[c]:
                ax.set_title(str(snap.labels[c])[:10], fontsize=9)
    return fig


def latent_figure(snap: LatentCodes) -> Figure:
    """The test codes in the plane, one colour per class, with a class legend."""
    fig = new_figure()
    ax = fig.add_subplot()
    points = finite_floats(snap.points)
    points = points[:, :2] if points.ndim == 2 and points.shape[1] >= 2 else np.zeros((0, 2))
    labels = np.asarray(snap.labels).ravel()
    n = min(len(points), len(labels)) if len(labels) else len(points)
    points = points[:n]
    labels = labels[:n].astype(np.int64) if len(labels) else np.full(n, -1)
    keep = np.isfinite(points).all(axis=1)
    title = f"Latent codes of the test set — step {snap.step}"
    if math.isfinite(snap.knn_accuracy):
        title += f"\n5-nearest-neighbour accuracy {100 * snap.knn_accuracy:.1f} %"
    ax.set_title(title, fontsize=11)
    if not keep.any():
        show_message(ax, "No codes to show yet")
        return fig
    k = len(snap.class_names)
    colours = [class_colour(int(c)) if 0 <= c < max(k, 1) or (k == 0 and c >= 0)
               else UNKNOWN_CLASS for c in labels[keep]]
    size = 16 if keep.sum() <= 600 else 8
    ax.scatter(points[keep, 0], points[keep, 1], c=colours, s=size, linewidths=0.3,
               edgecolors="#333333", alpha=0.85)
    frame_points(ax, points[keep], *_axis_names(snap))
    present = sorted({int(c) for c in labels[keep] if c >= 0})
    if present:
        side_legend(ax, [(class_colour(c), snap.class_names[c] if c < k else f"class {c}")
                         for c in present[:20]], "class")
    return fig


def _axis_names(snap: LatentCodes) -> tuple[str, str]:
    if snap.method == "pca":
        shares = [float(e) for e in tuple(snap.explained)[:2]] + [0.0, 0.0]
        return (f"main direction 1 of the {snap.latent}-number code ({100 * shares[0]:.0f} %)",
                f"main direction 2 ({100 * shares[1]:.0f} %)")
    if snap.latent == 1:
        return "the code (one number)", "(nothing: the code has one number)"
    return "code, first number", "code, second number"


def anomaly_figure(snap: AnomalyScores) -> Figure:
    """Histograms of the reconstruction error of normal and anomalous test examples with the
    suggested threshold, and the ROC curve with that threshold's point."""
    fig = new_figure(10.0, 4.3)
    hist_ax, roc_ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.4, 1.0]})
    scores = finite_floats(snap.scores).ravel()
    anomalous = np.asarray(snap.anomalous).astype(bool).ravel()
    n = min(len(scores), len(anomalous))
    scores, anomalous = scores[:n], anomalous[:n]
    keep = np.isfinite(scores)
    head = f"Anomaly scores — step {snap.step}"
    if math.isfinite(snap.auroc):
        head += f" · AUROC {snap.auroc:.3f}"
    fig.suptitle(head)
    if not keep.any():
        show_message(hist_ax, "No reconstruction errors to show yet")
        show_message(roc_ax, "No ROC curve yet")
        return fig
    s, a = scores[keep], anomalous[keep]
    bins = np.linspace(*padded_range(float(s.min()), float(s.max())), 40)
    normal = ", ".join(snap.normal_names) or "normal"
    for part, colour, name in ((~a, NORMAL_COLOUR, f"normal ({normal})"),
                               (a, ANOMALY_COLOUR, "anomalies (the other classes)")):
        if part.any():
            hist_ax.hist(s[part], bins=bins, color=colour, alpha=0.55, label=name)
    threshold = float(snap.threshold)
    tpr, fpr = rates_at(s, a, threshold) if math.isfinite(threshold) else (math.nan, math.nan)
    if math.isfinite(threshold):
        hist_ax.axvline(threshold, color="#222222", linestyle="--", linewidth=1.2,
                        label=f"threshold {threshold:.4f}")
    hist_ax.set_xlabel("reconstruction error (mean squared, per example)")
    hist_ax.set_ylabel("test examples")
    hist_ax.legend(fontsize=8, frameon=False)
    hist_ax.grid(True, alpha=0.25)
    fprs, tprs = roc_curve(s, a)
    roc_ax.plot([0, 1], [0, 1], color="#aaaaaa", linestyle=":", linewidth=1)
    if len(fprs):
        roc_ax.plot(fprs, tprs, color="#222222", linewidth=1.6, label="ROC curve")
        if math.isfinite(tpr) and math.isfinite(fpr):
            roc_ax.plot([fpr], [tpr], "o", color="#ff7f0e", markersize=8,
                        label=f"threshold: {100 * tpr:.0f} % caught, {100 * fpr:.0f} % false")
        roc_ax.legend(fontsize=8, frameon=False, loc="lower right")
    else:
        roc_ax.text(0.5, 0.5, "needs normal and anomalous examples", ha="center",
                    va="center", fontsize=9, color="#555555")
    roc_ax.set_xlim(-0.02, 1.02)
    roc_ax.set_ylim(-0.02, 1.02)
    roc_ax.set_aspect("equal")
    roc_ax.set_xlabel("false positive rate (normal flagged)")
    roc_ax.set_ylabel("true positive rate (anomalies caught)")
    roc_ax.grid(True, alpha=0.25)
    return fig


FIGURES = {
    "reconstructions": ("reconstructions.png", reconstructions_figure),
    "latent": ("latent_codes.png", latent_figure),
    "anomaly_scores": ("anomaly_scores.png", anomaly_figure),
}
