"""Measurements of the window for ``mlsp-studio bench``: training speed under the window,
frames drawn, how old a picture is when it is painted, event-loop lateness, how fast Run
and Stop are answered, and what a panel costs.

Training runs in the training process; the window counts its steps from what it hears.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QObject, QSettings, Qt, QTimer, Slot

from .app import _wait, make_app, open_window
from .redraw import dock_shown

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


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values) or [0.0]
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def open_every_panel(window) -> list[str]:
    """Every panel the project has pictures for, each in view at once (none behind a tab):
    in two columns on the right."""
    names = [name for name, dock in window.docks.items()
             if name in window.panels and not dock.isHidden()]
    for name in names:
        window.removeDockWidget(window.docks[name])
    half = (len(names) + 1) // 2
    for i, name in enumerate(names):
        dock = window.docks[name]
        if i < half:
            window.addDockWidget(Qt.RightDockWidgetArea, dock, Qt.Vertical)
        else:  # beside the one of the first column in the same row
            window.splitDockWidget(window.docks[names[i - half]], dock, Qt.Horizontal)
        dock.show()
    window._update_visuals()
    return names


def shown_panels(window) -> list[str]:
    return [name for name in window.panels if dock_shown(window.docks[name])]


def _open(target: str, folder: str):
    """The window on ``target``, its training process ready, set to train at full speed for
    as long as it is measured."""
    app = make_app()
    settings = QSettings(str(Path(folder) / "bench.ini"), QSettings.IniFormat)
    window = open_window(target, settings=settings)
    window.doc.project.apply_setting("epochs", 1_000_000)
    window.doc.set_pace(0)
    _wait(app, lambda: window.bridge.is_ready and window.panels, 120)
    return app, window


def _open_training(target: str, folder: str):
    app, window = _open(target, folder)
    window.on_run()
    _wait(app, lambda: window.bridge.step_count > 0, 60)
    return app, window


def _close(app, window) -> None:
    window.bridge.shutdown()
    window.doc.undo_stack.setClean()
    window.close()
    app.processEvents()


def train_under_window(target: str, seconds: float, every_panel: bool = True,
                       raise_panel: str = "", rounds: int = 1,
                       between: Callable[[], tuple[float, float]] | None = None) -> dict:
    """Train ``target`` under the window, with every panel open or the ones the project
    shows by itself (and ``raise_panel`` brought to the front), ``rounds`` times
    ``seconds``. With ``between``, the run is paused after each round and ``between()`` (the
    steps per wall second and per CPU second of a loop run while the window is idle: a bare
    loop, the headless engine) is called, so that each round has its own pair and drift in
    the machine's speed weighs on both. Per CPU second counts the training thread's own
    time, whatever else the machine runs."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as folder:
        app, window = _open_training(target, folder)
        if every_panel:
            open_every_panel(window)
        elif raise_panel:
            window.docks[raise_panel].show()
            window.docks[raise_panel].raise_()
            window._update_visuals()
        shown = shown_panels(window)
        bridge, scheduler = window.bridge, window.scheduler
        _wait(app, lambda: False, 1.0)  # past the first frames and the first snapshots
        rates, cpu_rates, pairs, painted = [], [], [], []
        frames = elapsed = received = 0.0
        for _ in range(rounds):
            # speed and frames with nothing but the window running
            frames0, latencies = scheduler.frames, len(scheduler.paint_latency_ms)
            received0 = bridge.process.received_bytes
            steps0, start, status0 = bridge.step_count, time.perf_counter(), bridge.status
            _wait(app, lambda: False, seconds)
            span = time.perf_counter() - start
            rates.append((bridge.step_count - steps0) / span)
            status = bridge.status
            if status0 is not None and status.cpu_seconds > status0.cpu_seconds:
                cpu_rates.append((status.step - status0.step)
                                 / (status.cpu_seconds - status0.cpu_seconds))
            frames += scheduler.frames - frames0
            elapsed += span
            received += bridge.process.received_bytes - received0
            painted += scheduler.paint_latency_ms[latencies:]
            if between is not None:
                window.on_pause()
                _wait(app, lambda: window.state == "paused", 10)
                pairs.append(between())
                window.on_run()
                _wait(app, lambda: window.state == "running", 10)
                _wait(app, lambda: False, 0.5)
        # the lateness in its own phase: a 10 ms probe wakes the window 100 times a second
        probe = LatenessProbe()
        probe.start()
        _wait(app, lambda: False, min(seconds, 4.0))
        probe.stop()
        _close(app, window)
    ratios = [r / b[0] for r, b in zip(rates, pairs, strict=False) if b[0] > 0]
    cpu_ratios = [r / b[1] for r, b in zip(cpu_rates, pairs, strict=False) if b[1] > 0]
    return {"steps_per_s": statistics.median(rates), "fps": frames / elapsed,
            "ratio": statistics.median(ratios) if ratios else None,
            "cpu_ratio": statistics.median(cpu_ratios) if cpu_ratios else None,
            "between": [b[0] for b in pairs],
            "panels": ", ".join(shown), "paint_ms_p99": quantile(painted, 0.99),
            "paint_ms_p50": quantile(painted, 0.5), "received_mb_per_s": received / elapsed / 1e6,
            "lateness_p50_ms": quantile(probe.late_ms, 0.5),
            "lateness_p99_ms": quantile(probe.late_ms, 0.99)}


