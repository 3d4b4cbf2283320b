"""File → Open recent: saved and opened projects are listed, newest first, at most eight;
one that has gone is taken off the list with a message, and the open project stays."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from mlsp_studio.gui.app import open_window
from mlsp_studio.gui.file_actions import RECENT
from mlsp_studio.model.presets import load_preset
from mlsp_studio.model.project import save_project


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda parent, title, text, *a: shown.append(text)))
    monkeypatch.setattr(QMessageBox, "question",
                        staticmethod(lambda *a, **k: QMessageBox.Discard))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    win = open_window("spiral", settings=settings)
    qtbot.waitUntil(lambda: win.bridge.is_ready, timeout=120_000)
    win.shown_messages = shown
    yield win
    win.bridge.shutdown(2.0)
    win.doc.undo_stack.setClean()
    win.close()


def test_opened_and_saved_projects_are_listed_newest_first(window, tmp_path) -> None:
    paths = [save_project(load_preset("xor-perceptron"), tmp_path / f"p{i}.mlsp.json")
             for i in range(RECENT + 2)]
    for path in paths:
        assert window.open_path(path)
    assert window.recent_files() == [str(p.resolve()) for p in reversed(paths)][:RECENT]
    window._save_to(tmp_path / "saved.mlsp.json")
    assert window.recent_files()[0] == str((tmp_path / "saved.mlsp.json").resolve())
    window._fill_recent_menu()
    texts = [a.text() for a in window.recent_menu.actions()]
    assert texts[:RECENT] == window.recent_files() and texts[-1] == "Clear the list"


def test_a_project_that_is_gone_leaves_the_list(window, tmp_path) -> None:
    path = save_project(load_preset("digits-cnn"), tmp_path / "gone.mlsp.json")
    window.open_path(path)
    window.doc.replace_project(load_preset("spiral"))
    path.unlink()
    window._fill_recent_menu()
    window.recent_menu.actions()[0].trigger()
    assert window.shown_messages and "no longer there" in window.shown_messages[-1]
    assert window.recent_files() == [] and window.doc.project.name == "spiral"
    window._fill_recent_menu()
    assert [a.text() for a in window.recent_menu.actions()] == ["Clear the list"]
