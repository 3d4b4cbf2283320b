"""Panels of the GAN paradigm: generated points over the data and the discriminator's verdict
on the plane, the sample grid from fixed noise, and the balance of the two players."""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from ...gui.panels.base import (
    DARK,
    LIGHT,
    PANELS,
    plane_image,
    set_text,
    style_bar,
    style_legend,
    style_plot,
    tick_box,
)
from ...gui.panels.points_kit import HeadingPanel, PlanePanel, corner_legend, style_corner_legend
from ...snapshots.drawing import finite_floats
from . import snapshots as gan

HEAT = pg.ColorMap(np.linspace(0.0, 1.0, len(gan.HEAT_COLOURS)), list(gan.HEAT_COLOURS))
INK = pg.ColorMap(np.array([0.0, 1.0]), ["#ffffff", "#000000"])   # dark ink on paper
LOSS_WORDS = {"flip": "label flip", "reversal": "gradient reversal"}
CIRCLE = np.linspace(0.0, 2 * math.pi, 33)


def _plot(graphics: pg.GraphicsLayoutWidget, row: int) -> pg.PlotItem:
    plot = graphics.addPlot(row=row, col=0)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    return plot


class _GanPanel(HeadingPanel):
    """A GAN panel: a heading above one graphics layout, themed alike; the heading keeps the
    theme's text colour in high contrast."""

    def heading_colour(self, dark: bool) -> str:
        return (DARK if dark else LIGHT)["text"]


@PANELS.register
class GanFieldPanel(PlanePanel, _GanPanel):
    """A 2-D GAN: the data, the generated points, the discriminator's verdict underneath and
    (when ticked) the way the generator's loss pushes some of its points."""

    name = "gan_field"
    title = "GAN on the plane"
    kinds = frozenset({"gan_field"})
    waiting = "GAN on the plane — waiting for the first picture"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.arrows_box = tick_box(
            "Show the generator's pushes (arrows)",
            "Draw, for 100 generated points, the way the generator's loss pushes each; the "
            "longest arrow sets the scale", self._on_arrows_toggled, checked=True)
        self.layout_.insertWidget(1, self.arrows_box)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.colour_bar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=HEAT, interactive=False,
                                          colorMapMenu=False, width=16,
                                          label="discriminator: chance of real")
        self.colour_bar.setImageItem(self.image, insert_in=self.plot)
        self.circles = pg.PlotCurveItem(pen=pg.mkPen("#555555", width=1, style=Qt.DashLine),
                                        connect="finite")
        self.real = pg.ScatterPlotItem(size=4, pen=None, brush=pg.mkBrush(gan.REAL_COLOUR))
        self.fake = pg.ScatterPlotItem(size=7, pen=pg.mkPen("#222222", width=0.6),
                                       brush=pg.mkBrush(gan.FAKE_COLOUR))
        self.arrows = pg.PlotCurveItem(pen=pg.mkPen("#222222", width=1.2), connect="pairs")
        for item in (self.circles, self.real, self.fake, self.arrows):
            self.plot.addItem(item)
        self.legend = corner_legend(self.plot, ((self.real, "data"), (self.fake, "generated")))
        self._asked_at = -1
        self.set_dark(False)
        set_text(self.heading, self.waiting)

    def _on_arrows_toggled(self, on: bool) -> None:
        self.optionChanged.emit("show_arrows", bool(on))

    def show_snapshot(self, snapshot: gan.GanField) -> None:
        super().show_snapshot(snapshot)
        if (not self.arrows_box.isChecked() and len(snapshot.arrow_from)
                and self._asked_at != snapshot.step):
            # a new run starts with arrows on: tell it again that they are off
            self._asked_at = snapshot.step
            self.optionChanged.emit("show_arrows", False)
        extent = gan.field_extent(snapshot)
        real, fake = gan.finite_points(snapshot.real), gan.finite_points(snapshot.fake)
        if extent is not None:
            probs = np.clip(finite_floats(snapshot.probs), 0.0, 1.0)
            plane_image(self.image, probs, (0.0, 1.0), extent)
        else:
            self.image.hide()
        self.real.setData(pos=real)
        self.fake.setData(pos=fake)
        self._draw_circles(gan.finite_points(snapshot.centres), snapshot.spread)
        points = np.concatenate([real, fake])
        if extent is None and len(points):
            extent = (points[:, 0].min(), points[:, 0].max(), points[:, 1].min(),
                      points[:, 1].max())
        width = (extent[1] - extent[0]) if extent is not None else 0.0
        segments, _ = gan.arrow_segments(snapshot.arrow_from, snapshot.arrow_vec, width or 1.0)
        self.arrows.setData(segments.reshape(-1, 2)[:, 0], segments.reshape(-1, 2)[:, 1])
        words = LOSS_WORDS.get(snapshot.loss_name, snapshot.loss_name)
        heading = f"GAN on the plane ({words}) — step {snapshot.step}"
        if extent is None:
            heading += ": nothing to show yet"
        elif len(segments):
            heading += " · arrows: where the generator's loss pushes its points"
        set_text(self.heading, heading)
        if extent is not None:
            self.frame(tuple(float(v) for v in extent))

    def _draw_circles(self, centres: np.ndarray, spread: float) -> None:
        """A dashed ring of 3 spreads around each mode: a point inside counts as good."""
        if not len(centres) or not (math.isfinite(spread) and spread > 0):
            self.circles.setData([], [])
            return
        r = 3.0 * spread
        ring = np.append(CIRCLE, np.nan)   # NaN breaks the line between circles
        xs = (centres[:, :1] + r * np.cos(ring)).ravel()
        ys = (centres[:, 1:] + r * np.sin(ring)).ravel()
        self.circles.setData(xs, ys)

    def reset(self) -> None:
        super().reset()
        self.image.clear()
        for item in (self.real, self.fake):
            item.setData(pos=np.zeros((0, 2)))
        self.arrows.setData([], [])
        self.circles.setData([], [])

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        style_bar(self.colour_bar, dark)
        style_corner_legend(self.legend, dark)


