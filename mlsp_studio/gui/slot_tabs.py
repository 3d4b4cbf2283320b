"""Tabs above the canvas, one per network of the project (a GAN's generator and
discriminator, an autoencoder's encoder and decoder); hidden when there is only one."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTabBar, QWidget

from .bridge import assert_gui_thread
from .document import StudioDocument

PROBLEM_COLOUR = QColor("#b3261e")


class SlotTabs(QTabBar):
    """Which network the canvas shows; a network with a problem has its tab in red."""

    def __init__(self, doc: StudioDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.setObjectName("slotTabs")
        self.setDocumentMode(True)
        self.setExpanding(False)
        self._filling = False
        self.currentChanged.connect(self._on_current_changed)
        doc.projectReplaced.connect(self._on_project_replaced)
        doc.checked.connect(self._on_checked)
        self._on_project_replaced()

    def slots(self) -> list[str]:
        return [self.tabData(i) for i in range(self.count())]

    def _on_project_replaced(self) -> None:
        assert_gui_thread("SlotTabs._on_project_replaced")
        self._filling = True
        try:
            while self.count():
                self.removeTab(0)
            for slot in self.doc.project.slots:
                index = self.addTab(slot.replace("_", " "))
                self.setTabData(index, slot)
            self.setCurrentIndex(self.slots().index(self.doc.slot))
        finally:
            self._filling = False
        self.setVisible(self.count() > 1)
        self._on_checked()

    def _on_current_changed(self, index: int) -> None:
        assert_gui_thread("SlotTabs._on_current_changed")
        if not self._filling and index >= 0:
            self.doc.set_slot(self.tabData(index))

    def _on_checked(self) -> None:
        assert_gui_thread("SlotTabs._on_checked")
        for i, slot in enumerate(self.slots()):
            problems = [e for e in self.doc.check.errors if e.startswith(f"{slot}: ")]
            self.setTabTextColor(i, PROBLEM_COLOUR if problems else QColor())
            self.setTabToolTip(i, problems[0] if problems else
                               f"the {slot.replace('_', ' ')} network")
