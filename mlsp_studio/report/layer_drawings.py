"""Pictures of a network's insides: feature maps of one input and first-layer kernels.

Each ``*_figure`` function takes a snapshot and returns a figure ready to save; none raises on
empty, constant or non-finite arrays.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from mlsp_studio.snapshots.drawing import as_channels, class_colour, finite_floats, input_kind
from mlsp_studio.snapshots.kinds import FeatureMaps, Kernels

from .canvas import (
    WIDTH,
    bare_axes,
    count_words,
    nan_note,
    new_figure,
    show_message,
    symmetric_limit,
)

_MAX_CHANNELS = 16
_MAX_LAYER_ROWS = 8


# --- feature maps ----------------------------------------------------------------------------

def _show_channel(ax: Axes, channel: np.ndarray, cmap: str = "viridis") -> None:
    finite = channel[np.isfinite(channel)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    ax.imshow(channel, cmap=cmap, vmin=lo, vmax=hi if hi > lo else lo + 1.0,
              interpolation="nearest", aspect="equal")
    bare_axes(ax)


def _plot_signal(ax: Axes, signal: np.ndarray, colour: str = "#1f77b4") -> None:
    ax.plot(signal, color=colour, linewidth=0.9)
    ax.margins(x=0.0, y=0.1)
    bare_axes(ax)


def feature_maps_figure(snap: FeatureMaps) -> Figure:
    """The input, then one row per layer with up to 16 of its channels."""
    layers = [(str(name), as_channels(finite_floats(a)))
              for name, a in snap.layers[:_MAX_LAYER_ROWS]]
    layers = [(name, a) for name, a in layers if a.size]
    x = finite_floats(snap.input)
    ncols = max([min(a.shape[0], _MAX_CHANNELS) for _, a in layers] or [1])
    width = 7.0 if ncols > 8 else WIDTH
    margin, gap, label_h, row_gap, title_h = 0.15, 0.04, 0.24, 0.12, 0.45
    cell = min(1.1, (width - 2 * margin - gap * (ncols - 1)) / ncols)

    rows: list[tuple[str, float]] = []  # (what, height in inches)
    if x.size:
        rows.append(("input", 1.1 if input_kind(x)[0] == "signal" else 1.5))
    for _, a in layers:
        ratio = a.shape[1] / a.shape[2] if a.ndim == 3 and a.shape[2] else 0.0
        rows.append(("layer", cell * min(max(ratio, 0.5), 2.0) if a.ndim == 3 else 0.55))
    height = title_h + sum(label_h + h + row_gap for _, h in rows) + margin
    fig = new_figure(width, max(height, 2.5), layout=None)
    fig_w, fig_h = fig.get_size_inches()
    heading = f"Feature maps of sample {snap.index}"
    if snap.label:
        heading += f" ({snap.label})"
    fig.suptitle(f"{heading} — step {snap.step}", y=1.0 - 0.12 / fig_h, va="top")
    if not rows:
        show_message(fig.add_axes((0, 0, 1, 1 - title_h / fig_h)), "No feature maps yet")
        return fig

    def box(left: float, top: float, w: float, h: float) -> tuple[float, ...]:
        return (left / fig_w, 1.0 - (top + h) / fig_h, w / fig_w, h / fig_h)

    def row_label(top: float, text: str) -> None:
        fig.text(margin / fig_w, 1.0 - (top + label_h * 0.55) / fig_h, text, fontsize=8.5,
                 va="center", ha="left", fontweight="bold", color="#333333")

    top = title_h
    layer_iter = iter(layers)
    for what, h in rows:
        if what == "input":
            kind, shown = input_kind(x)
            row_label(top, f"input ({_describe_input(kind, shown)}){nan_note(shown)}")
            if kind == "signal":
                ax = fig.add_axes(box(margin, top + label_h, fig_w - 2 * margin, h))
                for c, line in enumerate(shown[:8]):
                    _plot_signal(ax, line, colour=class_colour(c + 1))
            else:
                aspect = shown.shape[1] / max(shown.shape[0], 1)
                w = min(h * aspect, fig_w - 2 * margin)
                ax = fig.add_axes(box(margin, top + label_h, w, h))
                if kind == "rgb":
                    finite = shown[np.isfinite(shown)]
                    lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 0.0)
                    rgb = (shown - lo) / (hi - lo) if hi > lo else np.zeros_like(shown)
                    ax.imshow(np.nan_to_num(rgb), interpolation="nearest")
                    bare_axes(ax)
                else:
                    _show_channel(ax, shown, cmap="gray")
        else:
            name, a = next(layer_iter)
            shown_n = min(a.shape[0], _MAX_CHANNELS)
            size = f"{a.shape[1]}×{a.shape[2]}" if a.ndim == 3 else f"length {a.shape[1]}"
            count = (count_words(a.shape[0], "channel")
                     if shown_n == a.shape[0] else f"first {shown_n} of {a.shape[0]} channels")
            row_label(top, f"{name} — {count}, {size}{nan_note(a)}")
            for c in range(shown_n):
                ax = fig.add_axes(box(margin + c * (cell + gap), top + label_h, cell, h))
                if a.ndim == 3:
                    _show_channel(ax, a[c])
                else:
                    _plot_signal(ax, a[c])
        top += label_h + h + row_gap
    return fig


def _describe_input(kind: str, shown: np.ndarray) -> str:
    if kind == "signal":
        return f"{shown.shape[0]} × length {shown.shape[1]}"
    return f"{shown.shape[0]}×{shown.shape[1]}" + (" colour" if kind == "rgb" else "")


# --- kernels ---------------------------------------------------------------------------------

def kernels_figure(snap: Kernels) -> Figure:
    """The first layer's filters on a shared colour scale centred at zero."""
    fig = new_figure()
    if not snap.layers:
        show_message(fig.add_subplot(), "No convolution weights to show")
        fig.suptitle(f"Kernels — step {snap.step}")
        return fig
    name, weight = snap.layers[0]
    w = finite_floats(weight)
    more = f" (first of {len(snap.layers)} layers)" if len(snap.layers) > 1 else ""
    limit = symmetric_limit(w)
    if w.size == 0:
        show_message(fig.add_subplot(), "This layer has no weights")
    elif w.ndim >= 4:
        w = w.reshape(w.shape[0], -1, *w.shape[-2:])
        _kernel_grid(fig, w, limit)
        more = f", {count_words(w.shape[0], 'filter')} of {w.shape[-2]}×{w.shape[-1]}" + more
    elif w.ndim == 3:
        _kernel_lines(fig, w, limit)
        more = f", {count_words(w.shape[0], 'filter')} of length {w.shape[-1]}" + more
    else:
        ax = fig.add_subplot()
        w2 = w.reshape(-1, 1) if w.ndim < 2 else w
        image = ax.imshow(w2, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto",
                          interpolation="nearest")
        fig.colorbar(image, ax=ax, shrink=0.85, label="weight")
        ax.set_xlabel("input unit")
        ax.set_ylabel("output unit")
    note = nan_note(w, sep="\n")
    fig.suptitle(f"Kernels of {name}{more} — step {snap.step}{note}", fontsize=11)
    return fig


