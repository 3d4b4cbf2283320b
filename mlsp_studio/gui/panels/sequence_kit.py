"""What the sequence and attention panels share: token labels that thin themselves out, the
example chooser, colour scales, and a panel base that draws only the latest snapshot, only
while shown and only when its data changed.

This is not a panel (it registers nothing); the panels in this package import it as they
import ``base``.
"""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import html
import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QFontMetrics, QShowEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QWidget

from mlsp_studio.snapshots.drawing import finite_floats

from .base import (
    DARK,
    FONT_PT,
    LIGHT,
    Panel,
    font,
    row_layout,
    stack_layout,
    text_label,
)
from .base import new_plot as new_plot  # the sequence panels' names for them, kept here
from .base import set_text as set_text
from .base import style_bar as style_bar

# Colour scales: viridis for weights and shares (0 = dark), red–blue for signed values
# (matplotlib's "RdBu_r": blue negative, white zero, red positive).
VIRIDIS = pg.colormap.get("viridis")
RED_BLUE = pg.ColorMap(np.linspace(0.0, 1.0, 11), [
    "#053061", "#2166ac", "#4393c3", "#92c5de", "#d1e5f0", "#f7f7f7", "#fddbc7", "#f4a582",
    "#d6604d", "#b2182b", "#67001f"])
RIGHT = {False: "#1a7f37", True: "#5cd67a"}   # by theme: dark?
WRONG = {False: "#c62828", True: "#ff6b6b"}


def colours(dark: bool) -> dict[str, str]:
    return DARK if dark else LIGHT


