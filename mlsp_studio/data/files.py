"""A person's own data: a CSV table or a NumPy .npz archive, read by ``mlsp_studio.readers``.

``standardize_columns`` is a plain function an exported script copies as it stands."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..readers.userfiles import TableData, load_csv_table, load_npz_arrays
from .bundle import DataBundle, build_bundle, seed_streams

_KIND_BY_AXES = {1: "table", 2: "signal", 3: "image"}


def _bundle(name: str, table: TableData, input_kind: str, options: dict[str, Any]) -> DataBundle:
    _, split_rng = seed_streams(options["seed"])
    classification = table.task == "classification"
    return build_bundle(name, table.task, input_kind, np.array(table.x), np.array(table.y),
                        options, split_rng, class_names=list(table.class_names),
                        num_targets=0 if classification else table.y.shape[1])


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
    table = load_csv_table(options["path"], options["label_column"], options["task"])
    bundle = _bundle("csv", table, "table", options)
    if options["standardize"]:
        scaled = standardize_columns({k: (s.x, s.y) for k, s in bundle.splits().items()})
        for name, split in bundle.splits().items():
            split.x = scaled[name][0]
    return bundle


def make_npz(options: dict[str, Any]) -> DataBundle:
    """Arrays of an .npz file; the input kind follows the shape: (F,) table, (C, L) signal,
    (C, H, W) image."""
    table = load_npz_arrays(options["path"], options["x_key"], options["y_key"], options["task"])
    return _bundle("npz", table, _KIND_BY_AXES.get(table.x.ndim - 1, "table"), options)
