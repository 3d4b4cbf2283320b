"""Autosave and recovery: unsaved work is copied aside; after a crash the next window offers
it back, still marked unsaved; saving, closing cleanly or declining removes the copy; a copy
that cannot be read is kept aside or deleted as the person says."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from mlsp_studio.gui import recovery
from mlsp_studio.gui.app import open_window
from mlsp_studio.gui.commands import SetSettingCommand
from mlsp_studio.gui.recovery import RECOVERY_NAME


@pytest.fixture
def answers(monkeypatch):
    """The answer the recovery question gets, and the questions asked."""
    state = {"answer": QMessageBox.Yes, "asked": []}

    def question(parent, title, text, *args, **kwargs):
        state["asked"].append(text)
        return state["answer"] if title.startswith("Restore") else QMessageBox.Discard

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return state


def _window(qtbot, folder: Path):
    settings = QSettings(str(folder / "settings.ini"), QSettings.IniFormat)
    window = open_window("spiral", settings=settings)
    qtbot.waitUntil(lambda: window.bridge.is_ready, timeout=120_000)
    qtbot.wait(50)  # the start-up question, if any, is asked after the first paint
    return window


def _crash(window) -> None:
    """Leave without closing: the recovery copy stays, as after a crash."""
    window.bridge.shutdown(2.0)
    window.recovery.timer.stop()
    window.hide()


def test_unsaved_work_comes_back_after_a_crash(qtbot, tmp_path, answers) -> None:
    first = _window(qtbot, tmp_path)
    first.doc.undo_stack.push(SetSettingCommand(first.doc, "lr", 0.123))
    assert first.recovery.save_now()
    copy = tmp_path / RECOVERY_NAME
    assert copy.is_file()
    _crash(first)
    second = _window(qtbot, tmp_path)
    try:
        assert answers["asked"] and "'spiral'" in answers["asked"][0]
        assert second.doc.project.hparams["lr"] == 0.123
        assert not second.doc.undo_stack.isClean() and "•" in second.windowTitle()
        second.doc.undo_stack.setClean()  # as a save does
        assert not copy.exists()
    finally:
        second.bridge.shutdown(2.0)
        second.close()
        first.doc.undo_stack.setClean()
        first.close()


def test_a_damaged_copy_is_kept_aside_or_deleted_as_the_person_says(
        qtbot, tmp_path, answers, monkeypatch) -> None:
    told = []

    def keep_it(parent, file, aside, why):
        told.append((file, aside, why))
        return answers["keep"]

    monkeypatch.setattr(recovery, "keep_unreadable", keep_it)
    copy = tmp_path / RECOVERY_NAME
    copy.write_text("{ not a project", encoding="utf-8")
    answers["keep"] = True
    window = _window(qtbot, tmp_path)
    (file, aside, why), = told
    assert file == copy and why and not answers["asked"]  # what is wrong, in words
    assert not copy.exists() and aside.read_text(encoding="utf-8") == "{ not a project"
    assert aside.parent == tmp_path and aside.name.startswith("recovery-unreadable-")
    _crash(window)
    copy.write_text("{ not a project either", encoding="utf-8")
    answers["keep"] = False
    again = _window(qtbot, tmp_path)
    assert len(told) == 2 and not copy.exists()  # deleted, as asked
    assert aside.is_file()  # the copy kept aside before stays
    again.bridge.shutdown(2.0)
    again.close()
    window.doc.undo_stack.setClean()
    window.close()


def test_declining_removes_the_copy(qtbot, tmp_path, answers) -> None:
    copy = tmp_path / RECOVERY_NAME
    window = _window(qtbot, tmp_path)
    window.doc.undo_stack.push(SetSettingCommand(window.doc, "lr", 0.4))
    window.recovery.save_now()
    _crash(window)
    assert copy.is_file()
    answers["answer"] = QMessageBox.No
    again = _window(qtbot, tmp_path)
    try:
        assert answers["asked"] and "No deletes the copy" in answers["asked"][0]
        assert not copy.exists() and again.doc.project.hparams.get("lr") != 0.4
    finally:
        again.bridge.shutdown(2.0)
        again.close()
        window.doc.undo_stack.setClean()
        window.close()


def test_nothing_is_written_without_unsaved_changes_and_a_clean_close_removes_it(
        qtbot, tmp_path, answers) -> None:
    window = _window(qtbot, tmp_path)
    assert not window.recovery.save_now() and not (tmp_path / RECOVERY_NAME).exists()
    window.doc.undo_stack.push(SetSettingCommand(window.doc, "lr", 0.2))
    assert window.recovery.save_now()
    window.bridge.shutdown(2.0)
    window.close()  # the close question is answered "discard": the work is let go
    assert not (tmp_path / RECOVERY_NAME).exists()