def _kernel_grid(fig: Figure, w: np.ndarray, limit: float) -> None:
    """(out, in, kh, kw): one square per filter, or filters × input channels when in > 1."""
    out_ch, in_ch, kh, kw = w.shape
    if in_ch == 1:
        n = min(out_ch, 64)
        cols = min(n, math.ceil(math.sqrt(n * 1.3)))
        rows = math.ceil(n / cols)
        cells = [(divmod(k, cols), w[k, 0], None, None) for k in range(n)]
        shown = f"the first {n} of {out_ch} filters" if n < out_ch else ""
    else:
        rows, cols = min(out_ch, 8), min(in_ch, 8)
        cells = [((i, j), w[i, j], f"filter {i}" if j == 0 else None,
                  f"input {j}" if i == 0 else None) for i in range(rows) for j in range(cols)]
        shown = (f"the first {rows} of {out_ch} filters, {cols} of {in_ch} input channels"
                 if (rows, cols) != (out_ch, in_ch) else "")
    # Square cells placed by hand: a layout engine would stretch the gaps instead.
    fig.set_layout_engine("none")
    fig_w, fig_h = fig.get_size_inches()
    left, right = (0.7 if in_ch > 1 else 0.2), 1.1
    top, bottom = (0.75 if in_ch > 1 else 0.55), (0.4 if shown else 0.2)
    gap = 0.06 if max(rows, cols) > 4 else 0.12
    avail_w, avail_h = fig_w - left - right, fig_h - top - bottom
    cell = min((avail_w - gap * (cols - 1)) / cols, (avail_h - gap * (rows - 1)) / rows, 1.5)
    cell_w, cell_h = (cell, cell * kh / kw) if kw >= kh else (cell * kw / kh, cell)
    grid_w = cols * cell_w + (cols - 1) * gap
    grid_h = rows * cell_h + (rows - 1) * gap
    x0 = left + (avail_w - grid_w) / 2
    y0 = top + (avail_h - grid_h) / 2
    image = None
    for (r, c), kernel, row_name, col_name in cells:
        ax = fig.add_axes(((x0 + c * (cell_w + gap)) / fig_w,
                           1 - (y0 + r * (cell_h + gap) + cell_h) / fig_h,
                           cell_w / fig_w, cell_h / fig_h))
        image = ax.imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit,
                          interpolation="nearest", aspect="auto")
        bare_axes(ax)
        if row_name:
            ax.set_ylabel(row_name, fontsize=8, rotation=0, ha="right", va="center")
        if col_name:
            ax.set_title(col_name, fontsize=8)
    bar_h = max(grid_h, 1.5)
    bar = fig.add_axes(((x0 + grid_w + 0.25) / fig_w, 1 - (y0 + (grid_h + bar_h) / 2) / fig_h,
                        0.15 / fig_w, bar_h / fig_h))
    fig.colorbar(image, cax=bar, label="weight")
    if shown:
        fig.text(0.5, 0.12 / fig_h, f"showing {shown}", ha="center", va="bottom", fontsize=8,
                 color="#555555")