def plural(n: int, word: str) -> str:
    """"1 step", "3 steps"."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def token_text(token: Any, limit: int = 10) -> str:
    """A token as an axis label: blanks made visible, long words cut."""
    text = str(token).replace(" ", "␣").replace("\n", "↵").replace("\t", "⇥")
    if not text:
        return "∅"
    return text if len(text) <= limit else text[:limit - 1] + "…"


def token_names(tokens: Sequence[Any], n: int, prefix: str = "") -> list[str]:
    """``n`` labels: the tokens where there are enough of them, else positions."""
    if len(tokens) >= n:
        return [token_text(t) for t in tokens[:n]]
    return [f"{prefix}{i}" for i in range(n)]


def token_ticks(labels: Sequence[str], step: int,
                origins: Sequence[float] = (0.0,)) -> list[tuple[float, str]]:
    """Every ``step``-th label at its cell centre ``origin + i + 0.5``, for each origin."""
    return [(o + i + 0.5, labels[i]) for o in origins for i in range(0, len(labels), step)]


class TokenAxis:
    """An axis labelled with tokens, one per cell, thinned to every 2nd, 4th, … label so
    they never overlap: the spacing follows the cell size on screen, worked out again when
    the view is resized or its range changes. Ticks are set only when they change."""

    def __init__(self, axis: pg.AxisItem, view: pg.ViewBox) -> None:
        self.axis, self.view = axis, view
        self.vertical = axis.orientation in ("left", "right")
        self.labels: tuple[str, ...] = ()
        self.origins: tuple[float, ...] = (0.0,)
        self.key: tuple | None = None
        axis.enableAutoSIPrefix(False)
        view.sigResized.connect(self._update)
        view.sigRangeChanged.connect(self._update)

    def set(self, labels: Sequence[str], origins: Sequence[float] = (0.0,)) -> None:
        self.labels, self.origins = tuple(labels), tuple(origins)
        self._update()

    def clear(self) -> None:
        self.set(())

    def step(self) -> int:
        """Show every ``step``-th label: the least power of two that leaves room."""
        if not self.labels:
            return 1
        (x0, x1), (y0, y1) = self.view.viewRange()
        span = abs(y1 - y0) if self.vertical else abs(x1 - x0)
        pixels = self.view.height() if self.vertical else self.view.width()
        if span <= 0 or pixels <= 0:
            return 1
        metrics = QFontMetrics(self.axis.style.get("tickFont") or font(FONT_PT - 1))
        cell = pixels / span
        if self.vertical:
            height = metrics.height() + 2
            return 1 << max(0, math.ceil(math.log2(max(height / cell, 1.0))))
        widths = [metrics.horizontalAdvance(t) for t in self.labels]
        step = 1
        while step < len(widths):
            shown = widths[::step]
            pairs = zip(shown[:-1], shown[1:], strict=True)
            need = max(((a + b) / 2 for a, b in pairs), default=0)
            if step * cell >= need + 8:
                break
            step *= 2
        return step

    def _update(self, *_args: object) -> None:
        step = self.step()
        key = (self.labels, self.origins, step)
        if key != self.key:
            self.key = key
            self.axis.setTicks([token_ticks(self.labels, step, self.origins)])


class ExampleChooser(QWidget):
    """"Example #" and a spin box. ``chosen(i)`` when a person picks example ``i``; a
    snapshot's index is shown with :meth:`sync`, unless the person just chose another."""

    chosen = Signal(int)
    QUIET_S = 2.0  # after a choice, pictures of the old example may still arrive this long

    def __init__(self, tip: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spin = QSpinBox()
        self.spin.setRange(0, 1_000_000)
        self.spin.setFont(font())
        self.spin.setKeyboardTracking(False)  # typing "12" asks once, not for 1 then 12
        self.spin.setToolTip(tip)
        self.spin.valueChanged.connect(self._on_value)
        label = QLabel("Example #")
        label.setFont(font())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(label)
        layout.addWidget(self.spin)
        self._asked_at = -math.inf

    def _on_value(self, value: int) -> None:
        self._asked_at = time.monotonic()
        self.chosen.emit(int(value))

    def sync(self, index: int) -> None:
        if self.spin.hasFocus() or time.monotonic() - self._asked_at < self.QUIET_S:
            return
        if self.spin.value() != int(index):
            self.spin.blockSignals(True)
            self.spin.setValue(int(index))
            self.spin.blockSignals(False)


def combo(tip: str) -> QComboBox:
    box = QComboBox()
    box.setFont(font())
    box.setToolTip(tip)
    box.setSizeAdjustPolicy(QComboBox.AdjustToContents)
    return box


def set_items(box: QComboBox, items: Sequence[str], keep: bool = True) -> bool:
    """Fill ``box`` with ``items`` (no signals), keeping the chosen text where it is still
    there; True if the items changed."""
    if [box.itemText(i) for i in range(box.count())] == list(items):
        return False
    current = box.currentText()
    box.blockSignals(True)
    box.clear()
    box.addItems(list(items))
    if keep and current in items:
        box.setCurrentIndex(list(items).index(current))
    box.blockSignals(False)
    return True


def heading_label(size: float = FONT_PT + 1, rich: bool = False) -> QLabel:
    return text_label(size, rich=rich, selectable=True)


def coloured_tokens(tokens: Sequence[str], wrong: Sequence[bool], dark: bool,
                    limit: int = 60) -> str:
    """Tokens as rich text, the wrong ones in red, bold and underlined."""
    parts = []
    for token, bad in zip(tokens[:limit], wrong[:limit], strict=False):
        text = html.escape(token_text(token, 16))
        parts.append(f"<b><u><span style='color:{WRONG[dark]}'>{text}</span></u></b>" if bad
                     else text)
    more = " …" if len(tokens) > limit else ""
    return " ".join(parts) + more


def verdict(true_class: str, predicted: str, dark: bool) -> str:
    """True and predicted class as rich text, green when they agree, red when not."""
    if not true_class and not predicted:
        return ""
    t, p = html.escape(str(true_class) or "?"), html.escape(str(predicted) or "?")
    ok = str(true_class) == str(predicted)
    colour = RIGHT[dark] if ok else WRONG[dark]
    mark = "✓ right" if ok else "✗ wrong"
    return (f"true class: <b>{t}</b> — predicted: <b><span style='color:{colour}'>{p}"
            f"</span></b> <span style='color:{colour}'>{mark}</span>")


def matrix(a: Any) -> np.ndarray:
    """A float matrix with infinities made NaN; anything else becomes an empty (0, 0)."""
    m = finite_floats(a)
    if m.ndim == 1 and m.size:
        m = m[None, :]
    return m if m.ndim == 2 and m.size else np.zeros((0, 0))


def weight_levels(a: np.ndarray) -> tuple[float, float]:
    """Colour levels 0 .. the largest finite weight (never an empty range)."""
    finite = a[np.isfinite(a)]
    hi = float(finite.max()) if finite.size else 1.0
    return 0.0, (hi if hi > 0 else 1.0)


def colour_bar(cmap: pg.ColorMap, label: str) -> pg.ColorBarItem:
    bar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=cmap, interactive=False,
                          colorMapMenu=False, width=14, label=label)
    return bar


