"""A finished run opened in the window: its project, its curves and final numbers in Runs
compared, and its final weights in the training process (saved back, they are the same
file); a folder that is not a run is refused in a sentence."""

from __future__ import annotations

import json
import subprocess
import sys

from PySide6.QtWidgets import QFileDialog, QMessageBox

from mlsp_studio.gui.bridge import Mail
from mlsp_studio.snapshots.base import PlaneGrid


def _headless_run(folder) -> None:
    subprocess.run([sys.executable, "-m", "mlsp_studio", "run", "xor-perceptron", "--steps",
                    "60", "--seed", "2", "--threads", "1", "--no-figures", "--quiet", "--out",
                    str(folder)], check=True, timeout=300, capture_output=True)


def test_an_opened_run_brings_back_its_project_curves_and_weights(ready_window, qtbot,
                                                                  tmp_path, monkeypatch) -> None:
    run_dir = tmp_path / "xor-run"
    _headless_run(run_dir)
    final = json.loads((run_dir / "summary.json").read_text())["final"]
    window = ready_window("spiral")
    assert window.open_run(run_dir)
    assert window.doc.project.name == "xor-perceptron"
    runs = window.panels["runs"]
    qtbot.waitUntil(lambda: len(runs.runs) == 2, timeout=60_000)
    opened, going_on = runs.runs
    assert opened.done and opened.weights == {60: {"model": str((run_dir /
                                                                 "model.safetensors").resolve())}}
    assert abs(opened.final["test_accuracy"] - final["test_accuracy"]) < 1e-9
    assert opened.curve("loss") is not None and opened.curve("loss")[0].max() == 60
    assert going_on.parent == f"{opened.name} @ step 60" and not going_on.done
    curves = window.panels["curves"]
    assert curves.step_offset == 60  # its history is drawn, what trains on comes after
    assert window.lbl_step.text() == "step 60"  # the trained network, not a new one
    qtbot.waitUntil(lambda: window.bridge.is_ready, timeout=60_000)
    qtbot.wait(300)  # the paused run's first news has come: what was said on opening stays
    assert window.lbl_state.text().startswith("Opened xor-run: trained 60 steps; its final")
    assert runs.item(1).text(4) == "paused at step 60"  # the run going on, in the list
    mail = Mail()
    mail.snapshots = {"grid": PlaneGrid(step=3)}  # the 3rd step trained on from it
    assert window._count_on(mail).snapshots["grid"].step == 63
    window._drawing_replay = True  # a recorded picture keeps the step it was taken at
    assert window._count_on(mail).snapshots["grid"].step == 63
    window._drawing_replay = False
    assert curves.history[("loss", "train")].data()[0].max() == 60
    back = tmp_path / "back"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(back)))
    window.on_export_weights()  # the paused run's weights, from the training process
    qtbot.waitUntil(lambda: window._asked == {}, timeout=60_000)  # answered: written whole
    assert (back / "model.safetensors").read_bytes() == \
        (run_dir / "model.safetensors").read_bytes()
    window.on_reset()  # a run from step 0 counts from 0
    assert window.live_step_offset == 0 and window.lbl_step.text() == "step 0"


def test_a_folder_that_is_not_a_run_is_refused_in_words(ready_window, tmp_path,
                                                        monkeypatch) -> None:
    said = []
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda _parent, _title, text: said.append(text)))
    window = ready_window("spiral")
    (tmp_path / "project.json").write_text("{}")
    assert not window.open_run(tmp_path / "nowhere")
    assert not window.open_run(tmp_path)
    assert window.doc.project.name == "spiral"  # the window is as it was
    assert "is not a folder" in said[0] and "project cannot be read" in said[1]


def test_a_run_trained_in_the_window_is_saved_as_a_run_folder_and_opened(ready_window, qtbot,
                                                                         tmp_path) -> None:
    from pathlib import Path

    from recorded_runs import window_recorded_run

    from mlsp_studio.messages.recording import Recording
    from mlsp_studio.model.run_folder import read_run_folder, safe_name

    window = ready_window("xor-perceptron")
    run, recording = window_recorded_run(window, qtbot)
    runs = window.panels["runs"]
    index = runs.runs.index(run)
    folder = window.save_run_folder(index, tmp_path)
    assert folder == tmp_path / safe_name(run.name)
    assert window.save_run_folder(index, tmp_path) == tmp_path / f"{safe_name(run.name)}-2"
    back = read_run_folder(folder)  # as a headless run's folder is read
    assert back.project.name == "xor-perceptron" and back.steps == max(run.weights)
    assert back.final == run.final
    assert back.records == [(s, split, m, float(f"{v:.6g}")) for s, split, m, v
                            in recording.metrics()]  # every metric, not the bounded curves
    assert Path(back.weights["model"]).read_bytes() == \
        Path(run.weights[back.steps]["model"]).read_bytes()
    assert Recording(folder / "recording").ended
    assert window.open_run(folder)  # reopened: its recording goes on the timeline
    qtbot.waitUntil(lambda: window.recording is not None, timeout=60_000)
    assert window.timeline.current_step == recording.last_step
