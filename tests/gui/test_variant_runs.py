"""Compare variants in the window: each variant trains in turn and becomes a run to overlay."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox

from mlsp_studio.gui.app import open_window


@pytest.fixture
def window(monkeypatch, ready_window):
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.Discard))
    return ready_window("xor-perceptron")


def test_compare_variants_trains_each_and_overlays_them(window, qtbot) -> None:
    runs = window.panels["runs"]
    assert not window.docks["runs"].isVisible()  # nothing to compare yet
    assert window.act_compare.isEnabled()
    window.act_compare.trigger()
    qtbot.waitUntil(lambda: len(runs.runs) == 2 and all(r.done for r in runs.runs),
                    timeout=120_000)
    assert [r.name for r in runs.runs] == ["perceptron", "hidden"]
    accuracy = {r.name: r.final["test_accuracy"] for r in runs.runs}
    assert accuracy["hidden"] > accuracy["perceptron"]  # the hidden layer is what XOR needs
    qtbot.waitUntil(lambda: window.docks["runs"].isVisible(), timeout=5_000)
    runs.metric_box.setCurrentText("accuracy")
    runs.redraw()
    drawn = [item for item in runs.items.values() if item.xData is not None and len(item.xData)]
    assert len(drawn) == 2
    runs.item(0).setCheckState(0, Qt.Unchecked)  # untick a run: its line goes
    assert runs.items[0].xData is None or len(runs.items[0].xData) == 0
    assert runs.item(1).text(0) == "hidden" and "accuracy" in runs.item(1).text(4)
    assert runs.item(1).text(1) == "xor-perceptron"  # a variant comes from the preset
    assert runs.runs[1].differs and runs.item(1).text(2) != "—"
    # a plain Run afterwards trains the project as it is, and is kept as a third run
    window.on_run()
    qtbot.waitUntil(lambda: len(runs.runs) == 3 and runs.runs[2].done, timeout=120_000)
    assert runs.runs[2].name == "xor-perceptron"


def test_a_project_without_variants_says_so(qtbot, tmp_path) -> None:
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat)
    win = open_window(None, settings=settings)
    qtbot.waitUntil(lambda: bool(win.panels), timeout=120_000)
    try:
        assert not win.act_compare.isEnabled()
        win.on_compare_variants()
        assert "no variants" in win.lbl_state.text()
    finally:
        win.bridge.shutdown(2.0)
        win.doc.undo_stack.setClean()
        win.close()
