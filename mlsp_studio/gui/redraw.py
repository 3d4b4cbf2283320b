"""Drawing at most ~30 times a second, within a share of the GUI thread's time.

Painting, not signalling, is what slows training: the GUI thread holds the GIL the training
thread needs while it draws. So the window measures how much CPU time its own thread used
since the last frame (``time.thread_time``: drawing, painting, everything) and sets the
interval to the next frame so that this cost stays within a share of the time.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Slot

from .bridge import EngineBridge, Mail, assert_gui_thread

MIN_INTERVAL_MS = 33     # ~30 frames a second at most
MAX_INTERVAL_MS = 1000


def default_budget() -> float:
    """Share of one core the window may use while training (less where cores are few)."""
    import os

    cores = os.cpu_count() or 1
    return 0.05 if cores <= 2 else 0.20


class RedrawScheduler(QObject):
    """Calls ``draw(mail)`` with everything new, no more often than the budget allows."""

    def __init__(self, bridge: EngineBridge, draw: Callable[[Mail], None],
                 budget: float | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.draw = draw
        self.budget = budget if budget is not None else default_budget()
        self.interval_ms = 4 * MIN_INTERVAL_MS  # until the first frames say what they cost
        self.frames = 0
        self.share = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer)
        self._last_draw = 0.0
        self._cpu_mark = time.thread_time()
        self._wall_mark = time.perf_counter()
        bridge.news.connect(self._on_news)
        bridge.answered.connect(self._on_answered)

    @Slot()
    def _on_news(self) -> None:
        assert_gui_thread("RedrawScheduler._on_news")
        if self._timer.isActive():
            return
        since = (time.perf_counter() - self._last_draw) * 1000.0
        self._timer.start(int(max(0.0, self.interval_ms - since)))

    @Slot()
    def _on_answered(self) -> None:
        """A picture a person asked for arrived: draw it now, whatever the budget."""
        assert_gui_thread("RedrawScheduler._on_answered")
        self.flush()

    @Slot()
    def _on_timer(self) -> None:
        assert_gui_thread("RedrawScheduler._on_timer")
        self.draw(self.bridge.take())
        self.frames += 1
        now_wall, now_cpu = time.perf_counter(), time.thread_time()
        self._last_draw = now_wall
        # The GUI thread's CPU time since the last frame: this frame's drawing plus the
        # painting and event handling that followed the last one. Spread over the interval
        # it needs to stay within the budget; smoothed so one slow frame does not jump it.
        used_ms = (now_cpu - self._cpu_mark) * 1000.0
        span = now_wall - self._wall_mark
        self._wall_mark, self._cpu_mark = now_wall, now_cpu
        if span > 0:
            self.share = 0.7 * self.share + 0.3 * (used_ms / 1000.0 / span)
        wanted = used_ms / self.budget
        self.interval_ms = min(MAX_INTERVAL_MS,
                               max(MIN_INTERVAL_MS, 0.6 * self.interval_ms + 0.4 * wanted))

    def flush(self) -> None:
        """Draw now whatever is waiting (e.g. after a pause or a single step)."""
        self._timer.stop()
        self._on_timer()
