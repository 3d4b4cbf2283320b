"""A person's own pictures, sounds and MNIST-format files: shapes, classes, values, and a
plain sentence for every file that does not fit."""

from __future__ import annotations

import gzip
import math
import struct
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mlsp_studio.errors import DataError
from mlsp_studio.model.datasets import dataset_context
from mlsp_studio.model.media_datasets import detect_kind
from mlsp_studio.readers.userfiles_idx import load_idx
from mlsp_studio.readers.userfiles_media import load_image_folder, load_wav_folder


def make_pictures(root: Path, per_class: int = 6, classes: tuple[str, ...] = ("cat", "dog"),
                  ext: str = "png", size: int = 12) -> Path:
    """Class subfolders of pictures: class k is bright in its k-th quarter."""
    for k, name in enumerate(classes):
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            pixels = np.zeros((size, size, 3), np.uint8)
            pixels[:, k * size // 4:(k + 1) * size // 4] = 200 + i
            Image.fromarray(pixels).save(folder / f"{i}.{ext}")
    return root


def write_wav(path: Path, samples: np.ndarray, width: int = 2, channels: int = 1,
              rate: int = 8000) -> None:
    """Write float samples in [-1, 1] as a PCM WAV (``samples`` shaped (frames, channels))."""
    if width == 1:
        raw = np.clip(samples * 127 + 128, 0, 255).astype(np.uint8).tobytes()
    else:
        dtype, scale = ("<i2", 32767) if width == 2 else ("<i4", 2**31 - 1)
        raw = (samples * scale).astype(dtype).tobytes()
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(channels)
        handle.setsampwidth(width)
        handle.setframerate(rate)
        handle.writeframes(raw)


def make_sounds(root: Path, per_class: int = 6, frames: int = 400) -> Path:
    """Two classes of tones: low and high."""
    t = np.arange(frames) / 8000
    for name, freq in (("high", 2000.0), ("low", 200.0)):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            write_wav(root / name / f"{i}.wav", 0.5 * np.sin(2 * math.pi * freq * t + i)[:, None])
    return root


def write_idx(path: Path, arr: np.ndarray, magic: int, compress: bool = False) -> Path:
    data = struct.pack(">I", magic) + struct.pack(f">{arr.ndim}I", *arr.shape)
    data += arr.astype(np.uint8).tobytes()
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def make_idx(root: Path, n: int = 20, compress: bool = False,
             side: tuple[int, int] = (5, 7)) -> tuple[Path, Path]:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, *side))
    labels = np.arange(n) % 3
    suffix = ".gz" if compress else ""
    return (write_idx(root / f"train-images-idx3-ubyte{suffix}", images, 0x803, compress),
            write_idx(root / f"train-labels-idx1-ubyte{suffix}", labels, 0x801, compress))


# ---------------------------------------------------------------- pictures


def test_picture_folder_gives_resized_pictures_and_class_names(tmp_path: Path) -> None:
    make_pictures(tmp_path, classes=("zebra", "ant", "bee"), ext="PNG")
    table = load_image_folder(str(tmp_path), size=8, colour="gray")
    assert table.x.shape == (18, 1, 8, 8)
    assert table.class_names == ("ant", "bee", "zebra")  # sorted subfolder names
    assert 0.0 <= table.x.min() and table.x.max() <= 1.0 and table.x.max() > 0.7
    assert np.bincount(table.y).tolist() == [6, 6, 6]
    # "ant" (index 0) was made from the second quarter being bright
    ant = table.x[table.y == 0].mean(axis=0)[0]
    assert ant[:, 2:4].mean() > ant[:, 6:].mean() + 0.5
    rgb = load_image_folder(str(tmp_path), size=6, colour="rgb")
    assert rgb.x.shape == (18, 3, 6, 6)


def test_jpg_pictures_are_read_too(tmp_path: Path) -> None:
    make_pictures(tmp_path / "a", ext="jpg")
    make_pictures(tmp_path / "b", ext="JPEG")
    assert load_image_folder(str(tmp_path / "a"), size=4).x.shape == (12, 1, 4, 4)
    assert load_image_folder(str(tmp_path / "b"), size=4).x.shape == (12, 1, 4, 4)


@pytest.mark.parametrize(("setup", "words"), [
    (lambda p: None, "does not exist"),
    (lambda p: p.mkdir(), "no subfolders"),
    (lambda p: make_pictures(p, classes=("only",)), "only one class"),
    (lambda p: (make_pictures(p), (p / "empty").mkdir()), "'empty'"),
    (lambda p: (make_pictures(p), (p / "dog" / "x.png").write_bytes(b"not a png")), "x.png"),
    (lambda p: make_pictures(p, per_class=2), "at least 10"),
])
def test_folders_that_do_not_fit_are_refused_in_words(tmp_path: Path, setup, words) -> None:
    folder = tmp_path / "data"
    setup(folder)
    with pytest.raises(DataError, match=words):
        load_image_folder(str(folder), size=8)


