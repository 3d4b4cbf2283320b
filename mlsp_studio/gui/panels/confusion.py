"""Confusion matrix: counts in the cells, coloured by the share of each true class that the
model put in each predicted class (rows add up to 100 %)."""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QWidget

from mlsp_studio.snapshots.drawing import finite_floats
from mlsp_studio.snapshots.kinds import ConfusionMatrix

from .base import (
    PANELS,
    PlotPanel,
    font,
    new_plot,
    set_text,
    stack_layout,
    style_bar,
    text_label,
)

# matplotlib's "Blues", the colour scale of the report figure.
BLUES = ("#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5",
         "#08519c", "#08306b")
MAX_COUNTS_SHOWN = 15  # more classes than this: cells too small for readable numbers
SPLIT_WORDS = {"val": "validation", "train": "training", "train_eval": "training set"}


def short_names(class_names: tuple[str, ...], k: int) -> list[str]:
    given = class_names if len(class_names) >= k else ()
    return [(str(given[i])[:12] if given else str(i)) for i in range(k)]


@PANELS.register
class ConfusionPanel(PlotPanel):
    """Which classes the model mixes up: true class down, predicted class across."""

    name = "confusion"
    row = "top"
    title = "Confusion matrix"
    kinds = frozenset({"confusion"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.GraphicsLayoutWidget()
        self.plot = new_plot(self.graphics, 0, 0)  # row 0 at the top, as the matrix is written
        self.plot.setLabel("bottom", "predicted class")
        self.plot.setLabel("left", "true class")
        self.plot.setAspectLocked(True)
        self.colour_map = pg.ColorMap(np.linspace(0.0, 1.0, len(BLUES)), list(BLUES))
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.colour_bar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=self.colour_map,
                                          interactive=False, colorMapMenu=False, width=18,
                                          label="share of the true class")
        self.colour_bar.setImageItem(self.image, insert_in=self.plot)
        self.texts: list[list[pg.TextItem]] = []
        self._shape: tuple[int, int] = (0, 0)
        self._names: tuple = ()
        self.heading = text_label(12, centre=True)
        stack_layout(self, self.heading, (self.graphics, 1))
        self.set_dark(False)
        set_text(self.heading, "Confusion matrix — waiting for the first picture")

    def show_snapshot(self, snapshot: ConfusionMatrix) -> None:
        super().show_snapshot(snapshot)
        counts = np.nan_to_num(finite_floats(snapshot.matrix, ndim=2), nan=0.0)
        split_word = SPLIT_WORDS.get(snapshot.split, snapshot.split)
        heading = f"Confusion matrix ({split_word}) — step {snapshot.step}"
        if counts.size == 0:
            self.image.clear()
            self._layout_for((0, 0), snapshot.class_names)
            set_text(self.heading, heading + ": no predictions counted yet")
            return
        rows, cols = counts.shape
        row_sums = counts.sum(axis=1, keepdims=True)
        shares = np.divide(counts, row_sums, out=np.zeros_like(counts), where=row_sums > 0)
        self.image.setImage(shares, autoLevels=False, levels=(0.0, 1.0))
        self._layout_for((rows, cols), snapshot.class_names)
        for i, row in enumerate(self.texts):
            for j, text in enumerate(row):
                text.setText(f"{counts[i, j]:.0f}")
                text.setColor("#ffffff" if shares[i, j] > 0.55 else "#222222")
        total = counts.sum()
        if total > 0 and rows == cols:
            accuracy = 100.0 * np.trace(counts) / total
            heading += f": accuracy {accuracy:.1f}% on {total:.0f} examples"
        set_text(self.heading, heading)

    def _layout_for(self, shape: tuple[int, int], class_names: tuple[str, ...]) -> None:
        """Cell texts, ticks and view range: made again only when the matrix size changes."""
        if shape == self._shape and class_names == self._names:
            return
        rows, cols = shape
        if shape != self._shape:
            for row in self.texts:
                for text in row:
                    self.plot.removeItem(text)
            self.texts = []
            if rows and cols and max(rows, cols) <= MAX_COUNTS_SHOWN:
                size = 13 if max(shape) <= 4 else 11 if max(shape) <= 8 else 10
                for i in range(rows):
                    self.texts.append([])
                    for j in range(cols):
                        text = pg.TextItem("", anchor=(0.5, 0.5))
                        text.setFont(font(size))
                        text.setPos(j, i)
                        self.plot.addItem(text)
                        self.texts[i].append(text)
            self.image.setRect(QRectF(-0.5, -0.5, max(cols, 1), max(rows, 1)))
            self.plot.setRange(xRange=(-0.5, max(cols, 1) - 0.5),
                               yRange=(-0.5, max(rows, 1) - 0.5), padding=0.0)
        self._shape, self._names = shape, class_names
        for axis, k in (("bottom", cols), ("left", rows)):
            names = short_names(class_names, k)
            every = max(1, math.ceil(k / 20))
            self.plot.getAxis(axis).setTicks([[(i, names[i]) for i in range(0, k, every)], []])
            self.plot.getAxis(axis).setStyle(showValues=k > 0)

    def reset(self) -> None:
        super().reset()
        self.image.clear()
        for row in self.texts:
            for text in row:
                text.setText("")
        set_text(self.heading, "Confusion matrix — waiting for the first picture")

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        style_bar(self.colour_bar, dark)
