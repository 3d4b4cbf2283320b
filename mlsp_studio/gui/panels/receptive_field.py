"""Receptive field: which input pixels (or signal steps) one chosen unit of a feature map sees.

The top view shows the input with a heat overlay of |d unit / d input| (the effective
receptive field) and a box around every input position that can change the unit at all (the
theoretical one); the bottom view shows the effective receptive field alone. On a signal the
two are curves, the span shaded, the unit's own step a dashed line: a causal unit's span ends
there. Clicking on the picture (or the spin boxes) picks the unit's place.
"""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSpinBox, QWidget

from mlsp_studio.snapshots.drawing import finite_floats
from mlsp_studio.snapshots.lab import ReceptiveField, span_words

from .base import (
    FONT_PT,
    PANELS,
    bare_plot,
    font,
    row_layout,
    set_text,
    set_title,
    style_plot,
    text_label,
)
from .sequence_kit import LatestPanel, colours, combo, heading_label, set_items

WAITING = "Receptive field — waiting for the first picture"
HEAT = ((214, 39, 40), (255, 120, 90))     # (light, dark) theme: the overlay's colour
BOX = ("#1f5fbf", "#7fb2ff")               # the theoretical receptive field
SIGNAL = ("#333333", "#dddddd")
OVERLAY_ALPHA = 190                        # how opaque the strongest pixel's heat is


