"""Nothing trained is lost without asking: a setting that changes only what is sampled
goes on with the run; one that changes training asks first, and the run so far stays in Runs
compared, finished at its step, with its weights to fork or save."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox
from safetensors.numpy import load_file

from mlsp_studio.gui import run_keeping
from mlsp_studio.gui.commands import SetSettingCommand


@pytest.fixture
def asked(monkeypatch):
    """The questions asked before a new run (changes, step), and the answer they get."""
    state = {"answer": True, "asked": []}

    def confirm(parent, changes, step):
        state["asked"].append((changes, step))
        return state["answer"]

    monkeypatch.setattr(run_keeping, "confirm_new_run", confirm)
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.Discard))
    return state


def _paused_after_training(window, qtbot, steps: int = 20) -> int:
    window.on_run()
    qtbot.waitUntil(lambda: window.bridge.step_count > steps, timeout=60_000)
    window.on_pause()
    qtbot.waitUntil(lambda: window.state == "paused", timeout=10_000)
    return window.bridge.step_count


def test_a_sampling_setting_changed_after_training_never_restarts(ready_window, qtbot,
                                                                   asked) -> None:
    window = ready_window("gpt-chars", size=(1400, 900))
    step = _paused_after_training(window, qtbot)
    run = window.bridge.run_number
    window.docks["generation"].raise_()  # in front of its tabs: its samples are drawn
    generation = window.panels["generation"]
    qtbot.waitUntil(lambda: generation.latest is not None, timeout=30_000)
    assert len(generation.latest.completion) == 60  # the preset's length
    # (shorter: a long sample may be cut to answer quickly on a slow machine)
    window.doc.undo_stack.push(SetSettingCommand(window.doc, "sample_length", 25))
    assert not window._stale  # the paused run samples with the new length at once
    qtbot.waitUntil(lambda: len(generation.latest.completion) == 25, timeout=30_000)
    assert window.bridge.step_count == step
    window.on_run()
    qtbot.waitUntil(lambda: window.bridge.step_count > step + 5, timeout=60_000)
    assert window.bridge.run_number == run and not asked["asked"]
    runs = window.panels["runs"]
    assert len(runs.runs) == 1 and runs.item(0).text(4) == "training…"
    window.on_pause()


def test_a_training_setting_asks_first_and_cancel_keeps_the_run(ready_window, qtbot,
                                                                asked) -> None:
    window = ready_window("spiral")
    step = _paused_after_training(window, qtbot)
    run, epochs = window.bridge.run_number, window.doc.project.hparams["epochs"]
    window.doc.undo_stack.push(SetSettingCommand(window.doc, "epochs", 7))
    assert window._stale
    asked["answer"] = False
    window.on_run()
    window.on_step()
    assert [changes for changes, _ in asked["asked"]] == [[f"epochs {epochs} → 7"]] * 2
    assert asked["asked"][0][1] == step
    qtbot.wait(300)
    assert window.bridge.run_number == run and window.bridge.active
    assert window.bridge.step_count == step and window.state == "paused"
    runs = window.panels["runs"]
    assert len(runs.runs) == 1 and runs.item(0).text(4) == f"paused at step {step:,}"
    assert "goes on from step" in window.lbl_state.text()


def test_after_confirming_the_old_run_is_listed_finished_with_its_weights(
        ready_window, qtbot, asked, tmp_path) -> None:
    window = ready_window("spiral")
    step = _paused_after_training(window, qtbot)
    window.doc.undo_stack.push(SetSettingCommand(window.doc, "epochs", 7))
    window.on_run()
    assert len(asked["asked"]) == 1
    runs = window.panels["runs"]
    qtbot.waitUntil(lambda: len(runs.runs) == 2, timeout=10_000)
    old = runs.runs[0]
    assert old.done and runs.item(0).text(4) == f"finished at step {step:,}"
    assert runs.item(1).text(4) == "training…"
    assert max(old.weights) == step  # its weights as they were when it ended
    saved = window.save_run(0, tmp_path / "saved")
    assert [path.name for path in saved] == ["model.safetensors"]
    kept, copy = load_file(old.weights[step]["model"]), load_file(saved[0])
    assert kept.keys() == copy.keys() and all((kept[k] == copy[k]).all() for k in kept)
    qtbot.waitUntil(lambda: window.bridge.step_count > 0, timeout=60_000)
    window.on_pause()
    qtbot.waitUntil(lambda: window.state == "paused", timeout=10_000)
    window.bridge.shutdown(2.0)
    assert window.fork_run(0, step)  # and it can be forked


def test_the_question_says_what_changed_and_what_is_kept(qtbot) -> None:
    changes = [f"setting {k} 1 → 2" for k in range(6)]
    box = run_keeping.new_run_box(None, changes, 1234)
    qtbot.addWidget(box)
    assert "setting 0 1 → 2" in box.text() and "and 2 more" in box.text()
    assert "step 1,234" in box.informativeText() and "finished" in box.informativeText()
    assert box.start.text() == "Start a new run"
    assert box.defaultButton() is not box.start and box.escapeButton() is not box.start