def test_a_file_instead_of_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "f.png").write_bytes(b"x")
    with pytest.raises(DataError, match="is a file, not a folder"):
        load_image_folder(str(tmp_path / "f.png"))


def test_a_picture_with_too_many_pixels_is_refused_by_name(tmp_path: Path, monkeypatch) -> None:
    from mlsp_studio.readers import userfiles_media
    monkeypatch.setattr(userfiles_media, "MAX_PICTURE_PIXELS", 12 * 12 - 1)
    make_pictures(tmp_path)
    with pytest.raises(DataError, match=r"0.png' is 12 x 12 pixels, too large"):
        load_image_folder(str(tmp_path))


def test_too_many_pictures_are_refused(tmp_path: Path, monkeypatch) -> None:
    from mlsp_studio.readers import userfiles_media
    monkeypatch.setattr(userfiles_media, "MAX_MEDIA_FILES", 8)
    make_pictures(tmp_path)
    with pytest.raises(DataError, match="more than 8 pictures"):
        load_image_folder(str(tmp_path))
    monkeypatch.setattr(userfiles_media, "MAX_MEDIA_FILES", 100)
    monkeypatch.setattr(userfiles_media, "MAX_MEDIA_BYTES", 100)
    with pytest.raises(DataError, match="too much to load"):
        load_image_folder(str(tmp_path))


# ---------------------------------------------------------------- sounds


def test_sound_folder_as_signals_crops_and_pads(tmp_path: Path) -> None:
    make_sounds(tmp_path, frames=300)
    table = load_wav_folder(str(tmp_path), length=400)
    assert table.x.shape == (12, 1, 400) and table.class_names == ("high", "low")
    assert np.abs(table.x[:, 0, :300]).max() == pytest.approx(0.5, abs=0.01)
    assert np.all(table.x[:, 0, 300:] == 0)  # padded with silence
    assert load_wav_folder(str(tmp_path), length=100).x.shape == (12, 1, 100)


def test_sound_folder_as_spectrograms_has_the_built_in_shape(tmp_path: Path) -> None:
    make_sounds(tmp_path)
    table = load_wav_folder(str(tmp_path), length=256, representation="spectrogram",
                            n_fft=64, hop=32)
    assert table.x.shape == (12, 7, 33)  # (n, frames, bins) like the spectrograms dataset
    high, low = table.x[table.y == 0].mean(axis=(0, 1)), table.x[table.y == 1].mean(axis=(0, 1))
    assert np.argmax(high) == 16 and np.argmax(low) == 2  # 2000 Hz and 200 Hz at 125 Hz a bin


def test_stereo_and_other_widths_are_mixed_to_mono(tmp_path: Path) -> None:
    for width in (1, 2, 4):
        folder = tmp_path / f"w{width}"
        for name in ("a", "b"):
            (folder / name).mkdir(parents=True)
            for i in range(5):
                left = np.full(50, 0.5)
                write_wav(folder / name / f"{i}.wav", np.stack([left, -left * 0], 1), width, 2)
        x = load_wav_folder(str(folder), length=50).x
        assert x.shape == (10, 1, 50)
        assert np.allclose(x, 0.25, atol=0.01)


@pytest.mark.parametrize(("setup", "words"), [
    (lambda p: (p / "low" / "0.wav").write_bytes(b"RIFF0000junk"), "0.wav"),
    (lambda p: write_wav(p / "low" / "z.wav", np.zeros((5, 1)), rate=16000), "sample rates"),
    (lambda p: write_wav(p / "low" / "0.wav", np.zeros((0, 1))), "holds no sound"),
])
def test_sounds_that_do_not_fit_are_refused_in_words(tmp_path: Path, setup, words) -> None:
    make_sounds(tmp_path)
    setup(tmp_path)
    with pytest.raises(DataError, match=words):
        load_wav_folder(str(tmp_path), length=100)


def test_spectrogram_settings_must_fit_the_length() -> None:
    with pytest.raises(DataError, match="n_fft"):
        load_wav_folder("anywhere", length=100, representation="spectrogram", n_fft=256)


# ---------------------------------------------------------------- IDX


