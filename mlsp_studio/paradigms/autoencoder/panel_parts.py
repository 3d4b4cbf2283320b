"""What the reconstruction panel draws with: a grid of pictures (input / noisy / rebuilt rows)
for images and other arrays, and points joined to their reconstructions for 2-D data.

This is not a panel (it registers nothing); the autoencoder panels import it as they import
``base``. Every item is made once here and updated in place.
"""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from ...gui.panels.base import bare_plot, font, picture_view, set_title, style_plot
from ...gui.panels.base import set_text as set_text  # the autoencoder panels' name for it
from ...gui.panels.base import text_label as base_label
from ...gui.panels.text_bits import colours
from .snapshots import picture

COLUMNS = 8          # examples in the reconstruction grid
ROW_NAMES = ("input", "noisy", "rebuilt")
LABEL_CELLS = 1.6    # room left of the grid for the row names, in picture widths
GREY_INK = pg.ColorMap([0.0, 1.0], ["#ffffff", "#000000"]).getLookupTable(nPts=256)
INPUT, NOISY, REBUILT = "#7f7f7f", "#bcbd22", "#ff7f0e"
NORMAL, ANOMALY, MARK = "#0877bd", "#d62728", "#ff7f0e"


def text_label(size: float = 11, bold: bool = False, centre: bool = False) -> QLabel:
    """A word-wrapped plain-text label."""
    return base_label(size, bold, rich=False, centre=centre)


def mosaic(rows: Sequence[np.ndarray], n: int) -> tuple[np.ndarray, int, int]:
    """The first ``n`` examples of each row as pictures in one array, a transparent (NaN)
    line between them; also the height and width of a cell with its gap."""
    pictures = [[picture(a[k]) for k in range(n)] for a in rows]
    h = max(p.shape[0] for r in pictures for p in r)
    w = max(p.shape[1] for r in pictures for p in r)
    gap = max(1, round(0.15 * max(h, w)))
    out = np.full((len(rows) * (h + gap) - gap, n * (w + gap) - gap), np.nan, np.float32)
    for r, row in enumerate(pictures):
        for c, p in enumerate(row):
            y0, x0 = r * (h + gap), c * (w + gap)
            out[y0:y0 + p.shape[0], x0:x0 + p.shape[1]] = p
    return out, h + gap, w + gap


