"""Panels of the normalizing-flow paradigm (2-D data): the learned density over the plane with
the data, samples from the flow over the data, and the Gaussian's grid carried back to the
data one coupling at a time under a slider (worked out by the engine, chosen here)."""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from ...gui.panels.base import (
    PANELS,
    Panel,
    colours_for,
    font,
    new_extent,
    style_legend,
    style_plot,
)
from .snapshots import (
    COLUMN_COLOUR,
    DATA_COLOUR,
    DENSITY_COLOURS,
    ROW_COLOUR,
    SAMPLE_COLOUR,
    FlowDensity,
    FlowLayers,
    FlowSamples,
    density_extent,
    density_picture,
    finite_points,
    layer_stages,
    log_density_picture,
    nll_words,
    points_extent,
    stage_extent,
    stage_lines,
    stage_points,
    stage_words,
)

DENSITY = pg.ColorMap(np.linspace(0.0, 1.0, len(DENSITY_COLOURS)), list(DENSITY_COLOURS))


def _label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setFont(font())
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignCenter)
    return label


class _FlowPanel(Panel):
    """A heading above one plot of the plane, themed alike; the view is framed again only when
    what it shows moved."""

    waiting = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = _label()
        self.graphics = pg.GraphicsLayoutWidget()
        self.plot: pg.PlotItem = self.graphics.addPlot(row=0, col=0)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setAspectLocked(True)
        self.plot.setLabel("bottom", "x1")
        self.plot.setLabel("left", "x2")
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(2, 2, 2, 2)
        self.layout_.addWidget(self.heading)
        self.layout_.addWidget(self.graphics, 1)
        self._extent: tuple[float, ...] | None = None

    def _set_heading(self, text: str) -> None:
        if self.heading.text() != text:  # a new text means a new layout pass
            self.heading.setText(text)

    def _frame(self, extent: tuple[float, ...] | None) -> None:
        framed = new_extent(extent, self._extent) if extent is not None else None
        if framed is None:
            return
        self._extent = x0, x1, y0, y1 = framed
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.02)

    def reset(self) -> None:
        super().reset()
        self._extent = None
        self._set_heading(self.waiting)

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        colours = colours_for(dark)
        self.graphics.setBackground(colours["background"])
        self.heading.setStyleSheet(f"color: {colours['text']}")
        style_plot(self.plot, dark)


@PANELS.register
class FlowDensityPanel(_FlowPanel):
    """How likely the flow finds each point of the plane, under the held-out data: p(x), or
    log p(x) (the ticked default), where the thin leaks of density between the clouds show."""

    name = "flow_density"
    title = "Flow: density"
    kinds = frozenset({"flow_density"})
    waiting = "The flow's density — waiting for the first picture"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.log_box = QCheckBox("Log scale: log p(x), the top 10 nats")
        self.log_box.setFont(font())
        self.log_box.setChecked(True)
        self.log_box.setToolTip("Colour by log p(x) (in nats, 10 below the top) to see where "
                                "the flow leaks density between the clouds; untick for p(x)")
        self.log_box.toggled.connect(self._on_log_toggled)
        self.layout_.insertWidget(1, self.log_box)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.colour_bar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=DENSITY,
                                          interactive=False, colorMapMenu=False, width=16)
        self.colour_bar.setImageItem(self.image, insert_in=self.plot)
        self.data = pg.ScatterPlotItem(size=2, pen=None, brush=pg.mkBrush(DATA_COLOUR + "80"))
        self.plot.addItem(self.data)
        self.latest: FlowDensity | None = None
        self.set_dark(False)
        self.reset()

    def _on_log_toggled(self, _on: bool) -> None:
        if self.latest is not None:
            self.show_snapshot(self.latest)

    def show_snapshot(self, snapshot: FlowDensity) -> None:
        super().show_snapshot(snapshot)
        self.latest = snapshot
        extent = density_extent(snapshot)
        data = finite_points(snapshot.data)
        self.data.setData(pos=data)
        log = self.log_box.isChecked()
        heading = f"The flow's density {'log p(x)' if log else 'p(x)'} — step {snapshot.step}"
        if extent is not None:
            if log:
                values, levels = log_density_picture(snapshot)
            else:
                values, top = density_picture(snapshot)
                levels = (0.0, top)
            self.image.setImage(values.astype(np.float32), autoLevels=False, levels=levels)
            self.colour_bar.setLevels(levels)
            self._bar_label("log p(x), nats" if log else "density p(x)")
            self.image.setRect(QRectF(extent[0], extent[2], extent[1] - extent[0],
                                      extent[3] - extent[2]))
            self.image.show()
            if words := nll_words(snapshot):
                heading += f" · {words}"
        else:
            self.image.hide()
            extent = points_extent([data], pad=0.05)
            heading += ": no density grid yet"
        self._set_heading(heading)
        self._frame(extent)

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
        style_plot(self.colour_bar, dark, axes=("left", "right", "top", "bottom"))


