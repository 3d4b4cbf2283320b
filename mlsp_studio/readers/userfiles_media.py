"""Readers for a person's own pictures and sounds: a folder of images or WAV files with one
subfolder per class, in numpy, the standard library and Pillow (no torch).

Like the CSV and NPZ readers they live in a plain layer (no torch), because a network's input
shape and class count are only known by reading the files, and the window needs them before
torch loads. The MNIST IDX reader is in ``userfiles_idx``.
"""

from __future__ import annotations

import os
import wave
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import DataError
from .file_names import LABEL, flat_files, flat_folder_error
from .files import RecentReads
from .userfiles import MIN_ROWS, TableData, check_data_bytes, read_only

if TYPE_CHECKING:  # numpy loads when a folder is read, not when the window starts
    import numpy as np

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
WAV_EXTENSIONS = (".wav",)
MAX_MEDIA_FILES = 20000
MAX_MEDIA_BYTES = 512 * 1024 * 1024
SPECTRUM_BATCH = 64  # sounds decoded and transformed at a time: bounded working memory
MAX_PICTURE_PIXELS = 25_000_000  # one picture; a small file can unpack to a huge one
COLOURS = ("gray", "rgb")
REPRESENTATIONS = ("signal", "spectrogram")

_recent: RecentReads[TableData] = RecentReads()


def class_folders(path: str, extensions: tuple[str, ...], what: str,
                  pattern: str = "") -> list[tuple[str, list[str]]]:
    """The class subfolders of ``path`` (sorted) with their files' full paths, or a DataError.

    With a ``pattern`` holding ``{label}`` (``file_names``), the files of the folder itself
    instead, grouped by the label in their names.
    Refuses an empty path, a missing folder, a file, fewer than two classes, a class without
    files, more than ``MAX_MEDIA_FILES`` files or more than ``MAX_MEDIA_BYTES`` in all.
    """
    if not path:
        raise DataError(f"Choose a folder of {what}: the path is empty.")
    if not os.path.exists(path):
        raise DataError(f"The folder '{path}' does not exist.")
    if not os.path.isdir(path):
        raise DataError(f"'{path}' is a file, not a folder; choose a folder holding one "
                        f"subfolder of {what} per class.")
    if "{" + LABEL + "}" in pattern:
        return flat_files(path, extensions, what, pattern, (MAX_MEDIA_FILES, MAX_MEDIA_BYTES))
    where = f"The folder '{path}'"
    try:
        subs = sorted(e.name for e in os.scandir(path)
                      if e.is_dir() and not e.name.startswith("."))
    except OSError as err:
        raise DataError(f"{where} cannot be read ({err.strerror or err}).") from None
    if not subs:
        raise flat_folder_error(path, what)
    if len(subs) < 2:
        raise DataError(f"{where} has only one class subfolder ('{subs[0]}'); a classifier "
                        "needs at least two.")
    classes: list[tuple[str, list[str]]] = []
    count = total = 0
    for sub in subs:
        files = []
        try:
            entries = sorted(os.scandir(os.path.join(path, sub)), key=lambda e: e.name)
        except OSError as err:
            raise DataError(f"The folder '{sub}' in {path} cannot be read "
                            f"({err.strerror or err}).") from None
        for entry in entries:
            if entry.is_file() and entry.name.lower().endswith(extensions):
                files.append(entry.path)
                count += 1
                total += entry.stat().st_size
        if count > MAX_MEDIA_FILES:
            raise DataError(f"{where} holds more than {MAX_MEDIA_FILES:,} {what}, too many "
                            "to load here; use a smaller selection.")
        if total > MAX_MEDIA_BYTES:
            raise DataError(f"{where} holds more than {MAX_MEDIA_BYTES >> 20} MB of {what}, "
                            "too much to load here; use a smaller selection.")
        if not files:
            kinds = "/".join(e.lstrip(".").upper() for e in extensions)
            raise DataError(f"The class folder '{sub}' in {path} has no {what} "
                            f"({kinds} files).")
        classes.append((sub, files))
    if count < MIN_ROWS:
        raise DataError(f"{where} has only {count} {what}; it needs at least {MIN_ROWS}.")
    return classes


def _cached(kind: str, path: str, args: tuple, classes: list[tuple[str, list[str]]],
            read: Callable[[], TableData]) -> TableData:
    """Reuse a recent read while no file of the folder changed."""
    stamp = []
    for _, files in classes:
        for name in files:
            try:
                st = os.stat(name)
            except OSError as err:
                raise DataError(f"The file '{name}' cannot be read "
                                f"({err.strerror or err}).") from None
            stamp.append((name, st.st_mtime_ns, st.st_size))
    key = (kind, os.path.realpath(path), hash(tuple(stamp)), args)
    return _recent.get(key, read_only(read))


