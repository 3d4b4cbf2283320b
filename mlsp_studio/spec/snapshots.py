"""Immutable pictures of a training run that panels and figure exporters draw.

A snapshot holds numpy arrays only (made read-only here), never torch tensors, so the worker
thread can hand it to the window or to a figure writer without sharing mutable state.
"""

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
    step: int

    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, _freeze(getattr(self, f.name)))


@dataclass(frozen=True)
class DecisionBoundary(Snapshot):
    """Class probabilities over a grid covering 2-D data, with the data points on top.

    ``probs`` is (H, W, C): row i is ``ys[i]``, column j is ``xs[j]``.
    """

    kind: ClassVar[str] = "boundary"
    xs: np.ndarray = field(default_factory=lambda: np.zeros(0))
    ys: np.ndarray = field(default_factory=lambda: np.zeros(0))
    probs: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    points: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    labels: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    class_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegressionFit(Snapshot):
    """The model's curve over a 1-D input range, with the noisy training points."""

    kind: ClassVar[str] = "regression_fit"
    points_x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    points_y: np.ndarray = field(default_factory=lambda: np.zeros(0))
    curve_x: np.ndarray = field(default_factory=lambda: np.zeros(0))
    curve_y: np.ndarray = field(default_factory=lambda: np.zeros(0))
    truth_y: np.ndarray | None = None


@dataclass(frozen=True)
class ConfusionMatrix(Snapshot):
    """Counts on the test split: row = true class, column = predicted class."""

    kind: ClassVar[str] = "confusion"
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    class_names: tuple[str, ...] = ()
    split: str = "test"


@dataclass(frozen=True)
class FeatureMaps(Snapshot):
    """What each convolution-like layer makes of one chosen input.

    ``layers`` is a tuple of (block label, array (C, H, W) or (C, L)).
    """

    kind: ClassVar[str] = "feature_maps"
    index: int = 0
    input: np.ndarray = field(default_factory=lambda: np.zeros(0))
    label: str = ""
    layers: tuple[tuple[str, np.ndarray], ...] = ()


@dataclass(frozen=True)
class Kernels(Snapshot):
    """Learned convolution weights: ``layers`` is a tuple of (block label, weight array)."""

    kind: ClassVar[str] = "kernels"
    layers: tuple[tuple[str, np.ndarray], ...] = ()


SNAPSHOT_KINDS = {cls.kind: cls for cls in
                  (DecisionBoundary, RegressionFit, ConfusionMatrix, FeatureMaps, Kernels)}
