"""A recorded run on the window's timeline: scrubbing shows the curves and pictures as they
were at a step, the paused trained run's pictures wait while an earlier step is shown, and
a folder written by a second process is followed until its end, whose weights then load."""

from __future__ import annotations

import subprocess
import sys
import time

from mlsp_studio.gui.bridge import Mail


def _run(preset: str, folder, *extra: str) -> list[str]:
    return [sys.executable, "-m", "mlsp_studio", "run", preset, "--threads", "1",
            "--no-figures", "--quiet", "--out", str(folder), *extra]


def _title(panel) -> str:
    return panel.plot.titleLabel.text


def test_scrubbing_shows_the_run_as_it_was_at_a_step(ready_window, qtbot, tmp_path) -> None:
    folder = tmp_path / "spiral"
    subprocess.run(_run("spiral", folder, "--steps", "6000", "--seed", "1"), check=True,
                   timeout=300, capture_output=True)
    window = ready_window("xor-perceptron")
    assert window.open_run(folder)
    qtbot.waitUntil(lambda: window.recording is not None, timeout=60_000)
    timeline = window.timeline
    assert window._timeline_bar.isVisible() and len(timeline.steps) >= 3
    assert timeline.current_step == timeline.steps[-1] == 6000
    boundary, curves = window.panels["boundary"], window.panels["curves"]
    qtbot.waitUntil(lambda: "step 6000" in _title(boundary), timeout=30_000)
    first = timeline.steps[len(timeline.steps) // 3]  # early, with some curve drawn
    timeline.show_step(first)  # as a person dragging the slider to the start
    assert f"step {first}" in _title(boundary)
    drawn = curves.curves[("loss", "train")].xData
    assert drawn.size and drawn.max() <= first  # drawn up to the step
    assert timeline.where.text().startswith(f"step {first:,} of")
    live = Mail()  # a picture of the paused, trained run waits while an early step shows
    live.snapshots["boundary"] = object()
    assert window._replay_filter(live).snapshots == {}
    timeline.show_step(10**9)
    assert timeline.at_end and "step 6000" in _title(boundary)
    assert curves.curves[("loss", "train")].xData.max() > 5980  # pairs averaged
    timeline.show_step(first)
    window.on_run()  # training on from the run's weights takes the panels back
    qtbot.waitUntil(lambda: window.recording is None and "step 6000" not in _title(boundary),
                    timeout=60_000)
    assert not window._timeline_bar.isVisible() and window.bridge.step_count > 0
    window.on_reset()


def test_a_folder_being_written_is_followed_to_its_end(ready_window, qtbot, tmp_path) -> None:
    folder = tmp_path / "ring"
    writer = subprocess.Popen(_run("gan-ring", folder, "--seconds", "15", "--seed", "1"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        window = ready_window("spiral")
        deadline = time.monotonic() + 120
        while not (folder / "project.json").exists() and time.monotonic() < deadline:
            qtbot.wait(200)
        assert window.watch_run(folder)
        assert window.doc.project.paradigm == "gan"
        qtbot.waitUntil(lambda: window.recording is not None
                        and len(window.timeline.steps) >= 2, timeout=120_000)
        caught_up, still_writing = window.timeline.steps[-1], writer.poll() is None
        assert still_writing and not window.recording.ended  # caught up while it trains
        qtbot.waitUntil(lambda: window.opened_run is not None, timeout=180_000)
    finally:
        writer.wait(timeout=180)
    assert writer.returncode == 0, writer.stderr.read()[-500:]
    assert window.recording.ended and window.timeline.steps[-1] >= caught_up
    assert window.opened_run.steps == window.recording.last_step
    assert "ended" in window.lbl_state.text() or window.state == "paused"
    runs = window.panels["runs"].runs
    assert runs[0].done and runs[0].name == "ring (run folder)"


def test_a_folder_that_is_not_a_run_is_not_watched(ready_window, tmp_path, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    said = []
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda _parent, _title, text: said.append(text)))
    window = ready_window("spiral")
    assert not window.watch_run(tmp_path / "nowhere")
    assert not window.watch_run(tmp_path)
    assert "is not a folder" in said[0] and "does not hold a run's project yet" in said[1]
    assert window.doc.project.name == "spiral"


def test_a_run_trained_in_the_window_is_recorded_and_replayed(ready_window, qtbot) -> None:
    from recorded_runs import window_recorded_run

    window = ready_window("xor-perceptron")
    run, recording = window_recorded_run(window, qtbot)
    runs = window.panels["runs"]
    assert recording.ended and recording.kinds  # what the open panels showed, to its end
    assert recording.metrics()[-1][0] == window.bridge.step_count
    window.on_replay_run(runs.runs.index(run))
    assert window.recording is not None and window._timeline_bar.isVisible()
    assert window.timeline.current_step == recording.last_step