def control_latencies(target: str, rounds: int = 10) -> dict[str, list[float]]:
    """Milliseconds from Run to the first step done, and from Stop to the run's thread
    ended in the training process, ``rounds`` times each."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    first, stops = [], []
    with tempfile.TemporaryDirectory() as folder:
        app, window = _open(target, folder)
        bridge = window.bridge
        for _ in range(rounds):
            began = time.perf_counter()
            window.on_run()
            _wait(app, lambda: bridge.first_step_at is not None, 60)
            first.append((bridge.first_step_at - began) * 1000.0)
            _wait(app, lambda: False, 0.3)
            began = time.perf_counter()
            bridge.shutdown()
            stops.append((time.perf_counter() - began) * 1000.0)
            window.on_reset()
            _wait(app, lambda: False, 0.1)
        _close(app, window)
    return {"run_to_first_step_ms": first, "stop_ms": stops}


def panel_cost(preset: str, panel: str, seconds: float, rounds: int = 3) -> dict[str, float]:
    """Steps/s under the window with ``panel`` shown and hidden, alternating ``rounds`` times;
    the curves stay open throughout. Returns the median of the paired ratios."""

    def show(window, shown: bool) -> None:
        dock = window.docks[panel]
        dock.setVisible(shown)
        if shown:
            dock.raise_()

    return _paired_rates(preset, show, seconds, rounds)


def unit_pictures_cost(preset: str, seconds: float, rounds: int = 3) -> dict[str, float]:
    """Steps/s under the window with each hidden unit's picture on its block (View → Unit
    pictures on the blocks) and without, alternating ``rounds`` times, the preset's own
    panels open throughout."""

    def show(window, shown: bool) -> None:
        if window.units_on != shown:
            window.act_units.trigger()

    return _paired_rates(preset, show, seconds, rounds)


def _paired_rates(preset: str, show, seconds: float, rounds: int) -> dict[str, float]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as folder:
        app, window = _open_training(preset, folder)
        bridge = window.bridge
        on, off = [], []
        for _ in range(rounds):
            for shown, rates in ((True, on), (False, off)):
                show(window, shown)
                window._update_visuals()
                _wait(app, lambda: False, 0.5)  # the engine hears of it; first pictures drawn
                start_steps, start = bridge.step_count, time.perf_counter()
                _wait(app, lambda: False, seconds)
                rates.append((bridge.step_count - start_steps) / (time.perf_counter() - start))
        _close(app, window)
    ratios = [a / b for a, b in zip(on, off, strict=True) if b > 0]
    return {"shown_steps_per_s": statistics.median(on),
            "hidden_steps_per_s": statistics.median(off),
            "ratio": statistics.median(ratios) if ratios else 0.0}


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
