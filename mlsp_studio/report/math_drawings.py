"""The figure of "What it computes": a block's equation, its shapes and, for one example, a
dense layer's first output worked out and the first numbers going in and out (numpy and
matplotlib only; the words are those of the panel)."""

from __future__ import annotations

from matplotlib.figure import Figure

from mlsp_studio.model.equations import block_equation, shapes_words
from mlsp_studio.snapshots.math import BlockValues, table_lines, worked_lines

from .canvas import new_figure

MAX_LINES = 44  # lines of numbers at most; the figure stays one page


def block_values_figure(snap: BlockValues) -> Figure:
    """The equation in large type, then the example's numbers in a fixed-width column."""
    eq = block_equation(snap.block_type, None, snap.in_shapes, snap.out_shape or None)
    numbers = list(worked_lines(snap.worked, eq.output)) if snap.worked is not None else []
    tables = [*snap.inputs, *snap.inside, *snap.output]
    symbols = [*(eq.inputs[i] if i < len(eq.inputs) else t.name
                 for i, t in enumerate(snap.inputs)),
               *("" for _ in snap.inside), *(eq.output for _ in snap.output)]
    for t, symbol in zip(tables, symbols, strict=True):
        numbers += ["", *table_lines(t, symbol)]
    if len(numbers) > MAX_LINES:
        numbers = [*numbers[:MAX_LINES - 1], "…"]
    lines_in = 0.32 * len(eq.lines)  # inches the equation takes
    height = 1.2 + lines_in + 0.14 * max(len(numbers), 2)
    fig = new_figure(8.0, height, layout=None)

    def at(inches: float) -> float:  # a place so many inches from the top
        return 1.0 - inches / height

    title = f"{snap.label or snap.block_type or 'A block'} — step {snap.step}"
    if snap.example:
        title += f", {snap.example}"
    fig.text(0.02, at(0.1), title, ha="left", va="top", fontsize=11, weight="bold")
    shapes = shapes_words(eq, tuple(snap.in_shapes), tuple(snap.out_shape) or None)
    fig.text(0.02, at(0.38), shapes, ha="left", va="top", fontsize=9, color="#555555")
    fig.text(0.02, at(0.65), "\n".join(eq.lines), ha="left", va="top", fontsize=12,
             family="DejaVu Sans Mono", linespacing=1.5)
    body = "\n".join(numbers) if numbers else (snap.note or "No numbers for this block yet.")
    fig.text(0.02, at(0.8 + lines_in), body, ha="left", va="top", fontsize=7.5,
             family="DejaVu Sans Mono", linespacing=1.25)
    return fig


FIGURES = {"block_values": ("block_values.png", block_values_figure)}
