"""Measurements of the window for ``mlsp-studio bench``: training speed under the window,
event-loop lateness while training, and the time to the first window."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QObject, QSettings, Qt, QTimer, Slot

from .app import _wait, make_app, open_window

TICK_MS = 10


class LatenessProbe(QObject):
    """A 10 ms timer that records how late each tick fires: the window's responsiveness."""

    def __init__(self) -> None:
        super().__init__()
        self.late_ms: list[float] = []
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_tick)
        self._expected = 0.0

    def start(self) -> None:
        self.late_ms.clear()
        self._clock.start()
        self._expected = TICK_MS
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @Slot()
    def _on_tick(self) -> None:
        now = float(self._clock.elapsed())
        self.record(max(0.0, now - self._expected))
        self._expected = now + TICK_MS

    def record(self, late_ms: float) -> None:
        self.late_ms.append(late_ms)


def open_every_panel(window) -> list[str]:
    """Every panel the project has pictures for, each visible at once (none behind a tab)."""
    shown = [name for name, dock in window.docks.items()
             if name in window.panels and not dock.isHidden()]
    first = window.docks[shown[0]]
    for name in shown[1:]:
        window.splitDockWidget(first, window.docks[name], Qt.Vertical)
    for name in shown:
        window.docks[name].show()
    window._update_visuals()
    return shown


def train_under_window(preset: str, seconds: float) -> dict[str, float]:
    """Train ``preset`` for ``seconds`` under the window with every panel open."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = make_app()
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "bench.ini"), QSettings.IniFormat)
        window = open_window(preset, settings=settings)
        window.doc.project.apply_setting("epochs", 1_000_000)  # train all the measured time
        _wait(app, lambda: window.bridge.is_ready and window.panels, 120)
        probe = LatenessProbe()
        window.on_run()
        _wait(app, lambda: window.bridge.engine is not None
              and window.bridge.engine.step_count > 0, 60)
        shown = open_every_panel(window)
        engine = window.bridge.engine
        _wait(app, lambda: False, 1.0)  # past the first frames and the first snapshots
        # Speed first, with nothing but the window running; then the lateness, in its own
        # phase, because a 10 ms probe timer wakes the GUI thread a hundred times a second.
        frames = window.scheduler.frames
        start_steps, start = engine.step_count, time.perf_counter()
        _wait(app, lambda: False, seconds)
        steps, elapsed = engine.step_count - start_steps, time.perf_counter() - start
        frames = window.scheduler.frames - frames
        probe.start()
        _wait(app, lambda: False, min(seconds, 4.0))
        probe.stop()
        window.bridge.shutdown()
        window.doc.undo_stack.setClean()
        window.close()
        app.processEvents()
    late = sorted(probe.late_ms) or [0.0]
    return {"steps_per_s": steps / elapsed, "frames": frames, "seconds": elapsed,
            "panels": ", ".join(shown),
            "lateness_p50_ms": late[len(late) // 2],
            "lateness_p99_ms": late[min(len(late) - 1, int(len(late) * 0.99))]}


def _open_training(preset: str, folder: str):
    app = make_app()
    settings = QSettings(str(Path(folder) / "bench.ini"), QSettings.IniFormat)
    window = open_window(preset, settings=settings)
    window.doc.project.apply_setting("epochs", 1_000_000)  # train all the measured time
    _wait(app, lambda: window.bridge.is_ready and window.panels, 120)
    window.on_run()
    _wait(app, lambda: window.bridge.engine is not None
          and window.bridge.engine.step_count > 0, 60)
    return app, window


def _close(app, window) -> None:
    window.bridge.shutdown()
    window.doc.undo_stack.setClean()
    window.close()
    app.processEvents()


def panel_cost(preset: str, panel: str, seconds: float, rounds: int = 3) -> dict[str, float]:
    """Steps/s under the window with ``panel`` shown and hidden, alternating ``rounds`` times;
    the curves stay open throughout. Returns the median of the paired ratios."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as folder:
        app, window = _open_training(preset, folder)
        dock = window.docks[panel]
        engine = window.bridge.engine
        on, off = [], []
        for _ in range(rounds):
            for shown, rates in ((True, on), (False, off)):
                dock.setVisible(shown)
                if shown:
                    dock.raise_()
                window._update_visuals()
                _wait(app, lambda: False, 0.5)  # the engine hears of it; first pictures drawn
                start_steps, start = engine.step_count, time.perf_counter()
                _wait(app, lambda: False, seconds)
                rates.append((engine.step_count - start_steps) / (time.perf_counter() - start))
        _close(app, window)
    ratios = sorted(a / b for a, b in zip(on, off, strict=True) if b > 0)
    return {"shown_steps_per_s": sorted(on)[len(on) // 2],
            "hidden_steps_per_s": sorted(off)[len(off) // 2],
            "ratio": ratios[len(ratios) // 2] if ratios else 0.0}


def answer_latency(preset: str, panel: str, option: str, values: list,
                   timeout: float = 5.0) -> list[float]:
    """Milliseconds from a panel sending ``option`` to its answer being drawn, while
    training runs, for each of ``values`` (e.g. prompts of the generation panel)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    latencies = []
    with tempfile.TemporaryDirectory() as folder:
        app, window = _open_training(preset, folder)
        widget, dock = window.panels[panel], window.docks[panel]
        dock.setVisible(True)
        dock.raise_()
        window._update_visuals()
        _wait(app, lambda: False, 1.0)
        drawn = widget.show_snapshot
        arrived: list = []

        def record(snapshot) -> None:
            arrived.append((time.perf_counter(), snapshot))
            drawn(snapshot)

        widget.show_snapshot = record
        for value in values:
            arrived.clear()
            start = time.perf_counter()
            widget.optionChanged.emit(option, value)
            _wait(app, lambda v=value: any(getattr(s, option, v) == v for _, s in arrived),
                  timeout)
            hits = [t for t, s in arrived if getattr(s, option, value) == value]
            latencies.append((hits[0] - start) * 1000.0 if hits else timeout * 1000.0)
            _wait(app, lambda: False, 0.3)
        widget.show_snapshot = drawn
        _close(app, window)
    return latencies


def probe_first_window() -> None:
    """Open the window and say so on stdout the moment it has painted (run in a child)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    make_app()
    with tempfile.TemporaryDirectory() as folder:
        settings = QSettings(str(Path(folder) / "probe.ini"), QSettings.IniFormat)
        window = open_window(None, settings=settings)
        window.repaint()  # palette, canvas and inspector painted: what a person first sees
        print("window-shown", flush=True)
        sys.stdout.flush()
        os._exit(0)


if __name__ == "__main__":
    probe_first_window()
