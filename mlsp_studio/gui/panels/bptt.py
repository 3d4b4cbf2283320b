"""Gradient through time: how much of the loss's gradient reaches each input step.

A line with markers on a log axis for the latest picture, and the few before it faded, so a
person sees vanishing (or exploding) gradients change while the network trains. The lines
are made once and handed new data; nothing is drawn when the numbers did not change.
"""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from mlsp_studio.snapshots.drawing import finite_floats
from mlsp_studio.snapshots.kinds import GradientThroughTime

from .base import (
    PANELS,
    assert_gui_thread,
    rgba,
    set_text,
    set_title,
    stack_layout,
    style_plot,
)
from .sequence_kit import LatestPanel

EARLIER = 4  # faded lines of earlier pictures
LINE = {False: "#1f5fbf", True: "#7fb2ff"}
MARKERS_UP_TO = 80  # steps; longer lines go without markers
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
TITLE = "How much of the loss's gradient reaches step t"
WAITING = "Gradient through time — waiting for the first picture"


def positive(norms: np.ndarray) -> np.ndarray:
    """Norms for a log axis: zero, negative or non-finite values become gaps (NaN)."""
    n = finite_floats(norms).ravel()
    return np.where(n > 0, n, np.nan)


def orders(ratio: float) -> str:
    """A ratio in words: "about 10⁻⁴ times", or a plain number when near 1."""
    if not math.isfinite(ratio) or ratio <= 0:
        return "an unknown share"
    exponent = math.log10(ratio)
    if abs(exponent) < 1.5:
        return f"{ratio:.2g} times"
    return f"about 10{str(round(exponent)).translate(SUPERSCRIPT)} times"


@PANELS.register
class GradientThroughTimePanel(LatestPanel):
    """Vanishing gradients, made visible: the gradient's size at each time step."""

    name = "bptt"
    title = "Gradient through time"
    kinds = frozenset({"bptt"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, pg.PlotWidget())
        self.plot: pg.PlotItem = self.graphics.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.setLogMode(x=False, y=True)
        # The range moves in whole decades, set by hand: a grid axis is dear to paint again,
        # so it is re-rendered only when a line leaves its decades, not on every picture.
        self.plot.disableAutoRange()
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setLabel("bottom", "time step t (0 = first input)")
        self.plot.setLabel("left", "gradient size (log scale)")
        for axis in ("bottom", "left"):  # steps and plain powers of ten, no "(x0.001)"
            self.plot.getAxis(axis).enableAutoSIPrefix(False)
        self.plot.getAxis("left").setWidth(78)  # room for "0.0001" beside the axis title
        self.earlier = [pg.PlotDataItem(connect="finite") for _ in range(EARLIER)]
        self.now = pg.PlotDataItem(connect="finite")
        for z, item in enumerate([*reversed(self.earlier), self.now]):
            item.setZValue(z)
            self.plot.addItem(item)
        self.history: list[tuple[int, np.ndarray]] = []  # (step, norms), newest last
        self._range: tuple = ()
        stack_layout(self, self.heading, (self.graphics, 1))
        self.set_dark(False)
        self.clear()

    def show_snapshot(self, snapshot: GradientThroughTime) -> None:
        # The faded lines are earlier pictures, kept even while the panel is hidden; a new
        # picture of the same step (taken while paused) replaces the latest one.
        assert_gui_thread(f"{type(self).__name__}.show_snapshot")
        norms = positive(snapshot.norms)
        if self.history and self.history[-1][0] == snapshot.step:
            self.history[-1] = (snapshot.step, norms)
        elif not self.history or not np.array_equal(self.history[-1][1], norms,
                                                    equal_nan=True):
            self.history = [*self.history, (snapshot.step, norms)][-(EARLIER + 1):]
        super().show_snapshot(snapshot)

    def draw(self, snap: GradientThroughTime) -> None:
        norms = self.history[-1][1] if self.history else positive(snap.norms)
        t = np.arange(norms.size, dtype=np.float64)
        line = LINE[self.dark]
        symbol = "o" if norms.size <= MARKERS_UP_TO and np.isfinite(norms).any() else None
        self.now.setData(t, norms, pen=pg.mkPen(line, width=3), symbol=symbol, symbolSize=7,
                         symbolPen=None, symbolBrush=line)
        earlier = self.history[:-1][::-1]  # the newest of them first
        self._set_range(norms.size, [norms, *(old for _, old in earlier)])
        for k, item in enumerate(self.earlier):
            if k < len(earlier):
                old = earlier[k][1]
                alpha = int(150 * (1 - k / EARLIER)) + 20
                item.setData(np.arange(old.size, dtype=np.float64), old,
                             pen=pg.mkPen(rgba(line, alpha), width=2))
            else:
                item.setData([], [])
        label = snap.label or "the first recurrent or attention block"
        if not np.isfinite(norms).any():
            self.heading_words = (
                f"No gradient sizes to show yet (at the input of {label})" if not norms.size
                else f"At the input of {label}: the gradient is zero or not a number at every "
                "step.")
        else:
            finite = np.flatnonzero(np.isfinite(norms))
            first, last = finite[0], finite[-1]
            ratio = norms[first] / norms[last]
            self.heading_words = (
                f"At the input of {label}, the gradient at step {first} is {orders(ratio)} the "
                f"one at step {last}." if last > first else
                f"At the input of {label}, only step {first} has a gradient size: "
                f"{norms[first]:.3g}.")
        if earlier:
            steps = ", ".join(str(s) for s, _ in earlier[::-1])
            self.heading_words += f" Faded: earlier pictures (training steps {steps})."
        self.draw_step(snap)

    def _set_range(self, length: int, lines: list[np.ndarray]) -> None:
        values = np.concatenate([line[np.isfinite(line)] for line in lines])
        low, high = ((math.floor(math.log10(values.min())), math.ceil(math.log10(values.max())))
                     if values.size else (-1, 1))
        wanted = (max(length, max((line.size for line in lines), default=0)), low,
                  max(high, low + 1))
        if wanted == self._range:
            return
        if wanted[0] != (self._range[0] if self._range else -1):  # few steps: integer ticks
            self.plot.getAxis("bottom").setTicks(
                [[(k, str(k)) for k in range(wanted[0])]] if 0 < wanted[0] <= 12 else None)
        self._range = wanted
        self.plot.setRange(xRange=(0, max(wanted[0] - 1, 1)), yRange=wanted[1:], padding=0.03)

    def draw_step(self, snap: GradientThroughTime) -> None:
        set_title(self.plot, TITLE, self.dark)
        set_text(self.heading, f"{self.heading_words} Now: training step {snap.step}.")

    def clear(self) -> None:
        self.history = []
        self._range = ()
        for item in (self.now, *self.earlier):
            item.setData([], [])
        set_title(self.plot, TITLE, self.dark)
        set_text(self.heading, WAITING)

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        style_plot(self.plot, dark)
        if self.latest is not None:
            self.refresh()
