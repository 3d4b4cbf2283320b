"""Drawing at up to 30 frames a second, each panel as often as it can afford.

Training runs in its own process, so the window's drawing no longer takes time from it: the
only limit left is the window's own responsiveness. A frame begins whenever something new
has arrived, at most every 33 ms. Its panels then get their news one at a time, each in its
own turn of the event loop, where Qt also lays it out and paints it (``sendPostedEvents``):
a click or a key waits for one panel at most, never for a whole frame, and what each panel
costs — taking its data and painting it — is measured. A panel that costs more than
``SLOW_PANEL_MS``
is drawn less often the more it costs (it may take ``SLOW_PANEL_SHARE`` of the time) and at
most one such panel a frame, so it never holds back the others. A panel may also ask for
fewer frames (``Panel.max_fps``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Slot

from .bridge import EngineBridge, Mail, assert_gui_thread

MIN_INTERVAL_MS = 33      # ~30 frames a second at most
SLOW_PANEL_MS = 12.0      # a panel dearer than this is painted less often ...
SLOW_PANEL_SHARE = 0.4    # ... no more often than this share of the time allows
LATENCIES_KEPT = 2000     # snapshot-to-paint times kept for the bench


def dock_shown(dock) -> bool:
    """Whether a person can see any of ``dock``: a dock behind another's tab is "visible" to
    Qt but shows nothing, and is neither computed nor drawn."""
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


class RedrawScheduler(QObject):
    """Calls ``draw(mail)`` with everything new; the window hands the panels' news to
    :meth:`draw_panels`, which paints them one per turn of the event loop."""

    def __init__(self, bridge: EngineBridge, draw: Callable[[Mail], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bridge = bridge
        self.draw = draw
        self.interval_ms = MIN_INTERVAL_MS
        self.frames = 0                       # frames in which at least one panel was painted
        self.cost_ms: dict[str, float] = {}   # each panel's drawing and painting, smoothed
        self.paint_latency_ms: list[float] = []  # snapshot made → painted, most recent last
        self._panels: Mapping[str, object] = {}
        self._docks: Mapping[str, object] = {}
        self._held: dict[str, dict[str, tuple[object, float | None]]] = {}
        self._metrics: set[str] = set()       # panels with metrics not painted yet
        self._due: dict[str, float] = {}      # when a slow panel may be painted next
        self._queue: list[str] = []           # this frame's panels still to paint
        self._painted = 0
        self._slow_painted = False
        self._everything = False
        self._news = False  # the bridge has news the frames have not taken yet
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timer)
        self._turn = QTimer(self)             # the next panel, at the next turn of the loop
        self._turn.setSingleShot(True)
        self._turn.setInterval(0)
        self._turn.timeout.connect(self._on_turn)
        self._last_frame = 0.0
        bridge.news.connect(self._on_news)
        bridge.answered.connect(self._on_answered)

    @Slot()
    def _on_news(self) -> None:
        assert_gui_thread("RedrawScheduler._on_news")
        self._news = True
        self._schedule()

    def _schedule(self, at_least_ms: float = 0.0) -> None:
        """The next frame, at least ``at_least_ms`` from now and a frame interval after the
        last one; an earlier wish moves a frame already planned forward."""
        if self._queue:
            return  # the frame under way looks again when it ends
        since = (time.perf_counter() - self._last_frame) * 1000.0
        wait = int(max(at_least_ms, self.interval_ms - since, 0.0))
        if self._timer.isActive() and self._timer.remainingTime() <= wait:
            return
        self._timer.start(wait)

    @Slot()
    def _on_answered(self) -> None:
        """A picture a person asked for arrived: draw it now."""
        assert_gui_thread("RedrawScheduler._on_answered")
        self.flush()

    @Slot()
    def _on_timer(self) -> None:
        assert_gui_thread("RedrawScheduler._on_timer")
        self._begin_frame()
        self._on_turn()

    def _begin_frame(self) -> None:
        self._last_frame = time.perf_counter()
        self._news = False
        self._painted = 0
        self._slow_painted = False
        replayed, self._replayed = self._replayed, None
        self.draw(replayed or self.bridge.take())  # the window's part: status, metrics, panels
        if replayed is not None:  # live news waits for the next frame, which takes it
            self._news = True

    @Slot()
    def _on_turn(self) -> None:
        """Paint the next panel of this frame that has news and may be painted now."""
        assert_gui_thread("RedrawScheduler._on_turn")
        while self._queue:
            if self._update_panel(self._queue.pop(0)):
                break
        if self._queue:
            self._turn.start()
            return
        if self._painted:
            self.frames += 1
        if self._news:
            self._schedule()
        elif self._held or self._metrics:  # a slow panel waits for a later frame
            due = [self._due.get(name, 0.0) for name in {*self._held, *self._metrics}]
            self._schedule(max(0.0, (min(due) - time.perf_counter()) * 1000.0))

    def flush(self) -> None:
        """Paint now whatever is waiting, every panel, slow ones too (a person asked: an
        answer to a new prompt, the pictures after a pause or a single step)."""
        self._timer.stop()
        self._turn.stop()
        self._due.clear()
        self._everything = True
        try:
            self._begin_frame()
            while self._queue:
                self._update_panel(self._queue.pop(0))
            if self._painted:
                self.frames += 1
        finally:
            self._everything = False
        if self._news:  # news that came while painting (its wake-up was held for this frame)
            self._schedule()

    def forget(self) -> None:
        """A new run: drop what still waits to be painted."""
        self._held.clear()
        self._metrics.clear()
        self._queue.clear()

    _replayed: Mail | None = None

    def paint(self, mail: Mail) -> None:
        """Draw ``mail`` (a step of a recording) now, every panel: a person moved the
        timeline. Live news waits for the next frame."""
        self._replayed = mail
        self.flush()

    def note_metrics(self, names: Iterable[str]) -> None:
        """These panels took metrics outside a mailbox (a replayed step): paint them with
        the next frame."""
        self._metrics.update(names)

    def draw_panels(self, mail: Mail, panels: Mapping[str, object],
                    docks: Mapping[str, object]) -> None:
        """File each shown panel's news; the panels are painted in the turns that follow."""
        self._panels, self._docks = panels, docks
        for kind, snapshot in mail.snapshots.items():
            made_at = mail.made_at.get(kind)
            for name, panel in panels.items():
                if kind in panel.kinds and dock_shown(docks[name]):
                    self._held.setdefault(name, {})[kind] = (snapshot, made_at)
        if mail.metrics:
            self._metrics.update(name for name, panel in panels.items() if panel.wants_metrics)
        # pictures first (they waited longest, since the training process made them), then
        # the panels that only have new scalars
        self._queue = ([name for name in panels if name in self._held]
                       + [name for name in panels if name in self._metrics
                          and name not in self._held])

    def _update_panel(self, name: str) -> bool:
        """Give panel ``name`` its news and let Qt paint it; False when it is hidden or must
        wait its turn."""
        panel, dock = self._panels.get(name), self._docks.get(name)
        if panel is None or not dock_shown(dock):
            self._held.pop(name, None)
            self._metrics.discard(name)
            return False
        now = time.perf_counter()
        slow = self.cost_ms.get(name, 0.0) > SLOW_PANEL_MS
        if not self._everything and (now < self._due.get(name, 0.0)
                                     or (slow and self._slow_painted)):
            return False
        made = []
        for snapshot, made_at in self._held.pop(name, {}).values():
            panel.show_snapshot(snapshot)
            if made_at is not None:
                made.append(made_at)
        self._metrics.discard(name)
        panel.redraw()
        QCoreApplication.sendPostedEvents()  # Qt lays out and paints it now, in this turn
        painted = time.perf_counter()
        cost = (painted - now) * 1000.0
        old = self.cost_ms.get(name)
        self.cost_ms[name] = cost if old is None else 0.7 * old + 0.3 * cost
        fps = getattr(panel, "max_fps", 30.0)
        gap = 0.9 / fps if fps < 30.0 else 0.0  # a little early: frames are not exact
        if self.cost_ms[name] > SLOW_PANEL_MS:
            self._slow_painted = True
            gap = max(gap, cost / 1000.0 / SLOW_PANEL_SHARE)
        self._due[name] = now + gap
        self._painted += 1
        painted_at = time.monotonic()
        self.paint_latency_ms.extend((painted_at - m) * 1000.0 for m in made)
        if len(self.paint_latency_ms) > LATENCIES_KEPT:
            del self.paint_latency_ms[:-LATENCIES_KEPT]
        return True
