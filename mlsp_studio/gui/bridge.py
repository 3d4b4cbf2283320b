"""Between the window and its training process: commands out, the latest news in.

The training process (``training_process``) trains; this side never imports torch. Its
reader thread files each batch of events under a lock (metrics are appended, and kept in the
window's own copy of the curves; every other kind replaces the last one of its kind) and,
only if the window has not been told yet, emits ``_news``. That signal reaches ``_on_news``,
a slot of this QObject, which lives in the GUI thread, so Qt queues it there. The window
then takes everything at once at its own drawing cadence.

Every run has a number; events of a run the window has already replaced are dropped.
"""

from __future__ import annotations

import itertools
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from ..messages.events import (
    Answered,
    Built,
    Ended,
    Failed,
    Finished,
    Kept,
    MetricsBatch,
    Ready,
    Reply,
    Status,
)
from ..model.project import Project

if TYPE_CHECKING:
    from ..messages.history import MetricHistory
    from .training_process import TrainingProcess

STOP_TIMEOUT_S = 1.0  # a step that has not ended by then is ended with its process
KEEP_TIMEOUT_S = 10.0  # as long again to write the weights of a run that is kept


def assert_gui_thread(where: str) -> None:
    """Widgets may only be touched from the GUI thread."""
    app = QCoreApplication.instance()
    if app is not None and QThread.currentThread() is not app.thread():
        raise AssertionError(f"{where} ran outside the GUI thread")


class Mail:
    """What arrived since the window last looked. ``made_at`` holds, per snapshot kind, when
    the training process made it (``time.monotonic``, the same clock in both processes)."""

    __slots__ = ("metrics", "snapshots", "made_at", "status", "built", "finished")

    def __init__(self) -> None:
        self.metrics: list[tuple[int, str, str, float]] = []
        self.snapshots: dict[str, Any] = {}
        self.made_at: dict[str, float] = {}
        self.status = None
        self.built = None
        self.finished = None


