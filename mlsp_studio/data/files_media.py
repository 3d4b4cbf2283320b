"""A person's own pictures, sounds and MNIST-format files, read by ``mlsp_studio.readers`` and
split into tensors."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ..readers.userfiles import TableData
from ..readers.userfiles_idx import load_idx
from ..readers.userfiles_media import load_image_folder, load_wav_folder
from .bundle import DataBundle, build_bundle, seed_streams


def _bundle(name: str, table: TableData, input_kind: str, options: dict[str, Any]) -> DataBundle:
    _, split_rng = seed_streams(options["seed"])
    return build_bundle(name, "classification", input_kind, np.array(table.x),
                        np.array(table.y), options, split_rng,
                        class_names=list(table.class_names))


def make_image_folder(options: dict[str, Any]) -> DataBundle:
    """Pictures from class subfolders, (channels, size, size) in [0, 1]."""
    table = load_image_folder(options["path"], options["size"], options["colour"])
    return _bundle("image_folder", table, "image", options)


def make_wav_folder(options: dict[str, Any]) -> DataBundle:
    """Sounds from class subfolders: (1, length) signals, or (frames, bins) log spectrograms
    scaled to mean 0 and spread 1 over the training sounds, as the built-in spectrograms."""
    table = load_wav_folder(options["path"], options["length"], options["representation"],
                            options["n_fft"], options["hop"])
    spectrogram = options["representation"] == "spectrogram"
    bundle = _bundle("wav_folder", table, "sequence" if spectrogram else "signal", options)
    if spectrogram:
        mean = bundle.train.x.mean()
        std = torch.clamp(bundle.train.x.std(), min=1e-6)
        for split in bundle.splits().values():
            split.x = (split.x - mean) / std
    return bundle


def make_idx(options: dict[str, Any]) -> DataBundle:
    """MNIST-format pictures, (1, rows, cols) in [0, 1]."""
    return _bundle("idx", load_idx(options["path"], options["labels_path"]), "image", options)
