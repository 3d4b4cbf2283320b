"""Figures of the next-token language model: the prompt and what the model wrote after it."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ...report.canvas import new_figure
from ...report.text_drawings import (
    PROMPT,
    WRITTEN,
    Run,
    draw_runs,
    footer,
    lines_needed,
    wrap_plain,
)
from .snapshots import Generation


def generation_figure(snap: Generation) -> Figure:
    """The prompt in black, what the model wrote after it in blue."""
    runs: list[Run] = [(snap.prompt, PROMPT, "bold"), (snap.completion, WRITTEN, "normal")]
    width = 6.0
    lines = lines_needed(runs, width)
    notes = [f"temperature {snap.temperature:g} · top-k {snap.top_k if snap.top_k else 'all'}"
             f" · written in {1000 * snap.seconds:.0f} ms"]
    notes += wrap_plain(snap.note, 80)
    height = 1.0 + lines * 1.4 * 9.5 / 72 + 0.25 * len(notes) + 0.4
    fig = new_figure(6.6, max(3.0, height), layout=None)
    fig.suptitle(f"Generated text — step {snap.step}", y=1 - 0.15 / fig.get_size_inches()[1],
                 va="top", fontsize=11)
    fig_h = fig.get_size_inches()[1]
    legend = [Line2D([], [], color=PROMPT, linewidth=4, label="prompt (bold)"),
              Line2D([], [], color=WRITTEN, linewidth=4, label="written by the model")]
    fig.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, 1 - 0.42 / fig_h),
               ncols=2, fontsize=8.5, frameon=False)
    if not snap.prompt and not snap.completion:
        fig.text(0.5, 0.5, "Nothing written yet", ha="center", va="center", fontsize=11,
                 color="#555555")
    else:
        draw_runs(fig, runs, 0.3, 0.85, width)
    footer(fig, notes)
    return fig


FIGURES: dict = {"generation": ("generated_text.png", generation_figure)}
