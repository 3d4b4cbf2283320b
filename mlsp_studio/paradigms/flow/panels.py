"""Panels of the normalizing-flow paradigm (2-D data): the learned density over the plane with
the data, samples from the flow over the data, and the Gaussian's grid carried back to the
data one coupling at a time under a slider (worked out by the engine, chosen here)."""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from ...gui.panels.base import (
    PANELS,
    plane_image,
    row_layout,
    set_text,
    slider,
    style_bar,
    text_label,
    tick_box,
)
from ...gui.panels.points_kit import PlanePanel, corner_legend, style_corner_legend
from . import snapshots as flow

DENSITY = pg.ColorMap(np.linspace(0.0, 1.0, len(flow.DENSITY_COLOURS)), list(flow.DENSITY_COLOURS))


@PANELS.register
class FlowDensityPanel(PlanePanel):
    """How likely the flow finds each point of the plane, under the held-out data: p(x), or
    log p(x) (the ticked default), where the thin leaks of density between the clouds show."""

    name = "flow_density"
    title = "Flow: density"
    kinds = frozenset({"flow_density"})
    waiting = "The flow's density — waiting for the first picture"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.log_box = tick_box(
            "Log scale: log p(x), the top 10 nats",
            "Colour by log p(x) (in nats, 10 below the top) to see where the flow leaks "
            "density between the clouds; untick for p(x)", self._on_log_toggled, checked=True)
        self.layout_.insertWidget(1, self.log_box)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.colour_bar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=DENSITY,
                                          interactive=False, colorMapMenu=False, width=16)
        self.colour_bar.setImageItem(self.image, insert_in=self.plot)
        self.data = pg.ScatterPlotItem(size=2, pen=None, brush=pg.mkBrush(flow.DATA_COLOUR + "80"))
        self.plot.addItem(self.data)
        self.latest: flow.FlowDensity | None = None
        self.set_dark(False)
        self.reset()

    def _on_log_toggled(self, _on: bool) -> None:
        if self.latest is not None:
            self.show_snapshot(self.latest)

    def show_snapshot(self, snapshot: flow.FlowDensity) -> None:
        super().show_snapshot(snapshot)
        self.latest = snapshot
        extent = flow.density_extent(snapshot)
        data = flow.finite_points(snapshot.data)
        self.data.setData(pos=data)
        log = self.log_box.isChecked()
        heading = f"The flow's density {'log p(x)' if log else 'p(x)'} — step {snapshot.step}"
        if extent is not None:
            if log:
                values, levels = flow.log_density_picture(snapshot)
            else:
                values, top = flow.density_picture(snapshot)
                levels = (0.0, top)
            plane_image(self.image, values.astype(np.float32), levels, extent)
            self.colour_bar.setLevels(levels)
            self._bar_label("log p(x), nats" if log else "density p(x)")
            if words := flow.nll_words(snapshot):
                heading += f" · {words}"
        else:
            self.image.hide()
            extent = flow.points_extent([data], pad=0.05)
            heading += ": no density grid yet"
        set_text(self.heading, heading)
        self.frame(extent)

    def _bar_label(self, text: str) -> None:
        axis = self.colour_bar.getAxis("left")  # a vertical bar's label sits on its left
        if axis.labelText != text:  # a new label means a new layout pass
            axis.setLabel(text)

    def reset(self) -> None:
        super().reset()
        self.latest = None
        self.image.clear()
        self.data.setData(pos=np.zeros((0, 2)))

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        style_bar(self.colour_bar, dark)


@PANELS.register
class FlowSamplesPanel(PlanePanel):
    """The flow's samples for a fixed batch of noise (the same at every step) over the data."""

    name = "flow_samples"
    title = "Flow: samples"
    kinds = frozenset({"flow_samples"})
    waiting = "Samples from the flow — waiting for the first picture"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(flow.DATA_COLOUR))
        self.samples = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(flow.SAMPLE_COLOUR))
        self.plot.addItem(self.data)
        self.plot.addItem(self.samples)
        self.legend = corner_legend(self.plot, ((self.data, "held-out data"),
                                                (self.samples, "samples")))
        self.set_dark(False)
        self.reset()

    def show_snapshot(self, snapshot: flow.FlowSamples) -> None:
        super().show_snapshot(snapshot)
        samples, data = flow.finite_points(snapshot.samples), flow.finite_points(snapshot.data)
        self.data.setData(pos=data)
        self.samples.setData(pos=samples)
        heading = f"{len(samples)} samples from the flow over the data — step {snapshot.step}"
        if not len(samples):
            heading = f"Samples from the flow — step {snapshot.step}: none to show"
        set_text(self.heading, heading)
        self.frame(flow.points_extent([samples, data], pad=0.05))

    def reset(self) -> None:
        super().reset()
        self.data.setData(pos=np.zeros((0, 2)))
        self.samples.setData(pos=np.zeros((0, 2)))

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        style_corner_legend(self.legend, dark)


