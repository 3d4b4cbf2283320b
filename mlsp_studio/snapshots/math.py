"""The numbers behind one block's equation: for one fixed example, some of what goes in, the
block's learned numbers and what comes out, at the current step (numpy only).

Every tensor is cut to a few rows and columns (``ROWS`` × ``COLS``) and keeps its full shape
beside them, so a snapshot stays small whatever the network's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from .base import Snapshot, register_snapshots

ROWS, COLS = 6, 8  # the most rows and columns of one tensor a snapshot carries
OPTION = "math_block"


@dataclass(frozen=True)
class ValueTable:
    """Some of the numbers of one tensor.

    ``name`` is what the tensor is: an input or output's symbol, or a learned tensor's torch
    name (``weight``, ``self_attn.q_proj.bias``); ``shape`` is its whole shape (no batch
    axis); ``values`` (rows, cols) are its first rows and columns after taking index ``at``
    on each leading axis (a filter's first channel). ``row_names`` names the rows where they
    are not plain rows (the gates of an LSTM); ``words`` says what the numbers are.
    """

    name: str
    shape: tuple[int, ...] = ()
    values: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    at: tuple[int, ...] = ()
    row_names: tuple[str, ...] = ()
    words: str = ""


@dataclass(frozen=True)
class WorkedSum:
    """One output of a dense layer written out as its sum, for the example:
    output ``row`` = Σ_i weights[i] · inputs[i] over its first terms, + ``rest`` (the other
    ``count`` − len(weights) terms added up), + ``bias`` (NaN: the layer has none).
    ``output`` is what the network gave; ``position`` says where along the other axes of a
    longer input the sum was taken ("" for a plain vector)."""

    row: int = 0
    weights: np.ndarray = field(default_factory=lambda: np.zeros(0))
    inputs: np.ndarray = field(default_factory=lambda: np.zeros(0))
    count: int = 0
    rest: float = 0.0
    bias: float = float("nan")
    output: float = float("nan")
    position: str = ""


@dataclass(frozen=True)
class BlockValues(Snapshot):
    """Block ``node`` of network ``slot`` (``label`` "Dense 3", of ``block_type``) run on one
    example that stays the same for the whole run, so its numbers change only as the
    weights learn. ``example`` says in words which example it is.

    ``in_shapes`` and ``out_shape`` are the block's input and output shapes (no batch axis);
    ``inputs`` holds a table per input port, ``params`` the block's learned tensors (and kept
    statistics), the first few of them, with ``more_params`` not shown; ``output`` the output
    (one table, or none when the block did not run); ``inside`` what the block works out on
    the way (attention weights, an LSTM's gates, class probabilities, a loss); ``worked`` one
    output of a dense layer as its sum. ``note`` says why something is missing."""

    kind: ClassVar[str] = "block_values"
    slot: str = ""
    node: int = -1
    label: str = ""
    block_type: str = ""
    example: str = ""
    in_shapes: tuple[tuple[int, ...], ...] = ()
    out_shape: tuple[int, ...] = ()
    inputs: tuple[ValueTable, ...] = ()
    params: tuple[ValueTable, ...] = ()
    more_params: int = 0
    output: tuple[ValueTable, ...] = ()
    inside: tuple[ValueTable, ...] = ()
    worked: WorkedSum | None = None
    note: str = ""


def first_part(values: np.ndarray, rows: int = ROWS, cols: int = COLS
               ) -> tuple[np.ndarray, tuple[int, ...]]:
    """The first ``rows`` × ``cols`` of an array as a 2-D table, and the index taken on each
    axis before the last two (0: the first filter, the first channel). A vector becomes one
    row, a single number a 1 × 1 table."""
    a = np.asarray(values)
    if a.ndim == 0:
        return a.reshape(1, 1), ()
    if a.ndim == 1:
        return a[None, :cols].copy(), ()
    lead = (0,) * (a.ndim - 2) if all(n > 0 for n in a.shape[:-2]) else ()
    if len(lead) != a.ndim - 2:
        return np.zeros((0, 0), dtype=a.dtype), ()
    return a[lead][:rows, :cols].copy(), lead


def table(name: str, values: np.ndarray, words: str = "",
          row_names: tuple[str, ...] = (), rows: int = ROWS) -> ValueTable:
    """A :class:`ValueTable` of the first ``rows`` rows and ``COLS`` columns of ``values``
    (numbers; booleans as 0 and 1)."""
    a = np.asarray(values)
    if a.dtype.kind == "b":
        a = a.astype(np.int64)
    part, at = first_part(a, rows)
    return ValueTable(name, tuple(int(n) for n in a.shape), part, at, tuple(row_names), words)


def part_words(t: ValueTable) -> str:
    """Which part of the tensor the table shows, e.g. "rows 1–6 of 64, all 2 columns"; "" when
    it shows all of it."""
    values = np.asarray(t.values)
    shape = tuple(t.shape)
    if values.ndim != 2 or not shape:
        return ""
    bits = []
    if t.at:
        bits.append("the slice at [" + ", ".join(str(i + 1) for i in t.at) + "]")
    if len(shape) == 1:
        if values.shape[1] < shape[0]:
            bits.append(f"the first {values.shape[1]} of {shape[0]}")
        return ", ".join(bits)
    for count, whole, what in ((values.shape[0], shape[-2], "rows"),
                               (values.shape[1], shape[-1], "columns")):
        if count < whole:
            bits.append(f"{what} 1–{count} of {whole}")
    return ", ".join(bits)


def number(v: float) -> str:
    """A value as a table shows it: three decimals, or powers of ten when very large or
    small; NaN and infinities in words."""
    v = float(v)
    if v != v:
        return "NaN"
    if v in (float("inf"), float("-inf")):
        return "∞" if v > 0 else "−∞"
    if v == int(v) and abs(v) < 1e6:
        return str(int(v)).replace("-", "−")
    text = f"{v:.1e}" if abs(v) >= 1e4 or abs(v) < 1e-3 else f"{v:.3f}"
    return text.replace("-", "−")


def _signed(v: float) -> str:
    text = number(v)
    return f"({text})" if text.startswith("−") else text


def shape_words(shape: tuple[int, ...]) -> str:
    """``()`` → "one number", ``(32,)`` → "32 numbers", ``(4, 8)`` → "4 × 8"."""
    if not shape:
        return "one number"
    if len(shape) == 1:
        return f"{shape[0]} number{'' if shape[0] == 1 else 's'}"
    return " × ".join(str(n) for n in shape)


def table_lines(t: ValueTable, symbol: str = "", width: int = 9) -> list[str]:
    """A table as lines of text: a heading (the symbol, the shape, which part), what it is in
    words, then its rows, each cut short with "…" where the tensor goes on, and "⋮" under them when
    it has more rows."""
    values = np.asarray(t.values)
    part = part_words(t)
    lines = [f"{symbol or t.name}  {shape_words(tuple(t.shape))}" + (f" · {part}" if part else "")]
    if t.words:
        lines.append(f"  ({t.words})")
    if values.ndim != 2 or values.size == 0:
        return lines + ["   (no numbers)"]
    label = max((len(n) for n in t.row_names), default=0)
    more_cols = len(t.shape) >= 1 and values.shape[1] < t.shape[-1]
    for r, row in enumerate(values):
        name = t.row_names[r] if r < len(t.row_names) else ""
        cells = "".join(number(v).rjust(width) for v in row)
        lines.append(f"  {name.ljust(label)}{cells}{'  …' if more_cols else ''}")
    if len(t.shape) >= 2 and values.shape[0] < t.shape[-2]:
        lines.append(f"  {' ' * label}{'⋮'.rjust(width)}")
    return lines


def worked_lines(w: WorkedSum, out: str = "y", per_line: int = 3) -> list[str]:
    """One output of a dense layer as its sum, written out with the example's numbers."""
    shown = len(np.asarray(w.weights))
    if w.count <= 0 or shown == 0:
        return []
    bias = "" if w.bias != w.bias else " + b_1"
    where = f" ({w.position})" if w.position else ""
    lines = [f"{out}_1 = Σ_i W_1,i · x_i{bias}, over all {w.count} inputs{where}:"]
    terms = [f"{_signed(a)} × {_signed(b)}" for a, b in zip(w.weights, w.inputs, strict=False)]
    for i in range(0, len(terms), per_line):
        lead = "  = " if i == 0 else "  + "
        lines.append(lead + " + ".join(terms[i:i + per_line]))
    if w.count > shown:
        lines.append(f"  + {_signed(w.rest)}   (the other {w.count - shown} products added up)")
    if bias:
        lines.append(f"  + {_signed(w.bias)}   (the bias b_1)")
    total = float(np.dot(np.asarray(w.weights, np.float64), np.asarray(w.inputs, np.float64)))
    total += w.rest + (w.bias if bias else 0.0)
    lines.append(f"  = {number(total)}   (the network gives {number(w.output)})")
    return lines


SNAPSHOTS = (BlockValues,)
OPTIONS: dict[str, str] = {
    OPTION: "the 'What it computes' panel: the block whose numbers are shown, "
            "[network, block id] (list)",
}

register_snapshots(SNAPSHOTS, OPTIONS)