def _labels_of(classes: list[tuple[str, list[str]]]) -> np.ndarray:
    import numpy as np

    return np.concatenate([np.full(len(files), k, dtype=np.int64)
                           for k, (_, files) in enumerate(classes)])


# ---------------------------------------------------------------- images


def load_image_folder(path: str, size: int = 28, colour: str = "gray",
                      pattern: str = "") -> TableData:
    """Read a folder of class subfolders of PNG/JPG pictures, each resized to ``size`` square.

    Returns x float32 (n, 1 or 3, size, size) in [0, 1], y the class index of each picture
    and the subfolder names as class names; raises one plain DataError for anything that
    does not fit, naming the file.
    """
    if colour not in COLOURS:
        raise ValueError(f"unknown colour {colour!r}")
    classes = class_folders(path, IMAGE_EXTENSIONS, "pictures", pattern)
    channels = 3 if colour == "rgb" else 1
    count = sum(len(files) for _, files in classes)
    check_data_bytes(f"The folder '{path}'", 4 * count * channels * size * size,
                     f"({count:,} pictures at {size}x{size})",
                     "choose a smaller size or fewer pictures")
    return _cached("images", path, (size, colour, pattern), classes,
                   lambda: _read_images(classes, size, colour))


def read_picture(name: str, size: int, colour: str) -> np.ndarray:
    """One picture as float32 (channels, size, size) in [0, 1], or a DataError naming it."""
    import numpy as np
    from PIL import Image

    mode = "RGB" if colour == "rgb" else "L"
    try:
        with Image.open(name) as img:
            if img.width * img.height > MAX_PICTURE_PIXELS:
                raise DataError(f"The picture '{name}' is {img.width} x {img.height} pixels, "
                                "too large to read here; make it smaller.")
            img.draft(mode, (size, size))  # JPEGs decode at a reduced size: much faster
            img = img.convert(mode).resize((size, size), Image.Resampling.BILINEAR)
            pixels = np.asarray(img, dtype=np.float32) / 255.0
    except DataError:
        raise
    except Image.DecompressionBombError:
        raise DataError(f"The picture '{name}' is far too large (too many pixels) to "
                        "read safely.") from None
    except (OSError, SyntaxError, ValueError):  # Pillow's unreadable and truncated files
        raise DataError(f"The picture '{name}' is damaged or not a PNG/JPG picture that can "
                        "be read.") from None
    return pixels[None] if pixels.ndim == 2 else pixels.transpose(2, 0, 1)


def _read_images(classes: list[tuple[str, list[str]]], size: int, colour: str) -> TableData:
    import numpy as np

    channels = 3 if colour == "rgb" else 1
    files = [name for _, names in classes for name in names]
    x = np.empty((len(files), channels, size, size), dtype=np.float32)
    for i, name in enumerate(files):
        x[i] = read_picture(name, size, colour)
    return TableData(x, _labels_of(classes), "classification", tuple(c for c, _ in classes))


# ---------------------------------------------------------------- sounds


def read_wav(name: str, length: int) -> tuple[np.ndarray, int]:
    """The first ``length`` samples of a PCM WAV file as float32 in [-1, 1] (stereo averaged
    to mono, zeros after a short file) and its sample rate, or a DataError naming the file."""
    import numpy as np

    bad = f"The sound '{name}'"
    try:
        with wave.open(name, "rb") as handle:
            width, channels = handle.getsampwidth(), handle.getnchannels()
            rate = handle.getframerate()
            raw = handle.readframes(length)
    except (wave.Error, EOFError):
        raise DataError(f"{bad} is damaged or not an uncompressed (PCM) WAV file.") from None
    except OSError as err:
        raise DataError(f"{bad} cannot be read ({err.strerror or err}).") from None
    if width not in (1, 2, 4):
        raise DataError(f"{bad} uses {8 * width}-bit samples; only 8, 16 and 32-bit PCM "
                        "WAV files can be read.")
    if channels < 1 or channels > 8:
        raise DataError(f"{bad} says it has {channels} channels, which cannot be right.")
    frames = len(raw) // (width * channels)
    if frames == 0:
        raise DataError(f"{bad} holds no sound.")
    if width == 1:  # 8-bit WAV is unsigned, centred on 128
        values = (np.frombuffer(raw, np.uint8, frames * channels).astype(np.float32) - 128) / 128
    else:
        kind, scale = (np.dtype("<i2"), 32768.0) if width == 2 else (np.dtype("<i4"), 2.0**31)
        values = np.frombuffer(raw, kind, frames * channels).astype(np.float32) / scale
    mono = values.reshape(frames, channels).mean(axis=1)
    out = np.zeros(length, dtype=np.float32)
    out[:frames] = mono
    return out, rate


