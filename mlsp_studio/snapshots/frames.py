"""A bounded history of snapshots taken over training, to be played back as an animation.

Pure data (no torch, no drawing), so the engine records into it and the window keeps one
without loading either. Each kind keeps at most ``max_frames`` snapshots spread evenly over
the steps: when the history is full, every second frame goes and the spacing doubles, so the
first frame and the newest are always kept and the memory stays bounded however long the run.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the window imports this before its first paint: numpy comes later
    from .kinds import Snapshot

MAX_FRAMES = 48
FRAMES_PER_RUN = 40  # the engine takes a frame every 2.5 % of the planned steps


def animated_kinds() -> tuple[str, ...]:
    """The kinds worth animating (a snapshot class with ``animation`` words), in the order of
    ``SNAPSHOT_KINDS``."""
    from .kinds import SNAPSHOT_KINDS

    return tuple(kind for kind, cls in SNAPSHOT_KINDS.items() if cls.animation)


def training_kinds() -> tuple[str, ...]:
    """The animated kinds recorded over training: all but those that animate themselves
    from their last snapshot."""
    from .kinds import SNAPSHOT_KINDS

    return tuple(k for k in animated_kinds() if not SNAPSHOT_KINDS[k].animates_itself)


def animation_words(kind: str) -> str:
    """What the GIF of ``kind`` shows, in words (the kind itself when it has none)."""
    from .kinds import SNAPSHOT_KINDS

    cls = SNAPSHOT_KINDS.get(kind)
    return cls.animation if cls is not None and cls.animation else kind


def animates_itself(kind: str) -> bool:
    """True for a kind whose last snapshot holds its own frames (the diffusion trajectory)."""
    from .kinds import SNAPSHOT_KINDS

    cls = SNAPSHOT_KINDS.get(kind)
    return cls is not None and cls.animates_itself


def thin_evenly(items: list, max_items: int) -> list:
    """At most ``max_items`` of ``items`` evenly spread, the first and the last always kept."""
    n = len(items)
    if n <= max_items:
        return list(items)
    if max_items <= 1:
        return [items[-1]] if max_items == 1 else []
    import numpy as np

    keep = np.unique(np.round(np.linspace(0, n - 1, max_items)).astype(int))
    return [items[i] for i in keep]


class FrameRecorder:
    """Snapshots of the animated kinds, at most ``max_frames`` per kind, evenly spread.

    ``every_steps`` is the least spacing, in steps, between two kept frames (0: take every
    snapshot offered until the history is full); it doubles each time the history is thinned.
    """

    def __init__(self, kinds: Iterable[str] | None = None, every_steps: int = 0,
                 max_frames: int = MAX_FRAMES) -> None:
        self.kinds = frozenset(training_kinds() if kinds is None else kinds)
        self.max_frames = max(2, int(max_frames))
        self.every_steps = max(0, int(every_steps))
        self._frames: dict[str, list[Snapshot]] = {}
        self._gap: dict[str, float] = {}
        self._next_step = 1

    @classmethod
    def for_run(cls, visual_kinds: Iterable[str], total_steps: int) -> FrameRecorder | None:
        """A recorder for the kinds a paradigm draws that are worth animating, taking a frame
        every 2.5 % of ``total_steps`` from step 1; None when it draws none of them."""
        kinds = set(visual_kinds) & set(training_kinds())
        if not kinds:
            return None
        return cls(kinds, every_steps=max(1, int(total_steps) // FRAMES_PER_RUN))

    def due(self, step: int) -> bool:
        """True when the engine should take a frame at ``step`` (a cheap integer test)."""
        return step >= self._next_step

    def record(self, step: int, snapshots: Iterable[Snapshot]) -> None:
        """Keep the snapshots taken at ``step`` and plan the next frame."""
        for snap in snapshots:
            self.add(snap)
        self._next_step = step + max(1, self.every_steps)

    def add(self, snap: Snapshot) -> bool:
        """Keep ``snap`` if its kind is animated; True when it was kept. A step earlier than
        the last kept one means a new run: that kind's history starts again."""
        kind = getattr(snap, "kind", "")
        if kind not in self.kinds:
            return False
        frames = self._frames.setdefault(kind, [])
        gap = self._gap.setdefault(kind, float(self.every_steps))
        if frames and snap.step < frames[-1].step:
            frames.clear()
            self._gap[kind] = gap = float(self.every_steps)
        if frames and snap.step == frames[-1].step:
            frames[-1] = snap  # the same step again (a changed option): the newer picture
        elif len(frames) >= 2 and snap.step - frames[-2].step < gap:
            frames[-1] = snap  # too close to the one before: the newest replaces the last
        else:
            frames.append(snap)
        if len(frames) > self.max_frames:
            last = frames[-1]
            frames[:] = frames[::2]
            if frames[-1] is not last:
                frames[-1] = last  # keep the newest rather than an odd one out
            span = frames[-1].step - frames[0].step
            self._gap[kind] = max(2.0 * gap, span / max(1, len(frames) - 1))
        return True

    def frames(self, kind: str) -> list[Snapshot]:
        """The kept snapshots of ``kind``, oldest first (a copy)."""
        return list(self._frames.get(kind, ()))

    def recorded_kinds(self) -> list[str]:
        """The kinds with at least one kept frame, in ``animated_kinds()`` order."""
        return [k for k in animated_kinds() if self._frames.get(k)]

    def clear(self) -> None:
        self._frames.clear()
        self._gap.clear()
        self._next_step = 1
