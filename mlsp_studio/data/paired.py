"""Paired data for cross-modal learning: each digit image with a touch-tone sound of its digit.

``tone_signals`` makes the sounds from the keypad's tones; it is a plain function of its
arguments, so an exported script can copy it as it stands."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..model.paired_datasets import digit_tones
from .bundle import DataBundle, seed_streams
from .digits import load_digit_arrays
from .sequences import sequence_bundle

DETUNE = 0.03  # each tone is off its key's pitch by up to 3 %


def tone_signals(digits, tones, length, noise, detune, rng):
    """One keypad sound (n, 1, length) per digit of ``digits`` (n,): its key's row tone plus
    its column tone, from ``tones`` (10, 2), the two tones of each digit in cycles per 64
    samples.

    Each tone has a random phase, a loudness from 0.5 to 1 and is off its pitch by up to the
    share ``detune``; white noise of std ``noise`` is added. Tone pitches are per sample, so a
    longer sound holds more cycles of the same tones.
    """
    n = len(digits)
    t = np.arange(length) / 64.0                                     # (L,) in 64-sample units
    pitch = tones[digits] * rng.uniform(1 - detune, 1 + detune, (n, 2))  # (n, 2) cycles
    phase = rng.uniform(0.0, 2 * np.pi, (n, 2, 1))
    loud = rng.uniform(0.5, 1.0, (n, 2, 1))
    waves = loud * np.sin(2 * np.pi * pitch[:, :, None] * t + phase)  # (n, 2, L)
    sound = waves.sum(axis=1) + rng.normal(0.0, noise, (n, length))  # (n, L)
    return sound[:, None, :].astype(np.float32)


def make_paired_digits(options: dict[str, Any]) -> DataBundle:
    """Digit images (1, 8, 8) in [0, 1] as ``x``, their digit's sound (1, length) as the
    extra input ``pair``; the label is the digit."""
    rng, split_rng = seed_streams(options["data_seed"])
    images, labels = load_digit_arrays()
    x = (images / 16.0).reshape(-1, 1, 8, 8)
    tones = np.array([digit_tones(d) for d in range(10)])            # (10, 2)
    pair = tone_signals(labels, tones, options["length"], options["noise"], DETUNE, rng)
    return sequence_bundle("paired_digits", "classification", "image", x, labels, options,
                           split_rng, class_names=[str(d) for d in range(10)],
                           extra={"pair": pair}, extra_inputs={"pair": (1, options["length"])})
