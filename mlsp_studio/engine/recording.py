"""A run's recording, written as it trains: every metric the history gets and the snapshots of
the kinds asked for, into ``<run>/recording/`` (the format: ``messages/recording_format.py``,
``docs/recording.md``), so a finished run can be replayed and a running one watched.

The writer is a sink: the engine's thread only files each event; a thread of the writer's
own writes them about once a second (``FLUSH_EVERY_S``), so training never waits on the disk:
new files first, whole, then the index that lists them replaces the old one
(``os.replace``), then the files it no longer lists go. A reader therefore never sees half
a record. The run's ``Finished`` is written at once, in the caller's thread.

Whatever the run's length it stays within ``budget_bytes`` (``RECORDING_BUDGET_BYTES``):
- snapshots: when the budget (or ``MAX_FRAMES`` of a kind) is reached, every other kept
  frame of the kind holding the most bytes goes, its first and latest kept, and that kind's
  least gap between frames doubles; the latest snapshot of each kind is always kept;
- metrics: each series keeps every ``stride``-th value and its latest; past ``MAX_POINTS``
  values its stride doubles and every other value goes (``MAX_CHUNKS`` chunks merge into
  one).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..messages.events import Finished, MetricsBatch, Status
from ..messages.recording_format import (
    FORMAT,
    INDEX,
    KIND_NAME,
    MAX_NAME,
    VERSION,
    frame_file,
    index_size,
    metrics_file,
)
from ..messages.wire import encode
from ..snapshots.base import Snapshot

RECORDING_BUDGET_BYTES = 50_000_000  # what one run's recording may take on disk
FLUSH_EVERY_S = 1.0    # how often what arrived is written
RECORD_EVERY_S = 1.0   # headless: how often each kind of snapshot is asked for
MAX_POINTS = 4096      # values a series keeps before its stride doubles
MAX_FRAMES = 1000      # frames a kind keeps before every other goes
MAX_CHUNKS = 64        # chunks of metrics before they are merged into one
MAX_FRAME_SHARE = 16   # a snapshot over budget / this is not kept (its kind is counted)

Sink = Callable[[Any], None]


class _Series:
    """One (set, metric): values kept on disk and waiting, as (arrival number, step, value)."""

    __slots__ = ("kept", "latest", "seen", "stride", "waiting")

    def __init__(self) -> None:
        self.seen, self.stride = 0, 1
        self.kept: list[tuple[int, int, float]] = []
        self.waiting: list[tuple[int, int, float]] = []
        self.latest: tuple[int, int, float] | None = None


class _Kind:
    """One kind's frames on disk ([step, file number, bytes, is the latest only]) and the
    snapshots waiting."""

    __slots__ = ("frames", "gap", "last_step", "latest", "waiting")

    def __init__(self) -> None:
        self.frames: list[list] = []
        self.gap = 0.0
        self.last_step: int | None = None
        self.waiting: list[Snapshot] = []
        self.latest: Snapshot | None = None


class RecordingWriter:
    """Records the events it is given (call it, or ``tee`` it before another sink) into
    ``folder`` (a run's ``recording/``; an older recording there is replaced). One writer
    records one run: a run started again needs a writer (and a folder) of its own."""

    def __init__(self, folder: str | os.PathLike, kinds: Iterable[str] = (),
                 budget_bytes: int = RECORDING_BUDGET_BYTES,
                 flush_every_s: float = FLUSH_EVERY_S) -> None:
        self.folder = Path(folder)
        self.budget = max(1 << 20, int(budget_bytes))
        self.flush_every_s = flush_every_s
        self.kinds: frozenset[str] = frozenset()
        self.set_kinds(kinds)
        self.ended, self.end_reason, self.last_step = False, "", 0
        self.problem = ""  # why recording stopped early (a disk full), in a sentence
        self.skipped: dict[str, int] = {}
        self._series: dict[tuple[str, str], _Series] = {}
        self._kinds: dict[str, _Kind] = {}
        self._chunks: list[list[int]] = []  # [records, file number, bytes]
        self._number = self._serial = 0
        self._doomed: list[Path] = []
        self._inbox: list[Any] = []
        self._inbox_lock = threading.Lock()  # the events waiting
        self._lock = threading.Lock()        # the rest
        self._stop = threading.Event()
        self._clear()
        self._write_index()
        self._thread = threading.Thread(target=self._keep_writing, name="mlsp-recording",
                                        daemon=True)
        self._thread.start()

    def set_kinds(self, kinds: Iterable[str]) -> None:
        """Record the snapshots of these kinds from now on (what the open panels show)."""
        self.kinds = frozenset(k for k in kinds if KIND_NAME.fullmatch(k))

    def tee(self, sink: Sink | None = None) -> Sink:
        """A sink that records each event, then hands it to ``sink`` (if any)."""
        def both(event: Any) -> None:
            self(event)
            if sink is not None:
                sink(event)
        return both

    @property
    def nbytes(self) -> int:
        """Bytes the current index lists, the index included."""
        return self._frame_bytes() + self._metric_bytes() + index_size(self.folder)

    # -- events ------------------------------------------------------------------------------
    def __call__(self, event: Any) -> None:
        """Take one event; it is written within ``flush_every_s`` by the writer's thread (a
        ``Finished`` at once, ending the recording)."""
        if self.ended or self.problem:
            return
        with self._inbox_lock:
            self._inbox.append(event)
        if isinstance(event, Finished):
            self._end(event.reason or "done")

    def flush(self) -> None:
        """Write what has arrived, now."""
        with self._lock:
            if not (self.ended or self.problem):
                self._flush()

    def close(self, reason: str = "stopped") -> None:
        """Write what has arrived and mark the run ended (a ``Finished`` event does too)."""
        self._end(reason)

    def discard(self) -> None:
        """Stop, and remove the recording's folder (a failed run leaves nothing behind)."""
        self._stop.set()
        with self._lock:
            self.problem = self.problem or "the recording was discarded"
        shutil.rmtree(self.folder, ignore_errors=True)

    def _end(self, reason: str) -> None:
        self._stop.set()
        with self._lock:
            if not (self.ended or self.problem):
                self._flush(ended=reason)
        if threading.current_thread() is not self._thread:
            self._thread.join(5.0)

    def _keep_writing(self) -> None:
        """The writer's thread: what arrived, written every ``flush_every_s``."""
        while not self._stop.wait(self.flush_every_s):
            self.flush()

    def _drain(self) -> bool:
        """Take the events waiting; False when there were none."""
        with self._inbox_lock:
            events, self._inbox = self._inbox, []
        for event in events:
            if isinstance(event, MetricsBatch):
                self._take_metrics(event.records)
            elif isinstance(event, Snapshot):
                self._take_snapshot(event)
            elif isinstance(event, Status | Finished):
                self.last_step = max(self.last_step, int(event.step))
        return bool(events)

    def _take_metrics(self, records) -> None:
        series = self._series
        last = self.last_step
        for step, split, metric, value in records:
            one = series.get((split, metric))
            if one is None:
                one = series[(split, metric)] = _Series()
            n = one.seen
            one.seen = n + 1
            if n % one.stride == 0:
                one.waiting.append((n, step, value))
                one.latest = None
            else:
                one.latest = (n, step, value)
            if step > last:
                last = step
        self.last_step = last

    def _take_snapshot(self, snap: Snapshot) -> None:
        if snap.kind not in self.kinds:
            return
        kind = self._kinds.setdefault(snap.kind, _Kind())
        step = int(snap.step)
        newest = kind.waiting[-1].step if kind.waiting else (
            kind.frames[-1][0] if kind.frames else -1)
        if kind.latest is not None:
            newest = max(newest, kind.latest.step)
        if step < newest:
            return  # older than one kept (a run started again): the index stays in order
        self.last_step = max(self.last_step, step)
        if kind.last_step is None or step >= kind.last_step + kind.gap:
            kind.waiting.append(snap)
            kind.last_step, kind.latest = step, None
        else:
            kind.latest = snap  # shown until a frame on the schedule comes

    # -- writing -----------------------------------------------------------------------------
    def _flush(self, ended: str = "") -> None:
        """Take the events waiting and write them (nothing when none came, unless the run
        has ``ended``, with that reason)."""
        try:
            if not self._drain() and not ended:
                return
            self._write_frames()
            self._write_metrics()
            self._keep_within_budget()
            if ended:
                self.ended, self.end_reason = True, ended
            self._write_index()
        except Exception as err:  # a full disk, a snapshot that cannot travel: training goes on
            self.problem = (f"the recording in {self.folder} stopped: "
                            f"{getattr(err, 'strerror', None) or err}")
            return
        for path in self._doomed:
            path.unlink(missing_ok=True)
        self._doomed.clear()

    def _next_number(self) -> int:
        self._number += 1
        return self._number

    def _write_frames(self) -> None:
        for name, kind in self._kinds.items():
            if not kind.waiting and kind.latest is None:
                continue
            if kind.frames and kind.frames[-1][3]:  # the latest only: a newer one replaces it
                self._doomed.append(frame_file(self.folder, kind.frames.pop()[1]))
            for snap in kind.waiting:
                self._write_frame(name, kind, snap, False)
            if kind.latest is not None:
                self._write_frame(name, kind, kind.latest, True)
            kind.waiting, kind.latest = [], None

    def _write_frame(self, name: str, kind: _Kind, snap: Snapshot, latest: bool) -> None:
        message = encode(snap)
        if len(message) > self.budget // MAX_FRAME_SHARE:
            self.skipped[name] = self.skipped.get(name, 0) + 1
            return
        number = self._next_number()
        size = _write_npz(frame_file(self.folder, number),
                          message=np.frombuffer(message, dtype=np.uint8))
        kind.frames.append([int(snap.step), number, size, latest])

    def _write_metrics(self) -> None:
        rows = []
        for k, one in enumerate(self._series.values()):
            fresh = one.waiting
            if one.latest is not None:
                fresh.append(one.latest)
                one.latest = None
            rows.extend((k, step, value) for _, step, value in fresh)
            one.kept.extend(fresh)
            one.waiting = []
        if rows:
            self._chunks.append(self._write_chunk(rows))
        if len(self._chunks) > MAX_CHUNKS or any(
                len(one.kept) > MAX_POINTS + MAX_CHUNKS for one in self._series.values()):
            self._merge_metrics()

    def _write_chunk(self, rows: list[tuple[int, int, float]]) -> list[int]:
        number = self._next_number()
        series, steps, values = zip(*rows, strict=True)
        size = _write_npz(metrics_file(self.folder, number),
                          step=np.asarray(steps, dtype="<i8"),
                          series=np.asarray(series, dtype="<i4"),
                          value=np.asarray(values, dtype="<f8"))
        return [len(rows), number, size]

    def _merge_metrics(self, halve: bool = False) -> None:
        """One chunk for every series: each thinned to at most ``MAX_POINTS`` values on its
        stride (with ``halve``, its stride doubled), its latest value kept."""
        rows = []
        for k, one in enumerate(self._series.values()):
            if halve and len(one.kept) > 2:
                one.stride *= 2
            while sum(1 for n, _, _ in one.kept if n % one.stride == 0) > MAX_POINTS:
                one.stride *= 2
            last = one.kept[-1] if one.kept else None
            one.kept = [p for p in one.kept if p[0] % one.stride == 0]
            if last is not None and (not one.kept or one.kept[-1] is not last):
                one.kept.append(last)
            rows.extend((k, step, value) for _, step, value in one.kept)
        self._doomed.extend(metrics_file(self.folder, c[1]) for c in self._chunks)
        self._chunks = [self._write_chunk(rows)] if rows else []

    def _keep_within_budget(self) -> None:
        for kind in self._kinds.values():
            while len(kind.frames) > MAX_FRAMES:
                self._thin(kind)
        total = self._frame_bytes() + self._metric_bytes() + self._index_bytes()
        while total > self.budget:
            thinnable = [k for k in self._kinds.values() if len(k.frames) > 2]
            if thinnable:
                self._thin(max(thinnable, key=lambda k: sum(f[2] for f in k.frames)))
            elif any(len(one.kept) > 2 for one in self._series.values()):
                self._merge_metrics(halve=True)
            before, total = total, (self._frame_bytes() + self._metric_bytes()
                                    + self._index_bytes())
            if total >= before:
                break  # nothing left to thin (a few frames, each under budget / 16)

    def _thin(self, kind: _Kind) -> None:
        """Every other frame of ``kind`` goes, the first and the latest kept."""
        frames, last = kind.frames, len(kind.frames) - 1
        kept = [f for i, f in enumerate(frames) if i % 2 == 0 or i == last]
        self._doomed.extend(frame_file(self.folder, f[1])
                            for i, f in enumerate(frames) if not (i % 2 == 0 or i == last))
        span = kept[-1][0] - kept[0][0]
        kind.gap = max(2.0 * kind.gap, span / max(1, len(kept) - 1))
        kind.frames = kept

    def _frame_bytes(self) -> int:
        return sum(f[2] for kind in self._kinds.values() for f in kind.frames)

    def _metric_bytes(self) -> int:
        return sum(c[2] for c in self._chunks)

    def _index_bytes(self) -> int:
        frames = sum(len(kind.frames) for kind in self._kinds.values())
        return 1024 + 32 * (frames + len(self._chunks)) + 48 * len(self._series)

    def _write_index(self) -> None:
        self._serial += 1
        index = {"format": FORMAT, "version": VERSION, "serial": self._serial,
                 "ended": self.ended, "end_reason": self.end_reason,
                 "last_step": int(self.last_step), "budget_bytes": self.budget,
                 "kinds": sorted(self.kinds),
                 "frames": {name: [f[:3] for f in kind.frames]
                            for name, kind in self._kinds.items() if kind.frames},
                 "series": [[split[:MAX_NAME], metric[:MAX_NAME]]
                            for split, metric in self._series],
                 "metrics": self._chunks, "skipped": self.skipped,
                 "updated": round(time.time(), 3)}
        text = json.dumps(index, separators=(",", ":"))
        temporary = self.folder / (INDEX + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, self.folder / INDEX)

    def _clear(self) -> None:
        """Make the folder, removing an older recording's files from it."""
        for part in ("frames", "metrics"):
            (self.folder / part).mkdir(parents=True, exist_ok=True)
            for old in (self.folder / part).glob("*.npz"):
                old.unlink(missing_ok=True)
        (self.folder / INDEX).unlink(missing_ok=True)


def _write_npz(path: Path, **arrays: np.ndarray) -> int:
    """Write ``arrays`` as an uncompressed npz at ``path``; its size in bytes."""
    with path.open("wb") as handle:
        np.savez(handle, **arrays)
        return handle.tell()

