"""A headless run writes its recording as it trains (unless told not to), and
``mlsp-studio screenshot RUN_DIR --at-step N`` draws the run as it was at step N."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread
from test_engine import diverging_project

from mlsp_studio.cli import main
from mlsp_studio.engine import Engine
from mlsp_studio.engine.outputs import record_run
from mlsp_studio.messages.events import Finished, MetricsBatch
from mlsp_studio.messages.recording import Recording
from mlsp_studio.model.presets import load_preset
from mlsp_studio.model.project import save_project


@pytest.fixture(scope="module")
def spiral_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "spiral"
    assert main(["run", "spiral", "--steps", "300", "--seed", "1", "--out", str(out),
                 "--no-figures", "--quiet"]) == 0
    return out


def test_a_headless_run_records_its_metrics_and_pictures(spiral_run: Path) -> None:
    recording = Recording(spiral_run)
    assert recording.ended and recording.end_reason == "done" and recording.last_step == 300
    assert {"boundary", "confusion"} <= set(recording.kinds)
    steps = recording.steps("boundary")
    assert steps[0] <= 10 and steps[-1] == 300  # the first pictures and the final weights'
    train = [r[0] for r in recording.metrics() if r[1:3] == ("train", "loss")]
    assert train == list(range(1, 301))
    early, late = (recording.snapshot_at("boundary", s) for s in (steps[0], 300))
    assert not np.allclose(early.probs, late.probs)  # it learnt in between
    assert all(r[0] <= 100 for r in recording.metrics(100))


def test_no_recording_writes_none(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert main(["run", "spiral", "--steps", "5", "--out", str(out), "--no-figures",
                 "--quiet", "--no-recording"]) == 0
    assert (out / "summary.json").exists() and not (out / "recording").exists()


def test_the_picture_at_a_step_differs_early_and_late(spiral_run: Path,
                                                      tmp_path: Path) -> None:
    early, late = tmp_path / "early.png", tmp_path / "late.png"
    assert main(["screenshot", str(spiral_run), "--at-step", "1", "-o", str(early)]) == 0
    assert main(["screenshot", str(spiral_run), "--at-step", "300", "-o", str(late)]) == 0
    first, last = imread(early), imread(late)
    assert first.shape[0] > 400 and first.shape[1] > 800  # the curves beside the pictures
    assert first.shape != last.shape or not np.array_equal(first, last)


def test_a_bad_step_or_folder_is_said_in_a_sentence(spiral_run: Path, tmp_path: Path,
                                                    capsys) -> None:
    assert main(["screenshot", str(spiral_run), "--at-step", "-1", "-o",
                 str(tmp_path / "x.png")]) == 2
    assert "0 or more" in capsys.readouterr().err
    assert main(["screenshot", str(tmp_path), "--at-step", "3", "-o",
                 str(tmp_path / "y.png")]) == 2
    err = capsys.readouterr().err
    assert "holds no recording" in err and err.count("\n") == 1
    assert not (tmp_path / "x.png").exists() and not (tmp_path / "y.png").exists()


def test_the_recorder_passes_every_event_on_and_keeps_the_kinds_asked(tmp_path: Path) -> None:
    seen = []
    engine = Engine(load_preset("spiral"), seen.append, max_steps=40, threads=1)
    engine.build()
    writer = record_run(engine, tmp_path, kinds={"confusion"})
    engine.run_blocking()
    assert any(isinstance(e, MetricsBatch) for e in seen)
    assert isinstance(seen[-1], Finished) and writer.ended
    recording = Recording(tmp_path)
    assert recording.kinds == ("confusion",) and recording.steps("confusion")[-1] == 40


def test_a_run_that_diverges_ends_its_recording_saying_so(tmp_path: Path) -> None:
    path = save_project(diverging_project(), tmp_path / "linear.mlsp.json")
    assert main(["run", str(path), "--out", str(tmp_path / "d"), "--quiet"]) == 3
    recording = Recording(tmp_path / "d")
    assert recording.ended and recording.end_reason == "diverged"
    assert any(not np.isfinite(r[3]) for r in recording.metrics())  # the step it blew up


def test_a_run_that_fails_leaves_no_recording_behind(tmp_path: Path) -> None:
    engine = Engine(load_preset("spiral"), max_steps=5, threads=1)
    engine.build()
    record_run(engine, tmp_path / "run")
    engine.sink(MetricsBatch(((1, "train", "loss", 1.0),)))
    assert (tmp_path / "run" / "recording" / "index.json").exists()
    engine.sink(Finished(1, 0.1, (), "error"))  # as run_blocking ends a run that failed
    assert not (tmp_path / "run").exists()
