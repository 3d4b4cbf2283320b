"""The frame a panel sits in inside its dock: it keeps a panel's new heading or legend from
laying out the whole window again.

Qt runs a widget's layout again whenever a label in it changes its text, and then asks the
parent to lay itself out too, up to the main window, which repaints every dock on that side
(about ten milliseconds each time). The holder has no layout manager of its own: it gives
the panel all of its room by hand, so such requests stop here and only the panel repaints.
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QWidget


class PanelHolder(QWidget):
    """Holds ``panel`` at its own size; reports the panel's size hints to the dock."""

    def __init__(self, panel: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.panel = panel
        panel.setParent(self)
        self.setObjectName(f"holder_{panel.objectName() or type(panel).__name__}")

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return self.panel.sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return self.panel.minimumSizeHint()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        self.panel.setGeometry(0, 0, self.width(), self.height())
        super().resizeEvent(event)
