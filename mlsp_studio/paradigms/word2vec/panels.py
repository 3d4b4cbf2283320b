"""Embedding projector: the learned word vectors in the plane of their two main directions,
coloured by word group, with the nearest neighbours of a chosen word beside the plot.

One scatter item holds every word and is updated in place as training moves the vectors;
one more item paints all the word labels (up to ``MAX_LABELS`` words; with more, only the
chosen word and its neighbours, and any word when the pointer is over it).
"""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QStringListModel, Qt
from PySide6.QtGui import QColor, QPainter, QStaticText
from PySide6.QtWidgets import (
    QCompleter,
    QVBoxLayout,
    QWidget,
)

from mlsp_studio.snapshots.drawing import UNKNOWN_CLASS, class_colour, finite_floats

from ...gui.panels.base import (
    FONT_PT,
    PANELS,
    PlotPanel,
    bare_plot,
    dot_legend,
    font,
    label_axes,
    row_layout,
    set_text,
    stack_layout,
    text_label,
    variance_axes,
)
from ...gui.panels.text_bits import (
    BarList,
    colours,
    escape,
    line_box,
    offer_text,
    visible_token,
)
from .snapshots import Embeddings

MAX_LABELS = 150
MAX_GROUPS_LISTED = 12
QUERY_BRUSH = "#ffd400"


class WordLabels(pg.GraphicsObject):
    """Every word label in one item, painted in one call at a fixed size on screen.

    A text item per word costs a layout and a paint call each; with a hundred words that is
    most of a frame. Here each label's text is laid out once (``QStaticText``) and only its
    place changes when the vectors move."""

    GAP_PX = 8  # from a point's centre to its label; bold labels sit past a ring

    def __init__(self) -> None:
        super().__init__()
        self.xy = np.zeros((0, 2))
        self.texts: list[str] = []
        self.bold = np.zeros(0, dtype=bool)
        self.colour = QColor("#222222")
        self.fonts = (font(FONT_PT - 2), font(FONT_PT - 1, bold=True))
        self._static: dict[tuple[str, bool], QStaticText] = {}
        self._rect = QRectF()

    def set_labels(self, xy: np.ndarray, texts: list[str], bold: np.ndarray) -> None:
        """Put ``texts[i]`` at ``xy[i]`` (data coordinates), bold where ``bold[i]``."""
        self.prepareGeometryChange()
        self.xy, self.texts, self.bold = xy, texts, bold
        if len(xy):
            lo, hi = xy.min(axis=0), xy.max(axis=0)
            self._rect = QRectF(lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1])
        else:
            self._rect = QRectF()
        if len(self._static) > 4 * MAX_LABELS:  # words come and go; keep the cache small
            self._static.clear()
        self.update()

    def set_colour(self, colour: str) -> None:
        self.colour = QColor(colour)
        self.update()

    def boundingRect(self) -> QRectF:
        # The labels reach past the points by their width on screen: widen by ~150 px.
        px, py = self.pixelWidth() or 0.0, self.pixelHeight() or 0.0
        return self._rect.adjusted(-20 * px, -30 * py, 150 * px, 30 * py)

    def paint(self, painter: QPainter, *args: object) -> None:
        if not self.texts:
            return
        t = painter.transform()
        x = t.m11() * self.xy[:, 0] + t.m21() * self.xy[:, 1] + t.dx()
        y = t.m12() * self.xy[:, 0] + t.m22() * self.xy[:, 1] + t.dy()
        painter.save()
        painter.resetTransform()
        painter.setPen(self.colour)
        for k, text in enumerate(self.texts):
            bold = bool(self.bold[k])
            static = self._static.get((text, bold))
            if static is None:
                static = self._static[(text, bold)] = QStaticText(text)
                static.prepare(font=self.fonts[bold])
            painter.setFont(self.fonts[bold])
            painter.drawStaticText(QPointF(x[k] + self.GAP_PX + 5 * bold,
                                           y[k] - 0.5 * static.size().height()), static)
        painter.restore()


