"""What every live panel shares: the Panel widget contract, its registry, thread and theme,
and the labels, layouts, plots and views panels are built of.

A panel draws frozen snapshots (numpy only, never torch) and metric records. It creates its
plot items once and updates them in place; the window decides how often anything is drawn.
"""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, ClassVar

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QCoreApplication, QRectF, Qt, QThread, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QLayout,
    QSlider,
    QVBoxLayout,
    QWidget,
)

Record = tuple[int, str, str, float]

FONT_PT = 11  # readable on a projector
TITLE_PT = 12
LIGHT = {"background": "#ffffff", "text": "#222222", "axis": "#555555", "muted": "#666666"}
DARK = {"background": "#1e1f22", "text": "#e6e6e6", "axis": "#aaaaaa", "muted": "#aaaaaa"}
# Presentation mode (gui/presentation.py) sets these: text and lines grow by ``scale`` and
# axes and text turn black on white (white on black) when ``contrast`` is on.
LOOK = {"scale": 1.0, "contrast": False}
_CONTRAST = {False: {"text": "#000000", "axis": "#000000", "muted": "#202020"},
             True: {"text": "#ffffff", "axis": "#ffffff", "muted": "#e0e0e0"}}


def colours_for(dark: bool) -> dict[str, str]:
    """The panel colours of the light or dark theme, stronger in high contrast."""
    colours = dict(DARK if dark else LIGHT)
    if LOOK["contrast"]:
        colours.update(_CONTRAST[bool(dark)])
    return colours


def assert_gui_thread(what: str = "a panel") -> None:
    """Raise AssertionError unless called on the Qt application's (GUI) thread."""
    app = QCoreApplication.instance()
    if app is None:
        raise AssertionError(f"{what} was used before the Qt application exists")
    if QThread.currentThread() is not app.thread():
        raise AssertionError(f"{what} was called from a worker thread; widgets may only be "
                             "touched on the GUI thread (send a queued signal instead)")


def finite_range(a: np.ndarray, symmetric: bool = False) -> tuple[float, float]:
    """Colour levels covering the finite values of ``a``; never empty, never infinite."""
    finite = a[np.isfinite(a)]
    if symmetric:
        m = float(np.abs(finite).max()) if finite.size else 0.0
        m = m if m > 0 else 1.0
        return -m, m
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    return (lo, hi) if hi > lo else (lo, lo + 1.0)


def font(size: float = FONT_PT, bold: bool = False) -> QFont:
    """A panel font of ``size`` points, grown by the presentation scale."""
    f = QFont()
    f.setPointSizeF(size * LOOK["scale"])
    f.setBold(bold)
    return f


def style_plot(plot: pg.PlotItem, dark: bool, axes: Sequence[str] = ("left", "bottom")) -> None:
    """Axis colours and fonts of a plot for the light or the dark theme."""
    colours = colours_for(dark)
    for name in axes:
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(colours["axis"], width=LOOK["scale"]))
        axis.setTextPen(pg.mkPen(colours["text"]))
        axis.setTickFont(font(FONT_PT - 1))
        axis.label.setFont(font(FONT_PT))
        # Tick labels are text, the dearest thing to paint: keep each axis as a pixmap that
        # is drawn again only when its range or size changes, not on every repaint.
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    plot.titleLabel.opts["color"] = colours["text"]
    plot.titleLabel.setText(plot.titleLabel.text, size=f"{TITLE_PT * LOOK['scale']:g}pt",
                            color=colours["text"])


def style_bar(bar: pg.ColorBarItem, dark: bool) -> None:
    """A colour bar's axes and label in the theme's colours and fonts."""
    style_plot(bar, dark, axes=("left", "right", "top", "bottom"))


def style_legend(legend: pg.LegendItem, dark: bool) -> None:
    """Legend text in the theme's colour, for the entries there and those added later."""
    colour = colours_for(dark)["text"]
    legend.opts["labelTextColor"] = pg.mkColor(colour)
    for _, label in legend.items:
        label.setText(label.text, color=colour)