def _spin(tip: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(0, 0)
    box.setFont(font())
    box.setToolTip(tip)
    return box


def heat_rgba(effective: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    """(H, W, 4) bytes: ``colour`` everywhere, as opaque as the effective field is strong."""
    e = np.clip(np.nan_to_num(finite_floats(effective), nan=0.0), 0.0, 1.0)
    out = np.zeros((*e.shape, 4), dtype=np.uint8)
    out[..., :3] = colour
    out[..., 3] = (OVERLAY_ALPHA * np.sqrt(e)).astype(np.uint8)  # sqrt: the faint rim shows
    return out


def map_place(pixel: float, in_size: int, map_size: int) -> int:
    """The place on a map of ``map_size`` that stands for input position ``pixel``."""
    return int(min(max(np.floor(pixel * map_size / max(in_size, 1)), 0), map_size - 1))


def drawable(snap: ReceptiveField, effective: np.ndarray) -> bool:
    """Whether the snapshot's arrays fit together (a picture or a signal, a span per axis)."""
    dims = effective.ndim
    span = np.asarray(snap.span)
    return (dims in (1, 2) and effective.size > 0 and span.shape == (dims, 2)
            and len(snap.map_size) == dims and len(snap.position) == dims
            and np.ndim(snap.input) == dims + 1 and np.shape(snap.input)[1:] == effective.shape
            and snap.channels > 0)


@PANELS.register
class ReceptiveFieldPanel(LatestPanel):
    """What part of the input one unit of a chosen layer sees, and how much each part counts."""

    general = True
    name = "receptive_field"
    title = "Receptive field"
    kinds = frozenset({"receptive_field"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = heading_label(FONT_PT - 1)
        self.layer = combo("the layer whose unit is shown")
        self.channel = _spin("the unit's channel in that layer")
        self.row = _spin("the unit's row on its map (or click on the picture)")
        self.col = _spin("the unit's column on its map (or click on the picture)")
        self.top = self._plot(0)
        self.bottom = self._plot(1)
        self._bottom_at = (1, 0)
        self.picture = pg.ImageItem(axisOrder="row-major")
        self.overlay = pg.ImageItem(axisOrder="row-major")
        self.heat = pg.ImageItem(axisOrder="row-major")
        self.top.addItem(self.picture)
        self.top.addItem(self.overlay)
        self.bottom.addItem(self.heat)
        self.boxes = [p.plot([], []) for p in (self.top, self.bottom)]
        self.spans = [pg.LinearRegionItem(movable=False) for _ in range(2)]
        self.nows = [pg.InfiniteLine(angle=90, movable=False) for _ in range(2)]
        for plot, span, now in zip((self.top, self.bottom), self.spans, self.nows, strict=True):
            plot.addItem(span)
            plot.addItem(now)
        self.curves: list[pg.PlotDataItem] = []
        self.effect_curve = self.bottom.plot([], [])
        self.layer.currentTextChanged.connect(self._on_layer)
        self.channel.valueChanged.connect(self._on_channel)
        self.row.valueChanged.connect(self._on_place)
        self.col.valueChanged.connect(self._on_place)
        self.graphics.scene().sigMouseClicked.connect(self._on_click)
        self.row_label = text_label(wrap=False, text="row")
        self.col_label = text_label(wrap=False, text="column")
        bar = row_layout("Unit in", self.layer, "channel", self.channel,
                         self.row_label, self.row, self.col_label, self.col)
        self.finish_layout(bar, self.heading, self.note)

    def _plot(self, row: int) -> pg.PlotItem:
        return bare_plot(self.graphics.addPlot(row=row, col=0))

    # -- choices ---------------------------------------------------------------------------
    def _on_layer(self, text: str) -> None:
        if text:
            self.optionChanged.emit("rf_layer", text)

    def _on_channel(self, value: int) -> None:
        self.optionChanged.emit("rf_channel", int(value))

    def _on_place(self, _value: int) -> None:
        snap = self.latest
        if snap is None:
            return
        place = [self.row.value(), self.col.value()] if len(snap.map_size) == 2 \
            else [self.row.value()]
        self.optionChanged.emit("rf_position", place)

    def _on_click(self, event) -> None:
        """A click on the input picks the unit whose place on the map stands for it."""
        snap = self.latest
        if snap is None or not self.top.sceneBoundingRect().contains(event.scenePos()):
            return
        point = self.top.vb.mapSceneToView(event.scenePos())
        shape = np.shape(snap.effective)
        if len(shape) == 2:
            height, width = shape
            if not (0 <= point.y() < height and 0 <= point.x() < width):
                return
            place = [map_place(point.y(), height, snap.map_size[0]),
                     map_place(point.x(), width, snap.map_size[1])]
        else:
            if not 0 <= point.x() < shape[0]:
                return
            place = [map_place(point.x(), shape[0], snap.map_size[0])]
        for box, value in zip((self.row, self.col), place, strict=False):
            box.blockSignals(True)
            box.setValue(value)
            box.blockSignals(False)
        self.optionChanged.emit("rf_position", place)

    def _sync(self, snap: ReceptiveField) -> None:
        """The choosers show the snapshot's choices (without asking again)."""
        set_items(self.layer, list(snap.layers))
        self.layer.blockSignals(True)
        self.layer.setCurrentText(snap.layer)
        self.layer.blockSignals(False)
        image = len(snap.map_size) == 2
        self.row_label.setText("row" if image else "step")
        self.col.setVisible(image)
        self.col_label.setVisible(image)
        limits = [(self.channel, snap.channels - 1, snap.channel)]
        limits += [(box, n - 1, p) for box, n, p in zip((self.row, self.col), snap.map_size,
                                                         snap.position, strict=False)]
        for box, top, value in limits:
            box.blockSignals(True)
            box.setRange(0, max(int(top), 0))
            box.setValue(int(value))
            box.blockSignals(False)

    # -- drawing ---------------------------------------------------------------------------
    def draw(self, snap: ReceptiveField) -> None:
        effective = finite_floats(snap.effective)
        if not drawable(snap, effective):
            self.clear()
            set_text(self.heading, "Nothing to show: this picture has no input to draw.")
            return
        self._sync(snap)
        dark = int(self.dark)
        where = f"channel {snap.channel} at {', '.join(map(str, snap.position))}"
        set_text(self.heading, span_words(snap))
        how = "from the layers' kernels, strides and padding" if snap.from_layers \
            else "from where the gradient is not 0"
        label = f" (a {snap.label})" if snap.label else ""
        image = effective.ndim == 2
        set_text(self.note, f"{snap.layer}, {where}, on test example {snap.index}{label}. "
                 f"{'Box' if image else 'Shaded'}: every input position that can change this "
                 f"unit ({how}); red: how much a small change there moves it (|gradient|, the "
                 "effective field).")
        self._arrange(image)
        if image:
            self._draw_image(snap, effective, dark)
        else:
            self._draw_signal(snap, effective, dark)

    def _arrange(self, image: bool) -> None:
        """Pictures side by side (they are square), signals one above the other."""
        place = (0, 1) if image else (1, 0)
        if self._bottom_at != place:
            self.graphics.ci.removeItem(self.bottom)
            self.graphics.ci.addItem(self.bottom, row=place[0], col=place[1])
            self._bottom_at = place

    def _draw_image(self, snap: ReceptiveField, effective: np.ndarray, dark: int) -> None:
        picture = np.nan_to_num(finite_floats(snap.input), nan=0.0)
        picture = picture.mean(0) if picture.ndim == 3 else picture
        self.picture.setImage(picture, autoLevels=True)
        self.overlay.setImage(heat_rgba(effective, HEAT[dark]), levels=(0, 255))
        self.heat.setImage(np.nan_to_num(effective, nan=0.0), levels=(0.0, 1.0),
                           lut=pg.colormap.get("inferno").getLookupTable(nPts=256))
        (r0, r1), (c0, c1) = (tuple(int(v) for v in row) for row in snap.span)
        xs = [c0, c1 + 1, c1 + 1, c0, c0]
        ys = [r0, r0, r1 + 1, r1 + 1, r0]
        for box in self.boxes:
            box.setData(xs, ys, pen=pg.mkPen(BOX[dark], width=3))
        for item in (*self.spans, *self.nows, *self.curves, self.effect_curve):
            item.setVisible(False)
        for item in (self.picture, self.overlay, self.heat):
            item.setVisible(True)
        for plot in (self.top, self.bottom):
            plot.setLabel("bottom", "")
            plot.invertY(True)
            plot.setAspectLocked(True)
            plot.autoRange()
        set_title(self.top, f"What the unit sees — step {snap.step}", self.dark)
        set_title(self.bottom, "Effect of each pixel", self.dark)

    def _draw_signal(self, snap: ReceptiveField, effective: np.ndarray, dark: int) -> None:
        signal = np.atleast_2d(np.nan_to_num(finite_floats(snap.input), nan=0.0))  # (C, L)
        steps = np.arange(signal.shape[-1], dtype=np.float64)
        while len(self.curves) < len(signal):
            self.curves.append(self.top.plot([], []))
        cmap = pg.colormap.get("viridis")
        for k, curve in enumerate(self.curves):
            if k < len(signal):
                colour = SIGNAL[dark] if len(signal) == 1 else \
                    cmap.map(k / max(len(signal) - 1, 1), mode="qcolor")
                curve.setData(steps, signal[k], pen=pg.mkPen(colour, width=2))
            curve.setVisible(k < len(signal))
        self.effect_curve.setData(steps, np.nan_to_num(effective, nan=0.0),
                                  pen=pg.mkPen(HEAT[dark], width=2), fillLevel=0.0,
                                  brush=pg.mkBrush(*HEAT[dark], 90))
        lo, hi = (int(v) for v in snap.span[0])
        own = (snap.position[0] + 0.5) * signal.shape[-1] / max(snap.map_size[0], 1) - 0.5
        for span, now in zip(self.spans, self.nows, strict=True):
            span.setRegion((lo - 0.5, hi + 0.5))
            span.setBrush(pg.mkBrush(BOX[dark] + "40"))
            for line in span.lines:
                line.setPen(pg.mkPen(BOX[dark], width=2))
            now.setPos(own)
            now.setPen(pg.mkPen(colours(bool(dark))["text"], width=1, style=Qt.DashLine))
        for item in (*self.spans, *self.nows, self.effect_curve):
            item.setVisible(True)
        for item in (self.picture, self.overlay, self.heat, *self.boxes):
            item.setVisible(False)
        for plot in (self.top, self.bottom):
            plot.invertY(False)
            plot.setAspectLocked(False)
            plot.autoRange()
        for plot in (self.top, self.bottom):
            plot.setLabel("bottom", "step")
        set_title(self.top, f"The signal; shaded: what the unit sees — step {snap.step}",
                  self.dark)
        set_title(self.bottom, "How strongly each step moves the unit (dashed: its own step)",
                  self.dark)

    def clear(self) -> None:
        for item in (self.picture, self.overlay, self.heat):
            item.clear()
        for item in (*self.boxes, *self.curves, self.effect_curve):
            item.setData([], [])
        for item in (*self.spans, *self.nows):
            item.setVisible(False)
        set_title(self.top, "What one unit sees of the input", self.dark)
        set_title(self.bottom, "", self.dark)
        set_text(self.heading, WAITING)
        set_text(self.note, "")

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        for plot in (self.top, self.bottom):
            style_plot(plot, dark)
        if self.latest is not None:
            self.refresh()