@pytest.mark.parametrize("compress", [False, True])
def test_idx_pair_gives_pictures_and_labels(tmp_path: Path, compress: bool) -> None:
    images, labels = make_idx(tmp_path, compress=compress)
    table = load_idx(str(images))  # the labels file is found beside it
    assert table.x.shape == (20, 1, 5, 7) and table.x.dtype == np.float32
    raw = np.random.default_rng(0).integers(0, 256, (20, 5, 7))
    assert np.allclose(table.x[:, 0], raw / 255.0)
    assert table.class_names == ("0", "1", "2") and table.y.tolist() == (np.arange(20) % 3).tolist()
    assert load_idx(str(images), str(labels)).x.shape == (20, 1, 5, 7)


def test_a_huge_declared_idx_header_is_refused_before_reading(tmp_path: Path) -> None:
    for compress in (False, True):
        head = struct.pack(">IIII", 0x803, 10**9, 28, 28) + bytes(100)
        path = tmp_path / f"huge{compress}-idx3-ubyte"
        path.write_bytes(gzip.compress(head) if compress else head)
        with pytest.raises(DataError, match="more than the"):  # timed: huge_idx_refused_ms
            load_idx(str(path), str(path))


@pytest.mark.parametrize(("hurt", "words"), [
    (lambda i, lab: i.write_bytes(i.read_bytes()[:-10]), "cut short"),
    (lambda i, lab: i.write_bytes(b"\x00\x00\x0d\x03" + i.read_bytes()[4:]), "not an IDX images"),
    (lambda i, lab: write_idx(lab, np.zeros(7), 0x801), "holds 7 labels"),
    (lambda i, lab: write_idx(lab, np.zeros(20), 0x801), "only one class"),
    (lambda i, lab: i.write_bytes(b"\x00\x00"), "too short"),
    (lambda i, lab: lab.unlink(), "No labels file"),
    (lambda i, lab: write_idx(i, np.zeros((3, 5, 7)), 0x803), "only 3 images"),
])
def test_idx_files_that_do_not_fit_are_refused_in_words(tmp_path: Path, hurt, words) -> None:
    images, labels = make_idx(tmp_path)
    hurt(images, labels)
    with pytest.raises(DataError, match=words):
        load_idx(str(images))


def test_choosing_the_labels_file_as_images_is_explained(tmp_path: Path) -> None:
    _, labels = make_idx(tmp_path)
    with pytest.raises(DataError, match="is an IDX labels file; choose the images file"):
        load_idx(str(labels))


def test_damaged_gzip_is_refused(tmp_path: Path) -> None:
    images, labels = make_idx(tmp_path, compress=True)
    images.write_bytes(images.read_bytes()[:30])
    with pytest.raises(DataError, match="damaged"):
        load_idx(str(images), str(labels))


# ---------------------------------------------------------------- datasets and detection


def test_dataset_specs_say_the_shapes(tmp_path: Path) -> None:
    pictures = make_pictures(tmp_path / "pics")
    sounds = make_sounds(tmp_path / "sounds")
    images, _ = make_idx(tmp_path)
    _, ctx = dataset_context("image_folder", {"path": str(pictures), "size": 16})
    assert ctx.inputs["x"] == (1, 16, 16) and ctx.num_classes == 2
    _, ctx = dataset_context("wav_folder", {"path": str(sounds), "length": 256,
                                            "representation": "spectrogram", "n_fft": 64,
                                            "hop": 32})
    assert ctx.inputs["x"] == (7, 33)
    _, ctx = dataset_context("idx", {"path": str(images)})
    assert ctx.inputs["x"] == (1, 5, 7) and ctx.num_classes == 3


def test_detect_kind_names_each_kind(tmp_path: Path) -> None:
    images, _ = make_idx(tmp_path)
    (tmp_path / "t.csv").write_text("a,label\n1,2\n")
    (tmp_path / "t.npz").write_bytes(b"")
    (tmp_path / "t.txt").write_text("hello")
    (tmp_path / "t.bin").write_bytes(b"\x01\x02\x03\x04")
    assert detect_kind(str(make_pictures(tmp_path / "pics"))) == "image_folder"
    assert detect_kind(str(make_sounds(tmp_path / "sounds"))) == "wav_folder"
    assert [detect_kind(str(tmp_path / f"t.{e}")) for e in ("csv", "npz", "txt")] == \
        ["csv", "npz", "text_file"]
    assert detect_kind(str(images)) == "idx"
    with pytest.raises(DataError, match="not a kind of file"):
        detect_kind(str(tmp_path / "t.bin"))
    assert detect_kind(str(tmp_path / "pics" / "cat")) == "image_folder"  # a pattern may tell
    with pytest.raises(DataError, match="no subfolders"):
        load_image_folder(str(tmp_path / "pics" / "cat"))
