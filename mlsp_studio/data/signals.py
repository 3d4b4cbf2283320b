"""Synthetic 1-D signals of five shapes, for learning to classify time series with convolutions.

``signal_waves`` draws them; an exported script copies it as it stands."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..model.datasets import SIGNAL_CLASSES
from .bundle import DataBundle, build_bundle, seed_streams


def signal_waves(n, length, noise, rng):
    """Signals x (n, 1, length) of the shapes y (n,): 0 sine, 1 square, 2 sawtooth, 3 chirp,
    4 noise burst, as many of every shape.

    Each has a random number of cycles over the window (2 to 8, and at least 4 samples per
    cycle), a random phase and an amplitude from 0.5 to 1; white noise of std ``noise`` is
    added to every signal.
    """
    y = np.arange(n) % 5                           # (n,) the shape of each signal
    t = np.arange(length) / length                 # (L,) time from 0 to 1
    top = min(8.0, length / 4)                     # at least 4 samples per cycle
    cycles = rng.uniform(2.0, top, (n, 1))         # (n, 1) cycles in the window
    phase = rng.uniform(0.0, 1.0, (n, 1))          # in cycles
    amplitude = rng.uniform(0.5, 1.0, (n, 1))
    turns = cycles * t + phase                     # (n, L)
    f0 = rng.uniform(1.0, 2.0, (n, 1))             # the chirp's start and end frequencies
    f1 = rng.uniform(top * 0.75, top * 1.5, (n, 1))
    centre = rng.uniform(0.2, 0.8, (n, 1))         # where the noise burst is, and how wide
    width = rng.uniform(0.05, 0.15, (n, 1))
    # each shape is computed only for the rows of its class, so memory stays (n, L)
    x = np.empty((n, length))
    for c in range(5):
        rows = y == c
        turn = turns[rows]
        if c == 0:    # sine
            wave = np.sin(2 * np.pi * turn)
        elif c == 1:  # square
            wave = np.where(np.mod(turn, 1.0) < 0.5, 1.0, -1.0)
        elif c == 2:  # sawtooth
            wave = 2.0 * np.mod(turn, 1.0) - 1.0
        elif c == 3:  # chirp: phase = f0 t + (f1 - f0) t^2 / 2 sweeps from f0 up to f1
            sweep = f0[rows] * t + (f1[rows] - f0[rows]) * t**2 / 2
            wave = np.sin(2 * np.pi * (sweep + phase[rows]))
        else:         # noise burst
            envelope = np.exp(-0.5 * ((t - centre[rows]) / width[rows]) ** 2)
            wave = rng.normal(0.0, 1.0, turn.shape) * envelope
        x[rows] = amplitude[rows] * wave
    x += rng.normal(0.0, noise, x.shape)
    return x[:, None, :], y                        # (n, 1, L): one channel


def make_signals(options: dict[str, Any]) -> DataBundle:
    """Signals (1, length) of class sine, square, sawtooth, chirp or noise burst
    (``signal_waves``)."""
    rng, split_rng = seed_streams(options["data_seed"])
    x, y = signal_waves(options["n_samples"], options["length"], options["noise"], rng)
    return build_bundle("signals", "classification", "signal", x, y, options, split_rng,
                        class_names=list(SIGNAL_CLASSES))