@PANELS.register
class FlowSamplesPanel(_FlowPanel):
    """The flow's samples for a fixed batch of noise (the same at every step) over the data."""

    name = "flow_samples"
    title = "Flow: samples"
    kinds = frozenset({"flow_samples"})
    waiting = "Samples from the flow — waiting for the first picture"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(DATA_COLOUR))
        self.samples = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(SAMPLE_COLOUR))
        self.plot.addItem(self.data)
        self.plot.addItem(self.samples)
        self.legend = pg.LegendItem(offset=(-5, 5), labelTextSize="9pt")
        self.legend.setParentItem(self.plot.vb)
        self.legend.addItem(self.data, "held-out data")
        self.legend.addItem(self.samples, "samples")
        self.set_dark(False)
        self.reset()

    def show_snapshot(self, snapshot: FlowSamples) -> None:
        super().show_snapshot(snapshot)
        samples, data = finite_points(snapshot.samples), finite_points(snapshot.data)
        self.data.setData(pos=data)
        self.samples.setData(pos=samples)
        heading = f"{len(samples)} samples from the flow over the data — step {snapshot.step}"
        if not len(samples):
            heading = f"Samples from the flow — step {snapshot.step}: none to show"
        self._set_heading(heading)
        self._frame(points_extent([samples, data], pad=0.05))

    def reset(self) -> None:
        super().reset()
        self.data.setData(pos=np.zeros((0, 2)))
        self.samples.setData(pos=np.zeros((0, 2)))

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        style_legend(self.legend, dark)
        self.legend.setBrush(pg.mkBrush(colours_for(dark)["background"] + "c0"))


@PANELS.register
class FlowLayersPanel(_FlowPanel):
    """The Gaussian's square grid and some of its samples carried to the data: the slider picks
    how many couplings are undone, from none (the Gaussian's plane) to all (the data's)."""

    name = "flow_layers"
    title = "Flow: layers"
    kinds = frozenset({"flow_layers"})
    waiting = "The grid through the layers — waiting for the first picture"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(0, 1)
        self.slider.setValue(1)
        self.slider.setToolTip("How many couplings are undone: 0 is the Gaussian's plane, the "
                               "far right the data's")
        self.slider.valueChanged.connect(self._on_slider)
        self.stage_label = _label()
        self.stage_label.setWordWrap(False)
        bar = QHBoxLayout()
        bar.addWidget(_label("Layers undone"))
        bar.addWidget(self.slider, 1)
        bar.addWidget(self.stage_label)
        self.layout_.insertLayout(1, bar)
        self.plot.setLabel("bottom", "")
        self.plot.setLabel("left", "")
        self.rows = pg.PlotCurveItem(pen=pg.mkPen(ROW_COLOUR, width=1), connect="finite")
        self.columns = pg.PlotCurveItem(pen=pg.mkPen(COLUMN_COLOUR, width=1), connect="finite")
        self.data = pg.ScatterPlotItem(size=3, pen=None, brush=pg.mkBrush(DATA_COLOUR))
        self.points = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(SAMPLE_COLOUR))
        for item in (self.data, self.rows, self.columns, self.points):
            self.plot.addItem(item)
        self.latest: FlowLayers | None = None
        self.set_dark(False)
        self.reset()

    def show_snapshot(self, snapshot: FlowLayers) -> None:
        super().show_snapshot(snapshot)
        self.latest = snapshot
        stages = layer_stages(snapshot)
        top = max(stages - 1, 1)
        if self.slider.maximum() != top:
            at_end = self.slider.value() >= self.slider.maximum()
            self.slider.blockSignals(True)
            self.slider.setRange(0, top)
            if at_end:  # a person who left it at the data sees the data's plane
                self.slider.setValue(top)
            self.slider.blockSignals(False)
        self.draw()

    def _on_slider(self, _value: int) -> None:
        self.draw()

    def draw(self) -> None:
        """The stage the slider picks, from the latest snapshot."""
        snap = self.latest
        if snap is None:
            return
        stages = layer_stages(snap)
        if not stages:
            for item in (self.rows, self.columns):
                item.setData([], [])
            for item in (self.data, self.points):
                item.setData(pos=np.zeros((0, 2)))
            self.stage_label.setText("")
            self._set_heading(f"The grid through the layers — step {snap.step}: none to show")
            return
        stage = min(self.slider.value(), stages - 1)
        rows, columns = stage_lines(snap, stage)
        self.rows.setData(rows[:, 0], rows[:, 1], connect="finite")
        self.columns.setData(columns[:, 0], columns[:, 1], connect="finite")
        self.points.setData(pos=stage_points(snap, stage))
        last = stage == stages - 1
        self.data.setData(pos=finite_points(snap.data) if last else np.zeros((0, 2)))
        self.stage_label.setText(f"{stage} of {stages - 1}")
        units = "" if last or stage == 0 else " (in the model's units)"
        self._set_heading(f"The Gaussian's grid: {stage_words(stage, stages)}{units} — step "
                          f"{snap.step}")
        self._frame(stage_extent(snap, stage))

    def reset(self) -> None:
        super().reset()
        self.latest = None
        for item in (self.rows, self.columns):
            item.setData([], [])
        for item in (self.data, self.points):
            item.setData(pos=np.zeros((0, 2)))
        self.stage_label.setText("")