def same(a: Any, b: Any) -> bool:
    """Whether two snapshots (or parts of them) hold the same data."""
    if a is b:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
                and a.shape == b.shape and a.dtype == b.dtype
                and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")))
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if hasattr(a, "__dataclass_fields__") and type(a) is type(b):
        return all(same(getattr(a, f), getattr(b, f)) for f in a.__dataclass_fields__
                   if f != "step")
    return a == b


class LatestPanel(Panel):
    """A panel that keeps the latest snapshot and draws it with :meth:`draw` only while
    shown, and only when the data (not just the step) changed or a setting asks for it.

    Subclasses implement ``draw(snapshot)`` and ``clear()`` (the "nothing yet" state), say
    what is shown in ``self.heading`` (``heading_words`` and the step, by :meth:`draw_step`),
    put their pictures in ``self.graphics`` (a graphics layout, unless they give ``graphics``
    of their own) and call :meth:`refresh` when a chooser changes what is shown (a
    :meth:`choice_box` does)."""

    def __init__(self, parent: QWidget | None = None, graphics: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = heading_label(FONT_PT)
        self.heading_words = ""
        self.graphics = pg.GraphicsLayoutWidget() if graphics is None else graphics
        self.latest: Any = None
        self._drawn: Any = None
        self._stale = False

    def show_snapshot(self, snapshot: Any) -> None:
        super().show_snapshot(snapshot)
        self.latest = snapshot
        if self._drawn is not None and same(snapshot, self._drawn):
            self.draw_step(snapshot)  # same pictures: only the step in the heading is new
            return
        self._stale = True
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        """Draw the latest snapshot again (a chooser changed), if there is one."""
        self._stale = False
        if self.latest is None:
            return
        self._drawn = self.latest
        self.draw(self.latest)

    def reset(self) -> None:
        super().reset()
        self.latest = self._drawn = None
        self._stale = False
        self.clear()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        self.graphics.setBackground(colours(dark)["background"])

    def example_bar(self, tip: str, *items: Any) -> QHBoxLayout:
        """The bar of choosers: the example chooser (``self.example``, ``tip`` its tooltip)
        and, after a gap, ``items`` (as :func:`base.row_layout` takes them)."""
        self.example = ExampleChooser(tip)
        self.example.chosen.connect(self._on_example)
        return row_layout(self.example, *((12, *items) if items else ()))

    def choice_box(self, tip: str) -> QComboBox:
        """A drop-down list; picking another item draws the latest snapshot again."""
        box = combo(tip)
        box.currentIndexChanged.connect(self._on_choice)
        return box

    def finish_layout(self, bar: QHBoxLayout, *rows: QWidget) -> None:
        """Stack the chooser bar, the text ``rows`` and the pictures (``self.graphics``,
        given the room), then start in the theme and the "nothing yet" state."""
        stack_layout(self, bar, *rows, (self.graphics, 1))
        self.set_dark(False)
        self.clear()

    def _on_example(self, index: int) -> None:
        """The example chooser picked a test example: ask the paradigm for its pictures."""
        self.optionChanged.emit("example_index", int(index))

    def _on_choice(self, _index: int) -> None:
        self.refresh()

    def draw(self, snapshot: Any) -> None:  # pragma: no cover - every panel has one
        raise NotImplementedError

    def draw_step(self, snapshot: Any) -> None:
        """The heading: its words and the snapshot's step (which is all that is new when the
        data is unchanged)."""
        set_text(self.heading, f"{self.heading_words} — step {snapshot.step}")

    def clear(self) -> None:  # pragma: no cover - every panel has one
        raise NotImplementedError
