"""The keys of README.md's key table, pressed as a person presses them: a key event sent with
pytest-qt to the widget that has the keyboard focus (the canvas, where it is after a click
on a block), and the effect checked, never the slot called by hand.

Ctrl+G (the gallery) and F11 / Esc are pressed in test_classroom.py, F1 in
test_shortcut_sheet.py."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from mlsp_studio.gui.app import open_window
from mlsp_studio.model.project import load_project

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.Discard))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: None))
    win = open_window("spiral", settings=QSettings(str(tmp_path / "s.ini"),
                                                   QSettings.IniFormat))
    qtbot.waitUntil(lambda: win.bridge.is_ready and bool(win.panels), timeout=120_000)
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=10_000)
    win.view.setFocus()
    qtbot.waitUntil(lambda: win.view.hasFocus(), timeout=10_000)
    yield win
    if win.presenting:
        win.set_presenting(False)
    win.bridge.shutdown(2.0)
    win.doc.undo_stack.setClean()
    win.close()


def press(qtbot, key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    """Press and release ``key`` on whatever widget has the keyboard focus."""
    focused = QApplication.focusWidget()
    assert focused is not None, "no widget has the keyboard focus"
    qtbot.keyClick(focused, key, modifiers)


def test_space_runs_and_pauses(window, qtbot) -> None:
    assert window.state != "running"
    press(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.state == "running" and window.bridge.step_count > 5,
                    timeout=60_000)
    press(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: window.state == "paused", timeout=10_000)
    at = window.bridge.step_count
    qtbot.wait(300)
    assert window.bridge.step_count == at  # paused: no more steps
    window.bridge.shutdown(2.0)


def test_delete_removes_the_selection_and_ctrl_z_ctrl_shift_z_undo_and_redo(window, qtbot
                                                                            ) -> None:
    doc, scene = window.doc, window.scene
    start = doc.graph.to_dict()
    tanh = next(n.id for n in doc.graph.nodes.values() if n.type == "Tanh")
    scene.select_blocks([tanh])
    press(qtbot, Qt.Key.Key_Delete)
    assert tanh not in doc.graph.nodes and tanh not in scene.blocks
    without = doc.graph.to_dict()
    press(qtbot, Qt.Key.Key_Z, CTRL)
    assert doc.graph.to_dict() == start and tanh in scene.blocks
    press(qtbot, Qt.Key.Key_Z, CTRL | SHIFT)
    assert doc.graph.to_dict() == without
    press(qtbot, Qt.Key.Key_Z, CTRL)
    assert doc.graph.to_dict() == start

    edge = next(iter(doc.graph.edges))  # a connection is deleted the same way
    scene.clearSelection()
    scene.edges[edge].setSelected(True)
    press(qtbot, Qt.Key.Key_Delete)
    assert edge not in doc.graph.edges
    assert sorted(doc.graph.nodes) == sorted(node["id"] for node in start["nodes"])
    press(qtbot, Qt.Key.Key_Z, CTRL)
    assert doc.graph.to_dict() == start


def test_ctrl_c_ctrl_v_and_ctrl_d_copy_paste_and_duplicate(window, qtbot) -> None:
    doc, scene = window.doc, window.scene
    dense = [n.id for n in doc.graph.nodes.values() if n.type == "Dense"][0]
    after = next(e.dst for e in doc.graph.edges if e.src == dense)
    scene.select_blocks([dense, after])
    before = set(doc.graph.nodes)
    press(qtbot, Qt.Key.Key_C, CTRL)
    assert set(doc.graph.nodes) == before  # copying changes nothing
    press(qtbot, Qt.Key.Key_V, CTRL)
    pasted = set(doc.graph.nodes) - before
    assert len(pasted) == 2
    assert sorted(doc.graph.nodes[i].type for i in pasted) == sorted(
        doc.graph.nodes[i].type for i in (dense, after))
    assert any(e.src in pasted and e.dst in pasted for e in doc.graph.edges)  # wired alike
    assert sorted(scene.selected_block_ids()) == sorted(pasted)  # the copy is selected
    press(qtbot, Qt.Key.Key_D, CTRL)
    duplicated = set(doc.graph.nodes) - before - pasted
    assert len(duplicated) == 2
    press(qtbot, Qt.Key.Key_Z, CTRL)
    press(qtbot, Qt.Key.Key_Z, CTRL)
    assert set(doc.graph.nodes) == before
    scene.select_blocks([dense])  # what was copied is still there to paste: the first pair
    press(qtbot, Qt.Key.Key_V, CTRL)
    again = set(doc.graph.nodes) - before
    assert sorted(doc.graph.nodes[i].type for i in again) == sorted(
        doc.graph.nodes[i].type for i in (dense, after))


def test_ctrl_s_saves_and_ctrl_o_opens(window, qtbot, tmp_path, monkeypatch) -> None:
    target = tmp_path / "mine.mlsp.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    window.doc.project.hparams["lr"] = 0.0123  # an edit to see in the file
    window.doc.undo_stack.resetClean()
    press(qtbot, Qt.Key.Key_S, CTRL)  # no file yet: asks where, then saves
    assert target.is_file() and load_project(target).hparams["lr"] == 0.0123
    assert window.doc.path == target and window.doc.undo_stack.isClean()

    other = tmp_path / "other.mlsp.json"
    project = load_project(target)
    project.name = "another project"
    other.write_text(project.to_json(), encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(other), "")))
    press(qtbot, Qt.Key.Key_O, CTRL)
    assert window.doc.path == other and window.doc.project.name == "another project"


def test_ctrl_0_and_f_fit_the_network_in_view(window, qtbot) -> None:
    view = window.view
    window.view.fit_all()
    fitted = view.zoom()
    for fit in ((Qt.Key.Key_0, CTRL), (Qt.Key.Key_F, Qt.KeyboardModifier.NoModifier)):
        for _ in range(3):
            press(qtbot, Qt.Key.Key_Plus)  # + zooms in
        assert view.zoom() > 1.5 * fitted
        press(qtbot, *fit)
        assert view.zoom() == pytest.approx(fitted), fit


def test_ctrl_shift_p_enters_presentation_mode_and_esc_leaves_it(window, qtbot) -> None:
    press(qtbot, Qt.Key.Key_P, CTRL | SHIFT)
    assert window.presenting and window.act_present.isChecked()
    press(qtbot, Qt.Key.Key_Escape)
    assert not window.presenting and not window.act_present.isChecked()
