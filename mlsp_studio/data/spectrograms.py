"""Spectrograms of the synthetic signal shapes: sequences of frames, each a vector of
frequency bins, as speech and audio models read sound.

``log_spectrogram`` and ``spectrogram_parts`` are plain functions an exported script copies
as they stand."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .bundle import DataBundle, Split
from .signals import make_signals


def log_spectrogram(signals, n_fft, hop):
    """Log magnitude of the short-time Fourier transform with a Hann window.

    Parameters
    ----------
    signals : (n, length) array
    n_fft, hop : samples per frame and between frame starts (no padding at the ends)

    Returns
    -------
    (n, frames, n_fft // 2 + 1) float array, ``log(|STFT| + 1e-3)``
    """
    frames = 1 + (signals.shape[1] - n_fft) // hop
    starts = hop * np.arange(frames)
    windows = signals[:, starts[:, None] + np.arange(n_fft)]          # (n, frames, n_fft)
    spectrum = np.fft.rfft(windows * np.hanning(n_fft), axis=-1)      # (n, frames, bins)
    return np.log(np.abs(spectrum) + 1e-3)


def spectrogram_parts(waves, n_fft, hop):
    """The parts ``waves`` ("train", "val", "test": signals (n, 1, L) and labels, as tensors)
    as log spectrograms (n, frames, bins), scaled to mean 0 and spread 1 over the training
    examples; the labels stay as they are."""
    spectra = {name: log_spectrogram(x[:, 0].double().numpy(), n_fft, hop)
               for name, (x, _) in waves.items()}
    mean, std = spectra["train"].mean(), max(spectra["train"].std(), 1e-6)
    return {name: (torch.from_numpy(((spectra[name] - mean) / std).astype(np.float32)), y)
            for name, (_, y) in waves.items()}


def make_spectrograms(options: dict[str, Any]) -> DataBundle:
    """The ``signals`` dataset (same seed, same splits) as log spectrograms (frames, bins),
    scaled to mean 0 and spread 1 over the training examples."""
    waves = make_signals(options)
    parts = spectrogram_parts({k: (s.x, s.y) for k, s in waves.splits().items()},
                              options["n_fft"], options["hop"])
    splits = {k: Split(x, y) for k, (x, y) in parts.items()}
    return DataBundle(
        name="spectrograms", task="classification", input_kind="sequence", **splits,
        input_shape=tuple(int(d) for d in splits["train"].x.shape[1:]),
        num_classes=waves.num_classes, num_targets=0, class_names=list(waves.class_names),
        options=dict(options))