@PANELS.register
class GanSamplesPanel(_GanPanel):
    """The generator's images for one fixed noise batch: the same samples, step after step."""

    name = "gan_samples"
    title = "GAN samples"
    kinds = frozenset({"gan_samples"})
    waiting = "Generated samples — waiting for the first picture"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = _plot(self.graphics, 0)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.invertY(True)         # the first sample at the top left, as it is read
        self.plot.setAspectLocked(True)
        for axis in ("left", "bottom"):
            self.plot.hideAxis(axis)
        self.image = pg.ImageItem(axisOrder="row-major", lut=INK.getLookupTable(nPts=256))
        self.plot.addItem(self.image)
        self._shape: tuple[int, ...] = ()
        self.set_dark(False)
        set_text(self.heading, self.waiting)

    def show_snapshot(self, snapshot: gan.GanSamples) -> None:
        super().show_snapshot(snapshot)
        mosaic = gan.sample_mosaic(snapshot.images, snapshot.cols)
        heading = f"Generated samples from fixed noise — step {snapshot.step}"
        if not mosaic.size:
            self.image.clear()
            set_text(self.heading, heading + ": no samples to show yet")
            return
        lo, hi = (float(v) for v in snapshot.value_range)
        if not (math.isfinite(lo) and math.isfinite(hi) and hi > lo):
            lo, hi = 0.0, 1.0
        self.image.setImage(mosaic.astype(np.float32), autoLevels=False, levels=(lo, hi))
        if mosaic.shape != self._shape:  # frame once per layout, not per update
            self._shape = mosaic.shape
            self.plot.setRange(xRange=(0, mosaic.shape[1]), yRange=(0, mosaic.shape[0]),
                               padding=0.01)
        scores = finite_floats(snapshot.scores).ravel()
        scores = scores[np.isfinite(scores)]
        if scores.size:
            heading += f"; the discriminator finds them real with chance {scores.mean():.2f}"
        set_text(self.heading, heading)

    def reset(self) -> None:
        super().reset()
        self.image.clear()
        self._shape = ()

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        self.plot.vb.setBackgroundColor("#4a4a4a" if dark else "#c8c8c8")  # between samples


