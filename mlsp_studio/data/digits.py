"""scikit-learn's 8x8 handwritten digits, read from the copy installed with scikit-learn."""

from __future__ import annotations

import functools
import gzip
import importlib.util
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..errors import DataError
from .bundle import DataBundle, Split, build_bundle, seed_streams


@functools.lru_cache(maxsize=1)
def load_digit_arrays() -> tuple[np.ndarray, np.ndarray]:
    """Images (1797, 64) with values 0..16 and labels (1797,), read-only.

    Reads scikit-learn's bundled ``digits.csv.gz`` directly, because importing
    ``sklearn.datasets`` alone takes about a second; falls back to ``load_digits`` if the file
    has moved.
    """
    found = importlib.util.find_spec("sklearn")
    if found is None or not found.submodule_search_locations:
        raise DataError("The digits dataset needs scikit-learn, which is not installed.")
    path = Path(next(iter(found.submodule_search_locations))) / "datasets/data/digits.csv.gz"
    if path.is_file():
        with gzip.open(path, "rt") as handle:
            table = np.loadtxt(handle, delimiter=",", dtype=np.float32)
        images, labels = table[:, :-1], table[:, -1].astype(np.int64)
    else:
        from sklearn.datasets import load_digits

        digits = load_digits()
        images, labels = digits.data.astype(np.float32), digits.target.astype(np.int64)
    for arr in (images, labels):
        arr.setflags(write=False)
    return images, labels


def make_digits(options: dict[str, Any]) -> DataBundle:
    """Digit images scaled to [0, 1], as (1, 8, 8) pictures or 64 numbers, optionally a subset."""
    _, split_rng = seed_streams(options["seed"])
    images, labels = load_digit_arrays()
    keep = sorted(set(options["classes"])) or list(range(10))
    rows = np.isin(labels, keep)
    x = images[rows] / 16.0
    # renumber the kept digits 0..k-1 so a classifier head has exactly k outputs
    y = np.searchsorted(np.array(keep), labels[rows])
    if not options["flatten"]:
        x = x.reshape(-1, 1, 8, 8)
    # still "image" when flattened: the examples are pictures whatever shape the network gets
    return build_bundle("digits", "classification", "image", x, y, options, split_rng,
                        class_names=[str(d) for d in keep])


def make_noisy_digits(options: dict[str, Any]) -> DataBundle:
    """Each digit ``copies`` times with Gaussian noise: input the noisy (1, 8, 8) picture,
    target the clean one as 64 numbers. Copies of one digit stay in one split."""
    rng, split_rng = seed_streams(options["seed"])
    images, _ = load_digit_arrays()
    clean = images / 16.0                                                   # (n, 64)
    n, copies = len(clean), options["copies"]
    order = split_rng.permutation(n)
    n_test = max(1, round(n * options["test_fraction"]))
    n_val = round(n * options["val_fraction"])
    parts = {"test": order[:n_test], "val": order[n_test:n_test + n_val],
             "train": order[n_test + n_val:]}
    splits = {}
    for name, rows in parts.items():
        y = np.repeat(clean[rows], copies, axis=0).astype(np.float32)      # (k·copies, 64)
        x = y + rng.normal(0.0, options["noise"], y.shape).astype(np.float32)
        splits[name] = Split(torch.from_numpy(x.reshape(-1, 1, 8, 8)), torch.from_numpy(y))
    return DataBundle(name="noisy_digits", task="regression", input_kind="image",
                      train=splits["train"], val=splits["val"], test=splits["test"],
                      input_shape=(1, 8, 8), num_classes=0, num_targets=64, class_names=[],
                      options=dict(options))
