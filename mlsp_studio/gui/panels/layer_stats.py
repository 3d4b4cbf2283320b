"""Gradients and weights, layer by layer: where the gradient vanishes or explodes, how it
changed while training, how one layer's weights and gradients are spread, and how many
units have died (ReLU) or saturated (sigmoid, tanh).

Three plots made once and handed new data: the gradient and weight norms against depth (log
scale), each layer's gradient norm over the training steps, and a histogram of the chosen
layer; a line of words under them names the dead and saturated shares.
"""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QWidget

from mlsp_studio.snapshots.drawing import finite_floats
from mlsp_studio.snapshots.lab import LayerStats

from .base import (
    FONT_PT,
    PANELS,
    bare_plot,
    forget_range,
    row_layout,
    set_text,
    set_title,
    steady_range,
    style_plot,
)
from .sequence_kit import LatestPanel, heading_label, set_items

HISTORY = 400          # pictures kept for the over-time plot
LINES = 12             # layers drawn over time (evenly picked when there are more)
GRAD, WEIGHT = ("#d62728", "#ff8a80"), ("#1f5fbf", "#7fb2ff")  # (light, dark) theme
WAITING = "Gradients and weights — waiting for the first picture"
WHAT = ("weights", "gradients")
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
NOTABLE = 0.01  # dead or saturated shares below this are not named


def log_norms(values: np.ndarray) -> np.ndarray:
    """log10 of the norms; zero, negative or non-finite values become gaps (NaN)."""
    v = finite_floats(values).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(v > 0, np.log10(np.where(v > 0, v, 1.0)), np.nan)


def depth_words(labels: tuple[str, ...], grads: np.ndarray) -> str:
    """The ratio of the last layer's gradient to the first's, in words."""
    logs = log_norms(grads)
    finite = np.flatnonzero(np.isfinite(logs))
    if finite.size < 2:
        return "Too few layers with a gradient to compare."
    first, last = finite[0], finite[-1]
    gap = logs[last] - logs[first]
    if abs(gap) < 1:
        return (f"The gradient is about as large at {labels[first]} (input side) as at "
                f"{labels[last]} (output side): it reaches every layer.")
    way = "smaller" if gap > 0 else "larger"
    power = str(round(abs(gap))).translate(SUPERSCRIPT)
    return (f"The gradient at {labels[first]} (input side) is about 10{power} times "
            f"{way} than at {labels[last]} (output side)"
            + (": it vanishes on its way back." if gap > 0 else ": it explodes on its way back."))


def health_words(labels: tuple[str, ...], dead: np.ndarray, saturated: np.ndarray) -> str:
    """The activation blocks with dead (ReLU) or saturated (sigmoid, tanh) units, in words."""
    parts = []
    for label, d, s in zip(labels, finite_floats(dead).ravel(), finite_floats(saturated).ravel(),
                           strict=False):
        if math.isfinite(d) and d >= NOTABLE:
            parts.append(f"{label} {d:.0%} dead")
        elif math.isfinite(s) and s >= NOTABLE:
            parts.append(f"{label} {s:.0%} saturated")
    if not labels:
        return "No ReLU, sigmoid or tanh blocks to check for dead or saturated units."
    if not parts:
        return (f"No unit of the {len(labels)} activation blocks is dead (ReLU silent for "
                "every example) or saturated (sigmoid or tanh at a limit).")
    return ("Dead units (ReLU silent for every example of a batch) and saturated ones (sigmoid "
            "or tanh at a limit): " + ", ".join(parts) + ".")


