"""Feature maps of one chosen example, layer by layer, and the first layer's learned kernels.

A layer is one view with one mosaic ImageItem, a cell per channel (1-D signals: curves), so an
update renders a picture per layer, not per channel: little GUI-thread time, which a training
thread waits on for the GIL. Items are made again only when the shape of what is shown changes.
"""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsPathItem,
    QScrollArea,
    QSpinBox,
    QWidget,
)

from mlsp_studio.snapshots.drawing import as_channels, class_colour, finite_floats, input_kind
from mlsp_studio.snapshots.kinds import FeatureMaps, Kernels

from .base import (
    DARK,
    FONT_PT,
    LIGHT,
    PANELS,
    Panel,
    finite_range,
    picture_view,
    row_layout,
    stack_layout,
    text_label,
)
from .base import font as qfont

MAX_CHANNELS = 16
MAX_LAYER_ROWS = 8
# matplotlib's "RdBu_r": blue for negative weights, white for zero, red for positive.
RED_BLUE = ("#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fddbc7",
            "#f4a582", "#d6604d", "#b2182b", "#67001f")
VIRIDIS = pg.colormap.get("viridis").getLookupTable(nPts=256)
DIVERGING = pg.ColorMap(np.linspace(0, 1, 11), list(RED_BLUE)).getLookupTable(nPts=256)
GREY = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)


def nan_note(a: np.ndarray) -> str:
    return " — some values are not a number (left blank)" if np.isnan(a).any() else ""


class Tiles:
    """``n`` small pictures in a grid inside one view: the cells of one mosaic ImageItem, or a few
    curves each (scaled into their cell). Cells are ``width`` × ``height`` view units: for a
    picture, its size in pixels, with a whole number of transparent (NaN) pixels between cells."""

    def __init__(self, view: pg.ViewBox, n: int, cols: int, width: float, height: float,
                 lines: int = 0, lut: np.ndarray | None = None) -> None:
        self.width, self.height = width, height
        cols = max(1, min(n, cols))
        gap = 0.12 * max(width, height) if lines else max(1, round(0.12 * max(width, height)))
        self.origins = [(c * (width + gap), r * (height + gap))
                        for r, c in (divmod(k, cols) for k in range(n))]
        self.size = (math.ceil(n / cols) * (height + gap) - gap, cols * (width + gap) - gap)
        frames = QPainterPath()  # one item for all the frames: one paint call, not n
        for x0, y0 in self.origins:
            frames.addRect(x0, y0, width, height)
        frame = QGraphicsPathItem(frames)
        frame.setPen(pg.mkPen("#999999", width=0))
        frame.setZValue(2)
        self.curves = [[pg.PlotCurveItem(pen=pg.mkPen(class_colour(j + 1), width=1.5),
                                         connect="finite") for j in range(lines)]
                       for _ in range(n if lines else 0)]
        self.images = [] if lines else [pg.ImageItem(axisOrder="row-major", lut=lut)]
        self.mosaic: np.ndarray | None = None  # what images[0] shows: 0..1 in cells, NaN between
        for item in [frame, *self.images, *(c for cell in self.curves for c in cell)]:
            view.addItem(item)
        view.setRange(xRange=(-gap / 2, self.size[1] + gap / 2),
                      yRange=(-gap / 2, self.size[0] + gap / 2), padding=0.0)

    def set_image(self, k: int, image: np.ndarray, levels: tuple[float, float]) -> None:
        """Write ``image`` (``height`` × ``width``, or × 3 for colour) into cell ``k``, scaled so
        ``levels`` span 0..1; it shows at the next :meth:`flush`."""
        if self.mosaic is None or self.mosaic.shape[2:] != image.shape[2:]:
            self.mosaic = np.full(self.size + image.shape[2:], np.nan, dtype=np.float32)
        x0, y0 = self.origins[k]
        cell = self.mosaic[y0:y0 + image.shape[0], x0:x0 + image.shape[1]]
        np.subtract(image, levels[0], out=cell, casting="same_kind")
        cell *= 1.0 / (levels[1] - levels[0])

    def flush(self) -> None:
        """Show what :meth:`set_image` wrote: one render for all the cells."""
        if self.images and self.mosaic is not None:
            self.images[0].setImage(self.mosaic, autoLevels=False, levels=(0.0, 1.0))

    def set_lines(self, k: int, lines: np.ndarray, levels: tuple[float, float]) -> None:
        """Draw each row of ``lines`` in cell ``k``, ``levels`` spanning the cell's height."""
        x0, y0 = self.origins[k]
        lo, hi = levels
        for curve, line in zip(self.curves[k], lines, strict=False):
            t = np.linspace(x0, x0 + self.width, line.size) if line.size > 1 else np.full(1, x0)
            # the view's y axis points down (images read top to bottom), so high is small y
            curve.setData(t, y0 + self.height * (0.95 - 0.9 * (line - lo) / (hi - lo)))


