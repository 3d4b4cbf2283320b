"""Figures of the encoder-decoder: the alignment matrix, where each written token looked in
the source."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ...report.canvas import count_words, nan_note, new_figure, show_message
from ...report.sequence_drawings import label_axis, step_title
from ...snapshots.drawing import finite_floats
from .snapshots import Alignment

WRONG = "#d62728"


def alignment_figure(snap: Alignment) -> Figure:
    """Where each written token looked in the source; wrong tokens in red with the right one."""
    fig = new_figure()
    ax = fig.add_subplot()
    w = finite_floats(snap.weights)
    heading = f"Alignment of example {snap.index}" + (f" ({snap.label})" if snap.label else "")
    if w.ndim != 2 or w.size == 0:
        show_message(ax, "No alignment to show yet (the decoder has written nothing)")
        step_title(fig, heading, snap.step)
        return fig
    rows, cols = w.shape
    image = ax.imshow(w, cmap="Blues", vmin=0.0, interpolation="nearest", aspect="auto",
                      vmax=float(np.nanmax(w)) if np.isfinite(w).any() and np.nanmax(w) > 0
                      else 1.0)
    fig.colorbar(image, ax=ax, shrink=0.85, label="attention (mean over heads)")
    out, target = list(snap.output_tokens), list(snap.target_tokens)
    names = list(out) if len(out) == rows else [str(i) for i in range(rows)]
    colours = ["#222222"] * rows
    wrong = 0
    if len(target) >= rows and len(out) == rows:
        for i in range(rows):
            if out[i] != target[i]:
                names[i] = f"{out[i]} (→ {target[i]})"
                colours[i] = WRONG
                wrong += 1
    size = 9 if max(rows, cols) <= 16 else 7 if max(rows, cols) <= 32 else 5.5
    label_axis(ax, "x", snap.source_tokens, cols, size)
    ax.set_yticks([])
    label_axis(ax, "y", tuple(names), rows, size, colours)
    ax.set_xlabel("source token (what the encoder read)")
    ax.set_ylabel("token the decoder wrote")
    extra = ("every written token is right" if len(target) >= rows and not wrong else
             f"{count_words(wrong, 'wrong token')} in red, the right one in brackets"
             if wrong else "")
    step_title(fig, heading, snap.step, extra + nan_note(w))
    return fig


FIGURES: dict = {"alignment": ("alignment.png", alignment_figure)}
