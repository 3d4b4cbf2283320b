"""Panels of the contrastive paradigms: the similarity matrix of two views (or of images and
signals), the learned codes in 2-D by class, and which signal each image retrieves.

Each panel creates its plot items once (an image, outlines as one path item, marks as one
scatter item) and updates them in place; tick labels name each row's and column's class.
"""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from ...gui.panels.base import (
    DARK,
    FONT_PT,
    LIGHT,
    PANELS,
    Panel,
    label_axes,
    new_plot,
    row_layout,
    set_text,
    stack_layout,
    style_bar,
    style_plot,
    text_label,
    variance_axes,
)
from ...gui.panels.points_kit import ClassPointsPanel
from ...snapshots.drawing import finite_floats
from . import snapshots as contrastive

# matplotlib's RdBu reversed, the report figures' scale: −1 blue, 0 white, 1 red
RED_BLUE = ("#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fddbc7",
            "#f4a582", "#d6604d", "#b2182b", "#67001f")
SIMILARITY_MAP = pg.ColorMap(np.linspace(0.0, 1.0, len(RED_BLUE)), list(RED_BLUE))
RIGHT, WRONG = "#1a9850", "#d73027"
PAIR_OUTLINE = "#111111"
OPTION = "contrastive_draw"


def _heading() -> QLabel:
    return text_label(FONT_PT + 1, rich=False, centre=True)


