"""Attention maps: for one example, where each token of one attention block looks.

A row is a query (the token looking), a column a key (the token looked at); each row adds up
to 1. All heads side by side, their mean, or one head, with the tokens along both axes.
Cells a causal mask hides are hatched. One ImageItem per head shown, made again only when
the number of heads shown or the map's size changes.
"""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QPainterPath
from PySide6.QtWidgets import QGraphicsPathItem, QWidget

from mlsp_studio.snapshots.drawing import finite_floats
from mlsp_studio.snapshots.kinds import AttentionLayer, AttentionMaps

from .base import FONT_PT, PANELS, font, new_plot, rgba, set_text, style_plot
from .sequence_kit import (
    VIRIDIS,
    LatestPanel,
    TokenAxis,
    colour_bar,
    colours,
    heading_label,
    plural,
    set_items,
    style_bar,
    token_names,
    weight_levels,
)

MAX_HEADS_SHOWN = 16
MAX_TEXT = 150  # characters of the example's text shown (all of it in the tooltip)
ALL, MEAN = "all heads", "mean of the heads"
WAITING = "Attention maps — waiting for the first picture"


def layer_weights(layer: AttentionLayer) -> np.ndarray:
    """The layer's weights as (heads, Lq, Lk) floats; (0, 0, 0) when there is nothing."""
    w = finite_floats(layer.weights)
    if w.ndim == 2:
        w = w[None]
    return w if w.ndim == 3 and w.size else np.zeros((0, 0, 0))


def tile_grid(n: int, rows: int, cols: int, aspect: float = 1.4) -> int:
    """How many tiles of ``rows`` × ``cols`` cells to put side by side so that ``n`` of them
    fill a view of width/height ``aspect`` best."""
    best, best_scale = 1, 0.0
    for across in range(1, n + 1):
        down = math.ceil(n / across)
        width, height = across * cols * 1.15, down * rows * 1.3
        scale = min(aspect / width, 1.0 / height)
        if scale > best_scale * 1.0001:
            best, best_scale = across, scale
    return best


