"""The status bar's texts, laid out by hand.

A label whose text changes asks its parent's layout to run again, and a status bar's layout
runs the main window's, which repaints the dock area: ten milliseconds, several times a
second while training. This widget has no layout manager: a new text only repaints its
label, and the widths follow the font (presentation mode makes it larger).

Between the message and the fixed fields sits what the network costs (``cost_view.py``): it
changes only when the project does, takes the width its words need while the message keeps
300 pixels (or 40 % of the line), and is cut short with "…" (the whole of it in its tooltip).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QLabel, QWidget

# what each field must have room for
FIELDS = ("step 10,000,000", "epoch 100,000", "10,000 steps/s", "device: cuda:0")
GAP = 12
MESSAGE_ROOM = 300  # pixels the message keeps before the cost is cut short
WARNING_COLOURS = ("#8f5200", "#ffb74d")  # on a light window, on a dark one


def warning_colour() -> str:
    """The warning colour for the window's current look (light or dark)."""
    window = QApplication.palette().color(QPalette.ColorRole.Window)
    return WARNING_COLOURS[window.lightness() < 128]


class StatusLine(QWidget):
    """A message on the left that takes the room left over, the network's cost, and fixed
    fields on the right."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = QLabel("Loading PyTorch…", self)
        self.cost = QLabel(self)
        self.cost.setObjectName("costSummary")
        self.fields = [QLabel(self) for _ in FIELDS]
        self.cost_text = ""
        self.cost_warns = False

    def set_cost(self, text: str, tip: str, warns: bool) -> None:
        """Show the network's cost in a few words (in the warning colour when ``warns``),
        the whole story in its tooltip."""
        if (text, tip, warns) == (self.cost_text, self.cost.toolTip(), self.cost_warns):
            return
        self.cost_text, self.cost_warns = text, warns
        self.cost.setToolTip(tip)
        self._style_cost()
        self._place()

    def _style_cost(self) -> None:
        self.cost.setStyleSheet(f"color: {warning_colour()};"
                                if self.cost_warns else "")

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
            for label in (self.message, self.cost, *self.fields):
                label.setFont(self.font())
            self.updateGeometry()
            self._place()
        elif event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._style_cost()
        super().changeEvent(event)

    def _place(self) -> None:
        metrics = self.fontMetrics()
        height = self.height()
        right = self.width()
        for label, text in zip(reversed(self.fields), reversed(FIELDS), strict=True):
            width = metrics.horizontalAdvance(text) + GAP
            right -= width
            label.setGeometry(right, 0, width, height)
        room = max(0, right - min(MESSAGE_ROOM, int(right * 0.4)))
        needed = metrics.horizontalAdvance(self.cost_text) + GAP if self.cost_text else 0
        width = min(room, needed)
        shown = self.cost_text if width == needed else metrics.elidedText(
            self.cost_text, Qt.TextElideMode.ElideRight, max(0, width - GAP))
        if self.cost.text() != shown:
            self.cost.setText(shown)
        right -= width
        self.cost.setGeometry(right, 0, width, height)
        self.message.setGeometry(0, 0, max(0, right - GAP), height)
