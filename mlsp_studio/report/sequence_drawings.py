"""Pictures of sequence models: attention maps, encoder–decoder alignment, recurrent states and
gates, gradients through time, attention pooling over a signal and attention over patches.

Each ``*_figure`` function takes a snapshot and returns a figure ready to save; none raises on
empty, ragged or non-finite arrays: it draws what it can and says in words what is missing.
The figures of text (generated text, fill in the blank, word vectors) are in
``text_drawings``.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from mlsp_studio.snapshots.drawing import finite_floats
from mlsp_studio.snapshots.kinds import (
    AttentionMaps,
    GradientThroughTime,
    PatchAttention,
    PoolingWeights,
    RecurrentStates,
)

from .canvas import bare_axes, nan_note, new_figure, show_message, symmetric_limit

_MAX_LAYERS = 6
_MAX_HEADS = 6
_MAX_LABELS = 32     # more tokens than this: label every k-th one
_MAX_UNITS = 64      # recurrent units drawn
_MAX_PATCH_HEADS = 7
_EVENT = "#ff7f0e"
_WRONG = "#d62728"
_RIGHT = "#2ca02c"


def token_text(token: object, limit: int = 10) -> str:
    """A token as a short, visible label: spaces and line breaks drawn as signs, ``$`` kept
    literal (matplotlib would start a formula), long tokens cut with an ellipsis."""
    text = str(token)
    text = {" ": "␣", "\n": "⏎", "\t": "⇥", "": "∅"}.get(text, text)
    text = text.replace("\n", "⏎").replace("\t", "⇥")
    if len(text) > limit:
        text = text[:limit - 1] + "…"
    return text.replace("$", r"\$")


def label_axis(ax: Axes, axis: str, tokens: tuple[str, ...], n: int, size: float = 8.0,
               colours: list[str] | None = None) -> None:
    """Put the tokens (or their positions when there are none) on the ticks of ``axis``."""
    names = [token_text(t) for t in tokens] if len(tokens) == n else [str(i) for i in range(n)]
    every = max(1, math.ceil(n / _MAX_LABELS))
    ticks = list(range(0, n, every))
    if axis == "x":
        ax.set_xticks(ticks, [names[i] for i in ticks], fontsize=size, rotation=90)
        labels = ax.get_xticklabels()
    else:
        ax.set_yticks(ticks, [names[i] for i in ticks], fontsize=size)
        labels = ax.get_yticklabels()
    if colours is not None:
        for label, i in zip(labels, ticks, strict=False):
            label.set_color(colours[i])


def step_title(fig: Figure, what: str, step: int, extra: str = "") -> None:
    fig.suptitle(f"{what} — step {step}" + (f"\n{extra}" if extra else ""), fontsize=11)


def _plain(text: str, limit: int = 110) -> str:
    text = " ".join(str(text).split())
    return (text[:limit - 1] + "…" if len(text) > limit else text).replace("$", r"\$")


def _valid_layers(snap: AttentionMaps) -> list[tuple[object, np.ndarray]]:
    layers = []
    for layer in snap.layers:
        w = finite_floats(layer.weights)
        if w.ndim == 2:
            w = w[None]
        if w.ndim == 3 and w.size:
            layers.append((layer, w))
    return layers


# --- attention maps --------------------------------------------------------------------------

def attention_figure(snap: AttentionMaps) -> Figure:
    """A row per attention block, a map per head: row = query token, column = key token."""
    layers = _valid_layers(snap)
    extra = _plain(f"example {snap.index}: {snap.text}" if snap.text else f"example {snap.index}",
                   80)
    if not layers:
        fig = new_figure()
        show_message(fig.add_subplot(), "No attention weights to show (does the network have "
                                        "an attention block?)")
        step_title(fig, "Attention", snap.step, extra)
        return fig
    shown = layers[:_MAX_LAYERS]
    cols = min(max(w.shape[0] for _, w in shown), _MAX_HEADS)
    longest = max(max(w.shape[1], w.shape[2]) for _, w in shown)
    labelled = longest <= 48
    cell = min(1.9, 6.3 / cols, 13.0 / len(shown) - (0.9 if labelled else 0.4))
    row_h = cell + (0.95 if labelled else 0.45)
    fig = new_figure(7.2, max(3.2, 0.8 + row_h * len(shown)))
    rows = fig.subfigures(len(shown), 1, squeeze=False).ravel()
    for sub, (layer, w) in zip(rows, shown, strict=True):
        heads = min(w.shape[0], _MAX_HEADS)
        label = str(layer.label) + (" · causal" if layer.causal else "")
        if layer.mode == "cross" and "cross" not in label:
            label += " · cross-attention"
        if heads < w.shape[0]:
            label += f" (first {heads} of {w.shape[0]} heads)"
        sub.suptitle(_plain(label, 80) + nan_note(w), fontsize=9.5, x=0.02, ha="left")
        axes = sub.subplots(1, cols, squeeze=False).ravel()
        top = float(np.nanmax(w)) if np.isfinite(w).any() else 1.0
        image = None
        for h, ax in enumerate(axes):
            if h >= heads:
                ax.set_visible(False)
                continue
            image = ax.imshow(w[h], cmap="viridis", vmin=0.0, vmax=top if top > 0 else 1.0,
                              interpolation="nearest", aspect="auto")
            ax.set_title(f"head {h + 1}", fontsize=8)
            size = 8 if longest <= 12 else 6.5 if longest <= 24 else 5
            if labelled:
                label_axis(ax, "x", layer.key_tokens, w.shape[2], size)
                if h == 0:
                    label_axis(ax, "y", layer.query_tokens, w.shape[1], size)
                else:
                    ax.set_yticks([])
            else:  # too many tokens to name: a few positions instead
                ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))
                ax.yaxis.set_major_locator(MaxNLocator(4, integer=True))
                ax.tick_params(labelsize=6, labelleft=h == 0)
        if image is not None:
            sub.colorbar(image, ax=list(axes[:heads]), shrink=0.9, aspect=12,
                         label="weight" if cell > 1.0 else None)
    note = extra
    if len(layers) > _MAX_LAYERS:
        note += f"\nthe first {_MAX_LAYERS} of {len(layers)} attention blocks"
    step_title(fig, "Attention (row: query token, column: the tokens it looks at)",
                snap.step, note)
    return fig


# --- recurrent states and gates --------------------------------------------------------------

def recurrent_figure(snap: RecurrentStates) -> Figure:
    """The hidden state, each gate and the cell state over time: a row per unit."""
    rows: list[tuple[str, np.ndarray, str]] = []
    hidden = finite_floats(snap.hidden)
    if hidden.ndim == 2 and hidden.size:
        rows.append(("hidden state", hidden, "signed"))
    for name, gate in snap.gates:
        g = finite_floats(gate)
        if g.ndim == 2 and g.size:
            signed = "candidate" in str(name) or (np.isfinite(g).any() and np.nanmin(g) < -1e-6)
            rows.append((str(name), g, "signed" if signed else "gate"))
    if snap.cell is not None:
        c = finite_floats(snap.cell)
        if c.ndim == 2 and c.size:
            rows.append(("cell state", c, "signed"))
    what = snap.label if snap.cell_type and snap.cell_type in snap.label else \
        " ".join(s for s in (snap.cell_type, snap.label) if s)
    what = what or "Recurrent block"
    heading = f"{what}: first layer over example {snap.index}"
    if not rows:
        fig = new_figure()
        show_message(fig.add_subplot(), "No recurrent states to show yet")
        step_title(fig, heading, snap.step)
        return fig
    fig = new_figure(6.6, min(16.0, 1.0 + 1.45 * len(rows)))
    axes = fig.subplots(len(rows), 1, squeeze=False, sharex=True).ravel()
    steps = max(a.shape[0] for _, a, _ in rows)
    for ax, (name, a, scale) in zip(axes, rows, strict=True):
        units = min(a.shape[1], _MAX_UNITS)
        shown = a[:, :units].T  # a row per unit, time across
        if scale == "gate":
            image = ax.imshow(shown, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto",
                              interpolation="nearest")
        else:
            limit = symmetric_limit(shown)
            image = ax.imshow(shown, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto",
                              interpolation="nearest")
        more = f", first {units} of {a.shape[1]} units" if units < a.shape[1] else ""
        ax.set_title(f"{name}{more}{nan_note(a)}", fontsize=9, loc="left")
        ax.set_ylabel("unit", fontsize=8)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        ax.tick_params(labelsize=7)
        fig.colorbar(image, ax=ax, pad=0.01, aspect=8)
    label_axis(axes[-1], "x", snap.tokens, steps, 8 if steps <= 24 else 6)
    axes[-1].set_xlabel("time step (input token)")
    step_title(fig, heading, snap.step,
                "gates: 0 closed … 1 open; states: blue negative, red positive")
    return fig


# --- gradient through time -------------------------------------------------------------------

def bptt_figure(snap: GradientThroughTime) -> Figure:
    """How strongly the loss's gradient reaches each input step, on a log scale."""
    fig = new_figure()
    ax = fig.add_subplot()
    norms = finite_floats(snap.norms).ravel()
    t = np.arange(norms.size)
    good = np.isfinite(norms) & (norms > 0)
    heading = "Gradient through time" + (f" at {snap.label}" if snap.label else "")
    if not good.any():
        show_message(ax, "No gradient reached the inputs yet" if norms.size
                     else "No gradient norms to show yet")
        step_title(fig, heading, snap.step)
        return fig
    ax.semilogy(t[good], norms[good], color="#1f77b4", linewidth=1.6,
                marker="o" if norms.size <= 60 else None, markersize=3.5)
    if (~good).any():
        ax.plot(t[~good], np.full((~good).sum(), norms[good].min()), "x", color=_WRONG,
                label="zero or not a number")
        ax.legend(fontsize=8, loc="best")
    ax.set_xlabel("time step (0 = first input)")
    ax.set_ylabel("mean gradient norm (log scale)")
    ax.grid(True, which="both", alpha=0.3)
    if norms.size == 1:
        ax.set_xlim(-1, 1)
    first, last = norms[good][0], norms[good][-1]
    ratio = first / last
    extra = f"first step gets {ratio:.1e} × the gradient of the last step"
    if ratio < 1e-3:
        extra += " — vanishing gradients"
    elif ratio > 1e3:
        extra += " — exploding gradients"
    step_title(fig, heading, snap.step, extra)
    return fig