class EngineBridge(QObject):
    """The window's handle on its training process.

    Signals (all emitted in the GUI thread):
      ``ready()`` — the training process has loaded PyTorch; Run can be enabled;
      ``loadFailed(str)`` — no training process could be started;
      ``news()`` — a mailbox is waiting in :meth:`take`;
      ``answered()`` — the pictures a changed option asked for (a new prompt) all arrived;
      ``crashed(str)`` — the training process ended on its own, why in words (a fresh one
      is started at once);
      ``replied(int, bool, str)`` — the answer to :meth:`request` number n.
    """

    ready = Signal()
    loadFailed = Signal(str)
    news = Signal()
    answered = Signal()
    crashed = Signal(str)
    replied = Signal(int, bool, str)
    _news = Signal()
    _answered = Signal()
    _loaded = Signal()
    _died = Signal(int, str)
    _failed = Signal(str)
    _replied = Signal(int, bool, str)

    instances: weakref.WeakSet[EngineBridge] = weakref.WeakSet()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._mail = Mail()
        self._told = False
        self.process: TrainingProcess | None = None
        self._is_ready = False
        self.load_error = ""  # why no training process could start, in words
        self._pending: list[dict[str, Any]] = []  # commands held until the process is ready
        self.run_number = 0      # the current run's number (0: none yet)
        self.active = False      # a run was started and has not ended
        self.step_count = 0      # the current run's step, as last heard
        self.first_step_at: float | None = None  # when the run's first step was heard of
        self.status: Status | None = None  # the current run's last status
        self.history: MetricHistory | None = None  # the current run's curves, as heard
        self.kept: dict[int, dict[int, dict[str, str]]] = {}  # run → step → network → file
        self.fork_weights: dict[str, str] | None = None  # next start only: network → file
        self.started_from_weights = False
        self.pace = 0.0
        self._visual_kinds: frozenset[str] = frozenset()
        self._visual_every = 0.25
        self._ended = threading.Event()
        self._requests = itertools.count(1)
        self._news.connect(self._on_news)
        self._answered.connect(self._on_answered)
        self._loaded.connect(self._on_loaded)
        self._died.connect(self._on_died)
        self._failed.connect(self._on_failed)
        self._replied.connect(self.replied)
        EngineBridge.instances.add(self)

    # -- the training process ------------------------------------------------------------
    def load_engine(self) -> None:
        """Start (or take a warm) training process; ``ready`` follows once torch is in."""
        if self.process is not None:
            return
        from . import training_process  # multiprocessing: after the window's first paint

        self.load_error = ""
        try:
            self.process = training_process.acquire(self)
        except OSError as err:
            self.load_error = f"The training process could not be started: {err}"
            self.loadFailed.emit(self.load_error)
            return
        if self.process.ready is not None:
            self._loaded.emit()

    @Slot()
    def _on_loaded(self) -> None:
        assert_gui_thread("EngineBridge._on_loaded")
        if self._is_ready or self.process is None or self.process.ready is None:
            return
        self._is_ready = True
        pending, self._pending = self._pending, []
        for message in pending:
            self.process.send(message)
        self.ready.emit()

    @property
    def is_ready(self) -> bool:
        return self._is_ready

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def _send(self, message: dict[str, Any]) -> None:
        if self._is_ready and self.process is not None:
            self.process.send(message)
        else:
            self._pending.append(message)

    def _replace_process(self, kill: bool, fresh: bool = True) -> None:
        """Let the current process go (killed, or already dead) and start a fresh one."""
        old, self.process = self.process, None
        self._is_ready = False
        self._pending.clear()
        if old is not None:
            old.set_owner(None)
            if kill:
                old.kill()
        if fresh:
            self.load_engine()

    @Slot(int, str)
    def _on_died(self, pid: int, why: str) -> None:
        assert_gui_thread("EngineBridge._on_died")
        if self.process is None or self.process.pid != pid:
            return  # one already let go
        self.active = False
        if self.process.ready is None:  # it never started: starting another would fail too
            self._replace_process(kill=False, fresh=False)
            self.load_error = f"The training process could not start: {why}"
            self.loadFailed.emit(self.load_error)
            return
        self._replace_process(kill=False)
        self.crashed.emit(why)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        assert_gui_thread("EngineBridge._on_failed")
        self._replace_process(kill=True, fresh=False)
        self.load_error = message
        self.loadFailed.emit(message)

    def release(self) -> None:
        """The window closes: end the run and give the process back, warm."""
        self.shutdown(STOP_TIMEOUT_S, fresh=False)
        process, self.process = self.process, None
        self._is_ready = False
        if process is not None:
            from .training_process import release

            release(process)

    # -- the run -------------------------------------------------------------------------
    def start(self, project: Project, running: bool = True) -> int:
        """A fresh run of ``project``, running or paused; returns its number."""
        if self.process is None:
            raise RuntimeError("the training process is not started")
        from ..messages.history import MetricHistory
        from .training_process import next_run_number

        self.shutdown()
        run = next_run_number()
        with self._lock:
            self.run_number, self.active, self.step_count = run, True, 0
            self.first_step_at = self.status = None
            self._mail, self._told = Mail(), False
            self.history = MetricHistory()
        weights, self.fork_weights = self.fork_weights, None
        self.started_from_weights = weights is not None  # trained weights even at step 0
        self._send({"cmd": "start", "run": run, "project": project.to_json(),
                    "running": running, "visuals": sorted(self._visual_kinds),
                    "every": self._visual_every, "pace": self.pace,
                    "init_weights": weights})
        return run

    def _control(self, cmd: str, **fields: Any) -> None:
        if self.active:
            self._send({"cmd": cmd, "run": self.run_number, **fields})

    def run(self) -> None:
        self._control("run")

    def pause(self) -> None:
        self._control("pause")

    def step(self) -> None:
        """Exactly one optimisation step, then paused."""
        self._control("step")

    def set_visuals(self, kinds: set[str], every_s: float) -> None:
        """Ask only for what an open panel shows; closed panels cost training nothing."""
        self._visual_kinds, self._visual_every = frozenset(kinds), every_s
        self._control("visuals", kinds=sorted(kinds), every=every_s)

    def set_visual_option(self, name: str, value: Any) -> None:
        self._control("option", name=name, value=value)

    def set_live(self, name: str, value: Any) -> None:
        """A setting of the running run changed (one of ``LIVE_SETTINGS``, or a dropout)."""
        self._control("live", name=name, value=value)

    def set_pace(self, steps_per_second: float) -> None:
        """Steps per second from the next step on (0: full speed); kept for later runs."""
        self.pace = max(0.0, float(steps_per_second))
        self._control("pace", rate=self.pace)

    def request(self, cmd: str, **fields: Any) -> int:
        """Ask the training process for ``save_weights`` or ``export_onnx``; the answer
        comes as ``replied(number, ok, sentence)``. Returns the number."""
        number = next(self._requests)
        self._send({"cmd": cmd, "request": number, **fields})
        return number

    def shutdown(self, timeout: float = STOP_TIMEOUT_S, fresh: bool = True,
                 keep: bool = False) -> bool:
        """End the current run and wait for it. A step that does not end within ``timeout``
        is ended with its process (and, with ``fresh``, another one starts); then False.
        With ``keep``, a run that has trained writes its weights first (``kept`` lists them
        by the time this returns)."""
        if not self.active:
            return True
        self.active = False
        if not self._is_ready or self.process is None or not self.process.alive:
            self._pending = [m for m in self._pending if m.get("run") != self.run_number]
            return True
        self._ended.clear()
        keep = keep and self.step_count > 0
        self.process.send({"cmd": "stop", "run": self.run_number, "keep": keep})
        if self._ended.wait(timeout + (KEEP_TIMEOUT_S if keep else 0.0)):
            return True
        self._replace_process(kill=True, fresh=fresh)
        return False

    # -- the mailbox ---------------------------------------------------------------------
    def file_events(self, events: tuple) -> None:
        """Runs in the reader thread: file the events; wake the window once."""
        answered = loaded = False
        replies, failures = [], []
        with self._lock:
            mail, current = self._mail, self.run_number
            for run, made_at, event in events:
                if isinstance(event, Ready):
                    loaded = True
                elif isinstance(event, Failed):
                    failures.append(event.message)
                elif isinstance(event, Reply):
                    replies.append(event)
                elif isinstance(event, Kept):
                    self.kept[run] = {step: dict(files) for step, files in event.files}
                elif isinstance(event, Ended):
                    if run == current:
                        self._ended.set()
                elif run != current:
                    continue  # a run already replaced
                elif isinstance(event, MetricsBatch):
                    mail.metrics.extend(event.records)
                    for record in event.records:
                        self.history.add(*record)
                        self.step_count = max(self.step_count, record[0])
                elif isinstance(event, Status):
                    mail.status = self.status = event
                    self.step_count = event.step
                elif isinstance(event, Built):
                    mail.built = event
                elif isinstance(event, Finished):
                    mail.finished = event
                elif isinstance(event, Answered):
                    answered = True
                else:
                    kind = getattr(event, "kind", "")
                    mail.snapshots[kind] = event
                    mail.made_at[kind] = made_at
            if self.step_count and self.first_step_at is None:
                self.first_step_at = time.perf_counter()
            tell = not self._told and not answered
            self._told = True
        if loaded:
            self._loaded.emit()
        for message in failures:
            self._failed.emit(message)
        for reply in replies:
            self._replied.emit(reply.request, reply.ok, reply.message)
        if answered:  # a person is waiting for these pictures: draw now, not at the next frame
            self._answered.emit()
        elif tell:
            self._news.emit()

    def process_ended(self, pid: int, why: str) -> None:
        """Runs in the reader thread: the process ``pid`` ended on its own."""
        self._died.emit(pid, why)

    @Slot()
    def _on_news(self) -> None:
        assert_gui_thread("EngineBridge._on_news")
        self.news.emit()

    @Slot()
    def _on_answered(self) -> None:
        assert_gui_thread("EngineBridge._on_answered")
        self.answered.emit()

    def take(self) -> Mail:
        """Everything since the last call (GUI thread)."""
        assert_gui_thread("EngineBridge.take")
        with self._lock:
            mail, self._mail = self._mail, Mail()
            self._told = False
        return mail

    def curve_records(self) -> list[tuple[int, str, str, float]]:
        """The current run's curves as heard so far."""
        with self._lock:
            return list(self.history.records()) if self.history is not None else []
