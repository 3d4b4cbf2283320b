"""Scripts of projects on a person's pictures, sounds and MNIST-format files: the script reads
the files itself (numpy, the standard library, Pillow for pictures) to the studio's very
numbers, split and scaled alike, and trains."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from script_checks import assert_same_data, load_script
from test_userfiles_media import make_idx, make_pictures, make_sounds

from mlsp_studio.data import make_dataset
from mlsp_studio.errors import StudioError
from mlsp_studio.export.python_script import export_python, python_source
from mlsp_studio.model.presets import load_preset
from mlsp_studio.model.project import Project

KINDS = ("pictures", "rgb", "idx", "signal", "spectrogram")


def _project(kind: str, root: Path) -> Project:
    """A preset whose network fits, on a tiny dataset of ``kind`` made in ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    if kind in ("pictures", "rgb"):
        folder = make_pictures(root, 8, classes=("ant", "bee", "cat"),
                               ext="jpg" if kind == "rgb" else "png")
        preset, name = "digits-cnn", "image_folder"
        options = {"path": str(folder), "size": 8, "colour": "rgb" if kind == "rgb" else "gray"}
    elif kind == "idx":
        images, labels = make_idx(root, n=40, compress=True, side=(8, 8))
        preset, name = "digits-cnn", "idx"
        options = {"path": str(images), "labels_path": str(labels)}
    else:
        sounds = str(make_sounds(root, 8, frames=300))
        preset, name = "signal-cnn1d", "wav_folder"
        options = {"path": sounds, "length": 128}
        if kind == "spectrogram":
            preset = "conformer-signals"
            options.update(length=256, representation="spectrogram", n_fft=64, hop=16)
    project = load_preset(preset)
    project.apply_setting("dataset", name)
    for option, value in options.items():
        project.apply_setting(f"dataset.{option}", value)
    return project


@pytest.mark.parametrize("kind", KINDS)
def test_the_script_reads_the_files_as_the_studio_does(tmp_path: Path, kind: str) -> None:
    project = _project(kind, tmp_path / "data")
    source = python_source(project)
    assert "mlsp_studio" not in source
    script = load_script(source)
    # every part to the bit: the same examples, in the same order, split and scaled alike
    assert_same_data(script, project)
    bundle = make_dataset(project.dataset, project.dataset_options)
    parts = script["make_data"](script["DATA_SEED"])
    count = sum(len(split.y) for split in bundle.splits().values())
    assert sum(len(y) for _, y in parts.values()) == count
    assert float(parts["train"][0][0].flatten()[0]) == float(bundle.train.x[0].flatten()[0])
    reader = {"pictures": "read_picture_folder", "rgb": "read_picture_folder",
              "idx": "read_idx_pair"}.get(kind, "read_sound_folder")
    args = {"read_picture_folder": ("DATA_PATH", 8, "rgb" if kind == "rgb" else "gray"),
            "read_idx_pair": ("DATA_PATH", "LABELS_PATH"),
            "read_sound_folder": ("DATA_PATH", 128 if kind == "signal" else 256)}[reader]
    _, y, classes = script[reader](*(script[a] if a in script else a for a in args))
    assert classes == list(bundle.class_names) and len(y) == count
    if kind == "spectrogram":  # scaled over the training sounds, as the studio scales them
        assert abs(float(parts["train"][0].mean())) < 1e-4
    else:  # pixels in [0, 1]; samples in [-1, 1]
        low = -1.0 if kind == "signal" else 0.0
        assert all(low <= float(x.min()) and float(x.max()) <= 1.0 for x, _ in parts.values())


@pytest.mark.parametrize("kind", ["rgb", "idx", "spectrogram"])
def test_the_exported_script_trains_on_the_files(tmp_path: Path, kind: str) -> None:
    project = _project(kind, tmp_path / "data")
    path = export_python(project, tmp_path / "mine.py")
    text = path.read_text(encoding="utf-8")
    assert ("Pillow" in text.split('"""')[1]) == (kind == "rgb")  # what it needs, said
    env = dict(os.environ, EPOCHS="1")
    result = subprocess.run([sys.executable, path.name], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("test accuracy "), last
    assert 0.0 <= float(last.split()[-1]) <= 1.0


def test_pictures_named_by_a_pattern_are_refused_in_words(tmp_path: Path) -> None:
    project = _project("pictures", tmp_path / "data")
    flat = tmp_path / "flat"
    flat.mkdir()
    for picture in (tmp_path / "data").glob("*/*.png"):  # cat/3.png → cat.3.png
        picture.rename(flat / f"{picture.parent.name}.{picture.name}")
    project.dataset_options.update(path=str(flat), pattern="{label}.{index}.png")
    assert make_dataset(project.dataset, project.dataset_options).class_names  # the studio reads it
    with pytest.raises(StudioError, match="one subfolder per class"):
        python_source(project)
