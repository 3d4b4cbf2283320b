"""Text laid out in a figure, for the pictures of what language models make of text (the
figures themselves are in their paradigms' folders).

Text is laid out by hand in a monospaced font (every character the same
width) so a prompt and the model's continuation can sit on one line in two styles.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

MONO = "DejaVu Sans Mono"
_ADVANCE = 0.602     # width of one DejaVu Sans Mono character, in font sizes
_MAX_LINES = 36
PROMPT = "#222222"
WRITTEN = "#1f5fbf"
BLANK = "#e67e00"
RIGHT = "#2ca02c"
WRONG = "#d62728"
SPECIALS = {"<pad>", "<cls>", "<bos>", "<eos>"}
SIGNS = {"␣": " ", "⏎": " ", "↵": " "}  # how runs show blanks in token labels

Run = tuple[str, str, str]  # text, colour, weight


def printable(text: str) -> str:
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
    text = "".join(printable(t) for t, _, _ in runs)
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
                     fontsize=size, family=MONO, color="#777777", parse_math=False)
            continue
        i = s
        while i < e:  # one fig.text per piece of one style on this line
            j = i
            while j < e and styles[j] == styles[i]:
                j += 1
            _, colour, weight = runs[styles[i]]
            fig.text(left + (i - s) * char_w, y, text[i:j], transform=fig.dpi_scale_trans,
                     fontsize=size, family=MONO, color=colour, fontweight=weight,
                     parse_math=False)
            i = j
    return len(lines) * line_h


def lines_needed(runs: list[Run], width: float, size: float = 9.5) -> int:
    text = "".join(printable(t) for t, _, _ in runs)
    lines = _squeeze_blank(_wrap(text, max(8, int(width / (_ADVANCE * size / 72.0)))))
    return min(len(lines), _MAX_LINES)


def footer(fig: Figure, lines: list[str]) -> None:
    for k, line in enumerate(reversed([ln for ln in lines if ln])):
        fig.text(0.3, 0.2 + 0.22 * k, line, transform=fig.dpi_scale_trans, fontsize=8.5,
                 color="#555555", parse_math=False)


def wrap_plain(text: str, width: int, max_lines: int = 3) -> list[str]:
    text = " ".join(printable(text).split())
    lines = [text[s:e].strip() for s, e in _wrap(text, width)] if text else []
    if len(lines) > max_lines:
        lines = lines[:max_lines - 1] + [lines[max_lines - 1][:width - 1] + "…"]
    return lines