def new_extent(extent: Sequence[float], previous: tuple[float, ...] | None
               ) -> tuple[float, float, float, float] | None:
    """``(x_lo, x_hi, y_lo, y_hi)`` with an empty span widened to one unit, or None when it
    is the ``previous`` one: a plane is framed again only when its data moved."""
    x_lo, x_hi, y_lo, y_hi = (float(v) for v in extent)
    if x_hi - x_lo <= 1e-12:
        x_lo, x_hi = x_lo - 0.5, x_hi + 0.5
    if y_hi - y_lo <= 1e-12:
        y_lo, y_hi = y_lo - 0.5, y_hi + 0.5
    out = (x_lo, x_hi, y_lo, y_hi)
    if previous is not None and np.allclose(out, previous, rtol=0, atol=1e-9):
        return None
    return out


def set_title(plot: pg.PlotItem, text: str, dark: bool) -> None:
    """Set a plot's title only if it changed. New words that fit the room the title has
    (a step number, a latest value) are only repainted: the plot is not laid out again,
    which would make its axes and curves paint anew."""
    label = plot.titleLabel
    if label.text == text and label.isVisible():
        return
    colour = colours_for(dark)["text"]
    size = f"{TITLE_PT * LOOK['scale']:g}pt"
    if not (label.isVisible() and label.text and label.opts.get("size") == size
            and label.opts.get("color") == colour):
        plot.setTitle(text, size=size, color=colour)
        return
    room = label.minimumWidth(), label.minimumHeight()
    label.updateMin = label.updateGeometry = _nothing  # for this call only
    try:
        label.setText(text, size=size, color=colour)
    finally:
        del label.updateMin, label.updateGeometry
    rect = label.itemRect()
    if rect.width() > room[0] or rect.height() > room[1]:  # it needs more room after all
        label.updateMin()
        label.updateGeometry()


def _nothing(*args) -> None:
    return None


def nice_step(span: float) -> float:
    """The smallest of 1, 2, 5 × 10^k that is at least ``span``."""
    power = 10.0 ** math.floor(math.log10(span))
    for factor in (1.0, 2.0, 5.0, 10.0):
        if factor * power >= span:
            return factor * power
    return 10.0 * power


def steady_range(plot: pg.PlotItem, values: np.ndarray, axis: str = "y",
                 decades: bool = False, floor: float | None = None) -> None:
    """Frame ``axis`` of ``plot`` around the finite ``values`` in round steps — whole
    decades with ``decades`` (values already log₁₀), else 1-2-5 steps, from ``floor`` when
    given — and keep that frame while the values stay inside it and fill half of it. An axis
    that followed its data exactly would draw its labels again on every frame."""
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    if not values.size:
        return
    lo, hi = float(values.min()), float(values.max())
    if floor is not None:
        lo = min(lo, floor)
    if decades:
        wanted = (math.floor(lo), max(math.ceil(hi), math.floor(lo) + 1))
    else:
        step = nice_step(max(hi - lo, abs(hi), abs(lo), 1e-12) / 4)
        wanted = (math.floor(lo / step) * step, math.ceil(hi / step) * step)
        if wanted[1] <= wanted[0]:
            wanted = (wanted[0] - step, wanted[1] + step)
    name = f"_mlsp_steady_{axis}"
    shown = getattr(plot, name, None)
    if shown is not None and shown[0] <= lo and hi <= shown[1] and (
            wanted[1] - wanted[0]) * 2 > shown[1] - shown[0]:
        return
    setattr(plot, name, wanted)
    if axis == "y":
        plot.enableAutoRange(y=False)
        plot.setYRange(*wanted, padding=0.03)
    else:
        plot.enableAutoRange(x=False)
        plot.setXRange(*wanted, padding=0.03)