@PANELS.register
class ProjectorPanel(PlotPanel):
    """Where the model puts each word: words used alike end up close together."""

    name = "projector"
    title = "Embedding projector"
    kinds = frozenset({"embeddings"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.graphics = pg.PlotWidget()
        self.plot = bare_plot(self.graphics.getPlotItem(), grid=0.15)
        self.plot.getViewBox().setDefaultPadding(0.08)
        self.plot.disableAutoRange()  # framed by hand: only when the words spread or gather
        self.outline = pg.mkPen("#333333", width=0.8)
        self.scatter = pg.ScatterPlotItem(size=9, pen=self.outline, hoverable=True,
                                          hoverSize=13, hoverPen=pg.mkPen("#000000", width=2))
        self.scatter.sigClicked.connect(self._on_clicked)
        self.scatter.sigHovered.connect(self._on_hovered)
        self.marks = pg.ScatterPlotItem()  # the chosen word (a star) and its neighbours (rings)
        self.marks.setZValue(5)
        self.plot.addItem(self.scatter)
        self.plot.addItem(self.marks)
        self.hover_label = pg.TextItem(anchor=(-0.08, 1.0))
        self.hover_label.setFont(font(FONT_PT, bold=True))
        self.hover_label.setZValue(20)
        self.hover_label.hide()
        self.plot.addItem(self.hover_label, ignoreBounds=True)
        self.labels = WordLabels()
        self.labels.setZValue(10)
        self.plot.addItem(self.labels, ignoreBounds=True)
        self._extent: tuple[float, ...] | None = None

        self.box = line_box("a word", "Type a word and press Enter, or click a point, to list "
                            "the words nearest to it", self.send_query)
        self.completion = QStringListModel()
        completer = QCompleter(self.completion, self)
        completer.setCaseSensitivity(Qt.CaseInsensitive)
        self.box.setCompleter(completer)
        self.neighbours_heading = text_label(bold=True, rich=False, text="Nearest words")
        self.neighbours = BarList()
        self.neighbours.setMinimumWidth(140)
        self.legend = text_label(FONT_PT - 1, rich=True)
        self.heading = text_label(FONT_PT + 1, rich=False, centre=True)
        self.status = text_label(FONT_PT - 1, rich=False)

        side = QVBoxLayout()
        side.addLayout(row_layout("Word", (self.box, 1), stretch=False))
        side.addWidget(self.neighbours_heading)
        side.addWidget(self.neighbours)
        side.addStretch(1)
        side_widget = QWidget()
        side_widget.setLayout(side)
        side_widget.setMinimumWidth(150)
        side_widget.setMaximumWidth(230)
        middle = row_layout((self.graphics, 1), side_widget, stretch=False)
        stack_layout(self, self.heading, self.legend, (middle, 1), self.status, margin=4)

        self.words: tuple[str, ...] = ()
        self.points = np.zeros((0, 2))
        self.latest: Embeddings | None = None
        self._groups_key: tuple | None = None
        self._brushes: list = []
        self._synced = False
        self.set_dark(False)
        self.reset()

    # --- what a person does ------------------------------------------------------------------

    def send_query(self, word: str | None = None) -> None:
        """Ask for the nearest neighbours of ``word`` (default: the word in the box)."""
        if word is None:
            word = self.box.text().strip()
        else:
            self.box.setText(word)
        self.box.setModified(False)
        if word:
            self.optionChanged.emit("query_word", word)

    def _on_clicked(self, _item: object, points: object, _event: object = None) -> None:
        for point in list(points)[:1]:
            index = int(point.data())
            if 0 <= index < len(self.words):
                self.send_query(self.words[index])

    def _on_hovered(self, _item: object, points: object, _event: object = None) -> None:
        points = list(points)
        index = int(points[0].data()) if points else -1
        if not 0 <= index < len(self.words):
            self.hover_label.hide()
            return
        self.hover_label.setText(visible_token(self.words[index], 24),
                                 color=colours(self.dark)["text"])
        self.hover_label.setPos(*self.points[index])
        self.hover_label.show()

    # --- the Panel contract ------------------------------------------------------------------

    def show_snapshot(self, snapshot: Embeddings) -> None:
        super().show_snapshot(snapshot)
        self.latest = snapshot
        if not self._synced and snapshot.query:
            self._synced = True
            offer_text(self.box, snapshot.query)
        self._draw(snapshot)

    def reset(self) -> None:
        super().reset()
        self.latest = None
        self._synced = False
        self.words, self.points = (), np.zeros((0, 2))
        self.scatter.setData(x=[], y=[])
        self.marks.setData(x=[], y=[])
        self.hover_label.hide()
        self.labels.set_labels(np.zeros((0, 2)), [], np.zeros(0, dtype=bool))
        self._extent = None
        self.neighbours.set_rows([])
        self.neighbours_heading.setText("Nearest words")
        self.legend.setText("")
        self._groups_key = None
        self.status.setText("Click a point, or type a word, to list the words nearest to it.")
        self.heading.setText("Word vectors — waiting for the first picture")

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        self.neighbours.set_dark(self.dark)
        self.labels.set_colour(colours(self.dark)["text"])
        self._groups_key = None
        if self.latest is not None:
            self._draw(self.latest)

    # --- drawing -----------------------------------------------------------------------------

    def _draw(self, snap: Embeddings) -> None:
        points = finite_floats(snap.points)
        n = min(len(snap.words), len(points)) if points.ndim == 2 and points.shape[-1] >= 2 \
            else 0
        points = points[:n, :2] if n else np.zeros((0, 2))
        keep = np.isfinite(points).all(axis=1)
        words = tuple(str(w) for w in snap.words[:n])
        groups = tuple(str(g) for g in snap.groups[:n]) if len(snap.groups) >= n else ("",) * n
        if words != self.words:
            self.completion.setStringList(list(words))
        self.words, self.points = words, np.where(keep[:, None], points, np.nan)
        self._set_groups(groups)
        idx = np.flatnonzero(keep)
        self.scatter.setData(x=points[idx, 0], y=points[idx, 1], data=idx,
                             brush=[self._brushes[i] for i in idx])
        near = {str(w) for w, _ in snap.neighbours}
        strong = [i for i in idx if words[i] in near or words[i] == snap.query]
        self._draw_marks(points, [i for i in strong if words[i] != snap.query],
                         [i for i in strong if words[i] == snap.query])
        self._place_labels(idx if len(idx) <= MAX_LABELS else strong, set(strong))
        self._frame(points[idx])
        self._draw_neighbours(snap)
        label_axes(self.plot, *variance_axes(snap.explained))
        title = f"Word vectors — step {snap.step}"
        if not len(idx):
            title += ": none to show yet"
        elif snap.label:  # the run's caption, e.g. how the plane was found
            title += f" · {snap.label}"
        set_text(self.heading, title)
        status = f"{len(idx)} word" + ("" if len(idx) == 1 else "s")
        if len(idx) > MAX_LABELS:
            status += " (point at one to see it)"
        status += " · click a point, or type a word, to list the words nearest to it"
        set_text(self.status, status)

    def _set_groups(self, groups: tuple[str, ...]) -> None:
        """Brushes by group and the legend: made again only when the groups change."""
        if groups == self._groups_key:
            return
        self._groups_key = groups
        names = sorted({g for g in groups if g})
        brush_of = {g: pg.mkBrush(class_colour(k)) for k, g in enumerate(names)}
        unknown = pg.mkBrush(UNKNOWN_CLASS)
        self._brushes = [brush_of.get(g, unknown) for g in groups]
        listed = names[:MAX_GROUPS_LISTED]
        more = f" &nbsp;(+{len(names) - len(listed)} more)" if len(names) > len(listed) else ""
        self.legend.setText("" if not names else "Groups: " + dot_legend(
            (class_colour(k), escape(visible_token(g, 18))) for k, g in enumerate(listed)) + more)
        self.legend.setVisible(bool(names))

    def _draw_marks(self, points: np.ndarray, near: list[int], query: list[int]) -> None:
        ring = pg.mkPen(colours(self.dark)["text"], width=1.6)
        spots = [{"pos": points[i], "size": 17, "symbol": "o", "pen": ring,
                  "brush": pg.mkBrush(0, 0, 0, 0)} for i in near]
        spots += [{"pos": points[i], "size": 22, "symbol": "star", "pen": ring,
                   "brush": pg.mkBrush(QUERY_BRUSH)} for i in query]
        self.marks.setData(spots=spots)

    def _place_labels(self, indices, strong: set[int]) -> None:
        """Label ``indices``: the chosen word and its neighbours in bold."""
        indices = np.asarray(list(indices), dtype=np.int64)
        self.labels.set_labels(self.points[indices] if len(indices) else np.zeros((0, 2)),
                               [visible_token(self.words[i]) for i in indices],
                               np.array([i in strong for i in indices], dtype=bool))

    def _frame(self, points: np.ndarray) -> None:
        """Fit the view to the words when they spread past it or gather in a small part of
        it; small moves leave it still (re-drawing the axes is not free)."""
        if not len(points):
            return
        lo, hi = points.min(axis=0), points.max(axis=0)
        size = np.maximum(hi - lo, 1e-9)
        if self._extent is not None:
            x0, x1, y0, y1 = self._extent
            inside = lo[0] >= x0 and hi[0] <= x1 and lo[1] >= y0 and hi[1] <= y1
            if inside and size[0] > 0.6 * (x1 - x0) and size[1] > 0.6 * (y1 - y0):
                return
        pad = 0.1 * size + np.where(size < 1e-6, 0.5, 0.0)
        # more room on the right, where the labels are
        self._extent = (lo[0] - pad[0], hi[0] + 2.2 * pad[0], lo[1] - pad[1], hi[1] + pad[1])
        self.plot.setRange(xRange=self._extent[:2], yRange=self._extent[2:], padding=0.0)

    def _draw_neighbours(self, snap: Embeddings) -> None:
        if not snap.query:
            heading = "Nearest words: click a point or type a word"
        elif not snap.neighbours:
            heading = f"No neighbours of “{visible_token(snap.query)}” (not in the vocabulary?)"
        else:
            heading = f"Nearest to “{visible_token(snap.query)}” (cosine similarity)"
        set_text(self.neighbours_heading, heading)
        self.neighbours.set_rows([(visible_token(w), max(float(s), 0.0), f"{float(s):.2f}",
                                   False) for w, s in snap.neighbours[:15]])
