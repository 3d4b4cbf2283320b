"""What the text panels share (generation, fill in the blank, the embedding projector): tokens
made visible, colours by theme, text boxes and buttons in the panel font, and a small painted
list of labelled bars.

This is not a panel (it registers nothing); the panels import it as they import ``base``.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QLineEdit, QPushButton, QSizePolicy, QWidget

from .base import DARK, FONT_PT, LIGHT, font

# By theme (dark?): the colours of a right and a wrong guess, of text the model wrote and of
# a blank to fill, each readable on that theme's background.
RIGHT = {False: "#1a7f37", True: "#5cd67a"}
WRONG = {False: "#c62828", True: "#ff6b6b"}
WRITTEN = {False: "#1f5fbf", True: "#7fb4ff"}
BLANK = {False: "#fff0c2", True: "#5a4a12"}
BAR = {False: "#4c8fd6", True: "#4f8fd8"}
TRACK = {False: "#eef1f5", True: "#2b2d31"}


def colours(dark: bool) -> dict[str, str]:
    return DARK if dark else LIGHT


def visible_token(token: Any, limit: int = 16) -> str:
    """A token as plain text a person can see: blanks shown as signs, long words cut."""
    text = str(token)
    text = {" ": "␣", "": "∅"}.get(text, text).replace("\n", "↵").replace("\t", "⇥")
    return text if len(text) <= limit else text[:limit - 1] + "…"


def escape(text: Any) -> str:
    """Plain text made safe inside Qt rich text (the person's own words may hold ``<``)."""
    return html.escape(str(text), quote=False)


def line_box(placeholder: str, tip: str, on_enter: Callable[[], Any]) -> QLineEdit:
    """A one-line text box in the panel font showing ``placeholder`` while empty, with ``tip``
    as its tooltip; Enter calls ``on_enter()``."""
    box = QLineEdit()
    box.setFont(font())
    box.setPlaceholderText(placeholder)
    box.setToolTip(tip)
    box.returnPressed.connect(on_enter)
    return box


def push_button(text: str, on_click: Callable[[], Any], tip: str = "") -> QPushButton:
    """A button in the panel font, with ``tip`` as its tooltip; a click calls
    ``on_click()``."""
    button = QPushButton(text)
    button.setFont(font())
    if tip:
        button.setToolTip(tip)
    button.clicked.connect(on_click)
    return button


def offer_text(box: QLineEdit, text: str) -> None:
    """Put the run's own ``text`` in ``box``, unless a person has written there or is about
    to (the box has their words or the focus)."""
    if not box.text() and not box.hasFocus():
        box.setText(text)
        box.setModified(False)


class BarList(QWidget):
    """Rows of ``label  ▇▇▇▇▇▇▁▁▁  value text``, painted in one go: no child widgets, so a
    new set of rows costs one repaint. A row may be marked (drawn in the "right" colour,
    with a sign after its label)."""

    ROW_PX = 20

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[str, float, str, bool]] = []
        self.dark = False
        self.setFont(font(FONT_PT - 1))
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.setMinimumWidth(160)

    def set_rows(self, rows: Sequence[tuple[str, float, str, bool]]) -> None:
        """``rows``: (label, share 0..1 of the bar, text after the bar, marked)."""
        rows = [(str(a), min(max(float(b), 0.0), 1.0) if b == b else 0.0, str(c), bool(d))
                for a, b, c, d in rows]
        if rows == self.rows:
            return
        resize = len(rows) != len(self.rows)
        self.rows = rows
        if resize:
            self.setFixedHeight(max(1, len(rows)) * self.ROW_PX + 4)
            self.updateGeometry()
        self.update()

    def set_dark(self, dark: bool) -> None:
        self.dark = bool(dark)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(180, max(1, len(self.rows)) * self.ROW_PX + 4)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing, True)
        metrics = QFontMetrics(self.font())
        text = QColor(colours(self.dark)["text"])
        label_w = min(max((metrics.horizontalAdvance(r[0] + " ✓") for r in self.rows),
                          default=40) + 8, self.width() // 3)
        value_w = max((metrics.horizontalAdvance(r[2]) for r in self.rows), default=0) + 8
        bar_w = max(10, self.width() - label_w - value_w - 4)
        for k, (label, share, value, marked) in enumerate(self.rows):
            y = 2 + k * self.ROW_PX
            row = QRectF(0, y, label_w - 6, self.ROW_PX)
            painter.setPen(QColor(RIGHT[self.dark]) if marked else text)
            shown = metrics.elidedText(label + (" ✓" if marked else ""), Qt.ElideRight,
                                       label_w - 6)
            painter.drawText(row, Qt.AlignRight | Qt.AlignVCenter, shown)
            track = QRectF(label_w, y + 4, bar_w, self.ROW_PX - 8)
            painter.fillRect(track, QColor(TRACK[self.dark]))
            painter.fillRect(QRectF(label_w, y + 4, bar_w * share, self.ROW_PX - 8),
                             QColor(RIGHT[self.dark] if marked else BAR[self.dark]))
            painter.setPen(text)
            painter.drawText(QRectF(label_w + bar_w + 6, y, value_w, self.ROW_PX),
                             Qt.AlignLeft | Qt.AlignVCenter, value)
        painter.end()