def squares(cells: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """x and y of the outlines of the cells (row, column), NaN between squares."""
    xs, ys = [], []
    for i, j in cells:
        xs += [j - 0.5, j + 0.5, j + 0.5, j - 0.5, j - 0.5, np.nan]
        ys += [i - 0.5, i - 0.5, i + 0.5, i + 0.5, i - 0.5, np.nan]
    return np.array(xs, dtype=float), np.array(ys, dtype=float)


class MatrixView:
    """A similarity matrix in a plot: the image from −1 to 1 with its colour bar, class
    names on both axes, and outlines of chosen cells (one path item per outline colour)."""

    def __init__(self, outline_colours: tuple[str, ...]) -> None:
        self.graphics = pg.GraphicsLayoutWidget()
        self.plot = new_plot(self.graphics, 0, 0)  # row 0 at the top, as a matrix is written
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.colour_bar = pg.ColorBarItem(values=(-1.0, 1.0), colorMap=SIMILARITY_MAP,
                                          interactive=False, colorMapMenu=False, width=16,
                                          label="cosine similarity")
        self.colour_bar.setImageItem(self.image, insert_in=self.plot)
        self.outlines = []
        self.colours = outline_colours
        for colour in outline_colours:
            item = pg.PlotDataItem(pen=pg.mkPen(colour, width=2), connect="finite")
            item.setZValue(5)
            self.plot.addItem(item)
            self.outlines.append(item)
        self._key: tuple = ()

    def show(self, m: np.ndarray, rows: list[str], cols: list[str], titles: tuple[str, str]
             ) -> None:
        if m.size == 0:
            self.image.clear()
        else:
            self.image.setImage(m, autoLevels=False, levels=(-1.0, 1.0))
        key = (m.shape, tuple(rows), tuple(cols), titles)
        if key == self._key:
            return
        self._key = key
        n_rows, n_cols = m.shape
        self.image.setRect(QRectF(-0.5, -0.5, max(n_cols, 1), max(n_rows, 1)))
        self.plot.setRange(xRange=(-0.5, max(n_cols, 1) - 0.5),
                           yRange=(-0.5, max(n_rows, 1) - 0.5), padding=0.0)
        for axis, names in (("bottom", cols), ("left", rows)):
            every = max(1, math.ceil(len(names) / 24))
            ticks = [(i, names[i]) for i in range(0, len(names), every)]
            self.plot.getAxis(axis).setTicks([ticks, []])
            self.plot.getAxis(axis).setStyle(showValues=bool(names))
        self.plot.setLabel("bottom", f"{titles[1]} (its class)")
        self.plot.setLabel("left", f"{titles[0]} (its class)")

    def outline(self, which: int, cells: list[tuple[int, int]]) -> None:
        self.outlines[which].setData(*squares(cells))

    def set_dark(self, dark: bool) -> None:
        self.graphics.setBackground((DARK if dark else LIGHT)["background"])
        style_plot(self.plot, dark)
        style_bar(self.colour_bar, dark)
        for item, colour in zip(self.outlines, self.colours, strict=True):
            if colour == PAIR_OUTLINE:  # black disappears on the dark theme's dark reds
                item.setPen(pg.mkPen("#f2f2f2" if dark else colour, width=2))


class _MatrixPanel(Panel):
    """A heading, a matrix view and a button asking for other test examples."""

    waiting = ""

    def __init__(self, outline_colours: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = MatrixView(outline_colours)
        self.heading = _heading()
        self.note = text_label(FONT_PT - 1, rich=False)
        self.other = QPushButton("Other examples")
        self.other.setToolTip("Draw other test examples for this picture")
        self.other.clicked.connect(self._on_other)
        self._draws = 0
        stack_layout(self, self.heading, (self.view.graphics, 1),
                     row_layout((self.note, 1), self.other, stretch=False), margin=4)
        self.set_dark(False)
        set_text(self.heading, self.waiting)

    def _on_other(self) -> None:
        self._draws += 1
        self.optionChanged.emit(OPTION, self._draws)

    def reset(self) -> None:
        super().reset()
        self.view.image.clear()
        for which in range(len(self.view.outlines)):
            self.view.outline(which, [])
        set_text(self.heading, self.waiting)  # the note beside the button stays

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        self.view.set_dark(dark)


@PANELS.register
class SimilarityPanel(_MatrixPanel):
    """How alike the codes of two views (or of an image and its signal) are: the diagonal
    holds the true pairs, which the loss pulls together."""

    name = "similarity"
    title = "Similarity matrix"
    kinds = frozenset({"similarity"})
    waiting = "Similarity matrix — waiting for the first picture"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__((PAIR_OUTLINE,), parent)
        set_text(self.note, "Outlined: the true pairs. Red: alike, blue: opposite.")

    def show_snapshot(self, snapshot: contrastive.SimilarityMatrix) -> None:
        super().show_snapshot(snapshot)
        m = contrastive.clean_matrix(snapshot.matrix)
        rows, cols = m.shape
        row_names = [contrastive.class_name(snapshot.class_names, int(k))
                     for k in contrastive.clean_labels(snapshot.row_labels, rows)]
        col_names = [contrastive.class_name(snapshot.class_names, int(k))
                     for k in contrastive.clean_labels(snapshot.col_labels, cols)]
        self.view.show(m, row_names, col_names, (snapshot.row_title, snapshot.col_title))
        self.view.outline(0, [(i, i) for i in range(min(rows, cols))])
        heading = f"Similarity of {snapshot.row_title}s and {snapshot.col_title}s — step " \
                  f"{snapshot.step}"
        if m.size == 0:
            heading += ": nothing to show yet"
        else:
            diagonal = np.diagonal(m)
            off = m[~np.eye(rows, cols, dtype=bool)]
            if np.isfinite(diagonal).any() and np.isfinite(off).any():
                heading += (f" · pairs {np.nanmean(diagonal):.2f} on average, others "
                            f"{np.nanmean(off):.2f}")
        set_text(self.heading, heading)


@PANELS.register
class RetrievalPanel(_MatrixPanel):
    """Which signal each query image finds: its row's most similar signal is outlined,
    green when that signal says the image's digit, red when it says another."""

    name = "retrieval"
    title = "Retrieval"
    kinds = frozenset({"retrieval"})
    waiting = "Retrieval — waiting for the first picture"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__((RIGHT, WRONG), parent)
        set_text(self.note, "Each image's best signal is outlined: green the right digit, "
                             "red a wrong one.")

    def show_snapshot(self, snapshot: contrastive.Retrieval) -> None:
        super().show_snapshot(snapshot)
        m, q, g, best, right = contrastive.retrieval_picture(snapshot)
        names = snapshot.class_names
        self.view.show(m, [contrastive.class_name(names, int(k)) for k in q],
                       [contrastive.class_name(names, int(k)) for k in g],
                       ("query image", "signal"))
        found = [(i, int(b)) for i, b in enumerate(best) if b >= 0]
        self.view.outline(0, [(i, b) for i, b in found if right[i]])
        self.view.outline(1, [(i, b) for i, b in found if not right[i]])
        heading = f"Retrieval — step {snapshot.step}"
        if m.size == 0:
            heading += ": nothing to show yet"
        else:
            heading += f" · {int(right.sum())} of {len(best)} images shown find their digit"
            if math.isfinite(snapshot.top1):
                heading += f"; {100 * snapshot.top1:.1f}% of the whole test set"
        set_text(self.heading, heading)


@PANELS.register
class ContrastiveEmbeddingPanel(ClassPointsPanel):
    """The learned codes of the test set on their two main axes, coloured by class: the
    training never saw the classes, so clusters show what it found by itself."""

    name = "contrastive_embedding"
    title = "Learned codes"
    kinds = frozenset({"contrastive_embedding"})
    classes_word = "Class (not used in training): "
    WAITING = "Learned codes — waiting for the first picture"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        stack_layout(self, self.heading, self.legend, (self.graphics, 1), margin=4)
        self.set_dark(False)
        set_text(self.heading, self.WAITING)

    def show_snapshot(self, snapshot: contrastive.ContrastiveEmbedding) -> None:
        super().show_snapshot(snapshot)
        points = finite_floats(snapshot.points)
        points = points[:, :2] if points.ndim == 2 and points.shape[1] >= 2 \
            else np.zeros((0, 2))
        labels = contrastive.clean_labels(snapshot.labels, len(points))
        idx = np.flatnonzero(np.isfinite(points).all(axis=1))
        self.show_points(points[idx], labels[idx])
        self.name_classes((k, contrastive.class_name(snapshot.class_names, k))
                          for k in sorted({int(k) for k in labels[idx]}))
        label_axes(self.plot, *variance_axes(snapshot.explained))
        heading = f"Learned codes of the test set — step {snapshot.step}"
        if not len(idx):
            heading += ": none to show yet"
        elif math.isfinite(snapshot.probe_accuracy):
            heading += f" · {snapshot.probe_label} {100 * snapshot.probe_accuracy:.1f}%"
        set_text(self.heading, heading)
        if snapshot.label:
            self.heading.setToolTip(f"{snapshot.label}, on their two main axes (PCA); the "
                                    "colours are the classes, never used in training")

    def reset(self) -> None:
        super().reset()
        self.clear_points()
        set_text(self.heading, self.WAITING)