class ReconstructionGrid(pg.GraphicsLayoutWidget):
    """Rows of pictures on one grey scale, row names on the left, class names on top."""

    def __init__(self) -> None:
        super().__init__()
        self.view = picture_view(0.02)
        self.addItem(self.view)
        self.image = pg.ImageItem(axisOrder="row-major", lut=GREY_INK)
        self.view.addItem(self.image)
        self.row_labels = [pg.TextItem(name, anchor=(1.0, 0.5)) for name in ROW_NAMES]
        self.column_labels = [pg.TextItem("", anchor=(0.5, 1.0)) for _ in range(COLUMNS)]
        for item in (*self.row_labels, *self.column_labels):
            item.setFont(font(10))
            self.view.addItem(item, ignoreBounds=True)
        self._frame: tuple | None = None

    def draw(self, rows: Sequence[tuple[str, np.ndarray]], labels: Sequence[str],
             n: int) -> None:
        """Show the first ``n`` examples of each (name, examples) row; the grey scale spans
        the clean inputs (the first row), so noise beyond it saturates instead of fading
        the digits."""
        grid, dy, dx = mosaic([a for _, a in rows], n)
        clean = rows[0][1][:n]
        finite = clean[np.isfinite(clean)]
        if not finite.size:
            finite = grid[np.isfinite(grid)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        self.image.setImage(grid, autoLevels=False, levels=(lo, hi if hi > lo else lo + 1.0))
        names = tuple(name for name, _ in rows)
        self._place_labels(labels[:n], dy, dx, names)
        frame = (grid.shape, names)
        if frame != self._frame:  # the range moves only when the grid's layout does
            self._frame = frame
            self.view.setRange(xRange=(-LABEL_CELLS * dx, grid.shape[1]),
                               yRange=(-0.6 * dy, grid.shape[0]), padding=0.02)

    def wipe(self) -> None:
        self.image.clear()
        self._frame = None
        self._place_labels([], 0, 0, ())

    def _place_labels(self, labels: Sequence[str], dy: int, dx: int,
                      rows: tuple[str, ...]) -> None:
        for r, item in enumerate(self.row_labels):
            item.setVisible(r < len(rows))
            if r < len(rows):
                item.setText(rows[r])
                item.setPos(-0.15 * dx, r * dy + 0.45 * dy)
        for c, item in enumerate(self.column_labels):
            text = str(labels[c])[:8] if c < len(labels) else ""
            item.setVisible(bool(text))
            item.setText(text)
            item.setPos(c * dx + 0.45 * dx, -0.1 * dy)

    def set_dark(self, dark: bool) -> None:
        self.setBackground(colours(dark)["background"])
        for item in (*self.row_labels, *self.column_labels):
            item.setColor(colours(dark)["text"])


class PointPairs(pg.PlotWidget):
    """2-D points (grey), their noisy versions (olive) and what the autoencoder made of them
    (orange), each rebuilt point joined to its input by a thin line."""

    def __init__(self) -> None:
        super().__init__()
        self.plot: pg.PlotItem = self.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setAspectLocked(True)
        self.plot.disableAutoRange()  # framed by hand, only when the points leave the view
        self.plot.setLabel("bottom", "first value (x1)")
        self.plot.setLabel("left", "second value (x2)")
        self.links = pg.PlotCurveItem(pen=pg.mkPen("#bbbbbb", width=1), connect="pairs")
        self.inputs = pg.ScatterPlotItem(size=6, brush=pg.mkBrush(INPUT), pen=None)
        self.noisy = pg.ScatterPlotItem(size=5, brush=pg.mkBrush(NOISY), pen=None)
        self.outputs = pg.ScatterPlotItem(size=6, brush=pg.mkBrush(REBUILT), pen=None)
        for item in (self.links, self.inputs, self.noisy, self.outputs):
            self.plot.addItem(item)

    def draw(self, inputs: np.ndarray, noisy: np.ndarray, outputs: np.ndarray) -> None:
        """Points of (n, 2) arrays; ``noisy`` may be empty."""
        n = min(len(inputs), len(outputs))
        a, b = inputs[:n], outputs[:n]
        keep = np.isfinite(a).all(1) & np.isfinite(b).all(1)
        a, b = a[keep], b[keep]
        pairs = np.empty((2 * len(a), 2))
        pairs[0::2], pairs[1::2] = a, b
        self.links.setData(pairs[:, 0], pairs[:, 1])
        self.inputs.setData(a[:, 0], a[:, 1])
        self.outputs.setData(b[:, 0], b[:, 1])
        c = noisy[:n][np.isfinite(noisy[:n]).all(1)] if noisy.ndim == 2 and len(noisy) \
            else np.zeros((0, 2))
        self.noisy.setData(c[:, 0], c[:, 1])
        self._frame(np.concatenate([a, b, c]))

    def _frame(self, points: np.ndarray) -> None:
        """Fit the view when the points leave it or gather in a small part of it; small
        moves leave it still (re-drawing the axes is not free)."""
        if not len(points):
            return
        lo, hi = points.min(axis=0), points.max(axis=0)
        size = np.maximum(hi - lo, 1e-6)
        (x0, x1), (y0, y1) = self.plot.viewRange()
        inside = lo[0] >= x0 and hi[0] <= x1 and lo[1] >= y0 and hi[1] <= y1
        if inside and size[0] > 0.5 * (x1 - x0) and size[1] > 0.5 * (y1 - y0):
            return
        pad = 0.08 * size
        self.plot.setRange(xRange=(lo[0] - pad[0], hi[0] + pad[0]),
                           yRange=(lo[1] - pad[1], hi[1] + pad[1]), padding=0.0)

    def wipe(self) -> None:
        for item in (self.inputs, self.noisy, self.outputs):
            item.setData(x=[], y=[])
        self.links.setData([], [])

    def set_dark(self, dark: bool) -> None:
        self.setBackground(colours(dark)["background"])
        style_plot(self.plot, dark)


class ErrorPlots(pg.GraphicsLayoutWidget):
    """Two plots side by side: histograms of the errors of normal and anomalous examples with
    a draggable threshold line, and the ROC curve with the threshold's point on it."""

    def __init__(self) -> None:
        super().__init__()
        self.hist: pg.PlotItem = self.addPlot(row=0, col=0)
        self.roc: pg.PlotItem = self.addPlot(row=0, col=1)
        self.ci.layout.setColumnStretchFactor(0, 3)
        self.ci.layout.setColumnStretchFactor(1, 2)
        for plot in (self.hist, self.roc):
            bare_plot(plot, grid=0.15)
            plot.setMouseEnabled(x=False, y=False)
        self.hist.setLabel("bottom", "reconstruction error")
        self.hist.setLabel("left", "test examples")
        self.normal_bars = pg.PlotDataItem(stepMode="center", fillLevel=0,
                                           pen=pg.mkPen(NORMAL, width=1.5),
                                           brush=pg.mkBrush(8, 119, 189, 90))
        self.anomaly_bars = pg.PlotDataItem(stepMode="center", fillLevel=0,
                                            pen=pg.mkPen(ANOMALY, width=1.5),
                                            brush=pg.mkBrush(214, 39, 40, 90))
        self.normal_bars.setZValue(2)  # the fewer normal examples stay in front
        self.line = pg.InfiniteLine(angle=90, movable=True)
        for item in (self.normal_bars, self.anomaly_bars, self.line):
            self.hist.addItem(item)
        self.roc.setLabel("bottom", "false positive rate")
        self.roc.setLabel("left", "true positive rate")
        self.roc.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.04)
        self.roc.setAspectLocked(True)
        chance = pg.PlotDataItem([0, 1], [0, 1], pen=pg.mkPen("#999999", style=Qt.DotLine))
        self.curve = pg.PlotDataItem()
        self.point = pg.ScatterPlotItem(size=12, brush=pg.mkBrush(MARK),
                                        pen=pg.mkPen("#222222"))
        for item in (chance, self.curve, self.point):
            self.roc.addItem(item)

    def set_dark(self, dark: bool) -> None:
        text = colours(dark)["text"]
        self.setBackground(colours(dark)["background"])
        for plot, title in ((self.hist, "Errors: normal and anomalous"),
                            (self.roc, "ROC curve")):
            style_plot(plot, dark)
            set_title(plot, title, dark)
        self.line.setPen(pg.mkPen(text, width=2, style=Qt.DashLine))
        self.curve.setPen(pg.mkPen(text, width=2))