def forget_range(plot: pg.PlotItem) -> None:
    """Let both axes of ``plot`` follow its data again (a new run)."""
    for axis in ("x", "y"):
        if hasattr(plot, f"_mlsp_steady_{axis}"):
            delattr(plot, f"_mlsp_steady_{axis}")
    plot.enableAutoRange()


def thicken_lines(widget: QWidget, scale: float) -> None:
    """Draw every curve in ``widget``'s plots ``scale`` times as thick as it was made."""
    for view in widget.findChildren(pg.GraphicsView):
        for item in view.scene().items():
            if not isinstance(item, pg.PlotDataItem):
                continue
            pen = pg.mkPen(item.opts.get("pen"))
            if pen.style() == Qt.PenStyle.NoPen:
                continue
            base = getattr(item, "_mlsp_base_width", None)
            if base is None:
                base = item._mlsp_base_width = max(pen.widthF(), 1.0)
            pen.setWidthF(base * scale)
            item.setPen(pen)


def rgba(colour: str, alpha: int = 255) -> QColor:
    c = QColor(colour)
    c.setAlpha(alpha)
    return c


# --- the parts a panel is built of -------------------------------------------------------------

def text_label(size: float = FONT_PT, bold: bool = False, *, rich: bool | None = None,
               centre: bool = False, wrap: bool = True, selectable: bool = False,
               text: str = "") -> QLabel:
    """A label in the panel font of ``size`` points, word-wrapped unless ``wrap`` is off. Its
    text is rich (``rich=True``), plain (``False``) or whatever Qt makes of it (``None``); it
    is centred, and selectable with the mouse, when asked."""
    label = QLabel(text)
    label.setFont(font(size, bold))
    label.setWordWrap(wrap)
    if rich is not None:
        label.setTextFormat(Qt.RichText if rich else Qt.PlainText)
    if centre:
        label.setAlignment(Qt.AlignCenter)
    if selectable:
        label.setTextInteractionFlags(Qt.TextSelectableByMouse)
    return label


def set_text(label: QLabel, text: str) -> None:
    """Set a label's text only if it changed (a new text means a new layout pass)."""
    if label.text() != text:
        label.setText(text)


def show_text(label: QLabel, text: str) -> None:
    """Set a label's text (only if it changed) and show the label only while it has some."""
    set_text(label, text)
    label.setVisible(bool(text))


def dot_legend(entries: Iterable[tuple[str, str]], pt: int = 14, sign: str = "&#9679;") -> str:
    """Rich text: each ``(colour, words)`` entry as a dot of that colour and its words (already
    escaped), spaced apart."""
    return " &nbsp; ".join(f'<span style="color:{colour}; font-size:{pt}pt">{sign}</span>'
                           f"&nbsp;{words}" for colour, words in entries)


def tick_box(text: str, tip: str, on_toggle: Callable[[bool], Any],
             checked: bool = False) -> QCheckBox:
    """A tick box in the panel font, ``checked`` or not, with ``tip`` as its tooltip; each
    tick or untick calls ``on_toggle(checked)``."""
    box = QCheckBox(text)
    box.setFont(font())
    box.setChecked(checked)
    box.setToolTip(tip)
    box.toggled.connect(on_toggle)
    return box


def slider(tip: str, on_move: Callable[[int], Any], top: int = 1, value: int = 0) -> QSlider:
    """A horizontal slider from 0 to ``top``, at ``value``, with ``tip`` as its tooltip; each
    move calls ``on_move`` with the new value (or with nothing, if it takes no argument)."""
    bar = QSlider(Qt.Horizontal)
    bar.setRange(0, top)
    bar.setValue(value)
    bar.setToolTip(tip)
    bar.valueChanged.connect(on_move)
    return bar


def _add(layout: QBoxLayout, item: Any) -> None:
    thing, stretch = item if isinstance(item, tuple) else (item, 0)
    if isinstance(thing, str):
        thing = QLabel(thing)
        thing.setFont(font())
    if isinstance(thing, int):
        layout.addSpacing(thing)
    elif isinstance(thing, QLayout):
        layout.addLayout(thing, stretch)
    else:
        layout.addWidget(thing, stretch)


