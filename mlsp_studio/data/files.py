"""A person's own data: a CSV table or a NumPy .npz archive, read by ``mlsp_studio.readers``.

``standardize_columns`` is a plain function an exported script copies as it stands."""

from __future__ import annotations

from typing import Any

import torch

from ..model.datasets import DATASET_SPECS
from ..model.splits import dataset_split
from .bundle import DataBundle, build_bundle

_KIND_BY_AXES = {1: "table", 2: "signal", 3: "image"}


def own_bundle(name: str, input_kind: str | None, options: dict[str, Any]) -> DataBundle:
    """A person's file read and split as its split settings say (``model/splits.py``); the
    input kind follows the shape when ``input_kind`` is None."""
    plan, table, test = dataset_split(DATASET_SPECS.get(name), options)
    classification = table.task == "classification"
    kind = input_kind or _KIND_BY_AXES.get(table.x.ndim - 1, "table")
    return build_bundle(name, table.task, kind, table.x, table.y, options, None,
                        class_names=list(table.class_names),
                        num_targets=0 if classification else table.y.shape[1], plan=plan,
                        test_xy=None if test is None else (test.x, test.y))


def standardize_columns(parts):
    """Every input column to mean 0 and spread 1, measured on the training rows only.

    ``parts`` maps "train", "val" and "test" to (x, y) tensors, x (n, F); returns them with x
    scaled. A constant column (spread under 1e-8) is only moved, not scaled."""
    mean = parts["train"][0].mean(dim=0)
    std = parts["train"][0].std(dim=0, unbiased=False)
    std = torch.where(std > 1e-8, std, torch.ones_like(std))  # constant columns stay
    return {name: ((x - mean) / std, y) for name, (x, y) in parts.items()}


def make_csv(options: dict[str, Any]) -> DataBundle:
    """Rows of a CSV file; with ``standardize`` each input column gets the training rows' mean
    0 and spread 1, so columns in very different units train well together."""
    bundle = own_bundle("csv", "table", options)
    if options["standardize"]:
        scaled = standardize_columns({k: (s.x, s.y) for k, s in bundle.splits().items()})
        for name, split in bundle.splits().items():
            split.x = scaled[name][0]
    return bundle


def make_npz(options: dict[str, Any]) -> DataBundle:
    """Arrays of an .npz file; the input kind follows the shape: (F,) table, (C, L) signal,
    (C, H, W) image."""
    return own_bundle("npz", None, options)