@PANELS.register
class FlowLayersPanel(PlanePanel):
    """The Gaussian's square grid and some of its samples carried to the data: the slider picks
    how many couplings are undone, from none (the Gaussian's plane) to all (the data's)."""

    name = "flow_layers"
    title = "Flow: layers"
    kinds = frozenset({"flow_layers"})
    waiting = "The grid through the layers — waiting for the first picture"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = slider("How many couplings are undone: 0 is the Gaussian's plane, the "
                             "far right the data's", self.draw, value=1)
        self.stage_label = text_label(centre=True, wrap=False)
        self.layout_.insertLayout(1, row_layout(text_label(centre=True, text="Layers undone"),
                                                (self.slider, 1), self.stage_label,
                                                stretch=False))
        self.plot.setLabel("bottom", "")
        self.plot.setLabel("left", "")
        self.rows = pg.PlotCurveItem(pen=pg.mkPen(flow.ROW_COLOUR, width=1), connect="finite")
        self.columns = pg.PlotCurveItem(pen=pg.mkPen(flow.COLUMN_COLOUR, width=1), connect="finite")
        self.data = pg.ScatterPlotItem(size=3, pen=None, brush=pg.mkBrush(flow.DATA_COLOUR))
        self.points = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(flow.SAMPLE_COLOUR))
        for item in (self.data, self.rows, self.columns, self.points):
            self.plot.addItem(item)
        self.latest: flow.FlowLayers | None = None
        self.set_dark(False)
        self.reset()

    def show_snapshot(self, snapshot: flow.FlowLayers) -> None:
        super().show_snapshot(snapshot)
        self.latest = snapshot
        stages = flow.layer_stages(snapshot)
        top = max(stages - 1, 1)
        if self.slider.maximum() != top:
            at_end = self.slider.value() >= self.slider.maximum()
            self.slider.blockSignals(True)
            self.slider.setRange(0, top)
            if at_end:  # a person who left it at the data sees the data's plane
                self.slider.setValue(top)
            self.slider.blockSignals(False)
        self.draw()

    def draw(self) -> None:
        """The stage the slider picks, from the latest snapshot."""
        if (snap := self.latest) is None:
            return
        stages = flow.layer_stages(snap)
        if not stages:
            for item in (self.rows, self.columns):
                item.setData([], [])
            for item in (self.data, self.points):
                item.setData(pos=np.zeros((0, 2)))
            self.stage_label.setText("")
            set_text(self.heading,
                     f"The grid through the layers — step {snap.step}: none to show")
            return
        stage = min(self.slider.value(), stages - 1)
        rows, columns = flow.stage_lines(snap, stage)
        self.rows.setData(rows[:, 0], rows[:, 1], connect="finite")
        self.columns.setData(columns[:, 0], columns[:, 1], connect="finite")
        self.points.setData(pos=flow.stage_points(snap, stage))
        last = stage == stages - 1
        self.data.setData(pos=flow.finite_points(snap.data) if last else np.zeros((0, 2)))
        self.stage_label.setText(f"{stage} of {stages - 1}")
        units = "" if last or stage == 0 else " (in the model's units)"
        set_text(self.heading,
                 f"The Gaussian's grid: {flow.stage_words(stage, stages)}{units} — step "
                 f"{snap.step}")
        self.frame(flow.stage_extent(snap, stage))

    def reset(self) -> None:
        super().reset()
        self.latest = None
        for item in (self.rows, self.columns):
            item.setData([], [])
        for item in (self.data, self.points):
            item.setData(pos=np.zeros((0, 2)))
        self.stage_label.setText("")
