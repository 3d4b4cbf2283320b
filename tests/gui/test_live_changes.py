"""Settings changed while a run trains: the learning rate, weight decay and a Dropout rate
go to the running engine and are marked on the curves; any other edit starts the run over.

The engine trains in its own process; it records a change (a ``change`` record in the
metric stream) only once it has applied it to the optimiser or the network."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from mlsp_studio.gui.commands import SetParamsCommand, SetSettingCommand
from mlsp_studio.model.live import live_changes
from mlsp_studio.model.presets import load_preset


@pytest.fixture
def window(monkeypatch, ready_window):
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.Discard))
    return ready_window("overfit-regularize")


def _running(window, qtbot) -> None:
    window.on_run()
    qtbot.waitUntil(lambda: window.bridge.step_count > 20, timeout=60_000)


def _changes(window) -> list[tuple[str, float]]:
    return [(r[2], r[3]) for r in window.bridge.curve_records() if r[1] == "change"]


def test_a_learning_rate_changed_while_training_reaches_the_run(window, qtbot) -> None:
    _running(window, qtbot)
    run = window.bridge.run_number
    window.doc.undo_stack.push(SetSettingCommand(window.doc, "lr", 0.0005))
    qtbot.waitUntil(lambda: _changes(window) == [("lr", 0.0005)], timeout=10_000)
    assert not window._stale and window.bridge.run_number == run and window.state == "running"
    curves = window.panels["curves"]
    qtbot.waitUntil(lambda: len(curves._marks) >= 1, timeout=10_000)


def test_any_other_edit_starts_the_run_over(window, qtbot) -> None:
    _running(window, qtbot)
    window.doc.undo_stack.push(SetSettingCommand(window.doc, "epochs", 3))
    assert window._stale


def test_which_edits_are_live() -> None:
    running = load_preset("overfit-regularize").with_variant("regularized")
    edited = running.copy()
    edited.hparams["lr"] = 0.1
    dropout = next(n for n in edited.slots["model"].nodes.values() if n.type == "Dropout")
    dropout.params["p"] = 0.2
    edited.slots["model"].nodes[1].pos = (40.0, 10.0)  # moved on the canvas: not a change
    assert live_changes(running, edited) == [("lr", 0.1),
                                             ("dropout", ("model", dropout.id, 0.2))]
    for edit in (lambda p: p.hparams.update(epochs=5), lambda p: setattr(p, "seed", 4),
                 lambda p: p.dataset_options.update(noise=0.3),
                 lambda p: p.slots["model"].nodes[2].params.update(units=8)):
        other = running.copy()
        edit(other)
        assert live_changes(running, other) is None


def test_a_dropout_rate_set_on_the_canvas_while_training(window, qtbot) -> None:
    window.doc.replace_project(load_preset("overfit-regularize").with_variant("regularized"))
    _running(window, qtbot)
    node = next(n for n in window.doc.graph.nodes.values() if n.type == "Dropout")
    window.doc.undo_stack.push(SetParamsCommand(window.doc, node.id, {"p": 0.1}))
    qtbot.waitUntil(lambda: _changes(window) == [(f"dropout {node.id}", 0.1)], timeout=10_000)
    assert not window._stale
