"""Figures of the training lab: the gradient and weight size of every layer, the share of
dead or saturated units, and the receptive field of one unit (numpy and matplotlib only)."""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from mlsp_studio.snapshots.drawing import finite_floats
from mlsp_studio.snapshots.lab import LayerStats, ReceptiveField, UnitPictures, span_words
from mlsp_studio.snapshots.unit_drawing import block_scale, tile_grid, unit_rgb

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


def receptive_field_figure(snap: ReceptiveField) -> Figure:
    """The input with the unit's effective field as heat and its span as a box (pictures) or
    shaded (signals), and the effective field alone; the sentence of the panel as the title."""
    effect = np.nan_to_num(finite_floats(snap.effective), nan=0.0)
    inputs = np.nan_to_num(finite_floats(snap.input), nan=0.0)
    span = np.asarray(snap.span)
    fig = new_figure(8.0, 4.2 if effect.ndim == 2 else 5.0)
    if effect.ndim not in (1, 2) or not effect.size or span.shape != (effect.ndim, 2) \
            or inputs.shape[1:] != effect.shape:
        show_message(fig.subplots(), "No receptive field to draw")
        return fig
    fig.suptitle(f"{snap.layer}, channel {snap.channel} at "
                 f"{', '.join(map(str, snap.position))} — step {snap.step}\n"
                 + textwrap.fill(span_words(snap), 100),
                 fontsize=10)
    if effect.ndim == 2:
        left, right = fig.subplots(1, 2)
        left.imshow(inputs.mean(0), cmap="gray")
        heat = np.zeros((*effect.shape, 4))
        heat[..., 0], heat[..., 3] = 0.85, 0.75 * np.sqrt(np.clip(effect, 0, 1))
        left.imshow(heat)
        right.imshow(effect, cmap="inferno", vmin=0, vmax=1)
        (r0, r1), (c0, c1) = span
        for ax, title in ((left, "what the unit sees of the input"),
                          (right, "effect of each pixel, |gradient|")):
            ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0 + 1, r1 - r0 + 1, fill=False,
                                   edgecolor="#1f5fbf", linewidth=2.5))
            ax.set_title(title, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
        return fig
    top, bottom = fig.subplots(2, 1, sharex=True)
    steps = np.arange(effect.size)
    for row in np.atleast_2d(inputs):
        top.plot(steps, row, linewidth=1)
    bottom.fill_between(steps, effect, color="#d62728", alpha=0.5)
    bottom.plot(steps, effect, color="#d62728")
    own = (snap.position[0] + 0.5) * effect.size / max(snap.map_size[0], 1) - 0.5 \
        if snap.position and snap.map_size else None
    for ax in (top, bottom):
        ax.axvspan(span[0, 0] - 0.5, span[0, 1] + 0.5, color="#1f5fbf", alpha=0.2)
        if own is not None:
            ax.axvline(own, color="#333333", linestyle="--", linewidth=1)
    top.set_title("the signal; shaded: what the unit sees; dashed: its own step", fontsize=9)
    bottom.set_title("effect of each step, |gradient|", fontsize=9)
    bottom.set_xlabel("step")
    return fig


SHOWN_BLOCKS = 8  # blocks drawn in the units figure (the first ones)


def unit_pictures_figure(snap: UnitPictures) -> Figure:
    """Each pictured block in a row: its units over the plane, or the test picture that
    excites each most."""
    blocks = [b for b in range(len(snap.nodes)) if snap.pictured(b)][:SHOWN_BLOCKS]
    fig = new_figure(8.0, 1.2 + 1.3 * max(1, len(blocks)))
    if not blocks:
        show_message(fig.add_subplot(1, 1, 1), "No hidden units to picture: the network "
                     "has no hidden block on 2-D points or pictures.")
        return fig
    plane = snap.style == "plane"
    fig.suptitle(f"Hidden units at step {snap.step}: " + (
        "each unit's output over the plane (orange below 0, blue above)" if plane else
        "the test picture that excites each unit most"), fontsize=10)
    for row, block in enumerate(blocks):
        ax = fig.add_subplot(len(blocks), 1, row + 1)
        ax.imshow(tile_grid(unit_rgb(snap, block), 16, gap=2), interpolation="nearest")
        ax.set_axis_off()
        shown = snap.pictured(block)
        more = f", the first {shown} of {snap.units[block]}" if snap.units[block] > shown else ""
        scale = f", ±{block_scale(snap, block):.3g}" if plane else ""
        ax.set_title(f"{snap.labels[block]} ({snap.units[block]} units{more}{scale})",
                     fontsize=9, loc="left")
    return fig


FIGURES = {"layer_stats": ("layer_stats.png", layer_stats_figure),
           "receptive_field": ("receptive_field.png", receptive_field_figure),
           "unit_pictures": ("unit_pictures.png", unit_pictures_figure)}
