"""Pictures of what language models make of text: written text, fill in the blank, and word
vectors projected to a plane.

Each ``*_figure`` function takes a snapshot and returns a figure ready to save; none raises on
empty or odd input. Text is laid out by hand in a monospaced font (every character the same
width) so a prompt and the model's continuation can sit on one line in two styles.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from mlsp_studio.snapshots.drawing import UNKNOWN_CLASS, class_colour, finite_floats
from mlsp_studio.snapshots.kinds import Embeddings, FillMask, Generation

from .canvas import new_figure, padded_range, show_message
from .sequence_drawings import token_text

_MONO = "DejaVu Sans Mono"
_ADVANCE = 0.602     # width of one DejaVu Sans Mono character, in font sizes
_MAX_LINES = 36
_PROMPT = "#222222"
_WRITTEN = "#1f5fbf"
_BLANK = "#e67e00"
_RIGHT = "#2ca02c"
_WRONG = "#d62728"
_MAX_LABELS = 150
_SPECIALS = {"<pad>", "<cls>", "<bos>", "<eos>"}
_SIGNS = {"␣": " ", "⏎": " ", "↵": " "}  # how runs show blanks in token labels

Run = tuple[str, str, str]  # text, colour, weight


def _printable(text: str) -> str:
    """One visible character per character (tabs and other control characters become a
    space or a dot), so positions in the text stay positions on the line."""
    return "".join(c if c == "\n" or c.isprintable() else (" " if c in "\t\r" else "·")
                   for c in str(text))


def _wrap(text: str, width: int) -> list[tuple[int, int]]:
    """(start, end) of each line of ``text`` broken at newlines and, where possible, spaces."""
    lines, start = [], 0
    for paragraph in text.split("\n"):
        s, end = start, start + len(paragraph)
        while end - s > width:
            cut = text.rfind(" ", s + width // 2, s + width + 1)
            cut = cut + 1 if cut > 0 else s + width
            lines.append((s, cut))
            s = cut
        lines.append((s, end))
        start = end + 1
    return lines


def _squeeze_blank(lines: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """At most two empty lines in a row: a model that writes many line breaks should not
    push its text off the picture."""
    kept: list[tuple[int, int]] = []
    for s, e in lines:
        if s == e and len(kept) >= 2 and all(a == b for a, b in kept[-2:]):
            continue
        kept.append((s, e))
    return kept


def draw_runs(fig: Figure, runs: list[Run], left: float, top: float, width: float,
              size: float = 9.5, max_lines: int = _MAX_LINES) -> float:
    """Lay runs of styled text out from (``left``, ``top``) inches (from the top left) in a
    column ``width`` inches wide; return the height used, in inches."""
    text = "".join(_printable(t) for t, _, _ in runs)
    styles = np.zeros(len(text), dtype=np.int64)
    pos = 0
    for k, (t, _, _) in enumerate(runs):
        styles[pos:pos + len(t)] = k
        pos += len(t)
    char_w = _ADVANCE * size / 72.0
    line_h = 1.4 * size / 72.0
    lines = _squeeze_blank(_wrap(text, max(8, int(width / char_w))))
    if len(lines) > max_lines:
        lines = lines[:max_lines - 1] + [(-1, -1)]
    fig_h = fig.get_size_inches()[1]
    for row, (s, e) in enumerate(lines):
        y = fig_h - top - (row + 0.8) * line_h
        if s < 0:
            fig.text(left, y, "… (more text not shown)", transform=fig.dpi_scale_trans,
                     fontsize=size, family=_MONO, color="#777777", parse_math=False)
            continue
        i = s
        while i < e:  # one fig.text per piece of one style on this line
            j = i
            while j < e and styles[j] == styles[i]:
                j += 1
            _, colour, weight = runs[styles[i]]
            fig.text(left + (i - s) * char_w, y, text[i:j], transform=fig.dpi_scale_trans,
                     fontsize=size, family=_MONO, color=colour, fontweight=weight,
                     parse_math=False)
            i = j
    return len(lines) * line_h


def _lines_needed(runs: list[Run], width: float, size: float = 9.5) -> int:
    text = "".join(_printable(t) for t, _, _ in runs)
    lines = _squeeze_blank(_wrap(text, max(8, int(width / (_ADVANCE * size / 72.0)))))
    return min(len(lines), _MAX_LINES)


def _footer(fig: Figure, lines: list[str]) -> None:
    for k, line in enumerate(reversed([ln for ln in lines if ln])):
        fig.text(0.3, 0.2 + 0.22 * k, line, transform=fig.dpi_scale_trans, fontsize=8.5,
                 color="#555555", parse_math=False)


# --- generated text --------------------------------------------------------------------------

def generation_figure(snap: Generation) -> Figure:
    """The prompt in black, what the model wrote after it in blue."""
    runs: list[Run] = [(snap.prompt, _PROMPT, "bold"), (snap.completion, _WRITTEN, "normal")]
    width = 6.0
    lines = _lines_needed(runs, width)
    notes = [f"temperature {snap.temperature:g} · top-k {snap.top_k if snap.top_k else 'all'}"
             f" · written in {1000 * snap.seconds:.0f} ms"]
    notes += _wrap_plain(snap.note, 80)
    height = 1.0 + lines * 1.4 * 9.5 / 72 + 0.25 * len(notes) + 0.4
    fig = new_figure(6.6, max(3.0, height), layout=None)
    fig.suptitle(f"Generated text — step {snap.step}", y=1 - 0.15 / fig.get_size_inches()[1],
                 va="top", fontsize=11)
    fig_h = fig.get_size_inches()[1]
    legend = [Line2D([], [], color=_PROMPT, linewidth=4, label="prompt (bold)"),
              Line2D([], [], color=_WRITTEN, linewidth=4, label="written by the model")]
    fig.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, 1 - 0.42 / fig_h),
               ncols=2, fontsize=8.5, frameon=False)
    if not snap.prompt and not snap.completion:
        fig.text(0.5, 0.5, "Nothing written yet", ha="center", va="center", fontsize=11,
                 color="#555555")
    else:
        draw_runs(fig, runs, 0.3, 0.85, width)
    _footer(fig, notes)
    return fig


def _wrap_plain(text: str, width: int, max_lines: int = 3) -> list[str]:
    text = " ".join(_printable(text).split())
    lines = [text[s:e].strip() for s, e in _wrap(text, width)] if text else []
    if len(lines) > max_lines:
        lines = lines[:max_lines - 1] + [lines[max_lines - 1][:width - 1] + "…"]
    return lines


# --- fill in the blank -----------------------------------------------------------------------

def _sentence_runs(snap: FillMask) -> list[Run]:
    tokens = [str(t) for t in snap.tokens]
    blank_at = {p: k for k, p in enumerate(snap.masked)}
    words = [t for i, t in enumerate(tokens) if i not in blank_at and t not in _SPECIALS]
    sep = "" if words and all(len(t) <= 1 for t in words) else " "
    if not sep:  # characters: a space or line break the run showed as a sign is itself again
        tokens = [_SIGNS.get(t, t) for t in tokens]
    runs: list[Run] = []
    for i, token in enumerate(tokens):
        if token in _SPECIALS:
            continue
        if runs and sep:
            runs.append((sep, _PROMPT, "normal"))
        k = blank_at.get(i)
        if k is None:
            runs.append(("‖" if token == "<sep>" else token, _PROMPT, "normal"))
            continue
        guess = snap.predictions[k][0][0] if k < len(snap.predictions) and \
            snap.predictions[k] else "?"
        colour = _BLANK
        if k < len(snap.truth) and snap.truth[k]:
            colour = _RIGHT if guess == snap.truth[k] else _WRONG
        runs.append((f"[{k + 1}:{guess}]", colour, "bold"))
    return runs


def fill_mask_figure(snap: FillMask) -> Figure:
    """The sentence with each blank's best guess, then the likeliest tokens of each blank."""
    blanks = len(snap.masked)
    cols = min(3, max(blanks, 1))
    rows = min(2, math.ceil(blanks / cols)) if blanks else 0
    runs = _sentence_runs(snap)
    text_lines = min(_lines_needed(runs, 6.0), 6)
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
        _footer(fig, _wrap_plain(snap.note, 80, max_lines=1))
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
        colours = [_RIGHT if t == truth and truth else "#4c8fd6" for t, _ in guesses]
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


