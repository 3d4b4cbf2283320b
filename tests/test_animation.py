"""Animated GIFs: frames → GIF, thinning, the bounded frame history, degenerate snapshots,
the atomic write, and a GAN run whose folder gets a GIF of its pictures over training."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

import mlsp_studio.snapshots.kinds  # noqa: F401  (first: it imports the per-paradigm modules)
from mlsp_studio.paradigms.diffusion.figures import trajectory_gif
from mlsp_studio.paradigms.diffusion.snapshots import DiffusionTrajectory
from mlsp_studio.paradigms.gan.snapshots import GanSamples
from mlsp_studio.paradigms.seq2seq.snapshots import Alignment
from mlsp_studio.report import animation
from mlsp_studio.report.animation import save_gif, snapshot_gif, weight_range
from mlsp_studio.snapshots.frames import FrameRecorder, thin_evenly
from mlsp_studio.snapshots.kinds import AttentionLayer, AttentionMaps

NAN = np.nan


def solid(value: int, h: int = 40, w: int = 60) -> np.ndarray:
    return np.full((h, w, 3), value, dtype=np.uint8)


def read_frames(path) -> list[np.ndarray]:
    with Image.open(path) as gif:
        frames = []
        for i in range(gif.n_frames):
            gif.seek(i)
            frames.append(np.asarray(gif.convert("RGB")))
    return frames


def test_frames_become_a_gif_pillow_reads_back(tmp_path) -> None:
    path = save_gif([solid(40 * i) for i in range(5)], tmp_path / "a.gif")
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames == 5 and gif.size == (60, 40)
        assert gif.info.get("loop") == 0  # plays on repeat
    frames = read_frames(path)
    assert [int(f[10, 30, 0]) for f in frames] == [0, 40, 80, 120, 160]
    assert oct(path.stat().st_mode & 0o777) == "0o644"


def test_too_many_frames_are_thinned_keeping_the_first_and_the_last(tmp_path) -> None:
    path = save_gif([solid(2 * i) for i in range(100)], tmp_path / "b.gif", max_frames=10)
    frames = read_frames(path)
    assert len(frames) == 10
    assert int(frames[0][10, 30, 0]) == 0 and int(frames[-1][10, 30, 0]) == 198
    kept = thin_evenly(list(range(101)), 11)
    assert kept == list(range(0, 101, 10))
    assert thin_evenly([1, 2, 3], 10) == [1, 2, 3]


def test_a_gif_over_the_byte_cap_is_made_smaller(tmp_path) -> None:
    rng = np.random.default_rng(0)
    noisy = [rng.integers(0, 255, (120, 160, 3), dtype=np.uint8) for _ in range(20)]
    big = save_gif(noisy, tmp_path / "big.gif").stat().st_size
    small = save_gif(noisy, tmp_path / "small.gif", max_bytes=big // 3).stat().st_size
    assert small <= big // 3 < big


def test_the_write_is_atomic(tmp_path, monkeypatch) -> None:
    target = tmp_path / "c.gif"
    target.write_bytes(b"the old animation")

    def broken(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(animation.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        save_gif([solid(0), solid(255)], target)
    assert target.read_bytes() == b"the old animation"
    assert os.listdir(tmp_path) == ["c.gif"]  # no half-written temporary file left behind
    monkeypatch.undo()
    save_gif([solid(0), solid(255)], target)
    assert os.listdir(tmp_path) == ["c.gif"] and len(read_frames(target)) == 2


def test_no_pictures_are_refused_in_words(tmp_path) -> None:
    with pytest.raises(ValueError, match="at least one picture"):
        save_gif([], tmp_path / "d.gif")
    with pytest.raises(ValueError, match="no pictures to animate"):
        snapshot_gif([], tmp_path / "d.gif")
    assert not (tmp_path / "d.gif").exists()


def test_the_recorder_keeps_a_bounded_even_spread() -> None:
    recorder = FrameRecorder({"gan_samples"}, max_frames=20)
    for step in range(1, 1001):
        assert recorder.add(GanSamples(step=step))
    assert not recorder.add(AttentionMaps(step=5))  # not a kind it records
    steps = [s.step for s in recorder.frames("gan_samples")]
    assert 10 <= len(steps) <= 20 and steps[0] == 1 and steps[-1] == 1000
    gaps = np.diff(steps[:-1])
    assert gaps.max() <= 2 * gaps.min()  # evenly spread, not bunched at one end
    assert recorder.recorded_kinds() == ["gan_samples"]
    recorder.add(GanSamples(step=3))  # an earlier step: a new run starts the history again
    assert [s.step for s in recorder.frames("gan_samples")] == [3]


def test_the_engine_side_takes_a_frame_every_few_percent() -> None:
    assert FrameRecorder.for_run({"boundary", "confusion"}, 1000) is None
    recorder = FrameRecorder.for_run({"gan_samples", "gan_balance"}, 1000)
    assert recorder.kinds == {"gan_samples"}
    taken = []
    for step in range(1, 1001):
        if recorder.due(step):
            taken.append(step)
            recorder.record(step, [GanSamples(step=step)])
    assert taken[0] == 1 and 30 <= len(taken) <= 45
    assert len(recorder.frames("gan_samples")) == len(taken)


def degenerate_attention() -> list:
    return [AttentionMaps(step=1, layers=()),
            AttentionMaps(step=2, layers=(AttentionLayer("nan", np.full((2, 3, 3), NAN)),)),
            AttentionMaps(step=3, layers=(AttentionLayer("ok", np.full((1, 3, 3), 0.4)),))]


@pytest.mark.parametrize("snaps", [
    [GanSamples(step=1), GanSamples(step=2, images=np.full((4, 8, 8), NAN)),
     GanSamples(step=3, images=np.full((4, 8, 8), np.inf), value_range=(NAN, NAN))],
    degenerate_attention(),
    [Alignment(step=1), Alignment(step=2, weights=np.full((2, 3), NAN))],
], ids=["gan_samples", "attention", "alignment"])
def test_empty_and_non_finite_snapshots_still_animate(snaps, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(animation, "MAX_WIDTH", 240)
    path = snapshot_gif(snaps, tmp_path / "e.gif")
    frames = read_frames(path)
    assert len(frames) == len(snaps) and frames[0].shape[1] <= 240


def test_attention_frames_share_one_colour_scale() -> None:
    snaps = [AttentionMaps(step=s, layers=(AttentionLayer("a", np.full((1, 4, 4), w)),))
             for s, w in ((1, 0.25), (2, 0.6))]
    assert weight_range(snaps) == pytest.approx(0.6)
    assert weight_range(degenerate_attention()[:2]) == 1.0  # nothing finite: the full range
    early, late = (animation.render_frames([s], animation._DRAWERS["attention"], [""],
                                           max_width=300, weight_top=0.6)[0] for s in snaps)
    # the same place of the map: darker when the weight is smaller, on the one scale
    centre = (early.shape[0] // 2, early.shape[1] // 3)
    assert not np.array_equal(early[centre], late[centre])


def test_the_diffusion_trajectory_becomes_one_frame_per_step(tmp_path) -> None:
    rng = np.random.default_rng(1)
    frames = rng.normal(size=(5, 50, 2))
    frames[2, :5] = NAN
    snap = DiffusionTrajectory(step=10, steps=np.array([100, 75, 50, 25, 0]), frames=frames,
                               sample_steps=4, timesteps=100)
    assert len(read_frames(trajectory_gif(snap, tmp_path / "t.gif"))) == 5
    pictures = DiffusionTrajectory(step=10, steps=np.array([9, 0]),
                                   frames=rng.normal(size=(2, 16, 64)), image_shape=(8, 8))
    assert len(read_frames(trajectory_gif(pictures, tmp_path / "p.gif"))) == 2
    empty = DiffusionTrajectory(step=0, note="Not trained yet")
    assert len(read_frames(trajectory_gif(empty, tmp_path / "n.gif"))) == 1


def test_a_gan_run_writes_a_gif_of_its_pictures_over_training(tmp_path, monkeypatch,
                                                               drawn) -> None:
    from mlsp_studio.engine import Engine
    from mlsp_studio.engine.outputs import write_run
    from mlsp_studio.model.presets import load_preset
    from mlsp_studio.report.run_figures import write_run_figures

    monkeypatch.setattr(animation, "BUDGET_S", 1.0)  # a few frames are enough here
    monkeypatch.setattr(animation, "MAX_WIDTH", 320)
    engine = Engine(load_preset("gan-ring"), max_steps=40, threads=1)
    engine.run_blocking()
    assert engine.frames is not None and len(engine.frames.frames("gan_field")) >= 10
    written = write_run(tmp_path, engine) + write_run_figures(
        tmp_path, list(engine.history.records()), engine.snapshots(), engine.frames)
    gif = tmp_path / "gan_field.gif"
    assert gif in written and (tmp_path / "gan_field.png").is_file()
    field = drawn.of(tmp_path / "gan_field.png")  # the last picture: the plane, as trained
    assert len(drawn.images(field)) == 1 and len(drawn.points(field)) >= 2  # data, samples
    assert f"step {engine.step_count}" in drawn.text(field)
    with Image.open(gif) as image:
        assert image.n_frames > 1 and image.size[0] <= 320
