"""A project reading a person's pictures, sounds or MNIST-format files trains through the
Engine, like every preset."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from test_userfiles_media import make_idx, make_pictures, make_sounds

from mlsp_studio.data import make_dataset
from mlsp_studio.engine import Engine, EngineState
from mlsp_studio.model.presets import load_preset


def _data(kind: str, root: Path) -> tuple[str, str, dict]:
    """(preset whose network fits, dataset name, options) for each kind of file."""
    if kind == "pictures":
        return "digits-cnn", "image_folder", {"path": str(make_pictures(root, 8)), "size": 8}
    if kind == "idx":
        images, labels = make_idx(root, n=40, side=(8, 8))
        return "digits-cnn", "idx", {"path": str(images), "labels_path": str(labels)}
    sounds = str(make_sounds(root, 8, frames=300))
    if kind == "signal":
        return "signal-cnn1d", "wav_folder", {"path": sounds, "length": 128}
    return "conformer-signals", "wav_folder", {"path": sounds, "length": 256,
                                               "representation": "spectrogram", "n_fft": 64,
                                               "hop": 16}


@pytest.mark.parametrize("kind", ["pictures", "idx", "signal", "spectrogram"])
def test_a_project_on_the_persons_files_trains(tmp_path: Path, kind: str) -> None:
    preset, name, options = _data(kind, tmp_path)
    project = load_preset(preset)
    project.apply_setting("dataset", name)
    for option, value in options.items():
        project.apply_setting(f"dataset.{option}", value)
    engine = Engine(project, max_steps=5)
    engine.run_blocking()
    assert engine.state is EngineState.FINISHED, engine.message
    assert engine.step_count == 5
    assert all(math.isfinite(v) for _, v in engine.finished.final)
    bundle = make_dataset(name, options)
    assert bundle.class_names and len(bundle.train.x) + len(bundle.val.x) + len(bundle.test.x) \
        == len(bundle.train.y) + len(bundle.val.y) + len(bundle.test.y)
    if kind == "spectrogram":  # scaled like the built-in spectrograms
        assert abs(float(bundle.train.x.mean())) < 1e-4
