"""How examples are dealt out to train, validation and test, in numpy (no torch).

The makers in ``mlsp_studio.data`` and the exported scripts (which copy ``split_sizes``,
``split_indices`` and ``seed_streams`` as they stand here) split at random with these;
``model/splits.py`` adds the splits a person chooses (by groups, by a range, a test file)
with ``group_indices``. Imported only where data is split, so numpy loads then.
"""

from __future__ import annotations

import numpy as np


def split_sizes(n: int, val_fraction: float, test_fraction: float) -> tuple[int, int, int]:
    """Rows for (train, val, test): test gets at least one row, val one when asked for any."""
    n_test = max(1, round(n * test_fraction))
    n_val = max(1, round(n * val_fraction)) if val_fraction > 0 else 0
    return n - n_val - n_test, n_val, n_test


def split_indices(y: np.ndarray, classification: bool, val_fraction: float,
                  test_fraction: float, rng: np.random.Generator
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random train/val/test indices; for classes, each class is spread evenly over the three.

    Each example gets a key ``(random rank within its class + 0.5) / class size``, so sorting
    by key deals every class out in proportion (ties broken at random); the sizes are exact.
    """
    n = len(y)
    if classification:
        key = np.empty(n)
        for c in np.unique(y):
            members = np.flatnonzero(y == c)
            key[members] = (rng.permutation(len(members)) + 0.5) / len(members)
        order = np.lexsort((rng.permutation(n), key))
    else:
        order = rng.permutation(n)
    _, n_val, n_test = split_sizes(n, val_fraction, test_fraction)
    parts = order[:n_test], order[n_test:n_test + n_val], order[n_test + n_val:]
    test, val, train = (rng.permutation(p) for p in parts)
    return train, val, test


def seed_streams(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Independent generators for making the data and for splitting it, from one seed.

    Kept apart so that changing the split fractions does not change the examples themselves.
    """
    examples, parts = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(examples), np.random.default_rng(parts)


def group_indices(groups: np.ndarray, fraction: float, rng: np.random.Generator,
                  keep: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Whole groups drawn at random until they hold about ``fraction`` of the rows:
    (rows of the drawn groups, the other rows). At least one group is drawn when
    ``fraction`` > 0, and at least ``keep`` groups are left."""
    names, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
    order = rng.permutation(len(names))
    target, taken, drawn = fraction * len(groups), 0, []
    for k in order[:max(len(names) - keep, 0)]:
        if fraction <= 0 or (drawn and abs(taken + counts[k] - target) >= abs(taken - target)):
            break
        drawn.append(k)
        taken += counts[k]
    chosen = np.isin(inverse, drawn)
    return rng.permutation(np.flatnonzero(chosen)), rng.permutation(np.flatnonzero(~chosen))