@PANELS.register
class LayerStatsPanel(LatestPanel):
    """Vanishing and exploding gradients, dead and saturated units, layer by layer."""

    general = True
    name = "layer_stats"
    title = "Gradients and weights"
    kinds = frozenset({"layer_stats"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.health = heading_label(FONT_PT - 1)
        self.layer = self.choice_box("the layer whose values the histogram shows")
        self.what = self.choice_box("show the spread of the layer's weights or of its gradients")
        self.what.addItems(list(WHAT))
        # the gradient against depth (the lesson) across the top; below it, side by side, the
        # gradient over training and the chosen layer's spread, so each has some height
        self.depth = self._plot(0, 0, "layer (input side first)", "log₁₀ norm", span=2)
        self.time = self._plot(1, 0, "training step", "log₁₀ gradient norm")
        self.hist = self._plot(1, 1, "", "count")
        self.grad_line = self.depth.plot([], [], symbol="o", symbolSize=8)
        self.weight_line = self.depth.plot([], [], symbol="s", symbolSize=7)
        self.time_lines: list[pg.PlotDataItem] = []
        self.bars = pg.BarGraphItem(x=[0.0], height=[0.0], width=1.0)
        self.hist.addItem(self.bars)
        self.history: list[tuple[int, np.ndarray]] = []   # (step, log grad norms)
        self._labels: tuple[str, ...] = ()
        bar = row_layout("Histogram of", self.what, "in", self.layer)
        self.finish_layout(bar, self.heading, self.health)

    def _plot(self, row: int, col: int, bottom: str, left: str, span: int = 1) -> pg.PlotItem:
        plot = bare_plot(self.graphics.addPlot(row=row, col=col, colspan=span), grid=0.25)
        plot.setLabel("bottom", bottom)
        plot.setLabel("left", left)
        return plot

    def show_snapshot(self, snapshot: LayerStats) -> None:
        # the over-time lines gather every picture, shown or not
        logs = log_norms(snapshot.grad_norms)
        if snapshot.labels != self._labels:
            self.history, self._labels = [], tuple(snapshot.labels)
        if self.history and self.history[-1][0] == snapshot.step:
            self.history[-1] = (snapshot.step, logs)
        else:
            self.history = [*self.history, (snapshot.step, logs)][-HISTORY:]
        super().show_snapshot(snapshot)

    def draw(self, snap: LayerStats) -> None:
        labels = tuple(snap.labels)
        n = len(labels)
        x = np.arange(n, dtype=np.float64)
        dark = int(self.dark)
        grads, weights = log_norms(snap.grad_norms), log_norms(snap.weight_norms)
        if grads.size != n or weights.size != n:
            grads = weights = np.full(n, np.nan)
        if not np.isfinite(grads).any() and not np.isfinite(weights).any():
            x = grads = weights = np.zeros(0)  # nothing to draw (symbols on NaN only warn)
        self.grad_line.setData(x, grads, connect="finite", pen=pg.mkPen(GRAD[dark], width=3),
                               symbolBrush=GRAD[dark], symbolPen=None)
        self.weight_line.setData(x, weights, connect="finite",
                                 pen=pg.mkPen(WEIGHT[dark], width=2), symbolBrush=WEIGHT[dark],
                                 symbolPen=None)
        axis = self.depth.getAxis("bottom")
        room = min(axis.width(), self.graphics.width())  # the axis lags a resize
        ticks = _ticks(labels, room, QFontMetrics(axis.style["tickFont"] or QFont()))
        if ticks != getattr(self, "_ticked", None):  # new ticks redraw the whole axis
            self._ticked = ticks
            axis.setTicks([ticks])
        steady_range(self.depth, np.concatenate([grads, weights]), decades=True)
        if n and getattr(self, "_layers", 0) != n:  # the layers from edge to edge
            self._layers = n
            self.depth.enableAutoRange(x=False)
            self.depth.setXRange(-0.5, n - 0.5, padding=0.02)
        self._draw_history(n)
        self._draw_histogram(snap, labels)
        set_title(self.depth, f"Gradient (red) and weights (blue) by layer — step {snap.step}",
                  self.dark)
        set_text(self.heading, depth_words(labels, snap.grad_norms))
        set_text(self.health, health_words(tuple(snap.act_labels), snap.dead, snap.saturated))

    def _draw_history(self, n: int) -> None:
        shown = sorted(set(np.linspace(0, n - 1, min(n, LINES)).round().astype(int))) if n else []
        while len(self.time_lines) < len(shown):
            self.time_lines.append(self.time.plot([], []))
        steps = np.array([s for s, _ in self.history], dtype=np.float64)
        rows = [v for _, v in self.history if v.size == n]
        table = np.stack(rows) if rows and len(rows) == len(steps) else np.zeros((0, n))
        cmap = pg.colormap.get("viridis")
        start = 0.3 if self.dark else 0.0  # viridis's darkest purples vanish on a dark ground
        for k, item in enumerate(self.time_lines):
            if k < len(shown) and table.size:
                layer = shown[k]
                colour = cmap.map(start + (1 - start) * layer / max(n - 1, 1), mode="qcolor")
                item.setData(steps, table[:, layer], connect="finite",
                             pen=pg.mkPen(colour, width=2))
            else:
                item.setData([], [])
        if table.size:
            steady_range(self.time, table, decades=True)
            steady_range(self.time, steps, axis="x", floor=0.0)
        set_title(self.time, "Gradient over training<br>(blue: input side, yellow: output)",
                  self.dark)

    def _draw_histogram(self, snap: LayerStats, labels: tuple[str, ...]) -> None:
        set_items(self.layer, list(labels))
        index = self.layer.currentIndex()
        grads = self.what.currentText() == "gradients"
        counts = finite_floats(snap.grad_hist if grads else snap.weight_hist)
        ranges = finite_floats(snap.grad_range if grads else snap.weight_range)
        if not (0 <= index < len(labels)) or counts.ndim != 2 or index >= len(counts) \
                or ranges.ndim != 2 or index >= len(ranges) or counts.shape[1] == 0:
            self.bars.setOpts(x=[0.0], height=[0.0], width=1.0)
            set_title(self.hist, "No values to show", self.dark)
            return
        row = np.nan_to_num(counts[index], nan=0.0)
        lo, hi = (float(v) for v in np.nan_to_num(ranges[index], nan=0.0))
        width = (hi - lo) / row.size if hi > lo else 1.0
        centres = lo + width * (np.arange(row.size) + 0.5)
        colour = (GRAD if grads else WEIGHT)[int(self.dark)]
        self.bars.setOpts(x=centres, height=row, width=width * 0.95, brush=colour, pen=None)
        steady_range(self.hist, np.array([lo, hi]), axis="x")
        steady_range(self.hist, row, floor=0.0)
        self.hist.setLabel("bottom", f"{WHAT[grads][:-1]} value")
        set_title(self.hist, f"Spread of the {WHAT[grads]}<br>of {labels[index]}", self.dark)

    def clear(self) -> None:
        self.history = []
        for plot in (self.depth, self.time, self.hist):
            forget_range(plot)
        self._layers = 0
        for item in (self.grad_line, self.weight_line, *self.time_lines):
            item.setData([], [])
        self.bars.setOpts(x=[0.0], height=[0.0], width=1.0)
        set_title(self.depth, "Gradient and weights by layer", self.dark)
        set_text(self.heading, WAITING)
        set_text(self.health, "")

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        for plot in (self.depth, self.time, self.hist):
            style_plot(plot, dark)
        if self.latest is not None:
            self.refresh()


def _ticks(labels: tuple[str, ...], room: float, metrics: QFontMetrics
           ) -> list[tuple[float, str]]:
    """Layer names under the points, every k-th one so that they do not overlap in ``room``
    pixels (at most 8 before the axis has a width)."""
    if not labels:
        return []
    widest = max(metrics.horizontalAdvance(label) for label in labels) + metrics.averageCharWidth()
    fits = int(room // widest) if room > 0 else 8
    every = max(1, math.ceil(len(labels) / max(1, min(fits, 8))))
    return [(float(i), label) for i, label in enumerate(labels) if i % every == 0]
