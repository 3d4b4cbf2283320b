"""Seq2seq alignment: where in the source the decoder looked while it wrote each token.

Source tokens run along the bottom, the tokens the model wrote down the left, the tokens it
should have written down the right; rows where the two differ are outlined in red, and the
line above the picture shows both, the wrong tokens marked.
"""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import QGraphicsPathItem, QWidget

from ...gui.panels.base import FONT_PT, PANELS, new_plot, set_text, style_plot
from ...gui.panels.sequence_kit import (
    RIGHT,
    VIRIDIS,
    WRONG,
    LatestPanel,
    TokenAxis,
    colour_bar,
    coloured_tokens,
    heading_label,
    matrix,
    style_bar,
    token_names,
    token_text,
    weight_levels,
)
from .snapshots import Alignment

WAITING = "Alignment — waiting for the first picture"


def wrong_positions(output: tuple[str, ...], target: tuple[str, ...]) -> list[bool]:
    """For each output token, whether it differs from the target at the same place."""
    return [i >= len(target) or str(o) != str(target[i]) for i, o in enumerate(output)]


@PANELS.register
class AlignmentPanel(LatestPanel):
    """Which source token the decoder attended to for each token it wrote."""

    name = "alignment"
    title = "Seq2seq alignment"
    kinds = frozenset({"alignment"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        bar = self.example_bar("Which test example the alignment is shown for")
        self.words = heading_label(FONT_PT + 1, rich=True)
        self.plot = new_plot(self.graphics, 0, 0)
        self.plot.showAxis("right")
        self.plot.setLabel("bottom", "source (what the encoder read)")
        self.plot.setLabel("left", "model wrote")
        self.plot.setLabel("right", "should be")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(VIRIDIS)
        self.plot.addItem(self.image)
        self.outline = QGraphicsPathItem()
        self.outline.setZValue(5)
        self.plot.addItem(self.outline)
        self.bar = colour_bar(VIRIDIS, "attention weight")
        self.graphics.addItem(self.bar, row=0, col=1)
        self.source = TokenAxis(self.plot.getAxis("bottom"), self.plot.vb)
        self.output = TokenAxis(self.plot.getAxis("left"), self.plot.vb)
        self.target = TokenAxis(self.plot.getAxis("right"), self.plot.vb)
        self._shape: tuple[int, int] | None = None
        self._wrong: tuple[bool, ...] = ()
        self.finish_layout(bar, self.words, self.heading)

    def draw(self, snap: Alignment) -> None:
        self.example.sync(snap.index)
        w = matrix(snap.weights)
        output, target = tuple(snap.output_tokens), tuple(snap.target_tokens)
        wrong = wrong_positions(output, target)
        self._show_words(output, target, wrong)
        if not w.size:
            self._empty()
            self.heading_words = f"Alignment of example {snap.index}: no attention weights yet"
            self.draw_step(snap)
            return
        rows, cols = w.shape
        self._set_shape(rows, cols)
        levels = weight_levels(w)
        self.image.setImage(w, autoLevels=False, levels=levels)
        self.image.setRect(QRectF(0, 0, cols, rows))
        self.bar.setLevels(levels)
        self.bar.setVisible(True)
        self.source.set(token_names(snap.source_tokens, cols, "s"))
        self.output.set(token_names(output, rows, "o"))
        targets = [token_text(t) for t in target[:rows]]
        self.target.set(targets + [""] * (rows - len(targets)))
        row_wrong = tuple(wrong[:rows]) if len(output) >= rows else ()
        if row_wrong != self._wrong:
            self._wrong = row_wrong
            path = QPainterPath()
            for i, bad in enumerate(row_wrong):
                if bad:
                    path.addRect(0.04, i + 0.04, cols - 0.08, 0.92)
            self.outline.setPath(path)
        n_wrong = sum(wrong)
        verdict = ("all right" if output and not n_wrong and len(output) == len(target)
                   else f"{n_wrong} of {len(output)} wrong" if output else "nothing written")
        if len(output) != len(target) and output:
            verdict += f", {len(output)} tokens written, {len(target)} expected"
        label = f" ({snap.label})" if snap.label else ""
        self.heading_words = (f"Example {snap.index}{label}: {rows} written × {cols} source "
                              f"tokens; {verdict} (red outline: wrong token)")
        if not np.isfinite(w).any():
            self.heading_words += "; the weights are not numbers"
        self.draw_step(snap)

    def _show_words(self, output: tuple[str, ...], target: tuple[str, ...],
                    wrong: list[bool]) -> None:
        right = RIGHT[self.dark]
        mark = (f"<span style='color:{right}'>✓</span>" if output and not any(wrong)
                and len(output) == len(target) else "")
        wrote = coloured_tokens(output, wrong, self.dark) or "<i>nothing</i>"
        should = html.escape(" ".join(token_text(t, 16) for t in target[:60]))
        set_text(self.words, f"Model wrote: {wrote} {mark}<br>Should be: {should}")
        self.words.setVisible(bool(output or target))

    def _set_shape(self, rows: int, cols: int) -> None:
        if (rows, cols) == self._shape:
            return
        self._shape = (rows, cols)
        self.plot.setRange(xRange=(0, cols), yRange=(0, rows), padding=0.02)

    def _empty(self) -> None:
        self.image.clear()
        self.bar.setVisible(False)
        self.outline.setPath(QPainterPath())
        self._wrong = ()
        self._shape = None
        for axis in (self.source, self.output, self.target):
            axis.clear()

    def clear(self) -> None:
        self._empty()
        set_text(self.words, "")
        self.words.setVisible(False)
        set_text(self.heading, WAITING)
        self.heading_words = ""

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        style_plot(self.plot, dark, axes=("left", "bottom", "right"))
        style_bar(self.bar, dark)
        self.outline.setPen(pg.mkPen(WRONG[dark], width=3))
        if self.latest is not None:
            self.refresh()
