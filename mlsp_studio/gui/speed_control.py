"""The speed control in the toolbar: full speed, or a pace the eye can follow.

The pace is part of the project (``ui.pace``; a preset may set the pace it is best watched
at), changing it is an edit that can be undone, and it reaches a running run at its next
step. Headless runs ignore it. Step always does exactly one step.
"""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QLabel, QToolBar

from ..model.live import PACES, pace_of, pace_text
from .bridge import assert_gui_thread
from .commands import SetPaceCommand


class SpeedControl:
    """Mixed into MainWindow: needs ``doc`` and ``bridge``."""

    speed_box: QComboBox

    def _build_speed_control(self, bar: QToolBar) -> None:
        bar.addSeparator()
        label = QLabel(" Speed ", bar)
        self.speed_box = QComboBox(bar)
        self.speed_box.setObjectName("speedBox")
        for rate in PACES:
            self.speed_box.addItem(pace_text(rate), rate)
        self.speed_box.setToolTip("How fast training runs: full speed, or slowed to a pace "
                                  "you can watch (steps per second). Kept with the project; "
                                  "it takes effect at once.")
        self.speed_box.activated.connect(self._on_speed_chosen)
        bar.addWidget(label)
        bar.addWidget(self.speed_box)
        self.doc.paceChanged.connect(self._load_pace)

    @Slot()
    def _load_pace(self) -> None:
        """Show the project's pace and hand it to the training process."""
        rate = pace_of(self.doc.project)
        index = self.speed_box.findData(rate)
        if index < 0:  # a pace of the project's own, not one of the usual ones
            self.speed_box.addItem(pace_text(rate), rate)
            index = self.speed_box.count() - 1
        self.speed_box.setCurrentIndex(index)
        self.bridge.set_pace(rate)

    @Slot(int)
    def _on_speed_chosen(self, index: int) -> None:
        assert_gui_thread("SpeedControl._on_speed_chosen")
        rate = float(self.speed_box.itemData(index))
        if rate != pace_of(self.doc.project):
            self.doc.undo_stack.push(SetPaceCommand(self.doc, rate))
