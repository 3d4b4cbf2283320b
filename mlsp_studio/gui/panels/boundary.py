"""Decision boundary, as in TensorFlow Playground: class colours over the input plane, mixed
by the model's probabilities and paled where it is unsure, with the test points on top."""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from mlsp_studio.snapshots.drawing import (
    UNKNOWN_CLASS,
    blend_classes,
    boundary_picture,
    class_colour,
)
from mlsp_studio.snapshots.kinds import DecisionBoundary

from .base import (
    DARK,
    LIGHT,
    PANELS,
    PlotPanel,
    dot_legend,
    new_extent,
    plane_image,
    set_title,
    stack_layout,
    text_label,
)

_SMOOTH_TO = 240  # a coarse grid is interpolated up to about this many pixels a side


def _smooth(rgb: np.ndarray) -> np.ndarray:
    """Linear interpolation of a coarse (H, W, 3) image, so cells do not show as blocks."""
    for axis in (0, 1):
        n = rgb.shape[axis]
        factor = max(1, _SMOOTH_TO // max(n, 1))
        if factor == 1 or n < 2:
            continue
        where = np.clip((np.arange(n * factor) + 0.5) / factor - 0.5, 0, n - 1)
        lo = np.floor(where).astype(int)
        hi = np.minimum(lo + 1, n - 1)
        t = (where - lo).reshape([-1 if a == axis else 1 for a in range(3)])
        rgb = np.take(rgb, lo, axis=axis) * (1 - t) + np.take(rgb, hi, axis=axis) * t
    return rgb


@PANELS.register
class DecisionBoundaryPanel(PlotPanel):
    """Which class the model picks at each point of a 2-D input plane."""

    name = "boundary"
    title = "Decision boundary"
    kinds = frozenset({"boundary"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.plot: pg.PlotItem = self.graphics.addPlot(row=0, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.setLabel("bottom", "first input (x1)")
        self.plot.setLabel("left", "second input (x2)")
        self.plot.setAspectLocked(True)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        self.scatter = pg.ScatterPlotItem(pxMode=True, symbol="o")
        self.plot.addItem(self.image)
        self.plot.addItem(self.scatter)
        self.legend = text_label()
        self._legend_key: tuple = ()
        self._extent: tuple[float, ...] | None = None
        self._brushes = [pg.mkBrush(class_colour(k)) for k in range(10)]
        self._unknown = pg.mkBrush(UNKNOWN_CLASS)
        self._outline = pg.mkPen("#222222", width=1.0)
        stack_layout(self, self.legend, (self.graphics, 1))
        self.set_dark(False)
        set_title(self.plot, "Decision boundary — waiting for the first picture", self.dark)
        self.plot.setRange(xRange=(-1.0, 1.0), yRange=(-1.0, 1.0), padding=0.05)

    def show_snapshot(self, snapshot: DecisionBoundary) -> None:
        super().show_snapshot(snapshot)
        pic = boundary_picture(snapshot)
        points, labels, n_classes = pic.points, pic.labels, pic.n_classes
        extent = [math.inf, -math.inf, math.inf, -math.inf]
        if pic.grid_extent is not None:
            extent = list(pic.grid_extent)
            rgb = (255.0 * _smooth(blend_classes(pic.probs, n_classes)) + 0.5).astype(np.uint8)
            plane_image(self.image, rgb, (0, 255), extent)
        else:
            self.image.hide()
        self._draw_points(points, labels, n_classes)
        if len(points):
            extent = [min(extent[0], points[:, 0].min()), max(extent[1], points[:, 0].max()),
                      min(extent[2], points[:, 1].min()), max(extent[3], points[:, 1].max())]
        heading = f"Decision boundary — step {snapshot.step}"
        if not pic.has_grid and not len(points):
            heading += ": no grid and no points to show yet"
            n_classes = len(snapshot.class_names)
        set_title(self.plot, heading, self.dark)
        self._update_legend(snapshot.class_names, n_classes)
        if all(map(math.isfinite, extent)):
            self._frame(tuple(float(v) for v in extent))

    def _draw_points(self, points: np.ndarray, labels: np.ndarray, n_classes: int) -> None:
        n = len(points)
        size = 9 if n <= 500 else 7 if n <= 2000 else 5
        brushes = [self._brushes[k % 10] if 0 <= k < n_classes else self._unknown
                   for k in labels.tolist()]
        self.scatter.setData(x=points[:, 0], y=points[:, 1], brush=brushes, size=size,
                             pen=self._outline)

    def _frame(self, extent: tuple[float, ...]) -> None:
        """Fit the view to the data when its extent changed (not on every update)."""
        framed = new_extent(extent, self._extent)
        if framed is None:
            return
        self._extent = x_lo, x_hi, y_lo, y_hi = framed
        ratio = (x_hi - x_lo) / (y_hi - y_lo)
        self.plot.setAspectLocked(1 / 3 < ratio < 3)
        self.plot.setRange(xRange=(x_lo, x_hi), yRange=(y_lo, y_hi), padding=0.02)

    def _update_legend(self, class_names: tuple[str, ...], n_classes: int) -> None:
        names = tuple(str(class_names[k]) if k < len(class_names) else f"class {k}"
                      for k in range(min(n_classes, 20)))
        if names == self._legend_key:
            return
        self._legend_key = names
        self.legend.setText("" if not names else "Classes: " + dot_legend(
            ((class_colour(k), html.escape(text[:18])) for k, text in enumerate(names)), pt=16))

    def has_image(self) -> bool:
        """True once a probability map is drawn."""
        return self.image.image is not None

    def reset(self) -> None:
        super().reset()
        self.image.clear()
        self.scatter.setData(x=[], y=[])
        self._extent = None
        self._legend_key = ()
        self.legend.setText("")
        set_title(self.plot, "Decision boundary — waiting for the first picture", self.dark)
        self.plot.setRange(xRange=(-1.0, 1.0), yRange=(-1.0, 1.0), padding=0.05)

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        self.legend.setStyleSheet(f"color: {(DARK if dark else LIGHT)['text']}")
