"""The run list in the window: each run with where it came from, what differs, its seed and
final numbers; a run forked from a checkpoint starts from exactly those weights."""

from __future__ import annotations

import pytest
import torch
from PySide6.QtWidgets import QInputDialog, QMessageBox
from safetensors.torch import load_file


@pytest.fixture
def window(monkeypatch, ready_window):
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.Discard))
    return ready_window("xor-perceptron")


def _train(window, qtbot, count: int) -> None:
    runs = window.panels["runs"]
    qtbot.waitUntil(lambda: len(runs.runs) == count and runs.runs[-1].done, timeout=120_000)


def test_runs_are_listed_with_seed_and_differences_and_a_fork_names_its_parent(
        window, qtbot, tmp_path, drawn) -> None:
    runs = window.panels["runs"]
    window.on_run()
    _train(window, qtbot, 1)
    assert runs.item(0).text(0) == "xor-perceptron" and runs.item(0).text(1) == "—"
    assert runs.item(0).text(3) == "0" and "accuracy" in runs.item(0).text(4)
    first = runs.runs[0]
    assert first.checkpoints[0] == 0 and len(first.checkpoints) >= 2
    window.doc.set_setting("lr", 0.01)
    window.doc.set_setting("seed", 7)
    window.on_run()
    _train(window, qtbot, 2)
    assert runs.item(1).text(1) == "xor-perceptron"  # the run before it
    assert "lr 0.03 → 0.01" in runs.item(1).text(2) and "seed 0 → 7" in runs.item(1).text(2)
    assert runs.item(1).text(3) == "7"
    # fork the first run from a checkpoint in the middle, with the settings as they are now
    step = first.checkpoints[1]
    parent_file = first.weights[step]["model"]  # written by the training process
    assert window.fork_run(0, step)
    _train(window, qtbot, 3)
    third = runs.runs[2]
    assert third.name == f"xor-perceptron ↳ step {step}"
    assert runs.item(2).text(1) == f"xor-perceptron @ step {step}"
    assert "lr 0.03 → 0.01" in third.differs
    expected = load_file(parent_file)
    started = load_file(third.weights[0]["model"])  # the fork's own checkpoint at its step 0
    assert started.keys() == expected.keys()
    for name, tensor in expected.items():  # the run started from exactly those weights
        assert torch.equal(started[name], tensor)
    steps, _ = third.curve("loss")
    assert steps[0] > step  # the fork's curve goes on from its parent's checkpoint
    runs.metric_box.setCurrentText("loss")
    runs.plot_box.resize(800, 500)  # as big as a person would make the panel to look
    picture = runs.save_figure(tmp_path / "runs.png")
    assert picture.read_bytes()[:4] == b"\x89PNG"
    # read back: every run's loss curve is in the picture, in that run's colour
    assert drawn.ink(picture) > 0.01
    for i, item in runs.items.items():
        assert len(item.xData) > 1, i
        colour = item.opts["pen"].color().getRgbF()[:3]
        assert drawn.colour_share(picture, colour, tol=0.1) > 0.0003, i
    assert b"<svg" in runs.save_figure(tmp_path / "runs.svg").read_bytes()[:400]


def test_a_fork_that_cannot_be_made_is_refused_in_words(window, qtbot, monkeypatch) -> None:
    runs = window.panels["runs"]
    window.on_run()
    _train(window, qtbot, 1)
    asked = []

    def cancel(parent, title, label, items, current, editable):
        asked.extend(items)
        return items[current], False

    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(cancel))
    runs.tree.setCurrentItem(runs.item(0))
    assert runs.fork_button.isEnabled()
    runs.fork_button.click()  # asks which checkpoint; cancelled, nothing starts
    assert asked[0] == "step 0" and asked[-1].endswith("(final)") and len(runs.runs) == 1
    assert not window.fork_run(0, 123_456)
    text = window.lbl_state.text()
    assert "no checkpoint at step 123456" in text and "steps 0," in text
    runs.runs[0].weights = None
    assert not window.fork_run(0, 0)
    assert "no checkpoints to fork from" in window.lbl_state.text()
    assert len(runs.runs) == 1


def test_a_run_listed_while_the_panel_was_narrow_is_fitted_again_when_it_widens(qtbot) -> None:
    from mlsp_studio.gui.panels.runs import RunsPanel

    panel = RunsPanel()
    qtbot.addWidget(panel)
    panel.resize(260, 300)  # a tab behind another, laid out in little room
    panel.show()
    panel.begin_run("a run with a long name", seed=0)
    panel.end_run({"test_accuracy": 1.0})
    narrow = panel.tree.columnWidth(0)
    assert narrow < panel.tree.sizeHintForColumn(0)  # the name is cut
    panel.resize(900, 300)
    qtbot.waitUntil(lambda: panel.tree.columnWidth(0) >= panel.tree.sizeHintForColumn(0))
