"""The data part of an exported script for a person's pictures, sounds and MNIST-format files.

Each ``make_data`` reads the files with the plain functions of ``media_script_code.py`` (the
studio reads them with ``mlsp_studio.readers``, to the same numbers), splits them as the
studio splits a person's data at random, and scales them as the studio does: pictures and
IDX pixels to [0, 1], a spectrogram to mean 0 and spread 1 over the training sounds. The
files stay where they are; the script names them at its top (``DATA_PATH``).
"""

from __future__ import annotations

import json
import os
from typing import Any

from ..errors import StudioError
from ..readers.userfiles_idx import guess_labels_path
from .data_code import SPLIT_STREAM, DataCode

CODE = "mlsp_studio.export.media_script_code"

# The reading functions a make_data body below calls: the module and what is copied for each,
# the functions it calls first (the form of script_data.COPIED).
MEDIA_COPIED: dict[str, tuple[str, tuple[str, ...]]] = {
    "read_picture_folder": (CODE, ("class_files", "labels_of", "read_picture",
                                   "read_picture_folder")),
    "read_sound_folder": (CODE, ("class_files", "labels_of", "read_sound", "read_sound_folder")),
    "scale_by_training": (CODE, ("scale_by_training",)),
    "read_idx_pair": (CODE, ("read_idx", "read_idx_pair")),
}
SPLIT = "return split(x, y, classification=True, rng=split_rng)"


def _body(*lines: str) -> str:
    """A make_data body: the split's random stream, then ``lines`` (each without the indent)."""
    return SPLIT_STREAM + "".join(f"    {line}\n" for line in lines)


def _path(name: str, path: str) -> str:
    """The constant line ``NAME = "/the/absolute/path"``."""
    return f"{name} = {json.dumps(os.path.abspath(path), ensure_ascii=False)}"


def _subfolders_only(o: dict[str, Any], what: str) -> None:
    if o.get("pattern"):
        raise StudioError(f"The script reads {what} from one subfolder per class, so "
                          f"{what} whose classes are in their file names (pattern) are not "
                          "written out; put each class in a subfolder and clear pattern to "
                          "export it.")


def _image_folder(o: dict[str, Any], task: str) -> DataCode:
    _subfolders_only(o, "pictures")
    return DataCode(
        "Your pictures, one subfolder per class, each resized to a square, pixels in [0, 1].",
        _body(f"size, colour = {o['size']!r}, {o['colour']!r}  # the square's side; gray: one "
              "channel, rgb: three",
              "x, y, classes = read_picture_folder(DATA_PATH, size, colour)  # y: the "
              "subfolder", SPLIT),
        imports=("from PIL import Image",), constants=(_path("DATA_PATH", o["path"]),))


def _wav_folder(o: dict[str, Any], task: str) -> DataCode:
    _subfolders_only(o, "sounds")
    lines = [f"length = {o['length']!r}  # samples kept of each sound (a shorter one is padded "
             "with silence)",
             "x, y, classes = read_sound_folder(DATA_PATH, length)  # x (n, length) in [-1, 1]"]
    if o["representation"] == "spectrogram":
        lines += [f"n_fft, hop = {o['n_fft']!r}, {o['hop']!r}  # samples per frame, between "
                  "frame starts",
                  "x = log_spectrogram(x, n_fft, hop).astype(np.float32)  # (n, frames, bins)",
                  "# to mean 0 and spread 1, measured over the training sounds",
                  "return scale_by_training(split(x, y, classification=True, "
                  "rng=split_rng))"]
    else:
        lines += ["x = x[:, None, :]  # (n, 1, length): one channel", SPLIT]
    return DataCode("Your WAV sounds, one subfolder per class, each cut or padded to one "
                    "length.", _body(*lines), constants=(_path("DATA_PATH", o["path"]),))


def _idx(o: dict[str, Any], task: str) -> DataCode:
    labels = o["labels_path"] or guess_labels_path(o["path"])
    return DataCode("Your MNIST-format pictures and labels (IDX files), pixels in [0, 1].",
                    _body("x, y, classes = read_idx_pair(DATA_PATH, LABELS_PATH)  # y: the "
                          "label values 0..k-1", SPLIT),
                    constants=(_path("DATA_PATH", o["path"]), _path("LABELS_PATH", labels)))


MEDIA_DATA_WRITERS = {"image_folder": _image_folder, "wav_folder": _wav_folder, "idx": _idx}
