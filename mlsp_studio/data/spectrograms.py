"""Spectrograms of the synthetic signal shapes: sequences of frames, each a vector of
frequency bins, as speech and audio models read sound."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..model.seq_datasets import spectrogram_shape
from .bundle import DataBundle, Split
from .signals import make_signals


def log_spectrogram(signals: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """Log magnitude of the short-time Fourier transform with a Hann window.

    Parameters
    ----------
    signals : (n, length) array
    n_fft, hop : samples per frame and between frame starts (no padding at the ends)

    Returns
    -------
    (n, frames, n_fft // 2 + 1) float array, ``log(|STFT| + 1e-3)``
    """
    frames, _ = spectrogram_shape(signals.shape[1], n_fft, hop)
    starts = hop * np.arange(frames)
    windows = signals[:, starts[:, None] + np.arange(n_fft)]            # (n, frames, n_fft)
    spectrum = np.fft.rfft(windows * np.hanning(n_fft), axis=-1)      # (n, frames, bins)
    return np.log(np.abs(spectrum) + 1e-3)


def make_spectrograms(options: dict[str, Any]) -> DataBundle:
    """The ``signals`` dataset (same seed, same splits) as log spectrograms (frames, bins),
    scaled to mean 0 and spread 1 over the training examples."""
    waves = make_signals(options)
    parts = {k: log_spectrogram(s.x[:, 0].double().numpy(), options["n_fft"], options["hop"])
             for k, s in waves.splits().items()}
    mean, std = parts["train"].mean(), max(parts["train"].std(), 1e-6)
    splits = {k: Split(torch.from_numpy(((v - mean) / std).astype(np.float32)), s.y)
              for (k, v), s in zip(parts.items(), waves.splits().values(), strict=True)}
    return DataBundle(
        name="spectrograms", task="classification", input_kind="sequence", **splits,
        input_shape=tuple(int(d) for d in splits["train"].x.shape[1:]),
        num_classes=waves.num_classes, num_targets=0, class_names=list(waves.class_names),
        options=dict(options))
