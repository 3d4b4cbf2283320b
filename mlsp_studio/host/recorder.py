"""The window's runs recorded too: what the open panels show, into the run's own folder of
the training process (``<weights root>/run-N/recording``), so a run trained in the window can
be replayed on the timeline like a headless one. The window asks for pictures up to every
frame; the recording keeps one of each kind every ``EVERY_S`` at most, so it costs the
training little."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ..engine.recording import RecordingWriter
from ..messages.events import Finished
from ..snapshots.base import Snapshot

EVERY_S = 0.5


class WindowRecorder:
    """A sink in front of the outbox's: every event goes on; the recording takes every
    metric, and a snapshot of a kind when ``EVERY_S`` has passed since the last one kept."""

    def __init__(self, folder: Path, kinds: Iterable[str], forward: Callable[[Any], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.writer = RecordingWriter(folder, kinds)
        self.forward, self.clock = forward, clock
        self._last: dict[str, float] = {}
        self._held: dict[str, Snapshot] = {}  # the latest not kept, for the run's end

    def __call__(self, event: Any) -> None:
        if isinstance(event, Snapshot):
            now = self.clock()
            if event.kind not in self._last or now - self._last[event.kind] >= EVERY_S:
                self._last[event.kind] = now
                self._held.pop(event.kind, None)
                self.writer(event)
            else:
                self._held[event.kind] = event
        else:
            if isinstance(event, Finished):
                self._write_held()  # the pictures of the final weights
            self.writer(event)
        self.forward(event)

    def _write_held(self) -> None:
        for snapshot in self._held.values():
            self.writer(snapshot)
        self._held.clear()

    def set_kinds(self, kinds: Iterable[str]) -> None:
        self.writer.set_kinds(kinds)

    def close(self) -> None:
        """The run ended without finishing: what was recorded is kept, marked stopped."""
        if not self.writer.ended:
            self._write_held()
            self.writer.close("stopped")