def row_layout(*items: Any, stretch: bool = True) -> QHBoxLayout:
    """``items`` side by side: each a widget, a layout, words (a label in the panel font), a
    number (a gap of so many pixels) or a ``(widget or layout, stretch factor)`` pair; then,
    unless ``stretch`` is off, a stretch that keeps them to the left."""
    layout = QHBoxLayout()
    for item in items:
        _add(layout, item)
    if stretch:
        layout.addStretch(1)
    return layout


def stack_layout(widget: QWidget, *items: Any, margin: int = 2,
                 stretch: bool = False) -> QVBoxLayout:
    """``widget``'s layout: ``items`` (as :func:`row_layout` takes them) from top to bottom,
    ``margin`` pixels from its edges; with ``stretch``, a stretch below keeps them at the top."""
    layout = QVBoxLayout(widget)
    layout.setContentsMargins(margin, margin, margin, margin)
    for item in items:
        _add(layout, item)
    if stretch:
        layout.addStretch(1)
    return layout


def bare_plot(plot: pg.PlotItem, grid: float = 0.0) -> pg.PlotItem:
    """``plot`` with no context menu and no auto-range button, plain numbers on its left and
    bottom axes (no SI prefix such as "(x0.001)") and, when ``grid`` is given, a grid of that
    opacity."""
    plot.setMenuEnabled(False)
    plot.hideButtons()
    if grid:
        plot.showGrid(x=True, y=True, alpha=grid)
    for axis in ("left", "bottom"):
        plot.getAxis(axis).enableAutoSIPrefix(False)
    return plot


def new_plot(graphics: pg.GraphicsLayoutWidget, row: int, col: int,
             invert_y: bool = True) -> pg.PlotItem:
    """A still plot (no mouse, no menu) for a heatmap, row 0 at the top unless ``invert_y``
    is off."""
    plot = bare_plot(graphics.addPlot(row=row, col=col))
    plot.setMouseEnabled(x=False, y=False)
    plot.invertY(invert_y)
    return plot


def label_axes(plot: pg.PlotItem, bottom: str, left: str) -> None:
    """Name ``plot``'s bottom and left axes; only new names are set (a new name lays the plot
    out again)."""
    if getattr(plot, "_mlsp_axes", None) != (bottom, left):
        plot._mlsp_axes = (bottom, left)
        plot.setLabel("bottom", bottom)
        plot.setLabel("left", left)


def variance_axes(explained: Sequence[float]) -> tuple[str, str]:
    """The names of the axes of a plane of two main directions (PCA): their shares of the
    variance, ``explained`` (0..1)."""
    ex = [float(e) for e in tuple(explained)[:2]] + [0.0, 0.0]
    return (f"PC 1 ({100 * ex[0]:.0f} % of variance)",
            f"PC 2 ({100 * ex[1]:.0f} % of variance)")


def plane_image(image: pg.ImageItem, picture: np.ndarray, levels: tuple[float, float],
                extent: Sequence[float]) -> None:
    """Show ``picture`` on the part ``(x_lo, x_hi, y_lo, y_hi)`` of a plane."""
    image.setImage(picture, autoLevels=False, levels=levels)
    x_lo, x_hi, y_lo, y_hi = extent[:4]
    image.setRect(QRectF(x_lo, y_lo, x_hi - x_lo, y_hi - y_lo))
    image.show()


def picture_view(padding: float = 0.0) -> pg.ViewBox:
    """A still view for pictures: square pixels, row 0 at the top, no mouse and no menu."""
    view = pg.ViewBox(lockAspect=True, enableMouse=False, invertY=True, enableMenu=False)
    view.setDefaultPadding(padding)
    return view


