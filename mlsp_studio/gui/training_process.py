"""The training process as the window sees it: a child started with ``spawn``, two pipes, and
a thread that reads its events. No Qt and no torch here; the bridge turns this into signals.

A process is started when a window opens and imports torch while the person looks at the
window. When a window closes, its process goes back to a small pool, warm, for the next
window (the tests and the bench open many); the pool is emptied when the program ends.
"""

from __future__ import annotations

import atexit
import itertools
import multiprocessing
import shutil
import signal
import tempfile
import threading
from typing import Any, Protocol

from ..host.entry import child_main
from ..messages.events import Ready
from ..messages.wire import WireError, decode, encode

POOL_SIZE = 2  # idle processes kept warm
_run_numbers = itertools.count(1)  # unique in this program, whichever window starts the run


def next_run_number() -> int:
    return next(_run_numbers)


class Owner(Protocol):
    def file_events(self, events: tuple) -> None: ...
    def process_ended(self, pid: int, why: str) -> None: ...


def exit_words(code: int | None) -> str:
    """Why a process ended, in words, from its exit code."""
    if code is None:
        return "it stopped answering"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        if -code == signal.SIGKILL:
            return f"it was killed ({name}), perhaps because the machine ran out of memory"
        return f"it crashed ({name})"
    return f"it exited with status {code}"


class TrainingProcess:
    """One training process. ``owner`` hears its events and its end, in the reader thread."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.weights_dir = tempfile.mkdtemp(prefix="mlsp-weights-")
        commands_in, self._commands = ctx.Pipe(duplex=False)
        self._events, events_out = ctx.Pipe(duplex=False)
        self.process = ctx.Process(target=child_main, name="mlsp-training", daemon=True,
                                   args=(commands_in, events_out, self.weights_dir))
        self.process.start()
        commands_in.close()  # the child's ends: closed here so that its death reads as EOF
        events_out.close()
        self.ready: Ready | None = None
        self.received_bytes = 0
        self.ended = False
        self._expected_end = False
        self._lock = threading.Lock()
        self._owner: Owner | None = None
        self._send_lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, name="mlsp-events", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int | None:
        return self.process.pid

    @property
    def alive(self) -> bool:
        return not self.ended and self.process.is_alive()

    def set_owner(self, owner: Owner | None) -> None:
        with self._lock:
            self._owner = owner

    def send(self, message: dict[str, Any]) -> bool:
        """Send a command; False when the process is gone."""
        data = encode(message)
        try:
            with self._send_lock:
                self._commands.send_bytes(data)
        except (OSError, ValueError):
            return False
        return True

    def _read(self) -> None:
        while True:
            try:
                data = self._events.recv_bytes()
            except (EOFError, OSError):
                break
            self.received_bytes += len(data)
            try:
                events = decode(data)["events"]
            except (WireError, KeyError, TypeError):
                continue
            for _run, _at, event in events:
                if isinstance(event, Ready):
                    self.ready = event
            with self._lock:
                owner = self._owner
            if owner is not None:
                owner.file_events(events)
        self.process.join(2.0)
        self.ended = True
        with self._lock:
            owner = self._owner
        if owner is not None and not self._expected_end:
            owner.process_ended(self.pid or -1, exit_words(self.process.exitcode))

    def kill(self) -> None:
        """End the process now (a step that does not end); its owner is not told."""
        self._expected_end = True
        if self.process.is_alive():
            self.process.kill()
        self.process.join(2.0)

    def quit(self, timeout: float = 2.0) -> None:
        """Ask the process to end; kill it if it does not within ``timeout``."""
        self._expected_end = True
        self.send({"cmd": "quit"})
        self.process.join(timeout)
        if self.process.is_alive():
            self.kill()
        shutil.rmtree(self.weights_dir, ignore_errors=True)


_idle: list[TrainingProcess] = []
_all: list[TrainingProcess] = []


def acquire(owner: Owner) -> TrainingProcess:
    """A warm process from the pool, or a new one, now belonging to ``owner``."""
    while _idle:
        process = _idle.pop()
        if process.alive:
            process.set_owner(owner)
            return process
    process = TrainingProcess()
    process.set_owner(owner)
    _all.append(process)
    return process


def release(process: TrainingProcess) -> None:
    """Give a process back: its run is ended and it waits, warm, for the next window."""
    process.set_owner(None)
    if not process.alive:
        return
    process.send({"cmd": "stop", "run": -1})
    if len(_idle) < POOL_SIZE:
        _idle.append(process)
    else:
        process.quit()


def live_processes() -> list[TrainingProcess]:
    return [p for p in _all if p.alive]


@atexit.register
def _quit_all() -> None:
    for process in _all:
        if process.process.is_alive():
            process.quit(1.0)
        shutil.rmtree(process.weights_dir, ignore_errors=True)
    _idle.clear()
