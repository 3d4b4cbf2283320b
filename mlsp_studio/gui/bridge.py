"""Between the training thread and the window: a mailbox that keeps only the latest news.

The engine's sink runs in the worker thread. It files each event under a lock (metrics are
appended, every other kind replaces the last one of its kind) and, only if the window has not
been told yet, emits ``_news``. That signal reaches ``_on_news``, a slot of this QObject, which
lives in the GUI thread, so Qt queues it there. The window then takes everything at once at
its own drawing cadence. The worker never touches a widget; the window never touches torch.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from ..spec.project import Project


def assert_gui_thread(where: str) -> None:
    """Widgets may only be touched from the GUI thread."""
    app = QCoreApplication.instance()
    if app is not None and QThread.currentThread() is not app.thread():
        raise AssertionError(f"{where} ran outside the GUI thread")


class Mail:
    """What arrived since the window last looked."""

    __slots__ = ("metrics", "snapshots", "status", "built", "finished")

    def __init__(self) -> None:
        self.metrics: list[tuple[int, str, str, float]] = []
        self.snapshots: dict[str, Any] = {}
        self.status = None
        self.built = None
        self.finished = None


class EngineBridge(QObject):
    """Owns the engine; loads torch in the background; passes news to the GUI thread.

    Signals (all emitted in the GUI thread):
      ``ready()`` — torch and the engine are imported, Run can be enabled;
      ``loadFailed(str)`` — torch could not be imported;
      ``news()`` — a mailbox is waiting in :meth:`take`;
      ``answered()`` — the pictures a changed option asked for (a new prompt) all arrived.
    """

    ready = Signal()
    loadFailed = Signal(str)
    news = Signal()
    answered = Signal()
    _news = Signal()
    _answered = Signal()
    _loaded = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self._mail = Mail()
        self._told = False
        self.engine = None
        self._engine_module = None
        self._visual_kinds: frozenset[str] = frozenset()
        self._visual_every = 0.25
        self.fork_weights = None  # starting weights for the next start only (a forked run)
        self._news.connect(self._on_news)
        self._answered.connect(self._on_answered)
        self._loaded.connect(self._on_loaded)
        self._loader: threading.Thread | None = None

    # -- torch in the background ---------------------------------------------------------
    def load_engine(self) -> None:
        """Import torch and the engine in a thread so the window can show first."""
        if self._engine_module is not None or self._loader is not None:
            return
        self._loader = threading.Thread(target=self._import_engine, name="mlsp-torch-loader",
                                        daemon=True)
        self._loader.start()

    def _import_engine(self) -> None:
        try:
            from mlsp_studio.engine.runtime import warm_up  # imports torch

            warm_up()
            message = ""
        except Exception as err:  # a broken torch install must not take the window down
            message = f"PyTorch could not be loaded: {err}"
        self._loaded.emit(message)

    @Slot(str)
    def _on_loaded(self, message: str) -> None:
        assert_gui_thread("EngineBridge._on_loaded")
        if self._loader is not None:
            self._loader.join()
            self._loader = None
        if message:
            self.loadFailed.emit(message)
            return
        import mlsp_studio.engine as engine_module

        self._engine_module = engine_module
        self.ready.emit()

    @property
    def is_ready(self) -> bool:
        return self._engine_module is not None

    # -- the run -------------------------------------------------------------------------
    def start(self, project: Project, running: bool = True, threads: int | None = None) -> None:
        """A fresh engine for ``project`` (built in the worker), running or paused."""
        if self._engine_module is None:
            raise RuntimeError("the engine is not loaded yet")
        self.shutdown()
        with self._lock:
            self._mail = Mail()
            self._told = False
        weights, self.fork_weights = self.fork_weights, None
        engine = self._engine_module.Engine(project, self._sink, threads=threads,
                                            init_weights=weights)
        engine.request_visuals(set(self._visual_kinds), self._visual_every)
        self.engine = engine
        engine.start(running=running, build_in_worker=True)

    def run(self) -> None:
        if self.engine is not None:
            self.engine.run()

    def pause(self) -> None:
        if self.engine is not None:
            self.engine.pause()

    def step(self) -> None:
        if self.engine is not None:
            self.engine.step()

    def set_visuals(self, kinds: set[str], every_s: float) -> None:
        """Ask only for what an open panel shows; closed panels cost training nothing."""
        self._visual_kinds, self._visual_every = frozenset(kinds), every_s
        if self.engine is not None:
            self.engine.request_visuals(set(kinds), every_s)

    def set_visual_option(self, name: str, value: Any) -> None:
        if self.engine is not None:
            self.engine.set_visual_option(name, value)

    def shutdown(self, timeout: float = 1.0) -> bool:
        """Stop the worker and wait for it; True when no thread is left."""
        engine, self.engine = self.engine, None
        if engine is None:
            return True
        engine.stop()
        return engine.join(timeout)

    @property
    def alive(self) -> bool:
        return self.engine is not None and self.engine.alive

    # -- the mailbox ---------------------------------------------------------------------
    def _sink(self, event: Any) -> None:
        """Runs in the worker thread: file the event; wake the window once."""
        engine_module = self._engine_module
        with self._lock:
            mail = self._mail
            if isinstance(event, engine_module.MetricsBatch):
                mail.metrics.extend(event.records)
            elif isinstance(event, engine_module.Status):
                mail.status = event
            elif isinstance(event, engine_module.Built):
                mail.built = event
            elif isinstance(event, engine_module.Finished):
                mail.finished = event
            elif isinstance(event, engine_module.Answered):
                # a person is waiting for these pictures: draw now, not at the next frame
                self._told = True
                self._answered.emit()
                return
            else:
                mail.snapshots[getattr(event, "kind", "")] = event
            if self._told:
                return
            self._told = True
        self._news.emit()

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
