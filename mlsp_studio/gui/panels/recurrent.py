"""Recurrent states: a recurrent block's hidden state over one example, and its gates.

Time runs left to right (the input tokens along the bottom), one row per hidden unit. Above:
the hidden state; below: a chosen gate, the candidate or (for an LSTM) the cell state. Gates
lie in 0..1 (viridis: dark shut, yellow open); states are signed (red–blue).
"""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QWidget

from mlsp_studio.snapshots.kinds import RecurrentStates

from .base import (
    PANELS,
    finite_range,
    new_plot,
    set_text,
    set_title,
    style_plot,
    text_label,
)
from .sequence_kit import (
    RED_BLUE,
    VIRIDIS,
    LatestPanel,
    TokenAxis,
    colour_bar,
    matrix,
    plural,
    set_items,
    style_bar,
    token_names,
)

CELL = "cell state"
WAITING = "Recurrent states — waiting for the first picture"


def is_gate(name: str) -> bool:
    return "gate" in name.lower()


class StateMap:
    """One heatmap of a (T, H) array drawn as units (rows) over time (columns)."""

    def __init__(self, graphics: pg.GraphicsLayoutWidget, row: int) -> None:
        self.plot = new_plot(graphics, row, 0, invert_y=False)
        self.plot.setLabel("left", "unit")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.bar = colour_bar(RED_BLUE, "")
        graphics.addItem(self.bar, row=row, col=1)
        self.time = TokenAxis(self.plot.getAxis("bottom"), self.plot.vb)
        self.shape: tuple[int, int] | None = None
        self.gate: bool | None = None

    def show(self, values: np.ndarray, tokens: list[str], gate: bool, what: str,
             dark: bool) -> None:
        """``values`` is (T, H); a gate is drawn on 0..1, anything else around 0."""
        if gate != self.gate:
            self.gate = gate
            cmap = VIRIDIS if gate else RED_BLUE
            self.image.setColorMap(cmap)
            self.bar.setColorMap(cmap)
        levels = (0.0, 1.0) if gate else finite_range(values, symmetric=True)
        t, h = values.shape
        self.image.setImage(values.T, autoLevels=False, levels=levels)
        self.image.setRect(QRectF(0, -0.5, t, h))  # unit k centred on k
        self.bar.setLevels(levels)
        if (t, h) != self.shape:
            self.shape = (t, h)
            self.plot.setRange(xRange=(0, t), yRange=(-0.5, h - 0.5), padding=0.0)
            # few units: a tick on each, not at fractions of a unit
            self.plot.getAxis("left").setTicks([[(k, str(k)) for k in range(h)]] if h <= 12
                                               else None)
        self.time.set(tokens)
        set_title(self.plot, what, dark)

    def clear(self, dark: bool) -> None:
        self.image.clear()
        self.time.clear()
        self.shape = None
        set_title(self.plot, "", dark)


@PANELS.register
class RecurrentPanel(LatestPanel):
    """What a recurrent block remembers step by step, and how its gates open and shut."""

    name = "recurrent"
    title = "Recurrent states"
    kinds = frozenset({"recurrent"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lower_label = text_label(wrap=False, text="Below:")
        self.lower_box = self.choice_box("What the lower picture shows: a gate, the candidate "
                                         "or the cell state")
        bar = self.example_bar("Which test example the states are shown for",
                               self.lower_label, self.lower_box)
        self.upper = StateMap(self.graphics, 0)
        self.lower = StateMap(self.graphics, 1)
        self.lower.plot.setXLink(self.upper.plot)
        self.lower.plot.setLabel("bottom", "time step (input token)")
        self.finish_layout(bar, self.heading)

    def draw(self, snap: RecurrentStates) -> None:
        self.example.sync(snap.index)
        hidden = matrix(snap.hidden)
        cell = matrix(snap.cell) if snap.cell is not None else np.zeros((0, 0))
        others = [(CELL, cell)] if cell.shape == hidden.shape and cell.size else []
        others += [(str(name), matrix(a)) for name, a in snap.gates]
        others = [(name, a) for name, a in others if a.shape == hidden.shape and a.size]
        kind = snap.cell_type or "recurrent"
        label = snap.label or f"{kind} block"
        if not hidden.size:
            self._blank(f"{label}, example {snap.index}: no states in this picture")
            self.draw_step(snap)
            return
        t, h = hidden.shape
        tokens = token_names(snap.tokens, t, "t")
        self.upper.show(hidden, tokens, False, f"hidden state ({plural(h, 'unit')})", self.dark)
        set_items(self.lower_box, [name for name, _ in others])
        for widget in (self.lower_box, self.lower_label):
            widget.setVisible(bool(others))
        self.lower.plot.setVisible(bool(others))
        self.lower.bar.setVisible(bool(others))
        self.upper.plot.setLabel("bottom", "" if others else "time step (input token)")
        if others:
            name, values = others[max(0, self.lower_box.currentIndex())]
            what = (f"{name} (0 shut … 1 open)" if is_gate(name) else name)
            self.lower.show(values, tokens, is_gate(name), what, self.dark)
        words = [f"{label}: first layer, forward direction, example {snap.index}, "
                 f"{plural(t, 'step')} × {plural(h, 'unit')}"]
        if not others:
            words.append("a plain RNN has no gates" if kind == "RNN"
                         else "no gates in this picture")
        if np.isnan(hidden).any():
            words.append("some values are not a number (left blank)")
        self.heading_words = "; ".join(words)
        self.draw_step(snap)

    def _blank(self, words: str) -> None:
        self.upper.clear(self.dark)
        self.lower.clear(self.dark)
        set_items(self.lower_box, [])
        for widget in (self.lower_box, self.lower_label, self.lower.plot, self.lower.bar):
            widget.setVisible(False)
        self.heading_words = words

    def clear(self) -> None:
        self._blank("")
        set_text(self.heading, WAITING)

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        for part in (self.upper, self.lower):
            style_plot(part.plot, dark)
            style_bar(part.bar, dark)
