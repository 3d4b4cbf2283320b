"""Figures of the masked language model: the sentence with each blank's best guess, and the
likeliest tokens of every blank."""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure

from ...report.canvas import new_figure
from ...report.sequence_drawings import token_text
from ...report.text_drawings import (
    BLANK,
    PROMPT,
    RIGHT,
    SIGNS,
    SPECIALS,
    WRONG,
    Run,
    draw_runs,
    footer,
    lines_needed,
    wrap_plain,
)
from .snapshots import FillMask


def _sentence_runs(snap: FillMask) -> list[Run]:
    tokens = [str(t) for t in snap.tokens]
    blank_at = {p: k for k, p in enumerate(snap.masked)}
    words = [t for i, t in enumerate(tokens) if i not in blank_at and t not in SPECIALS]
    sep = "" if words and all(len(t) <= 1 for t in words) else " "
    if not sep:  # characters: a space or line break the run showed as a sign is itself again
        tokens = [SIGNS.get(t, t) for t in tokens]
    runs: list[Run] = []
    for i, token in enumerate(tokens):
        if token in SPECIALS:
            continue
        if runs and sep:
            runs.append((sep, PROMPT, "normal"))
        k = blank_at.get(i)
        if k is None:
            runs.append(("‖" if token == "<sep>" else token, PROMPT, "normal"))
            continue
        guess = snap.predictions[k][0][0] if k < len(snap.predictions) and \
            snap.predictions[k] else "?"
        colour = BLANK
        if k < len(snap.truth) and snap.truth[k]:
            colour = RIGHT if guess == snap.truth[k] else WRONG
        runs.append((f"[{k + 1}:{guess}]", colour, "bold"))
    return runs


def fill_mask_figure(snap: FillMask) -> Figure:
    """The sentence with each blank's best guess, then the likeliest tokens of each blank."""
    blanks = len(snap.masked)
    cols = min(3, max(blanks, 1))
    rows = min(2, math.ceil(blanks / cols)) if blanks else 0
    runs = _sentence_runs(snap)
    text_lines = min(lines_needed(runs, 6.0), 6)
    top_h = 0.75 + text_lines * 1.4 * 9.5 / 72
    height = top_h + 2.2 * rows + (0.35 if snap.note else 0.0) + 0.3
    fig = new_figure(6.6, max(3.0, height), layout=None)
    fig_w, fig_h = fig.get_size_inches()
    fig.suptitle(f"Fill in the blank — step {snap.step}", y=1 - 0.15 / fig_h, va="top",
                 fontsize=11)
    if not runs:
        fig.text(0.5, 0.5, "No sentence to fill in yet", ha="center", va="center",
                 fontsize=11, color="#555555")
    else:
        used = draw_runs(fig, runs, 0.3, 0.55, 6.0, max_lines=6)
        if blanks:
            fig.text(0.3, fig_h - 0.55 - used - 0.2, "[k:word] = the model's best guess for "
                     "blank k (green: right, red: wrong, orange: truth unknown)",
                     transform=fig.dpi_scale_trans, fontsize=8, color="#555555")
    if snap.note:
        footer(fig, wrap_plain(snap.note, 80, max_lines=1))
    if not blanks:
        if runs:
            fig.text(0.5, 0.4, "The sentence has no blank: write one as [MASK] or _",
                     ha="center", fontsize=10, color="#555555")
        return fig
    bottom = 0.35 if snap.note else 0.1
    grid = fig.add_gridspec(rows, cols, left=0.16, right=0.97 if cols > 1 else 0.7,
                            wspace=0.9, hspace=0.55,
                            top=1 - (top_h + 0.3) / fig_h, bottom=(bottom + 0.35) / fig_h)
    for k in range(min(blanks, rows * cols)):
        ax = fig.add_subplot(grid[k // cols, k % cols])
        guesses = list(snap.predictions[k])[:8] if k < len(snap.predictions) else []
        truth = snap.truth[k] if k < len(snap.truth) else ""
        title = f"blank {k + 1}" + (f" (truth: {token_text(truth, 12)})" if truth else "")
        ax.set_title(title, fontsize=9)
        if not guesses:
            ax.set_axis_off()
            ax.text(0.5, 0.5, "no guesses", ha="center", transform=ax.transAxes, fontsize=9)
            continue
        probs = np.nan_to_num(np.array([float(p) for _, p in guesses]))
        colours = [RIGHT if t == truth and truth else "#4c8fd6" for t, _ in guesses]
        y = np.arange(len(guesses))
        ax.barh(y, probs, color=colours)
        ax.set_yticks(y, [token_text(t, 12) for t, _ in guesses], fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 1.22)  # room for the share written after a full bar
        ax.set_xticks([0.0, 0.5, 1.0], ["0", "50%", "100%"])
        ax.tick_params(axis="x", labelsize=7)
        for yi, p in zip(y, probs, strict=True):
            share = f"{p:.0%}" if p >= 0.01 or p <= 0 else "<1%"
            ax.text(min(p, 1.0) + 0.02, yi, share, va="center", fontsize=7)
    if blanks > rows * cols:
        fig.text(0.5, 0.05, f"the first {rows * cols} of {blanks} blanks", ha="center",
                 fontsize=8, color="#555555")
    return fig


FIGURES: dict = {"fill_mask": ("fill_mask.png", fill_mask_figure)}
