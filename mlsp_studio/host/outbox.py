"""The training process's side of the event pipe: file events as they come, send them from a
thread of its own, and keep only the newest picture of each kind while the window is busy.

The engine's sink only appends to a list under a lock, so training never waits for the
window. A sender thread takes everything waiting, encodes it as one message (``wire``) and
writes it to the pipe. If the window reads slowly, waiting events are merged: metrics into
one batch, a status or a snapshot replaces an older one of its kind (until an event that
must keep its place, such as Built, Answered or Finished).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from ..messages.events import MetricsBatch, Status
from ..messages.wire import WireError, encode
from ..snapshots.kinds import Snapshot

Entry = list  # [run, monotonic seconds when filed, event]
GATHER_S = 0.004  # after the first event, wait this long for the rest of the engine's tick


def _merge_key(event: Any) -> str | None:
    """Events of one key replace each other; None: the event keeps its place."""
    if isinstance(event, Snapshot):
        return "snapshot:" + event.kind
    if isinstance(event, Status):
        return "status"
    return None


def _keeps_place(event: Any) -> bool:
    """Built, Answered, Finished and the like: nothing filed after them may overtake them."""
    return _merge_key(event) is None and not isinstance(event, MetricsBatch)


class Outbox:
    """Events for the window, sent by ``send`` (bytes → None) from a thread of their own."""

    def __init__(self, send: Callable[[bytes], None]) -> None:
        self._send = send
        self._items: list[Entry] = []
        self._cond = threading.Condition()
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name="mlsp-outbox", daemon=True)
        self._thread.start()

    def put(self, run: int, event: Any) -> None:
        """File ``event`` of run ``run`` (any thread); never waits for the window."""
        now = time.monotonic()
        with self._cond:
            items = self._items
            if isinstance(event, MetricsBatch):  # into the waiting batch, if any
                for entry in reversed(items):
                    if isinstance(entry[2], MetricsBatch) and entry[0] == run:
                        entry[2] = MetricsBatch(entry[2].records + event.records)
                        return
                    if _keeps_place(entry[2]):
                        break
            elif (key := _merge_key(event)) is not None:  # replaces the waiting one of its kind
                for i in range(len(items) - 1, -1, -1):
                    if _keeps_place(items[i][2]):
                        break
                    if items[i][0] == run and _merge_key(items[i][2]) == key:
                        del items[i]
                        break
            items.append([run, now, event])
            self._cond.notify()

    def close(self, timeout: float = 2.0) -> None:
        """Send what is waiting, then stop the thread."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._items and not self._closed:
                    self._cond.wait()
            # the engine files a tick's metrics, status and pictures one after the other:
            # one message for all of them, and one wake-up of this thread, not several
            time.sleep(GATHER_S)
            with self._cond:
                batch, self._items = self._items, []
                closing = self._closed
            if batch:
                data = _encode(batch)
                try:
                    self._send(data)
                except (OSError, EOFError, ValueError):
                    return  # the window is gone; the process ends when its commands do
            if closing:
                return


def _encode(batch: list[Entry]) -> bytes:
    """The batch as one message; an event that cannot travel is left out and named on
    stderr (a bug to fix, never a reason to stop sending the rest)."""
    try:
        return encode({"events": batch})
    except WireError:
        kept = []
        for entry in batch:
            try:
                encode({"events": [entry]})
            except WireError as err:
                print(f"mlsp-studio: an event was not sent to the window: {err}",
                      file=sys.stderr)
                continue
            kept.append(entry)
        return encode({"events": kept})