# --- attention pooling -----------------------------------------------------------------------

def pooling_figure(snap: PoolingWeights) -> Figure:
    """The example's signal on top, the pooling weights over time below, the event shaded."""
    signal = finite_floats(snap.signal)
    weights = finite_floats(snap.weights).ravel()
    heading = f"Attention pooling over example {snap.index}" + (
        f" ({snap.label})" if snap.label else "")
    classes = []
    if snap.true_class:
        classes.append(f"true class {snap.true_class}")
    if snap.predicted_class:
        classes.append(f"predicted {snap.predicted_class}")
    extra = ", ".join(classes)
    if signal.size == 0 and weights.size == 0:
        fig = new_figure()
        show_message(fig.add_subplot(), "No pooling weights to show yet")
        step_title(fig, heading, snap.step, extra)
        return fig
    fig = new_figure()
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(1.2, 1.0))
    if signal.ndim == 1 and signal.size:
        top.plot(signal, color="#444444", linewidth=0.9)
    elif signal.ndim == 2 and signal.size:
        if signal.shape[1] <= 6:
            for f in range(signal.shape[1]):
                top.plot(signal[:, f], linewidth=0.9)
        else:
            top.imshow(signal.T, aspect="auto", origin="lower", cmap="magma",
                       interpolation="nearest", extent=(-0.5, signal.shape[0] - 0.5,
                                                        -0.5, signal.shape[1] - 0.5))
            top.set_ylabel("feature", fontsize=8)
    else:
        show_message(top, "no signal to show")
    top.set_title("input", fontsize=9, loc="left")
    if weights.size:
        t = np.arange(weights.size)
        bottom.fill_between(t, 0, np.nan_to_num(weights), color="#1f77b4", alpha=0.35, step="mid")
        bottom.plot(t, weights, color="#1f77b4", linewidth=1.4, drawstyle="steps-mid")
        bottom.axhline(1.0 / weights.size, color="#888888", linestyle="--", linewidth=1.0,
                       label="equal weights")
        bottom.set_ylim(0, max(float(np.nanmax(weights)) * 1.1 if np.isfinite(weights).any()
                               else 1.0, 1.5 / weights.size))
    else:
        show_message(bottom, "no pooling weights")
    bottom.set_title("pooling weight of each time step" + nan_note(weights), fontsize=9,
                     loc="left")
    bottom.set_xlabel("time step")
    if snap.event is not None and len(snap.event) == 2:
        start, end = sorted(float(v) for v in snap.event)
        for ax in (top, bottom):
            ax.axvspan(start - 0.5, end - 0.5, color=_EVENT, alpha=0.22, linewidth=0,
                       label="the event" if ax is bottom else None)
        if weights.size:
            inside = weights[max(int(start), 0):max(int(end), 0)]
            share = float(np.nansum(inside)) / max(float(np.nansum(weights)), 1e-12)
            extra += (", " if extra else "") + f"{share:.0%} of the weight on the event"
    if weights.size:
        bottom.legend(fontsize=8, loc="upper right")
    step_title(fig, heading, snap.step, extra)
    return fig


