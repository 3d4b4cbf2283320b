"""The timeline of a recorded run: a slider over the steps that have pictures, play and pause,
a speed, and marks where a setting was changed while it trained. It only says which step to
show (``stepChosen``); the window draws that step through the same path as live news."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from PySide6.QtCore import QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyle,
    QStyleOptionSlider,
    QToolButton,
    QWidget,
)

from .bridge import assert_gui_thread

SPEEDS = (("slow", 4), ("normal", 12), ("fast", 30))  # frames a second while playing
MARK_COLOUR = "#ff7f0e"


class MarkedSlider(QSlider):
    """A slider with small ticks at given positions (where a setting was changed)."""

    def __init__(self) -> None:
        super().__init__(Qt.Horizontal)
        self.marks: list[int] = []

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().paintEvent(event)
        if not self.marks or self.maximum() <= self.minimum():
            return
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        groove = self.style().subControlRect(QStyle.CC_Slider, option, QStyle.SC_SliderGroove,
                                             self)
        painter = QPainter(self)
        painter.setPen(QColor(MARK_COLOUR))
        span = self.maximum() - self.minimum()
        for value in self.marks:
            x = groove.left() + round((value - self.minimum()) / span * groove.width())
            painter.fillRect(QRect(x - 1, groove.top() - 4, 3, groove.height() + 8),
                             QColor(MARK_COLOUR))
        painter.end()


class Timeline(QWidget):
    """Steps with pictures, one slider position each."""

    stepChosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.steps: list[int] = []
        self.play = QToolButton()
        self.play.setText("Play")
        self.play.setToolTip("Play the run's pictures in order")
        self.play.clicked.connect(self._on_play)
        self.slider = MarkedSlider()
        self.slider.setToolTip("Drag to show the run as it was at a step; orange marks: a "
                               "setting was changed there")
        self.slider.valueChanged.connect(self._on_moved)
        self.where = QLabel("—")
        self.where.setMinimumWidth(170)
        self.speed = QComboBox()
        for name, fps in SPEEDS:
            self.speed.addItem(f"{name} ({fps} frames/s)", fps)
        self.speed.setCurrentIndex(1)
        self.speed.currentIndexChanged.connect(self._on_speed)
        self.follow = QCheckBox("Follow the run")
        self.follow.setToolTip("Show each new step as the run writes it")
        self.follow.setChecked(True)
        self.follow.hide()  # only while watching a run that is still being written
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        for widget in (self.play, self.slider, self.where, self.speed, self.follow):
            layout.addWidget(widget, 1 if widget is self.slider else 0)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self._advance)
        self._on_speed()

    # -- what it shows -------------------------------------------------------------------
    @property
    def current_step(self) -> int | None:
        return self.steps[self.slider.value()] if self.steps else None

    @property
    def at_end(self) -> bool:
        return not self.steps or self.slider.value() == len(self.steps) - 1

    def set_steps(self, steps: Sequence[int], marks: Sequence[int] = ()) -> None:
        """The steps that can be shown (ascending); the slider keeps its step, or follows the
        end when it was there and ``follow`` is on."""
        follow = self.at_end and (self.follow.isChecked() or not self.steps)
        before = self.current_step
        self.steps = list(steps)
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, len(self.steps) - 1))
        self.slider.marks = [self._index(m) for m in marks]
        self.slider.blockSignals(False)
        if follow or before is None:
            self.show_step(self.steps[-1] if self.steps else 0)
        else:
            self.show_step(before, announce=False)
        self.slider.update()

    def show_step(self, step: int, announce: bool = True) -> None:
        """Move to the last step with pictures at or before ``step``."""
        index = self._index(step)
        if index == self.slider.value():
            if announce:
                self._on_moved(index)
            return
        if not announce:
            self.slider.blockSignals(True)
        self.slider.setValue(index)
        self.slider.blockSignals(False)
        self._say()

    def _index(self, step: int) -> int:
        return max(0, bisect_right(self.steps, step) - 1)

    def _say(self) -> None:
        if not self.steps:
            self.where.setText("no pictures yet")
            return
        self.where.setText(f"step {self.current_step:,} of {self.steps[-1]:,}")

    # -- playing ---------------------------------------------------------------------------
    def _on_play(self) -> None:
        assert_gui_thread("Timeline._on_play")
        if self._timer.isActive():
            self.pause()
            return
        if self.at_end:  # play again from the start
            self.slider.setValue(0)
        self._timer.start()
        self.play.setText("Pause")

    def pause(self) -> None:
        self._timer.stop()
        self.play.setText("Play")

    def _advance(self) -> None:
        if self.at_end:
            self.pause()
            return
        self.slider.setValue(self.slider.value() + 1)

    def _on_speed(self, *_args) -> None:
        self._timer.setInterval(int(1000 / self.speed.currentData()))

    def _on_moved(self, _index: int) -> None:
        self._say()
        if self.steps:
            self.stepChosen.emit(self.current_step)
