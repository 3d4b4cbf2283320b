"""A made dataset: train, validation and test tensors with what a paradigm needs to know."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

from ..model.blocks import Context
from ..model.split_math import seed_streams, split_indices, split_sizes
from ..model.splits import SplitPlan

__all__ = ["DataBundle", "Split", "build_bundle", "padded_extent", "seed_streams",
           "split_indices", "split_sizes"]


@dataclass
class Split:
    """One part of a dataset: ``x`` float32 (n, ...) or int64 token ids (n, L); ``y`` int64
    (n,) or (n, L) classes, or float32 (n, targets).

    ``extra`` holds further per-example tensors some tasks carry, by name, each with n rows
    (e.g. ``"event"``: (n, 2) start and end of the active segment of an event-in-noise
    sequence)."""

    x: torch.Tensor
    y: torch.Tensor
    extra: dict[str, torch.Tensor] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def to(self, device: torch.device | str) -> Split:
        return Split(self.x.to(device), self.y.to(device),
                     {k: v.to(device) for k, v in self.extra.items()})


@dataclass
class DataBundle:
    """Everything a paradigm gets from a dataset, already split and as tensors.

    ``extent`` is a padded box ``(xmin, xmax, ymin, ymax)`` around the data for drawing: the
    two input axes for 2-D points, the input and the target for a scalar input, else ``None``.
    ``truth`` maps inputs to the noise-free targets where they are known (the sine), else None.

    Token data (``input_kind == "tokens"``) also has ``vocab``, the text of every token id
    (id 0 is the padding token ``<pad>``), and a ``tokenizer`` with ``encode(text) ->
    (ids, unknown)`` and ``decode(ids) -> text``. ``extra_inputs`` names further network
    inputs beyond ``x`` and their shapes (a seq2seq decoder's ``"dec"``); ``extras`` holds
    task-specific things a paradigm may use (pattern prompts, word groups, sentences).
    ``split`` says how the examples were split, as ``SplitPlan.info`` (empty: at random).
    """

    name: str
    task: str
    input_kind: str
    train: Split
    val: Split
    test: Split
    input_shape: tuple[int, ...]
    num_classes: int
    num_targets: int
    class_names: list[str]
    extent: tuple[float, float, float, float] | None = None
    truth: Callable[[np.ndarray], np.ndarray] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    vocab: tuple[str, ...] = ()
    tokenizer: Any = None
    extra_inputs: dict[str, tuple[int, ...]] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    split: dict[str, Any] = field(default_factory=dict)  # how it was split (model/splits.py)

    def context(self) -> Context:
        """The shapes this data gives a network, as the graph's shape rules expect them."""
        return Context({"x": self.input_shape, **self.extra_inputs},
                       num_classes=self.num_classes, num_targets=self.num_targets,
                       vocab_size=len(self.vocab))

    def to(self, device: torch.device | str) -> DataBundle:
        """A copy with every split on ``device``."""
        return replace(self, train=self.train.to(device), val=self.val.to(device),
                       test=self.test.to(device))

    def splits(self) -> dict[str, Split]:
        return {"train": self.train, "val": self.val, "test": self.test}


def padded_extent(a: np.ndarray, b: np.ndarray, pad: float = 0.1
                  ) -> tuple[float, float, float, float]:
    """A box around two coordinate arrays, widened by ``pad`` of each span on every side."""
    box = []
    for values in (a, b):
        lo, hi = float(np.min(values)), float(np.max(values))
        margin = max((hi - lo) * pad, 1e-3)
        box += [lo - margin, hi + margin]
    return (box[0], box[1], box[2], box[3])


def build_bundle(name: str, task: str, input_kind: str, x: np.ndarray, y: np.ndarray,
                 options: dict[str, Any], split_rng: np.random.Generator | None,
                 class_names: list[str] | None = None, num_targets: int = 0,
                 extent: tuple[float, float, float, float] | None = None,
                 truth: Callable[[np.ndarray], np.ndarray] | None = None,
                 plan: SplitPlan | None = None,
                 test_xy: tuple[np.ndarray, np.ndarray] | None = None) -> DataBundle:
    """Split numpy arrays and wrap them as tensors: ``x`` becomes float32, ``y`` int64 classes
    or float32 (n, targets). A ``plan`` gives the parts instead of a random draw from
    ``split_rng``, and ``test_xy`` the test set when it comes from a file of its own."""
    classification = task == "classification"

    def arrays(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.ascontiguousarray(x, dtype=np.float32)
        y = np.ascontiguousarray(y, dtype=np.int64 if classification else np.float32)
        return x, (y[:, None] if not classification and y.ndim == 1 else y)

    x, y = arrays(x, y)
    if plan is None:
        train, val, test = split_indices(y if classification else np.zeros(len(y)),
                                         classification, options["val_fraction"],
                                         options["test_fraction"], split_rng)
    else:
        train, val, test = plan.train, plan.val, plan.test

    def part(index: np.ndarray, xs: np.ndarray = x, ys: np.ndarray = y) -> Split:
        return Split(torch.from_numpy(xs[index]), torch.from_numpy(ys[index]))

    test_part = part(test) if test_xy is None else part(np.arange(len(test_xy[1])),
                                                           *arrays(*test_xy))

    names = list(class_names or [])
    return DataBundle(
        name=name, task=task, input_kind=input_kind,
        train=part(train), val=part(val), test=test_part,
        input_shape=tuple(int(d) for d in x.shape[1:]),
        num_classes=len(names) if classification else 0,
        num_targets=0 if classification else int(num_targets or y.shape[1]),
        class_names=names, extent=extent, truth=truth, options=dict(options),
        split=dict(plan.info) if plan is not None else {})
