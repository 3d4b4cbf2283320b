"""Figures of the training lab: the gradient and weight size of every layer, and the share of
dead or saturated units (numpy and matplotlib only)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from mlsp_studio.spec.drawing import finite_floats
from mlsp_studio.spec.snapshots_lab import LayerStats

from .canvas import new_figure, show_message


def _positive(values: np.ndarray) -> np.ndarray:
    v = finite_floats(values).ravel()
    return np.where(v > 0, v, np.nan)


def layer_stats_figure(snap: LayerStats) -> Figure:
    """Gradient and weight norms against depth on a log axis; dead and saturated shares."""
    fig = new_figure(7.0, 5.5)
    top, bottom = fig.subplots(2, 1, height_ratios=(3, 2))
    labels = list(snap.labels)
    grads, weights = _positive(snap.grad_norms), _positive(snap.weight_norms)
    if not labels or grads.size != len(labels) or not np.isfinite(grads).any():
        show_message(top, "No layer with weights to measure")
    else:
        x = np.arange(len(labels))
        top.semilogy(x, grads, "o-", color="#d62728", label="gradient")
        top.semilogy(x, weights, "s-", color="#1f5fbf", label="weights")
        every = max(1, int(np.ceil(len(labels) / 8)))
        top.set_xticks(x[::every], labels[::every], rotation=20, fontsize=8)
        top.set_ylabel("norm (log scale)")
        top.set_title(f"Gradient and weights by layer, input side first — step {snap.step}")
        top.grid(alpha=0.3)
        top.legend(fontsize=8)
    acts = list(snap.act_labels)
    dead, saturated = finite_floats(snap.dead).ravel(), finite_floats(snap.saturated).ravel()
    if not acts or dead.size != len(acts) or saturated.size != len(acts):
        show_message(bottom, "No ReLU, sigmoid or tanh blocks")
        return fig
    share = np.where(np.isfinite(dead), dead, np.nan_to_num(saturated, nan=0.0))
    colours = ["#7f7f7f" if np.isfinite(d) else "#9467bd" for d in dead]
    bottom.bar(np.arange(len(acts)), 100 * share, color=colours)
    every = max(1, int(np.ceil(len(acts) / 10)))
    bottom.set_xticks(np.arange(len(acts))[::every], acts[::every], rotation=20, fontsize=8)
    bottom.set_ylim(0, 100)
    bottom.set_ylabel("% of units")
    bottom.set_title("Dead ReLU units (grey) and saturated sigmoid or tanh outputs (purple)",
                     fontsize=10)
    return fig


FIGURES = {"layer_stats": ("layer_stats.png", layer_stats_figure)}
