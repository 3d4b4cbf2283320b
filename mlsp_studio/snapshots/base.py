"""What every snapshot is: an immutable picture of a training run, holding numpy arrays only
(made read-only here), never torch tensors, so the worker thread can hand it to the window or
to a figure writer without sharing mutable state; and the registry of kinds by name."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

import numpy as np


def _freeze(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        value = np.array(value, copy=True)
        value.setflags(write=False)
        return value
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, tuple):
        return tuple(_freeze(v) for v in value)
    return value


@dataclass(frozen=True)
class Snapshot:
    """Base class. ``kind`` names what a panel asks for; ``step`` is when it was taken."""

    kind: ClassVar[str] = ""
    # Words for the GIF of this kind when it is worth animating ("" when it is not): made of
    # the snapshots received over training, or, when ``animates_itself``, of the last one
    # alone (the diffusion trajectory holds its own frames).
    animation: ClassVar[str] = ""
    animates_itself: ClassVar[bool] = False
    step: int

    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, _freeze(getattr(self, f.name)))


@dataclass(frozen=True)
class PlaneGrid(Snapshot):
    """A snapshot of values on a grid over a plane: row i at ``ys[i]``, column j at
    ``xs[j]``."""

    xs: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ys: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def grid_extent(self, values: Any) -> tuple[float, float, float, float] | None:
        """(x0, x1, y0, y1) of ``values`` (H, W) on the grid, or None when they make no usable
        grid (too few, unordered or not finite coordinates, or values of another shape)."""
        xs, ys = np.asarray(self.xs, np.float64), np.asarray(self.ys, np.float64)
        if (xs.ndim != 1 or ys.ndim != 1 or xs.size < 2 or ys.size < 2
                or np.shape(values) != (ys.size, xs.size)
                or not (np.isfinite(xs).all() and np.isfinite(ys).all())
                or xs[-1] <= xs[0] or ys[-1] <= ys[0]):
            return None
        return float(xs[0]), float(xs[-1]), float(ys[0]), float(ys[-1])


SNAPSHOT_KINDS: dict[str, type[Snapshot]] = {}
"""Every snapshot class by its kind (filled as the modules that hold them are imported;
``snapshots.kinds`` imports them all)."""

VISUAL_OPTIONS: dict[str, str] = {}
"""Options a panel can send to the paradigm (``Engine.set_visual_option``), by name."""


def register_snapshots(classes: tuple[type[Snapshot], ...], options: dict[str, str]) -> None:
    """Add a module's snapshot classes and panel options; a kind taken by another class is
    an error (the same class again is not: a module may be imported in either order)."""
    for cls in classes:
        if SNAPSHOT_KINDS.get(cls.kind, cls) is not cls:
            raise ValueError(f"two snapshot classes of the kind {cls.kind!r}")
        SNAPSHOT_KINDS[cls.kind] = cls
    VISUAL_OPTIONS.update(options)