def spectrogram_shape(length: int, n_fft: int, hop: int) -> tuple[int, int]:
    """(frames, bins) of the log spectrogram of ``length`` samples."""
    return 1 + (length - n_fft) // hop, n_fft // 2 + 1


def log_spectrogram(signals: np.ndarray, n_fft: int, hop: int,
                    out: np.ndarray | None = None) -> np.ndarray:
    """Log magnitude of the short-time Fourier transform with a Hann window:
    (n, length) → (n, frames, n_fft // 2 + 1) float32, ``log(|STFT| + 1e-3)``, no padding at
    the ends; ``SPECTRUM_BATCH`` signals at a time, written into ``out`` when given."""
    import numpy as np

    frames, bins = spectrogram_shape(signals.shape[1], n_fft, hop)
    if out is None:
        out = np.empty((len(signals), frames, bins), dtype=np.float32)
    index = hop * np.arange(frames)[:, None] + np.arange(n_fft)
    window = np.hanning(n_fft)
    for i in range(0, len(signals), SPECTRUM_BATCH):
        windows = signals[i:i + SPECTRUM_BATCH, index]                 # (b, frames, n_fft)
        spectrum = np.fft.rfft(windows * window, axis=-1)             # (b, frames, bins)
        np.log(np.abs(spectrum) + 1e-3, out=out[i:i + SPECTRUM_BATCH])
    return out


def check_wav_options(length: int, representation: str, n_fft: int, hop: int) -> None:
    """Refuse spectrogram settings that do not fit the signal length, in words."""
    if representation not in REPRESENTATIONS:
        raise ValueError(f"unknown representation {representation!r}")
    if representation == "spectrogram":
        if n_fft > length:
            raise DataError(f"n_fft ({n_fft}) must not be longer than the sound's length "
                            f"({length} samples).")
        if hop > n_fft:
            raise DataError(f"hop ({hop}) must not be larger than n_fft ({n_fft}), or samples "
                            "between frames are never seen.")


def load_wav_folder(path: str, length: int = 8000, representation: str = "signal",
                    n_fft: int = 256, hop: int = 128, pattern: str = "") -> TableData:
    """Read a folder of class subfolders of WAV files, each cut or padded to ``length``
    samples.

    Returns x float32 (n, 1, length) for ``signal``, or log spectrograms (n, frames, bins)
    for ``spectrogram`` (the frames-by-bins sequences the built-in spectrograms give); y the
    class index of each sound; the subfolder names as class names.
    """
    check_wav_options(length, representation, n_fft, hop)
    classes = class_folders(path, WAV_EXTENSIONS, "sounds", pattern)
    count = sum(len(files) for _, files in classes)
    each = length
    if representation == "spectrogram":
        frames, bins = spectrogram_shape(length, n_fft, hop)
        each = frames * bins
    check_data_bytes(f"The folder '{path}'", 4 * count * each,
                     f"({count:,} sounds of {length:,} samples)",
                     "choose a shorter length or fewer sounds")
    return _cached("wav", path, (length, representation, n_fft, hop, pattern), classes,
                   lambda: _read_wavs(path, classes, length, representation, n_fft, hop))


def _read_wavs(path: str, classes: list[tuple[str, list[str]]], length: int,
               representation: str, n_fft: int, hop: int) -> TableData:
    import numpy as np

    files = [name for _, names in classes for name in names]
    spectrogram = representation == "spectrogram"
    if spectrogram:  # decoded a batch at a time, each batch transformed into its place
        x = np.empty((len(files), *spectrogram_shape(length, n_fft, hop)), dtype=np.float32)
        batch = np.empty((min(SPECTRUM_BATCH, len(files)), length), dtype=np.float32)
    else:
        x = np.empty((len(files), 1, length), dtype=np.float32)
    first_rate = None
    for i, name in enumerate(files):
        signal, rate = read_wav(name, length)
        if not spectrogram:
            x[i, 0] = signal
        else:
            batch[i % len(batch)] = signal
            if i % len(batch) == len(batch) - 1 or i == len(files) - 1:
                done = i - i % len(batch)
                log_spectrogram(batch[:i + 1 - done], n_fft, hop, out=x[done:i + 1])
        if first_rate is None:
            first_rate = (rate, name)
        elif rate != first_rate[0]:
            raise DataError(f"The sounds in '{path}' have different sample rates "
                            f"({first_rate[0]} Hz in '{os.path.basename(first_rate[1])}', "
                            f"{rate} Hz in '{os.path.basename(name)}'); convert them to one "
                            "rate.")
    return TableData(x, _labels_of(classes), "classification", tuple(c for c, _ in classes))