# --- attention over image patches ------------------------------------------------------------

def _nan_mean(w: np.ndarray) -> np.ndarray:
    """Mean over the first axis, NaN where every value is NaN (without a warning)."""
    counts = np.isfinite(w).sum(axis=0)
    total = np.nansum(w, axis=0)
    return np.divide(total, counts, out=np.full(total.shape, np.nan), where=counts > 0)


def _as_picture(image: np.ndarray) -> tuple[np.ndarray, str | None]:
    """(H, W) grey or (H, W, 3) colour scaled to 0..1, and the colour map to use."""
    a = image
    if a.ndim == 3 and a.shape[0] in (1, 3) and a.shape[-1] not in (1, 3):
        a = np.moveaxis(a, 0, -1)
    if a.ndim == 3 and a.shape[-1] == 1:
        a = a[..., 0]
    if a.ndim == 3 and a.shape[-1] != 3:
        a = a[..., 0]
    finite = a[np.isfinite(a)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    a = np.nan_to_num((a - lo) / (hi - lo) if hi > lo else np.zeros_like(a))
    return a, (None if a.ndim == 3 else "gray")


def patch_attention_figure(snap: PatchAttention) -> Figure:
    """The image, then each head's attention from the class token laid over it."""
    w = finite_floats(snap.weights)
    if w.ndim == 2:
        w = w[None]
    image = finite_floats(snap.image)
    has_image = image.ndim in (2, 3) and image.size > 0
    classes = []
    if snap.true_class:
        classes.append(f"true class {snap.true_class}")
    if snap.predicted_class:
        classes.append(f"predicted {snap.predicted_class}")
    heading = f"example {snap.index}" + (f" ({snap.label})" if snap.label else "")
    what = "Attention of the class token over the image patches"
    if w.ndim != 3 or w.size == 0:
        fig = new_figure()
        ax = fig.add_subplot()
        if has_image:
            picture, cmap = _as_picture(image)
            ax.imshow(picture, cmap=cmap, interpolation="nearest")
            bare_axes(ax)
            ax.set_title("no attention weights to show yet", fontsize=10)
        else:
            show_message(ax, "No image and no attention weights to show yet")
        step_title(fig, what, snap.step, ": ".join(filter(None, [heading, ", ".join(classes)])))
        return fig
    heads = min(w.shape[0], _MAX_PATCH_HEADS)
    maps = [("mean of the heads" if w.shape[0] > 1 else "attention",
             _nan_mean(w) if w.shape[0] > 1 else w[0])]
    maps += [(f"head {h + 1}", w[h]) for h in range(heads)] if w.shape[0] > 1 else []
    panels = ([("image", None)] if has_image else []) + maps
    nrows = math.ceil(len(panels) / 4)
    cols = math.ceil(len(panels) / nrows)
    fig = new_figure(6.6, min(12.0, 1.0 + 1.75 * nrows))
    axes = fig.subplots(nrows, cols, squeeze=False).ravel()
    picture, cmap = _as_picture(image) if has_image else (None, None)
    extent = ((-0.5, picture.shape[1] - 0.5, picture.shape[0] - 0.5, -0.5) if has_image
              else (-0.5, w.shape[2] - 0.5, w.shape[1] - 0.5, -0.5))
    overlay = None
    top = float(np.nanmax(w)) if np.isfinite(w).any() and np.nanmax(w) > 0 else 1.0
    for ax, (name, m) in zip(axes, panels, strict=False):
        if has_image:
            ax.imshow(picture, cmap=cmap, interpolation="nearest", extent=extent)
        if m is not None:
            overlay = ax.imshow(m, cmap="inferno", vmin=0.0, vmax=top, extent=extent,
                                interpolation="nearest", alpha=0.65 if has_image else 1.0)
        ax.set_title(name, fontsize=8.5)
        bare_axes(ax)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    if overlay is not None:
        fig.colorbar(overlay, ax=list(axes[:len(panels)]), shrink=0.8, aspect=20,
                     label="attention weight")
    extra = ", ".join(classes)
    if heads < w.shape[0]:
        extra += (", " if extra else "") + f"the first {heads} of {w.shape[0]} heads"
    step_title(fig, what, snap.step, ": ".join(filter(None, [heading, extra])) + nan_note(w))
    return fig
