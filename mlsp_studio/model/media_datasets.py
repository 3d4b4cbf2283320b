"""A person's own pictures, sounds and MNIST-format files as datasets, without torch.

Listed in :data:`~mlsp_studio.model.datasets.DATASET_SPECS`; the tensors are made in
``mlsp_studio.data.files_media``. :func:`detect_kind` says which dataset a chosen file or
folder is, for the import dialog.
"""

from __future__ import annotations

import os
from typing import Any

from ..errors import DataError
from ..readers.file_names import file_fields, parse_pattern
from ..readers.userfiles import TableData
from ..readers.userfiles_idx import IMAGES_MAGIC, LABELS_MAGIC, idx_magic, load_idx
from ..readers.userfiles_media import (
    COLOURS,
    IMAGE_EXTENSIONS,
    REPRESENTATIONS,
    WAV_EXTENSIONS,
    check_wav_options,
    class_folders,
    load_image_folder,
    load_wav_folder,
)
from .blocks import p_choice, p_int
from .dataset_base import DatasetSpec, _file_context, own_file_opts
from .params import ParamSpec

__all__ = ["MEDIA_DATASETS", "detect_kind"]

_CLASS_FOLDERS = ParamSpec("path", "str", "", doc="The folder holding one subfolder per class, "
                           "or the files side by side when pattern says their classes.")


def _pattern(example: str) -> ParamSpec:
    return ParamSpec("pattern", "str", "", doc="How the file names give the class and other "
                     f"fields, e.g. {example} for files side by side in one folder ({{label}} "
                     "is the class; another field, such as {speaker} or {index}, can be a "
                     "group or a range for the split); empty: the class is the subfolder's "
                     "name.")


def _checked_pattern(o: dict[str, Any]) -> str:
    if o["pattern"]:
        parse_pattern(o["pattern"])
    return o["pattern"]


def _images(o: dict[str, Any]) -> TableData:
    return load_image_folder(o["path"], o["size"], o["colour"], _checked_pattern(o))


def _wavs(o: dict[str, Any]) -> TableData:
    check_wav_options(o["length"], o["representation"], o["n_fft"], o["hop"])
    return load_wav_folder(o["path"], o["length"], o["representation"], o["n_fft"], o["hop"],
                           _checked_pattern(o))


def _idx(o: dict[str, Any]) -> TableData:
    return load_idx(o["path"], o["labels_path"])


def _name_fields(extensions: tuple[str, ...], what: str) -> Any:
    def fields(o: dict[str, Any], name: str) -> list[str]:
        """Each file's ``name`` field, in the order the reader lists the files."""
        pattern = o["pattern"]
        if not pattern:
            raise DataError(f"'{name}' must be a field of the file names, but no pattern is "
                            "set; set pattern, e.g. {label}_{" + name + "}_{index}.wav.")
        known = parse_pattern(pattern).fields
        if name not in known:
            raise DataError(f"'{name}' is not a field of the pattern '{pattern}' (its fields "
                            f"are {', '.join(known)}).")
        files = [f for _, names in class_folders(o["path"], extensions, what, pattern)
                 for f in names]
        return file_fields(files, pattern)[name]
    return fields


