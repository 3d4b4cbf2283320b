"""A person's own pictures, sounds and MNIST-format files, read by ``mlsp_studio.readers`` and
split into tensors."""

from __future__ import annotations

from typing import Any

import torch

from .bundle import DataBundle
from .files import own_bundle


def make_image_folder(options: dict[str, Any]) -> DataBundle:
    """Pictures from class subfolders (or named by ``pattern``), (channels, size, size) in
    [0, 1]."""
    return own_bundle("image_folder", "image", options)


def make_wav_folder(options: dict[str, Any]) -> DataBundle:
    """Sounds from class subfolders (or named by ``pattern``): (1, length) signals, or
    (frames, bins) log spectrograms scaled to mean 0 and spread 1 over the training sounds,
    as the built-in spectrograms."""
    spectrogram = options["representation"] == "spectrogram"
    bundle = own_bundle("wav_folder", "sequence" if spectrogram else "signal", options)
    if spectrogram:  # in place: the sounds are not copied again
        mean = bundle.train.x.mean()
        std = torch.clamp(bundle.train.x.std(), min=1e-6)
        for split in bundle.splits().values():
            split.x.sub_(mean).div_(std)
    return bundle


def make_idx(options: dict[str, Any]) -> DataBundle:
    """MNIST-format pictures, (1, rows, cols) in [0, 1]."""
    return own_bundle("idx", "image", options)