def _kernel_lines(fig: Figure, w: np.ndarray, limit: float) -> None:
    """(out, in, k): one small line plot per filter, a line per input channel."""
    out_ch, in_ch, k = w.shape
    n = min(out_ch, 32)
    cols = min(n, math.ceil(math.sqrt(n * 1.3)))
    rows = math.ceil(n / cols)
    axes = fig.subplots(rows, cols, squeeze=False, sharex=True, sharey=True).ravel()
    taps = np.arange(k)
    for idx, ax in enumerate(axes):
        if idx >= n:
            ax.set_visible(False)
            continue
        ax.axhline(0.0, color="#999999", linewidth=0.6)
        for j in range(min(in_ch, 8)):
            ax.plot(taps, w[idx, j], color=class_colour(j + 1), linewidth=1.2,
                    marker="o" if k <= 9 else None, markersize=2.5)
        ax.set_ylim(-1.1 * limit, 1.1 * limit)
        ax.text(0.03, 0.95, str(idx), transform=ax.transAxes, fontsize=7, va="top",
                color="#555555")
        bare_axes(ax)
    if in_ch > 1:
        handles = [Line2D([], [], color=class_colour(j + 1), label=f"input {j}")
                   for j in range(min(in_ch, 8))]
        fig.legend(handles=handles, loc="outside lower center", ncols=min(in_ch, 8),
                   fontsize=8, frameon=False)