@PANELS.register
class GanBalancePanel(_GanPanel):
    """Who is ahead: the discriminator's scores for data and for generated examples around
    the 0.5 balance, and both losses around ln 2."""

    name = "gan_balance"
    title = "GAN balance"
    kinds = frozenset({"gan_balance"})
    waiting = "Discriminator vs generator — waiting for the first steps"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # One legend above the plots, so it never hides a curve.
        self.legend = pg.LegendItem(colCount=2, labelTextSize="9pt")
        self.graphics.addItem(self.legend, row=0, col=0)
        self.graphics.ci.layout.setRowStretchFactor(0, 0)
        self.top = _plot(self.graphics, 1)
        self.bottom = _plot(self.graphics, 2)
        self.bottom.setXLink(self.top)
        self.top.setLabel("left", "chance of real")
        self.bottom.setLabel("left", "loss (nats)")
        self.bottom.setLabel("bottom", "step")
        self.top.setYRange(0.0, 1.0, padding=0.02)
        dashed = pg.mkPen("#888888", width=1, style=Qt.DashLine)
        self.top.addItem(pg.InfiniteLine(0.5, angle=0, pen=dashed))
        self.bottom.addItem(pg.InfiniteLine(math.log(2), angle=0, pen=dashed))
        self.real = self.top.plot(pen=pg.mkPen(gan.REAL_COLOUR, width=2))
        self.fake = self.top.plot(pen=pg.mkPen(gan.FAKE_COLOUR, width=2))
        self.d_loss = self.bottom.plot(pen=pg.mkPen("#5e3c99", width=2))
        self.g_loss = self.bottom.plot(pen=pg.mkPen("#e66101", width=2))
        for curve, text in ((self.real, "D(data): chance it finds data real"),
                            (self.fake, "D(generated)"),
                            (self.d_loss, "discriminator loss"),
                            (self.g_loss, "generator loss")):
            self.legend.addItem(curve, text)
        for plot in (self.top, self.bottom):
            plot.getAxis("left").enableAutoSIPrefix(False)  # losses, not units
        self.set_dark(False)
        set_text(self.heading, self.waiting)

    def show_snapshot(self, snapshot: gan.GanBalance) -> None:
        super().show_snapshot(snapshot)
        steps = finite_floats(snapshot.steps).ravel()
        series = [finite_floats(a).ravel() for a in (snapshot.d_real, snapshot.d_fake,
                                                      snapshot.d_loss, snapshot.g_loss)]
        heading = f"Discriminator vs generator — step {snapshot.step}"
        if not steps.size or any(s.size != steps.size for s in series):
            for curve in (self.real, self.fake, self.d_loss, self.g_loss):
                curve.setData([], [])
            set_text(self.heading, heading + ": no steps yet")
            return
        for curve, values in zip((self.real, self.fake, self.d_loss, self.g_loss), series,
                                 strict=True):
            curve.setData(steps, values, connect="finite")
        words = LOSS_WORDS.get(snapshot.loss_name, snapshot.loss_name)
        set_text(self.heading,
                 f"{heading} (generator loss: {words}): {gan.balance_words(snapshot)}")

    def reset(self) -> None:
        super().reset()
        for curve in (self.real, self.fake, self.d_loss, self.g_loss):
            curve.setData([], [])

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        for plot in (self.top, self.bottom):
            style_plot(plot, dark)
        style_legend(self.legend, dark)
