"""scikit-learn's 8x8 handwritten digits, read from the copy installed with scikit-learn.

``digit_subset`` and ``noisy_digit_parts`` make the datasets from the pictures; an exported
script copies them as they stand and feeds them scikit-learn's ``load_digits``."""

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


def digit_subset(images, labels, keep, flatten):
    """The pictures of the digits ``keep`` (sorted), scaled from 0..16 to 0..1: x (n, 1, 8, 8)
    pictures, or (n, 64) numbers when ``flatten``, and y (n,) the digit renumbered 0..k-1 in
    the order of ``keep``, so a classifier head has exactly k outputs."""
    keep = np.array(keep)
    rows = np.isin(labels, keep)
    x = np.asarray(images, dtype=np.float32)[rows] / 16.0  # (n, 64) pixels from 0..16 to 0..1
    y = np.searchsorted(keep, labels[rows])                 # (n,) renumbered 0..k-1
    if not flatten:
        x = x.reshape(-1, 1, 8, 8)                          # (n, 1, 8, 8) pictures
    return x, y


def noisy_digit_parts(images, copies, noise, val_fraction, test_fraction, rng, split_rng):
    """Train, validation and test parts of noisy pictures of every digit, each a pair of
    tensors: x the noisy picture (k * copies, 1, 8, 8), y the clean one as 64 numbers.

    The digits are dealt out over the parts first (in ``split_rng``'s order), so the
    ``copies`` noisy copies of one digit stay in one part; Gaussian noise of std ``noise`` is
    drawn from ``rng``."""
    clean = np.asarray(images, dtype=np.float32) / 16.0    # (n, 64) pixels from 0..16 to 0..1
    n = len(clean)
    order = split_rng.permutation(n)
    n_test = max(1, round(n * test_fraction))
    n_val = round(n * val_fraction)
    parts = {"test": order[:n_test], "val": order[n_test:n_test + n_val],
             "train": order[n_test + n_val:]}
    out = {}
    for name, rows in parts.items():
        y = np.repeat(clean[rows], copies, axis=0).astype(np.float32)  # (k * copies, 64)
        x = y + rng.normal(0.0, noise, y.shape).astype(np.float32)    # the noisy inputs
        out[name] = (torch.from_numpy(x.reshape(-1, 1, 8, 8)), torch.from_numpy(y))
    return out


def make_digits(options: dict[str, Any]) -> DataBundle:
    """Digit images scaled to [0, 1], as (1, 8, 8) pictures or 64 numbers, optionally a subset."""
    _, split_rng = seed_streams(options["data_seed"])
    images, labels = load_digit_arrays()
    keep = sorted(set(options["classes"])) or list(range(10))
    x, y = digit_subset(images, labels, keep, options["flatten"])
    # still "image" when flattened: the examples are pictures whatever shape the network gets
    return build_bundle("digits", "classification", "image", x, y, options, split_rng,
                        class_names=[str(d) for d in keep])


def make_noisy_digits(options: dict[str, Any]) -> DataBundle:
    """Each digit ``copies`` times with Gaussian noise: input the noisy (1, 8, 8) picture,
    target the clean one as 64 numbers. Copies of one digit stay in one split."""
    rng, split_rng = seed_streams(options["data_seed"])
    images, _ = load_digit_arrays()
    parts = noisy_digit_parts(images, options["copies"], options["noise"],
                              options["val_fraction"], options["test_fraction"], rng, split_rng)
    splits = {name: Split(x, y) for name, (x, y) in parts.items()}
    return DataBundle(name="noisy_digits", task="regression", input_kind="image",
                      train=splits["train"], val=splits["val"], test=splits["test"],
                      input_shape=(1, 8, 8), num_classes=0, num_targets=64, class_names=[],
                      options=dict(options))