@PANELS.register
class AttentionPanel(LatestPanel):
    """Where each token looks in one example, head by head, layer by layer."""

    name = "attention"
    title = "Attention maps"
    kinds = frozenset({"attention"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_box = self.choice_box("Which attention block to show")
        self.head_box = self.choice_box("All heads side by side, their mean, or one head")
        bar = self.example_bar("Which test example the attention maps are shown for",
                               self.layer_box, self.head_box)
        self.text = heading_label(rich=False)
        self.plot = new_plot(self.graphics, 0, 0)
        self.plot.setAspectLocked(True)
        self.plot.setLabel("bottom", "looked at (key)")
        self.plot.setLabel("left", "looking (query)")
        self.bar = colour_bar(VIRIDIS, "attention weight")
        self.graphics.addItem(self.bar, row=0, col=1)
        self.keys = TokenAxis(self.plot.getAxis("bottom"), self.plot.vb)
        self.queries = TokenAxis(self.plot.getAxis("left"), self.plot.vb)
        self.images: list[pg.ImageItem] = []
        self.titles: list[pg.TextItem] = []
        self.mask_fill = QGraphicsPathItem()
        self.mask_hatch = QGraphicsPathItem()
        for z, item in ((5, self.mask_fill), (6, self.mask_hatch)):
            item.setZValue(z)
            item.setPen(pg.mkPen(None))
            self.plot.addItem(item)
        self._layout_key: tuple | None = None
        self._origins: list[tuple[float, float]] = []
        self._across = 1
        self.finish_layout(bar, self.text, self.heading)

    # --- drawing -----------------------------------------------------------------------------

    def draw(self, snap: AttentionMaps) -> None:
        self.example.sync(snap.index)
        text = f"Example {snap.index}: {snap.text}" if snap.text else f"Example {snap.index}"
        set_text(self.text, text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…")
        self.text.setVisible(True)
        self.text.setToolTip(text if len(text) > MAX_TEXT else "")
        labels = [f"{k + 1}. {layer.label}" for k, layer in enumerate(snap.layers)]
        set_items(self.layer_box, labels)
        self.layer_box.setVisible(bool(labels))
        step = f" — step {snap.step}"
        if not snap.layers:
            self._empty(f"Attention maps{step}: this model has no attention block to show")
            return
        layer = snap.layers[max(0, self.layer_box.currentIndex())]
        w = layer_weights(layer)
        heads = w.shape[0]
        choices = ([ALL, MEAN] if heads > 1 else []) + [f"head {h + 1}" for h in range(heads)]
        set_items(self.head_box, choices)
        self.head_box.setVisible(heads > 1)
        if not heads:
            self._empty(f"{layer.label}{step}: no attention weights in this picture")
            return
        choice = self.head_box.currentText()
        if choice == MEAN:
            shown, names = [np.nanmean(w, axis=0) if np.isfinite(w).any() else w[0]], [MEAN]
        elif choice.startswith("head "):
            h = min(int(choice.split()[1]) - 1, heads - 1)
            shown, names = [w[h]], [f"head {h + 1}"]
        else:
            n = min(heads, MAX_HEADS_SHOWN)
            shown, names = list(w[:n]), [f"head {h + 1}" for h in range(n)]
        lq, lk = w.shape[1:]
        causal = bool(layer.causal)
        self._build(len(shown), lq, lk, causal)
        queries = token_names(layer.query_tokens, lq, "q")
        keys = token_names(layer.key_tokens, lk, "k")
        across = self._across
        self.keys.set(keys, [self._origins[c][0] for c in range(min(across, len(shown)))])
        self.queries.set(queries, [self._origins[r * across][1]
                                   for r in range(math.ceil(len(shown) / across))])
        masked = np.triu(np.ones((lq, lk), dtype=bool), 1) if causal else None
        levels = weight_levels(np.stack(shown))
        for image, title, name, m, (x0, y0) in zip(self.images, self.titles, names, shown,
                                                   self._origins, strict=True):
            if masked is not None:
                m = np.where(masked, np.nan, m)
            image.setImage(m, autoLevels=False, levels=levels)
            image.setRect(QRectF(x0, y0, lk, lq))  # after setImage: it scales by the size
            title.setText(name if len(shown) > 1 else "")
        self.bar.setLevels(levels)
        self.bar.setVisible(True)
        what = "cross-attention" if layer.mode == "cross" else "self-attention"
        more = (f" (the first {len(shown)})" if choice == ALL and heads > len(shown) else "")
        words = [f"{layer.label}: {what}, {plural(heads, 'head')}{more}, "
                 f"{lq} quer{'ies' if lq != 1 else 'y'} × {plural(lk, 'key')}"]
        if causal and min(lq, lk - 1) > 0:
            words.append("hatched: hidden by the causal mask")
        blank = np.isnan(np.stack(shown))
        if (blank[:, ~masked] if masked is not None else blank).any():
            words.append("some weights are not a number (left blank)")
        self.heading_words = "; ".join(words)
        self.draw_step(snap)

    def draw_step(self, snap: AttentionMaps) -> None:
        if self._layout_key is not None and self.images:
            super().draw_step(snap)

    def _build(self, n: int, lq: int, lk: int, causal: bool) -> None:
        """Images, head titles and the mask outline for ``n`` maps of ``lq`` × ``lk``."""
        key = (n, lq, lk, causal)
        if key == self._layout_key:
            return
        self._drop_items()
        self._layout_key = key
        self._across = across = tile_grid(n, lq, lk)
        gap_x = 0.15 * lk if n > 1 else 0.0
        gap_y = 0.3 * lq if n > 1 else 0.0
        self._origins = [(c * (lk + gap_x), r * (lq + gap_y))
                         for r, c in (divmod(k, across) for k in range(n))]
        mask = QPainterPath()
        text_colour = colours(self.dark)["text"]
        for x0, y0 in self._origins:
            image = pg.ImageItem(axisOrder="row-major")
            image.setColorMap(VIRIDIS)
            self.plot.addItem(image)
            self.images.append(image)
            title = pg.TextItem("", color=text_colour, anchor=(0.5, 1.0))
            title.setFont(font(FONT_PT - 1, bold=True))
            title.setPos(x0 + lk / 2, y0)
            self.plot.addItem(title)
            self.titles.append(title)
            if causal:
                for i in range(min(lq, lk - 1)):
                    mask.addRect(x0 + i + 1, y0 + i, lk - i - 1, 1)
        self.mask_fill.setPath(mask)
        self.mask_hatch.setPath(mask)
        down = math.ceil(n / across)
        width = across * lk + (across - 1) * gap_x
        height = down * lq + (down - 1) * gap_y
        top = 0.9 * gap_y
        self.plot.setRange(xRange=(0, width), yRange=(-top, height), padding=0.02)

    def _drop_items(self) -> None:
        for item in (*self.images, *self.titles):
            self.plot.removeItem(item)
        self.images, self.titles = [], []
        self._origins, self._across = [], 1
        self.mask_fill.setPath(QPainterPath())
        self.mask_hatch.setPath(QPainterPath())
        self._layout_key = None

    def _empty(self, heading: str) -> None:
        self._drop_items()
        self.keys.clear()
        self.queries.clear()
        self.head_box.setVisible(False)
        self.bar.setVisible(False)
        set_text(self.heading, heading)

    def clear(self) -> None:
        self._empty(WAITING)
        set_items(self.layer_box, [])
        self.layer_box.setVisible(False)
        set_text(self.text, "")
        self.text.setVisible(False)

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        c = colours(dark)
        style_plot(self.plot, dark)
        style_bar(self.bar, dark)
        for title in self.titles:
            title.setColor(c["text"])
        grey = "#8a8a8a" if dark else "#9a9a9a"
        self.mask_fill.setBrush(QBrush(rgba(grey, 70)))
        self.mask_hatch.setBrush(QBrush(rgba(grey, 230), Qt.BDiagPattern))