MAP_ROW_PX = 30      # the least height of one layer's row of maps
LABEL_ROW_PX = 18
KERNEL_ROW_PX = 60


@PANELS.register
class FeatureMapsPanel(Panel):
    """What the convolution layers see in one example, and the filters the first one learned."""

    name = "features"
    title = "Feature maps and kernels"
    kinds = frozenset({"feature_maps", "kernels"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.example = QSpinBox()
        self.example.setRange(0, 1_000_000)
        self.example.setFont(qfont())
        self.example.setToolTip("Which example of the data set the feature maps are shown for")
        self.example.valueChanged.connect(self._on_example_changed)
        self.maps_heading = text_label(bold=True)
        self.kernels_heading = text_label(bold=True)
        self.maps = pg.GraphicsLayoutWidget()
        self.kernels = pg.GraphicsLayoutWidget()
        for graphics in (self.maps, self.kernels):
            graphics.ci.setContentsMargins(2, 2, 2, 2)
            graphics.ci.setSpacing(2)
        # Each layer's row keeps a readable height; when they do not all fit, the panel
        # scrolls rather than squeezing the maps to a line.
        content = QWidget()
        stack_layout(content, self.maps_heading, (self.maps, 3), self.kernels_heading,
                     (self.kernels, 2), margin=0)
        self.kernels.setMinimumHeight(KERNEL_ROW_PX)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setWidget(content)
        stack_layout(self, row_layout("Example #", self.example), (scroll, 1))
        self._maps_key: tuple | None = None
        self._kernels_key: tuple | None = None
        self.map_tiles: list[Tiles] = []
        self.map_labels: list[pg.LabelItem] = []
        self.kernel_tiles: Tiles | None = None
        self.set_dark(False)
        self.reset()

    # --- the Panel contract ------------------------------------------------------------------

    def show_snapshot(self, snapshot: FeatureMaps | Kernels) -> None:
        super().show_snapshot(snapshot)
        if snapshot.kind == "kernels":
            self._show_kernels(snapshot)
        elif snapshot.kind == "feature_maps":
            self._show_maps(snapshot)

    def reset(self) -> None:
        super().reset()
        self.maps.ci.clear()
        self.kernels.ci.clear()
        self.map_tiles, self.map_labels, self.kernel_tiles = [], [], None
        self._maps_key = self._kernels_key = None
        self.maps.hide()
        self.kernels.hide()
        self.maps_heading.setText("Feature maps — waiting for the first picture")
        self.kernels_heading.setText("Kernels — waiting for the first picture")

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        colours = DARK if dark else LIGHT
        for graphics in (self.maps, self.kernels):
            graphics.setBackground(colours["background"])
        for label in self.map_labels:
            label.setText(label.text, size=f"{FONT_PT - 1}pt", color=colours["text"])

    def _on_example_changed(self, value: int) -> None:
        self.optionChanged.emit("feature_index", int(value))

    # --- feature maps ------------------------------------------------------------------------

    def _show_maps(self, snap: FeatureMaps) -> None:
        layers = [(str(name), as_channels(finite_floats(a)))
                  for name, a in snap.layers[:MAX_LAYER_ROWS]]
        layers = [(name, a) for name, a in layers if a.size]
        x = finite_floats(snap.input)
        kind, shown = input_kind(x) if x.size else ("none", x)
        key = (kind, shown.shape if kind != "signal" else min(shown.shape[0], 8),
               tuple((min(a.shape[0], MAX_CHANNELS), a.shape[1:] if a.ndim == 3 else ())
                     for _, a in layers))
        if key != self._maps_key:
            self._build_maps(kind, shown, layers)
            self._maps_key = key
        texts: list[str] = []
        if kind != "none":
            size = (f"{shown.shape[0]} × length {shown.shape[1]}" if kind == "signal"
                    else f"{shown.shape[0]}×{shown.shape[1]}" + (" colour" if kind == "rgb"
                                                                 else ""))
            texts.append(f"input ({size}){nan_note(shown)}")
            tiles = self.map_tiles[0]
            if kind == "signal":
                tiles.set_lines(0, shown[:8], finite_range(shown[:8]))
            elif kind == "rgb":
                lo, hi = finite_range(shown)
                tiles.set_image(0, np.nan_to_num((shown - lo) / (hi - lo)), (0.0, 1.0))
            else:
                tiles.set_image(0, shown, finite_range(shown))
            tiles.flush()
        for (name, a), tiles in zip(layers, self.map_tiles[1 if kind != "none" else 0:],
                                    strict=True):
            n = min(a.shape[0], MAX_CHANNELS)
            count = (f"{a.shape[0]} channel" + ("" if a.shape[0] == 1 else "s")
                     if n == a.shape[0] else f"first {n} of {a.shape[0]} channels")
            size = f"{a.shape[1]}×{a.shape[2]}" if a.ndim == 3 else f"length {a.shape[1]}"
            texts.append(f"{name} — {count}, {size}{nan_note(a)}")
            for c in range(n):
                if a.ndim == 3:
                    tiles.set_image(c, a[c], finite_range(a[c]))
                else:
                    tiles.set_lines(c, a[c:c + 1], finite_range(a[c]))
            tiles.flush()
        colour = (DARK if self.dark else LIGHT)["text"]
        for label, text in zip(self.map_labels, texts, strict=True):
            if label.text != text:
                label.setText(text, size=f"{FONT_PT - 1}pt", color=colour)
        heading = f"Feature maps of example {snap.index}"
        if snap.label:
            heading += f" ({snap.label})"
        heading += f" — step {snap.step}"
        if not texts:
            heading += ": nothing to show (this model has no convolution-like layers?)"
        self.maps_heading.setText(heading)

    def _build_maps(self, kind: str, shown: np.ndarray,
                    layers: list[tuple[str, np.ndarray]]) -> None:
        """Make the label and tile rows for this input kind and these layer shapes."""
        self.maps.ci.clear()
        self.map_tiles, self.map_labels = [], []
        colour = (DARK if self.dark else LIGHT)["text"]
        layout = self.maps.ci
        row, col = 0, 0
        if kind != "none":
            view = picture_view()
            self.map_labels.append(layout.addLabel("", row=0, col=0, justify="left",
                                                   color=colour))
            if kind == "signal":  # a long curve: a row of its own across the top
                lines = min(shown.shape[0], 8)
                self.map_tiles.append(Tiles(view, 1, 1, 8.0, 1.0, lines=lines))
                layout.addItem(view, row=1, col=0)
                row = 2
            else:  # a picture: a column of its own on the left, as tall as the layers
                lut = None if kind == "rgb" else GREY
                self.map_tiles.append(Tiles(view, 1, 1, shown.shape[1], shown.shape[0],
                                            lut=lut))
                layout.addItem(view, row=1, col=0, rowspan=max(1, 2 * len(layers) - 1))
                layout.layout.setColumnStretchFactor(0, 1)
                layout.layout.setColumnStretchFactor(1, 3)
                col = 1
        for r, (_, a) in enumerate(layers):
            view = picture_view()
            n = min(a.shape[0], MAX_CHANNELS)
            if a.ndim == 3:
                self.map_tiles.append(Tiles(view, n, n, a.shape[2], a.shape[1], lut=VIRIDIS))
            else:
                self.map_tiles.append(Tiles(view, n, n, 2.0, 1.0, lines=1))
            self.map_labels.append(layout.addLabel("", row=row + 2 * r, col=col,
                                                   justify="left", color=colour))
            layout.addItem(view, row=row + 2 * r + 1, col=col)
        total = 0
        for r in range(row + 2 * len(layers)):
            layout.layout.setRowStretchFactor(r, r % 2)  # labels keep their height
            height = MAP_ROW_PX if r % 2 else LABEL_ROW_PX
            layout.layout.setRowMinimumHeight(r, height)
            total += height + 2
        self.maps.setMinimumHeight(total + 8)
        self.maps.setVisible(bool(self.map_tiles))

    # --- kernels -----------------------------------------------------------------------------

    def _show_kernels(self, snap: Kernels) -> None:
        step = f" — step {snap.step}"
        if not snap.layers:
            self._build_kernels(None)
            self.kernels_heading.setText(f"Kernels: no convolution weights to show{step}")
            return
        name, weight = snap.layers[0]
        w = finite_floats(weight)
        more = f" (first of {len(snap.layers)} layers)" if len(snap.layers) > 1 else ""
        levels = finite_range(w, symmetric=True)
        if w.size == 0:
            self._build_kernels(None)
            self.kernels_heading.setText(f"Kernels of {name}: this layer has no weights{step}")
            return
        if w.ndim >= 4:
            w = w.reshape(w.shape[0], -1, *w.shape[-2:])
            out_ch, in_ch, kh, kw = w.shape
            if in_ch == 1:
                n = min(out_ch, 64)
                cells = [w[k, 0] for k in range(n)]
                key = ("grid", n, min(n, 16), kh, kw)
                what = f"{out_ch} filter{'s' if out_ch > 1 else ''} of {kh}×{kw}"
            else:
                rows, cols = min(out_ch, 8), min(in_ch, 8)
                cells = [w[i, j] for i in range(rows) for j in range(cols)]
                key = ("grid", rows * cols, cols, kh, kw)
                what = (f"{out_ch} filters of {kh}×{kw} on {in_ch} inputs "
                        f"(a row per filter, a column per input channel)")
        elif w.ndim == 3:
            out_ch, in_ch, k = w.shape
            n = min(out_ch, 32)
            cells = [w[i, :8] for i in range(n)]
            key = ("lines", n, min(n, 16), min(in_ch, 8))
            what = f"{out_ch} filter{'s' if out_ch > 1 else ''} of length {k}"
        else:
            cells = [w.reshape(-1, 1) if w.ndim < 2 else w]
            key = ("grid", 1, 1, *cells[0].shape)
            what = f"weights from {cells[0].shape[1]} inputs to {cells[0].shape[0]} outputs"
        self._build_kernels(key)
        for k, cell in enumerate(cells):
            if key[0] == "lines":
                self.kernel_tiles.set_lines(k, cell, (levels[0] * 1.1, levels[1] * 1.1))
            else:
                self.kernel_tiles.set_image(k, cell, levels)
        self.kernel_tiles.flush()
        self.kernels_heading.setText(
            f"Kernels of {name}{more}: {what}{step}\n"
            f"red: positive weight, blue: negative, white: zero (largest ±{levels[1]:.3g})"
            f"{nan_note(w)}")

    def _build_kernels(self, key: tuple | None) -> None:
        if key == self._kernels_key:
            return
        self.kernels.ci.clear()
        self.kernel_tiles = None
        self._kernels_key = key
        self.kernels.setVisible(key is not None)
        if key is None:
            return
        view = picture_view()
        if key[0] == "lines":
            _, n, cols, lines = key
            self.kernel_tiles = Tiles(view, n, cols, 2.0, 1.0, lines=lines)
        else:
            _, n, cols, kh, kw = key
            self.kernel_tiles = Tiles(view, n, cols, kw, kh, lut=DIVERGING)
        self.kernels.ci.addItem(view, row=0, col=0)
