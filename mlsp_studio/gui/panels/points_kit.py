"""What the panels of points share: a heading above one graphics layout, themed alike; a plot of
the plane (x1 across, x2 up) framed again only when what it shows moved, with a legend in its
corner (the GAN's and the flow's panels); and points coloured by class under a line of words
naming the classes (learned codes, latent codes).

This is not a panel (it registers nothing); the panels import it as they import ``base``.
"""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import html
from collections.abc import Iterable, Sequence
from typing import ClassVar

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QWidget

from mlsp_studio.snapshots.drawing import UNKNOWN_CLASS, class_colour

from .base import (
    FONT_PT,
    Panel,
    PlotPanel,
    bare_plot,
    colours_for,
    dot_legend,
    new_extent,
    set_text,
    stack_layout,
    style_legend,
    style_plot,
    text_label,
)


class HeadingPanel(Panel):
    """A heading above one graphics layout (``self.graphics``), themed alike; the heading says
    ``waiting`` until the first picture. ``self.layout_`` stacks the two, so that a row of
    choices can go between them."""

    waiting: ClassVar[str] = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = text_label(centre=True)
        self.graphics = pg.GraphicsLayoutWidget()
        self.layout_ = stack_layout(self, self.heading, (self.graphics, 1))

    def heading_colour(self, dark: bool) -> str:
        """The heading's colour: the theme's text, stronger in high contrast."""
        return colours_for(dark)["text"]

    def reset(self) -> None:
        super().reset()
        set_text(self.heading, self.waiting)

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        self.graphics.setBackground(colours_for(dark)["background"])
        self.heading.setStyleSheet(f"color: {self.heading_colour(dark)}")


class PlanePanel(HeadingPanel):
    """A heading above one plot of the plane (``self.plot``, :func:`plane_plot`), framed with
    :meth:`frame`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = plane_plot(self.graphics)
        self._extent: tuple[float, ...] | None = None

    def frame(self, extent: Sequence[float] | None) -> None:
        """Fit the view to ``extent`` (x_lo, x_hi, y_lo, y_hi) when it is not the one the view
        shows already: framing anew on every picture would draw the axes again each time."""
        framed = new_extent(extent, self._extent) if extent is not None else None
        if framed is None:
            return
        self._extent = x_lo, x_hi, y_lo, y_hi = framed
        self.plot.setRange(xRange=(x_lo, x_hi), yRange=(y_lo, y_hi), padding=0.02)

    def reset(self) -> None:
        super().reset()
        self._extent = None

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        style_plot(self.plot, dark)


def plane_plot(graphics: pg.GraphicsLayoutWidget, row: int = 0) -> pg.PlotItem:
    """A plot of the plane in ``graphics``: no menu, no auto-range button, x1 across and x2
    up, a unit as long across as up."""
    plot = graphics.addPlot(row=row, col=0)
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.setAspectLocked(True)
    plot.setLabel("bottom", "x1")
    plot.setLabel("left", "x2")
    return plot


def corner_legend(plot: pg.PlotItem, entries: Iterable[tuple[pg.GraphicsObject, str]]
                  ) -> pg.LegendItem:
    """A legend in the top right corner of ``plot``'s view: each ``(item, words)`` entry."""
    legend = pg.LegendItem(offset=(-5, 5), labelTextSize="9pt")
    legend.setParentItem(plot.vb)
    for item, words in entries:
        legend.addItem(item, words)
    return legend


def style_corner_legend(legend: pg.LegendItem, dark: bool) -> None:
    """A corner legend's words in the theme's colour, on its background seen through."""
    style_legend(legend, dark)
    legend.setBrush(pg.mkBrush(colours_for(dark)["background"] + "c0"))


def class_dot(k: int) -> str:
    """The colour of class ``k``; grey for no class (−1)."""
    return class_colour(k) if k >= 0 else UNKNOWN_CLASS


class ClassPointsPanel(PlotPanel):
    """Points coloured by class: a heading, a line naming the classes shown in their colours
    (``self.legend``, after ``classes_word``), and the points (``self.scatter``) in a plot of
    their own with a faint grid. Subclasses lay these out with their own rows."""

    classes_word: ClassVar[str] = "Class: "

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = text_label(FONT_PT + 1, rich=False, centre=True)
        self.legend = text_label(FONT_PT - 1, rich=True)
        self.graphics = pg.PlotWidget()
        self.plot = bare_plot(self.graphics.getPlotItem(), grid=0.15)
        self.scatter = pg.ScatterPlotItem(size=7, pen=pg.mkPen("#333333", width=0.5))
        self.plot.addItem(self.scatter)
        self._brushes: dict[int, QBrush] = {}
        self._named: tuple[tuple[int, str], ...] | None = None

    def show_points(self, points: np.ndarray, classes: np.ndarray) -> None:
        """``points`` (n, 2) in the colours of their ``classes`` (−1: none)."""
        self.scatter.setData(x=points[:, 0], y=points[:, 1],
                             brush=[self._brush(int(k)) for k in classes])

    def _brush(self, k: int) -> QBrush:
        if k not in self._brushes:
            self._brushes[k] = pg.mkBrush(class_dot(k))
        return self._brushes[k]

    def name_classes(self, named: Iterable[tuple[int, str]]) -> None:
        """Name the first 20 ``(class, words)`` pairs in their classes' colours; no words when
        there are none."""
        named = tuple(named)
        if named == self._named:
            return
        self._named = named
        dots = [(class_dot(k), html.escape(words, quote=False)) for k, words in named[:20]]
        self.legend.setText(self.classes_word + dot_legend(dots) if dots else "")

    def clear_points(self) -> None:
        self.scatter.setData(x=[], y=[])
        self.name_classes(())