# --- word vectors ----------------------------------------------------------------------------

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
    if len(idx) <= _MAX_LABELS:
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
    x_lo, x_hi = padded_range(float(points[idx, 0].min()), float(points[idx, 0].max()))
    y_lo, y_hi = padded_range(float(points[idx, 1].min()), float(points[idx, 1].max()))
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)
    ex = [float(e) for e in tuple(snap.explained)[:2]] + [0.0, 0.0]
    ax.set_xlabel(f"PC 1 ({100 * ex[0]:.0f} % of variance)")
    ax.set_ylabel(f"PC 2 ({100 * ex[1]:.0f} % of variance)")
    ax.grid(True, alpha=0.25)
    handles = [Line2D([], [], marker="o", linestyle="", markersize=6, markerfacecolor=colour_of[g],
                      markeredgecolor="#333333", label=token_text(g, 14))
               for g in names[:12]]
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False,
                  fontsize=8, title="groups", title_fontsize=8.5)
    if snap.query:
        lines = [f"nearest to “{token_text(snap.query, 14)}”:"]
        lines += [f"{token_text(w, 12)}  {s:.2f}" for w, s in snap.neighbours[:8]]
        ax.text(1.03, 0.0 if handles else 1.0, "\n".join(lines), transform=ax.transAxes,
                fontsize=8, va="bottom" if handles else "top", ha="left", family=_MONO)
    if len(idx) > _MAX_LABELS:
        ax.text(0.01, 0.01, f"{len(idx)} words: too many to label", transform=ax.transAxes,
                fontsize=8, color="#555555")
    return fig
