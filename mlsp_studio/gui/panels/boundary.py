"""Decision boundary, as in TensorFlow Playground: class colours over the input plane, mixed
by the model's probabilities and paled where it is unsure, with the test points on top."""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from mlsp_studio.spec.snapshots import DecisionBoundary

from .base import (
    DARK,
    LIGHT,
    PANELS,
    UNKNOWN_CLASS,
    Panel,
    class_colour,
    finite_floats,
    font,
    set_title,
    style_plot,
)

_SMOOTH_TO = 240  # a coarse grid is interpolated up to about this many pixels a side


def blend(probs: np.ndarray, n_classes: int) -> np.ndarray:
    """(H, W, C) probabilities -> (H, W, 3) colours in 0..1: class colours mixed, paled by doubt."""
    colours = np.array([QColor(class_colour(k)).getRgbF()[:3] for k in range(probs.shape[-1])])
    p = np.clip(np.nan_to_num(probs, nan=0.0), 0.0, 1.0)
    if probs.shape[-1] == 1:  # one class: its colour, stronger where it is more likely
        return 1.0 - (0.1 + 0.3 * p) * (1.0 - colours[0])
    total = p.sum(axis=-1, keepdims=True)
    p = np.where(total > 0, p / np.where(total > 0, total, 1.0), 1.0 / p.shape[-1])
    mix = p @ colours
    chance = 1.0 / max(n_classes, 2)
    confidence = np.clip((p.max(axis=-1, keepdims=True) - chance) / (1.0 - chance), 0.0, 1.0)
    strength = 0.12 + 0.43 * confidence  # pale enough for same-coloured points to stand out
    return 1.0 - strength * (1.0 - mix)


def _grid_edges(centres: np.ndarray, points: np.ndarray) -> tuple[float, float]:
    """Edges of the cells around sorted grid centres; one centre covers the points' range."""
    if centres.size > 1 and centres[-1] > centres[0]:
        half = 0.5 * (centres[-1] - centres[0]) / (centres.size - 1)
        return float(centres[0] - half), float(centres[-1] + half)
    reach = np.abs(points - centres[0]) if points.size else np.zeros(0)
    half = max(1.1 * float(np.nanmax(reach)) if np.isfinite(reach).any() else 0.0, 1.0)
    return float(centres[0] - half), float(centres[0] + half)


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
class DecisionBoundaryPanel(Panel):
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
        self.legend = QLabel("")
        self.legend.setFont(font())
        self.legend.setWordWrap(True)
        self._legend_key: tuple = ()
        self._extent: tuple[float, ...] | None = None
        self._brushes = [pg.mkBrush(class_colour(k)) for k in range(10)]
        self._unknown = pg.mkBrush(UNKNOWN_CLASS)
        self._outline = pg.mkPen("#222222", width=1.0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.legend)
        layout.addWidget(self.graphics, 1)
        self.set_dark(False)
        set_title(self.plot, "Decision boundary — waiting for the first picture", self.dark)
        self.plot.setRange(xRange=(-1.0, 1.0), yRange=(-1.0, 1.0), padding=0.05)

    def show_snapshot(self, snapshot: DecisionBoundary) -> None:
        super().show_snapshot(snapshot)
        xs, ys = finite_floats(snapshot.xs).ravel(), finite_floats(snapshot.ys).ravel()
        probs = finite_floats(snapshot.probs)
        if probs.ndim == 2:
            probs = probs[..., None]
        points = finite_floats(snapshot.points)
        points = points if points.ndim == 2 and points.shape[1] >= 2 else np.zeros((0, 2))
        labels = np.asarray(snapshot.labels, dtype=np.float64).ravel()
        if labels.size != len(points):
            labels = np.full(len(points), -1.0)
        labels = np.where(np.isfinite(labels), labels, -1).astype(np.int64)  # -1: no class
        keep = np.isfinite(points[:, :2]).all(axis=1)
        points, labels = points[keep, :2], labels[keep]

        n_classes = max(probs.shape[-1] if probs.ndim == 3 else 0,
                        int(labels.max()) + 1 if labels.size else 0,
                        len(snapshot.class_names), 1)
        has_grid = (probs.ndim == 3 and probs.size > 0 and probs.shape[:2] == (ys.size, xs.size)
                    and bool(np.isfinite(xs).all()) and bool(np.isfinite(ys).all()))
        if has_grid and probs.shape[-1] == 1 and n_classes == 2:
            probs = np.concatenate([1.0 - probs, probs], axis=-1)  # one sigmoid output
        extent = [math.inf, -math.inf, math.inf, -math.inf]
        if has_grid:
            if xs.size > 1 and xs[0] > xs[-1]:
                xs, probs = xs[::-1], probs[:, ::-1]
            if ys.size > 1 and ys[0] > ys[-1]:
                ys, probs = ys[::-1], probs[::-1]
            extent[:2] = _grid_edges(xs, points[:, 0])
            extent[2:] = _grid_edges(ys, points[:, 1])
            rgb = (255.0 * _smooth(blend(probs, n_classes)) + 0.5).astype(np.uint8)
            self.image.setImage(rgb, autoLevels=False, levels=(0, 255))
            self.image.setRect(QRectF(extent[0], extent[2], extent[1] - extent[0],
                                      extent[3] - extent[2]))
            self.image.show()
        else:
            self.image.hide()
        self._draw_points(points, labels, n_classes)
        if len(points):
            extent = [min(extent[0], points[:, 0].min()), max(extent[1], points[:, 0].max()),
                      min(extent[2], points[:, 1].min()), max(extent[3], points[:, 1].max())]
        heading = f"Decision boundary — step {snapshot.step}"
        if not has_grid and not len(points):
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
        x_lo, x_hi, y_lo, y_hi = extent
        if x_hi - x_lo <= 1e-12:
            x_lo, x_hi = x_lo - 0.5, x_hi + 0.5
        if y_hi - y_lo <= 1e-12:
            y_lo, y_hi = y_lo - 0.5, y_hi + 0.5
        extent = (x_lo, x_hi, y_lo, y_hi)
        if self._extent is not None and np.allclose(extent, self._extent, rtol=0, atol=1e-9):
            return
        self._extent = extent
        ratio = (x_hi - x_lo) / (y_hi - y_lo)
        self.plot.setAspectLocked(1 / 3 < ratio < 3)
        self.plot.setRange(xRange=(x_lo, x_hi), yRange=(y_lo, y_hi), padding=0.02)

    def _update_legend(self, class_names: tuple[str, ...], n_classes: int) -> None:
        names = tuple(str(class_names[k]) if k < len(class_names) else f"class {k}"
                      for k in range(min(n_classes, 20)))
        if names == self._legend_key:
            return
        self._legend_key = names
        self.legend.setText("" if not names else "Classes: " + " &nbsp; ".join(
            f'<span style="color:{class_colour(k)}; font-size:16pt">&#9679;</span>&nbsp;'
            f"{html.escape(text[:18])}" for k, text in enumerate(names)))

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
        colours = DARK if dark else LIGHT
        self.graphics.setBackground(colours["background"])
        style_plot(self.plot, dark)
        self.legend.setStyleSheet(f"color: {colours['text']}")
