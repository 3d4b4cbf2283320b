"""Attention pooling: which moments of a sequence the model weighs when it decides.

Above, the example itself (a heatmap of its features over time, or its curve); below, the
pooling weights over time. The segment where the data knows the event really is, is marked
in orange in both. The heading gives the true and the predicted class.
"""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QWidget

from mlsp_studio.snapshots.drawing import finite_floats
from mlsp_studio.snapshots.kinds import PoolingWeights

from .base import FONT_PT, PANELS, finite_range, new_plot, rgba, set_text, show_text, style_plot
from .sequence_kit import VIRIDIS, LatestPanel, heading_label, plural, verdict

WEIGHT = {False: "#1f5fbf", True: "#7fb2ff"}
EVENT = {False: "#f59322", True: "#f5a742"}
WAITING = "Attention pooling — waiting for the first picture"


def nice_top(value: float) -> float:
    """The next round number above ``value`` (with a little room), for a steady axis."""
    if not math.isfinite(value) or value <= 0:
        return 1.0
    value *= 1.05
    decade = 10.0 ** math.floor(math.log10(value))
    return next(m * decade for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10) if m * decade >= value)


@PANELS.register
class PoolingPanel(LatestPanel):
    """Where in time attention pooling looks, against where the event is."""

    name = "pooling"
    title = "Attention pooling"
    kinds = frozenset({"pooling"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        bar = self.example_bar("Which test example the pooling weights are shown for")
        self.classes = heading_label(FONT_PT + 1, rich=True)
        self.signal_plot = new_plot(self.graphics, 0, 0, invert_y=False)
        self.signal_plot.setLabel("left", "feature")
        self.weight_plot = new_plot(self.graphics, 1, 0, invert_y=False)
        self.weight_plot.setLabel("left", "weight")
        self.weight_plot.setLabel("bottom", "time step")
        self.weight_plot.setXLink(self.signal_plot)
        self.graphics.ci.layout.setRowStretchFactor(0, 3)
        self.graphics.ci.layout.setRowStretchFactor(1, 2)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(VIRIDIS)
        self.curve = pg.PlotDataItem(connect="finite")
        self.weights = pg.PlotDataItem(stepMode="center", fillLevel=0.0, connect="finite")
        self.signal_plot.addItem(self.image)
        self.signal_plot.addItem(self.curve)
        self.weight_plot.addItem(self.weights)
        self.events = [pg.LinearRegionItem(movable=False) for _ in range(2)]
        # Over the example only the edges (a fill would hide the event); under the weights
        # a fill, behind the bars.
        for plot, region, z in zip((self.signal_plot, self.weight_plot), self.events, (10, -10),
                                   strict=True):
            region.setZValue(z)
            plot.addItem(region)
            plot.getAxis("left").setWidth(68)  # the two plots' time axes line up
        self._shape: tuple | None = None
        self._top = 0.0
        self.finish_layout(bar, self.classes, self.heading)

    def draw(self, snap: PoolingWeights) -> None:
        self.example.sync(snap.index)
        show_text(self.classes, verdict(snap.true_class, snap.predicted_class, self.dark))
        signal = finite_floats(snap.signal)
        signal = signal[:, None] if signal.ndim == 1 else signal
        if signal.ndim != 2:
            signal = np.zeros((0, 1))
        w = finite_floats(snap.weights).ravel()
        t = max(signal.shape[0], w.size)
        label = snap.label or "attention pooling"
        if t == 0:
            self._blank(f"{label}, example {snap.index}: nothing to show in this picture")
            self.draw_step(snap)
            return
        heatmap = signal.shape[1] > 1
        if heatmap:
            self.curve.setData([], [])
            self.image.setImage(signal.T, autoLevels=False, levels=finite_range(signal))
            self.image.setRect(QRectF(0, -0.5, signal.shape[0], signal.shape[1]))
            self.image.setVisible(True)
        else:
            self.image.setVisible(False)
            x = np.arange(signal.shape[0], dtype=np.float64) + 0.5
            self.curve.setData(x, signal[:, 0])
        if w.size:
            self.weights.setData(np.arange(w.size + 1, dtype=np.float64), w)
        else:
            self.weights.setData([], [])
        shape = (t, signal.shape[1] if heatmap else 0)
        if shape != self._shape:
            self._shape = shape
            self.signal_plot.setLabel("left", "feature" if heatmap else "value")
            if heatmap:
                self.signal_plot.setRange(xRange=(0, t), yRange=(-0.5, shape[1] - 0.5),
                                          padding=0.0)
            else:
                self.signal_plot.enableAutoRange(y=True)
                self.signal_plot.setXRange(0, t, padding=0.0)
        finite = w[np.isfinite(w)]
        top = nice_top(float(finite.max()) if finite.size else 1.0)
        if top != self._top:  # the axis is painted again only when its range moves
            self._top = top
            self.weight_plot.setYRange(0.0, top, padding=0.0)
        event = snap.event
        words = [f"{label}: weights over {plural(w.size, 'step')}" if w.size
                 else f"{label}: no pooling weights in this picture"]
        if event is not None and len(event) == 2:
            start, end = (float(v) for v in event)
            for region in self.events:
                region.setRegion((start, end))
                region.setVisible(True)
            if finite.size and w.size:
                inside = np.nansum(w[int(max(start, 0)):int(max(end, 0))])
                words.append(f"{100 * inside:.0f}% of the weight falls on the event "
                             f"(marked in orange, steps {start:.0f}–{end - 1:.0f})")
        else:
            for region in self.events:
                region.setVisible(False)
        if w.size and not finite.size:
            words.append("the weights are not numbers")
        self.heading_words = "; ".join(words)
        self.draw_step(snap)

    def draw_step(self, snap: PoolingWeights) -> None:
        set_text(self.heading, f"Example {snap.index} — {self.heading_words} — step {snap.step}")

    def _blank(self, words: str) -> None:
        self.image.clear()
        self.curve.setData([], [])
        self.weights.setData([], [])
        for region in self.events:
            region.setVisible(False)
        self._shape = None
        self._top = 0.0
        self.heading_words = words

    def clear(self) -> None:
        self._blank("")
        show_text(self.classes, "")
        set_text(self.heading, WAITING)

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        for plot in (self.signal_plot, self.weight_plot):
            style_plot(plot, dark)
        line = WEIGHT[dark]
        self.weights.setPen(pg.mkPen(line, width=2))
        self.weights.setBrush(rgba(line, 150))
        self.curve.setPen(pg.mkPen(line, width=2))
        for region, alpha in zip(self.events, (0, 70), strict=True):
            region.setBrush(rgba(EVENT[dark], alpha))
            for edge in region.lines:
                edge.setPen(pg.mkPen(EVENT[dark], width=3 if alpha == 0 else 2,
                                     style=Qt.DashLine if alpha == 0 else Qt.SolidLine))
        if self.latest is not None:
            self.refresh()
