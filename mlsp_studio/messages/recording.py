"""Reading a run's recording: its metrics up to a step and the snapshot of each kind nearest
at or before a step, from a finished run or one still being written. Plain Python and numpy
(the window's process reads it without torch); every file is checked before it is believed
(``recording_format.py``), and nothing is unpickled.

A reader trusts only what the index lists. ``refresh()`` reads the index again when the
writer has replaced it; a frame the writer thinned meanwhile is looked up again in the new
index.
"""

from __future__ import annotations

import bisect
import os
from pathlib import Path

import numpy as np

from ..snapshots.base import Snapshot
from .recording_format import (
    FOLDER,
    FRAME_ARRAY,
    INDEX,
    MAX_INDEX_BYTES,
    METRIC_ARRAYS,
    Index,
    RecordGone,
    RecordingError,
    frame_file,
    index_size,
    metrics_file,
    parse_index,
    read_arrays,
)
from .wire import WireError, decode

__all__ = ["Recording", "RecordingError", "find_recording"]

Record = tuple[int, str, str, float]
CACHED_FRAMES = 64  # snapshots kept decoded, the oldest read going first


def find_recording(folder: str | os.PathLike) -> Path:
    """The recording folder of ``folder``: a run folder (``<run>/recording``) or the
    recording folder itself. :class:`RecordingError` when neither holds one."""
    folder = Path(folder)
    for candidate in (folder / FOLDER, folder):
        if (candidate / INDEX).is_file():
            return candidate
    if not folder.exists():
        raise RecordingError(f"{folder} does not exist")
    if not folder.is_dir():
        raise RecordingError(f"{folder} is not a folder")
    raise RecordingError(f"{folder} holds no recording (no {FOLDER}/{INDEX}); runs record "
                         "unless started with --no-recording")


