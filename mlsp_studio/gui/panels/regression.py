"""Regression fit: the training points, the model's curve bold, the true function dashed."""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from mlsp_studio.snapshots.drawing import finite_floats
from mlsp_studio.snapshots.kinds import RegressionFit

from .base import (
    DARK,
    FONT_PT,
    LIGHT,
    PANELS,
    PlotPanel,
    rgba,
    set_title,
    stack_layout,
    style_legend,
)

POINT_COLOUR = "#7aa6c9"
MODEL_COLOUR = "#d1495b"


@PANELS.register
class RegressionFitPanel(PlotPanel):
    """How well the model's curve follows the data it learns from."""

    name = "regression_fit"
    title = "Regression fit"
    kinds = frozenset({"regression_fit"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.PlotWidget()
        self.plot: pg.PlotItem = self.graphics.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.setLabel("bottom", "input x")
        self.plot.setLabel("left", "output y")
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.legend = self.plot.addLegend(offset=(10, 10), labelTextSize=f"{FONT_PT - 1}pt")
        self.points = pg.ScatterPlotItem(size=6, pen=None, brush=pg.mkBrush(
            rgba(POINT_COLOUR, 150)), name="training points")
        self.truth = pg.PlotDataItem(pen=pg.mkPen("#333333", width=2, style=Qt.DashLine),
                                     connect="finite", name="true function")
        self.model = pg.PlotDataItem(pen=pg.mkPen(MODEL_COLOUR, width=4), connect="finite",
                                     name="model")
        for z, item in enumerate((self.points, self.truth, self.model)):
            item.setZValue(z)
            self.plot.addItem(item)
        stack_layout(self, self.graphics)
        self.set_dark(False)
        set_title(self.plot, "Regression fit — waiting for the first picture", self.dark)

    def show_snapshot(self, snapshot: RegressionFit) -> None:
        super().show_snapshot(snapshot)
        px = finite_floats(snapshot.points_x).ravel()
        py = finite_floats(snapshot.points_y).ravel()
        cx = finite_floats(snapshot.curve_x).ravel()
        cy = finite_floats(snapshot.curve_y).ravel()
        if px.size != py.size:
            px = py = np.zeros(0)
        keep = np.isfinite(px) & np.isfinite(py)
        self.points.setData(x=px[keep], y=py[keep])
        ty = np.zeros(0)
        if cx.size != cy.size:
            cx = cy = np.zeros(0)
        order = np.argsort(cx, kind="stable")
        cx, cy = cx[order], cy[order]
        if snapshot.truth_y is not None:
            ty = finite_floats(snapshot.truth_y).ravel()
            ty = ty[order] if ty.size == order.size else np.zeros(0)
        self.model.setData(cx, cy)
        self.truth.setData(cx if ty.size else np.zeros(0), ty)
        heading = f"Regression fit — step {snapshot.step}"
        if not keep.any() and not cx.size:
            heading += ": no points and no model curve yet"
        elif cy.size and not np.isfinite(cy).any():
            heading += ": the model gives no numbers (diverged?)"
        set_title(self.plot, heading, self.dark)

    def reset(self) -> None:
        super().reset()
        self.points.setData(x=[], y=[])
        self.model.setData([], [])
        self.truth.setData([], [])
        set_title(self.plot, "Regression fit — waiting for the first picture", self.dark)

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        self.truth.setPen(pg.mkPen("#cccccc" if dark else "#333333", width=2,
                                   style=Qt.DashLine))
        style_legend(self.legend, dark)
        self.legend.setBrush(rgba((DARK if dark else LIGHT)["background"], 200))