MEDIA_DATASETS = (
    DatasetSpec(
        "image_folder", "Your picture folder",
        "Your own pictures (PNG or JPG) in a folder with one subfolder per class, whose "
        "names become the class names, or side by side with the class in their names "
        "(pattern). Every picture is resized to a square.",
        "classification", "image",
        own_file_opts(_CLASS_FOLDERS, _pattern("{label}.{index}.png"),
                      p_int("size", 28, 4, 128, "Side of the square each picture is resized "
                            "to, in pixels."),
                      p_choice("colour", "gray", COLOURS, "gray gives one channel, rgb three.")),
        lambda o: _file_context(_images(o)), table=_images,
        fields=_name_fields(IMAGE_EXTENSIONS, "pictures")),
    DatasetSpec(
        "wav_folder", "Your sound folder",
        "Your own sounds (uncompressed WAV, 8, 16 or 32-bit, stereo is mixed to mono) in a "
        "folder with one subfolder per class, or side by side with the class in their names "
        "(pattern). Each sound is cut or padded with silence to "
        "the same length. As a signal the network hears the raw samples; as a spectrogram it "
        "sees a sequence of frames, each the frequency content of a short stretch of sound.",
        "classification", "signal",
        own_file_opts(_CLASS_FOLDERS, _pattern("{label}_{speaker}_{index}.wav"),
                      p_int("length", 8000, 64, 160000, "Samples kept from the start of each "
                            "sound (shorter sounds are padded with silence)."),
                      p_choice("representation", "signal", REPRESENTATIONS, "signal (the "
                               "samples) or spectrogram (frames of frequency content)."),
                      p_choice("n_fft", 256, (32, 64, 128, 256, 512, 1024), "Spectrogram: "
                               "samples per frame."),
                      p_int("hop", 128, 1, 1024, "Spectrogram: samples between the starts of "
                            "two frames.")),
        lambda o: _file_context(_wavs(o)), table=_wavs,
        fields=_name_fields(WAV_EXTENSIONS, "sounds")),
    DatasetSpec(
        "idx", "Your MNIST-format files",
        "Pictures and labels in the MNIST file format (IDX, as train-images-idx3-ubyte and "
        "train-labels-idx1-ubyte, plain or .gz). Each pixel becomes a number from 0 to 1.",
        "classification", "image",
        own_file_opts(ParamSpec("path", "str", "", doc="The IDX images file."),
                      ParamSpec("labels_path", "str", "", doc="The IDX labels file; empty looks "
                                "for it beside the images file."), groups=False),
        lambda o: _file_context(_idx(o)), table=_idx),
)

def detect_kind(path: str) -> str:
    """Which dataset a chosen file or folder is: ``csv``, ``npz``, ``idx``, ``text_file``,
    ``image_folder`` or ``wav_folder``; a DataError says why it is none of them."""
    if not path or not os.path.exists(path):
        raise DataError(f"'{path}' does not exist." if path else "Choose a file or a folder.")
    if os.path.isdir(path):
        try:
            subs = [e.path for e in os.scandir(path) if e.is_dir()
                    and not e.name.startswith(".")]
            found = {os.path.splitext(e.name)[1].lower() for s in subs[:50]
                     for e in os.scandir(s) if e.is_file()}
            if not subs:  # files side by side: their names may say the class (pattern)
                found = {os.path.splitext(e.name)[1].lower() for e in os.scandir(path)
                         if e.is_file()}
        except OSError as err:
            raise DataError(f"The folder '{path}' cannot be read "
                            f"({err.strerror or err}).") from None
        if found & set(IMAGE_EXTENSIONS):
            return "image_folder"
        if found & set(WAV_EXTENSIONS):
            return "wav_folder"
        class_folders(path, IMAGE_EXTENSIONS, "pictures")  # raises the reason in words
        raise DataError(f"The folder '{path}' holds no PNG, JPG or WAV files in its "
                        "subfolders.")  # pragma: no cover  (class_folders raised already)
    name = path.lower()
    if name.endswith(".csv") or name.endswith(".tsv"):
        return "csv"
    if name.endswith(".npz"):
        return "npz"
    base = os.path.basename(name).removesuffix(".gz")
    if idx_magic(path) in (IMAGES_MAGIC, LABELS_MAGIC) or "idx" in base:
        return "idx"
    if name.endswith(".txt") or name.endswith(".md"):
        return "text_file"
    raise DataError(f"'{os.path.basename(path)}' is not a kind of file the studio can read: "
                    "choose a CSV, an NPZ, a text file, MNIST-format IDX files, or a folder "
                    "with one subfolder of pictures or WAV sounds per class.")