class Recording:
    """An open recording. Raises :class:`RecordingError` (a ``StudioError``), with a
    sentence, for a folder that is not one or a file that does not match its index."""

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = find_recording(folder)
        self._stamp: tuple[int, int, int] | None = None
        self._index: Index | None = None
        self._chunks: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._frames: dict[tuple[str, int], Snapshot] = {}
        self.refresh()

    # -- the index -------------------------------------------------------------------------
    def refresh(self) -> bool:
        """Read the index again if the writer has replaced it; True when it had."""
        path = self.folder / INDEX
        try:
            with path.open("rb") as handle:  # one open: the whole of one index, never a mix
                info = os.fstat(handle.fileno())
                stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
                if stamp == self._stamp:
                    return False
                index = parse_index(handle.read(MAX_INDEX_BYTES + 1),
                                    f"{self.folder}")
        except FileNotFoundError:
            raise RecordingError(f"{self.folder} no longer holds a recording") from None
        except OSError as err:
            raise RecordingError(f"{path} cannot be read ({err.strerror or err})") from None
        changed = self._index is None or index.serial != self._index.serial
        self._stamp, self._index = stamp, index
        listed = {c[0] for c in index.chunks}
        self._chunks = {n: a for n, a in self._chunks.items() if n in listed}
        kept = {(kind, f[1]) for kind, frames in index.frames.items() for f in frames}
        self._frames = {k: s for k, s in self._frames.items() if k in kept}
        return changed

    @property
    def index(self) -> Index:
        assert self._index is not None
        return self._index

    @property
    def ended(self) -> bool:
        """True once the run has ended (its last records are in)."""
        return self.index.ended

    @property
    def end_reason(self) -> str:
        """Why the run ended ("done", "stopped", "diverged", ...); "" while it runs."""
        return self.index.end_reason

    @property
    def last_step(self) -> int:
        """The last step the run reached that the recording knows of."""
        return self.index.last_step

    @property
    def kinds(self) -> tuple[str, ...]:
        """The snapshot kinds that have at least one frame, sorted."""
        return tuple(sorted(k for k, frames in self.index.frames.items() if frames))

    @property
    def nbytes(self) -> int:
        """Bytes of the files the index lists, the index included."""
        return self.index.nbytes + index_size(self.folder)

    def steps(self, kind: str) -> tuple[int, ...]:
        """The steps at which a snapshot of ``kind`` was kept, in order (() for none)."""
        return tuple(f[0] for f in self.index.frames.get(kind, ()))

    # -- metrics ---------------------------------------------------------------------------
    def metrics(self, up_to: int | None = None) -> list[Record]:
        """Every kept ``(step, set, metric, value)`` record at or before step ``up_to`` (all
        with None), in order of step."""
        try:
            return self._metrics(up_to)
        except RecordGone:  # consolidated meanwhile: the new index lists the new chunk
            self.refresh()
            return self._metrics(up_to)

    def _metrics(self, up_to: int | None) -> list[Record]:
        index = self.index
        parts = [self._chunk(number, records, size) for number, records, size in index.chunks]
        if not parts:
            return []
        steps, series, values = (np.concatenate(p) for p in zip(*parts, strict=True))
        if up_to is not None:
            keep = steps <= up_to
            steps, series, values = steps[keep], series[keep], values[keep]
        order = np.argsort(steps, kind="stable")
        names = index.series
        return [(s, *names[k], v) for s, k, v in zip(steps[order].tolist(),
                                                     series[order].tolist(),
                                                     values[order].tolist(), strict=True)]

    def _chunk(self, number: int, records: int, size: int):
        if number not in self._chunks:
            path = metrics_file(self.folder, number)
            arrays = read_arrays(path, size, METRIC_ARRAYS)
            steps, series, values = (arrays[name] for name in METRIC_ARRAYS)
            if not len(steps) == len(series) == len(values) == records:
                raise RecordingError(f"{path.name} holds another number of records than the "
                                     "recording's index says")
            if records and (steps.min() < 0 or series.min() < 0
                            or series.max() >= len(self.index.series)):
                raise RecordingError(f"{path.name} names a step or a series that is not there")
            self._chunks[number] = (steps, series, values)
        return self._chunks[number]

    # -- snapshots -------------------------------------------------------------------------
    def snapshot_at(self, kind: str, step: int) -> Snapshot | None:
        """The kept snapshot of ``kind`` nearest at or before ``step`` (the latest of those
        taken at that step); None when none was taken by then."""
        try:
            return self._snapshot_at(kind, step)
        except RecordGone:  # thinned meanwhile: ask the new index
            self.refresh()
            return self._snapshot_at(kind, step)

    def snapshots_at(self, step: int) -> dict[str, Snapshot]:
        """:meth:`snapshot_at` for every kind that has one by ``step``."""
        found = {kind: self.snapshot_at(kind, step) for kind in self.kinds}
        return {kind: snap for kind, snap in found.items() if snap is not None}

    def _snapshot_at(self, kind: str, step: int) -> Snapshot | None:
        frames = self.index.frames.get(kind, ())
        at = bisect.bisect_right([f[0] for f in frames], step) - 1
        if at < 0:
            return None
        taken, number, size = frames[at]
        if (kind, number) not in self._frames:
            path = frame_file(self.folder, number)
            message = read_arrays(path, size, {FRAME_ARRAY: None})[FRAME_ARRAY]
            try:
                snap = decode(message.data)
            except WireError as err:
                raise RecordingError(f"{path.name} does not hold a snapshot ({err})") from None
            if not isinstance(snap, Snapshot) or snap.kind != kind or snap.step != taken:
                raise RecordingError(f"{path.name} does not hold the {kind} snapshot of step "
                                     f"{taken} that the recording's index lists")
            if len(self._frames) >= CACHED_FRAMES:
                self._frames.pop(next(iter(self._frames)))
            self._frames[(kind, number)] = snap
        return self._frames[(kind, number)]
