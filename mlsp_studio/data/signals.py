"""Synthetic 1-D signals of five shapes, for learning to classify time series with convolutions."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..model.datasets import SIGNAL_CLASSES
from .bundle import DataBundle, build_bundle, seed_streams


def make_signals(options: dict[str, Any]) -> DataBundle:
    """Signals (1, length) of class sine, square, sawtooth, chirp or noise burst.

    Each has a random number of cycles over the window (2 to 8, and at least 4 samples per
    cycle), a random phase and an amplitude from 0.5 to 1; white noise of std ``noise`` is added
    to every signal.
    """
    rng, split_rng = seed_streams(options["seed"])
    n, length = options["n_samples"], options["length"]
    y = np.arange(n) % len(SIGNAL_CLASSES)
    t = np.arange(length) / length                                   # (L,)
    top = min(8.0, length / 4)
    cycles = rng.uniform(2.0, top, (n, 1))                           # (n, 1)
    phase = rng.uniform(0.0, 1.0, (n, 1))                            # in cycles
    amplitude = rng.uniform(0.5, 1.0, (n, 1))
    turns = cycles * t + phase                                       # (n, L)

    # each shape is computed only for the rows of its class, so memory stays (n, L)
    f0 = rng.uniform(1.0, 2.0, (n, 1))
    f1 = rng.uniform(top * 0.75, top * 1.5, (n, 1))
    centre = rng.uniform(0.2, 0.8, (n, 1))
    width = rng.uniform(0.05, 0.15, (n, 1))
    x = np.empty((n, length))
    for c in range(len(SIGNAL_CLASSES)):
        rows = y == c
        turn = turns[rows]
        if c == 0:
            wave = np.sin(2 * np.pi * turn)
        elif c == 1:
            wave = np.where(np.mod(turn, 1.0) < 0.5, 1.0, -1.0)
        elif c == 2:
            wave = 2.0 * np.mod(turn, 1.0) - 1.0
        elif c == 3:
            # a chirp sweeps from a low to a high frequency: phase = f0 t + (f1 - f0) t^2 / 2
            sweep = f0[rows] * t + (f1[rows] - f0[rows]) * t**2 / 2
            wave = np.sin(2 * np.pi * (sweep + phase[rows]))
        else:
            envelope = np.exp(-0.5 * ((t - centre[rows]) / width[rows]) ** 2)
            wave = rng.normal(0.0, 1.0, turn.shape) * envelope
        x[rows] = amplitude[rows] * wave
    x += rng.normal(0.0, options["noise"], x.shape)
    return build_bundle("signals", "classification", "signal", x[:, None, :], y, options,
                        split_rng, class_names=list(SIGNAL_CLASSES))