class Panel(QWidget):
    """A live view of a run, shown in a dock of the window.

    Subclasses set ``name`` (registry key), ``title`` (dock title in plain words), ``kinds``
    (snapshot kinds they draw; empty for none), ``wants_metrics`` and, for a view that need
    not change at every frame, ``max_fps``. Every public method is
    called on the GUI thread only. ``optionChanged(name, value)`` asks the window to pass a
    setting on to the engine (for instance which example the feature maps show).
    """

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    kinds: ClassVar[frozenset[str]] = frozenset()
    wants_metrics: ClassVar[bool] = False
    max_fps: ClassVar[float] = 30.0  # fewer for a view that need not move at every frame
    row: ClassVar[str] = "bottom"    # "top" beside the curves, or "bottom" with the pictures
    # shown for any network (gradients, units, receptive fields, the equations): a lesson's
    # own picture, when it has one, comes to the front before these
    general: ClassVar[bool] = False

    optionChanged = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.dark = False
        self.setWindowTitle(self.title)

    def relevant(self, kinds: set[str]) -> bool:
        """Whether the window shows this panel for a run that has pictures of ``kinds``."""
        return self.wants_metrics or bool(set(self.kinds) & kinds)

    def show_snapshot(self, snapshot: Any) -> None:
        """Draw the latest snapshot of one of ``kinds``."""
        assert_gui_thread(f"{type(self).__name__}.show_snapshot")

    def add_metrics(self, records: Sequence[Record]) -> None:
        """Take a batch of ``(step, split, metric, value)`` records."""
        assert_gui_thread(f"{type(self).__name__}.add_metrics")

    def redraw(self) -> None:
        """Draw whatever arrived since the last call; called at the window's own cadence.

        Nothing to do for a panel that draws each snapshot as it comes.
        """
        assert_gui_thread(f"{type(self).__name__}.redraw")

    def reset(self) -> None:
        """Forget everything shown: a new run starts."""
        assert_gui_thread(f"{type(self).__name__}.reset")

    def start_run(self, project: Any) -> None:
        """A run of ``project`` starts (after ``reset``); a panel that says what its numbers
        are (the loss and its unit) reads the project's settings here."""
        assert_gui_thread(f"{type(self).__name__}.start_run")

    def set_dark(self, dark: bool) -> None:
        """Switch between the light and the dark theme."""
        self.dark = bool(dark)


class PlotPanel(Panel):
    """A panel whose picture is one plot, ``self.plot`` in the view ``self.graphics`` (both
    made by the subclass), drawn in the panel's theme."""

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        self.graphics.setBackground(colours_for(dark)["background"])
        style_plot(self.plot, dark)


class PanelRegistry:
    """Panel classes by name; a second class under the same name is refused."""

    def __init__(self) -> None:
        self._classes: dict[str, type[Panel]] = {}

    def register(self, cls: type[Panel]) -> type[Panel]:
        """Add a panel class (usable as a decorator); raise ValueError on a taken name."""
        if not cls.name:
            raise ValueError(f"{cls.__name__} has no name to register under")
        if cls.name in self._classes:
            raise ValueError(f"a panel named {cls.name!r} is already registered "
                             f"({self._classes[cls.name].__name__})")
        self._classes[cls.name] = cls
        return cls

    def names(self) -> list[str]:
        return list(self._classes)

    def get(self, name: str) -> type[Panel]:
        try:
            return self._classes[name]
        except KeyError:
            raise KeyError(f"no panel named {name!r}; known panels: "
                           f"{', '.join(self._classes)}") from None

    def create_all(self, parent: QWidget | None = None) -> dict[str, Panel]:
        """One instance of every registered panel, by name, in registration order."""
        return {name: cls(parent) for name, cls in self._classes.items()}

    def __iter__(self) -> Iterator[type[Panel]]:
        return iter(list(self._classes.values()))

    def __contains__(self, name: object) -> bool:
        return name in self._classes

    def __len__(self) -> int:
        return len(self._classes)


PANELS = PanelRegistry()
