"""The status bar's texts, laid out by hand.

A label whose text changes asks its parent's layout to run again, and a status bar's layout
runs the main window's, which repaints the dock area: ten milliseconds, several times a
second while training. This widget has no layout manager: a new text only repaints its
label, and the widths follow the font (presentation mode makes it larger).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtWidgets import QLabel, QWidget

# what each field must have room for
FIELDS = ("step 10,000,000", "epoch 100,000", "10,000 steps/s", "device: cuda:0")
GAP = 12


class StatusLine(QWidget):
    """A message on the left that takes the room left over, and fixed fields on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = QLabel("Loading PyTorch…", self)
        self.fields = [QLabel(self) for _ in FIELDS]

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        metrics = self.fontMetrics()
        return QSize(400 + self._fields_width(), metrics.height() + 4)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(self._fields_width(), self.fontMetrics().height() + 4)

    def _fields_width(self) -> int:
        metrics = self.fontMetrics()
        return sum(metrics.horizontalAdvance(text) + GAP for text in FIELDS)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self._place()
        super().resizeEvent(event)

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.FontChange:
            for label in (self.message, *self.fields):
                label.setFont(self.font())
            self.updateGeometry()
            self._place()
        super().changeEvent(event)

    def _place(self) -> None:
        metrics = self.fontMetrics()
        height = self.height()
        right = self.width()
        for label, text in zip(reversed(self.fields), reversed(FIELDS), strict=True):
            width = metrics.horizontalAdvance(text) + GAP
            right -= width
            label.setGeometry(right, 0, width, height)
        self.message.setGeometry(0, 0, max(0, right - GAP), height)
