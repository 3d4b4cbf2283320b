"""``mlsp-studio animate RUN_DIR --kind KIND -o FILE.gif``: a recorded run's pictures of one
kind as a GIF, one frame per recorded step in step order; every kind with ``--kind all``;
an unknown kind or a folder without a recording refused in a sentence."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from recorded_runs import recorded_run

from mlsp_studio.cli import main
from mlsp_studio.messages.recording import Recording


@pytest.fixture(scope="module")
def ring_run(tmp_path_factory):
    """A short GAN run, recorded (its pictures at a few steps)."""
    return recorded_run(tmp_path_factory.mktemp("animate") / "ring")


def _frames(path) -> list[np.ndarray]:
    with Image.open(path) as gif:
        frames = []
        for number in range(gif.n_frames):
            gif.seek(number)
            frames.append(np.asarray(gif.convert("RGB"), dtype=np.int16))
        return frames


def test_a_gif_holds_every_recorded_frame_of_the_kind(ring_run, tmp_path, capsys) -> None:
    steps = sorted(set(Recording(ring_run).steps("gan_field")))
    assert len(steps) >= 2
    out = tmp_path / "ring"  # .gif is added
    assert main(["animate", str(ring_run), "--kind", "gan_field", "-o", str(out)]) == 0
    gif = tmp_path / "ring.gif"
    frames = _frames(gif)
    assert len(frames) == len(steps)
    said = capsys.readouterr().out
    assert f"{gif}: gan_field, {len(steps)} frames, steps {steps[0]:,} to {steps[-1]:,}" in said
    picture = slice(0, frames[0].shape[0] * 4 // 5)  # above the step caption and the bar
    assert np.abs(frames[0][picture] - frames[-1][picture]).mean() > 1.0


def test_max_frames_thins_evenly(ring_run, tmp_path, capsys) -> None:
    recording = Recording(ring_run)
    kind = max(recording.kinds, key=lambda k: len(set(recording.steps(k))))
    steps = sorted(set(recording.steps(kind)))
    assert len(steps) >= 3
    gif = tmp_path / "most.gif"
    assert main(["animate", str(ring_run), "--kind", kind, "-o", str(gif),
                 "--max-frames", "2"]) == 0
    assert len(_frames(gif)) == 2
    assert f"2 frames, {len(steps)} recorded" in capsys.readouterr().out


def test_all_kinds_go_into_a_folder(ring_run, tmp_path) -> None:
    recording = Recording(ring_run)
    out = tmp_path / "gifs"
    assert main(["animate", str(ring_run), "--kind", "all", "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == [f"{k}.gif" for k in recording.kinds]
    for kind in recording.kinds:
        assert len(_frames(out / f"{kind}.gif")) == len(set(recording.steps(kind)))


def test_an_unknown_kind_is_refused_with_the_recorded_ones(ring_run, tmp_path, capsys) -> None:
    gif = tmp_path / "x.gif"
    assert main(["animate", str(ring_run), "--kind", "boundary", "-o", str(gif)]) == 2
    said = capsys.readouterr().err
    assert "recorded no pictures of kind 'boundary'" in said
    assert "gan_balance, gan_field (or 'all')" in said and "Traceback" not in said
    assert not gif.exists()


def test_a_folder_without_a_recording_is_refused(tmp_path, capsys) -> None:
    assert main(["animate", str(tmp_path), "--kind", "all", "-o", str(tmp_path / "o")]) == 2
    assert "holds no recording" in capsys.readouterr().err
    assert main(["animate", str(tmp_path / "absent"), "--kind", "x", "-o", "x.gif"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_all_needs_a_folder_and_one_kind_a_file(ring_run, tmp_path, capsys) -> None:
    file = tmp_path / "taken.gif"
    file.write_bytes(b"")
    assert main(["animate", str(ring_run), "--kind", "all", "-o", str(file)]) == 2
    assert "give a folder" in capsys.readouterr().err
    assert main(["animate", str(ring_run), "--kind", "gan_field", "-o", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
