"""The classroom: lesson gallery, Lesson dock with steps to tick, presentation mode."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLabel, QMessageBox

from mlsp_studio.gui.app import open_window
from mlsp_studio.gui.commands import SetSettingCommand
from mlsp_studio.gui.lesson_dock import NO_STEPS
from mlsp_studio.model.presets import list_presets, load_preset


@pytest.fixture
def answers(monkeypatch):
    """The answer the unsaved-changes question gets (a modal box would block the test)."""
    box = {"answer": QMessageBox.Discard, "asked": 0}

    def question(*args, **kwargs):
        box["asked"] += 1
        return box["answer"]

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return box


@pytest.fixture
def window(qtbot, tmp_path, answers):
    win = open_window("spiral", settings=QSettings(str(tmp_path / "s.ini"),
                                                   QSettings.IniFormat))
    qtbot.waitUntil(lambda: win.bridge.is_ready and bool(win.panels), timeout=120_000)
    yield win
    if win.presenting:
        win.set_presenting(False)
    if win._gallery is not None:
        win._gallery.close()
    win.bridge.shutdown(2.0)
    win.doc.undo_stack.setClean()
    win.close()


def _gallery(window, qtbot):
    """Ctrl+G, pressed on the canvas as a person presses it."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=10_000)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    return window._gallery


def test_gallery_lists_every_preset_in_course_order_and_opens_one(qtbot, window, answers):
    gallery = _gallery(window, qtbot)
    assert gallery.isVisible()
    names = [info.name for info in list_presets()]
    assert gallery.visible_names() == names
    card = gallery.cards["xor-perceptron"]
    assert card.info.title in card.title.text()
    assert card.picture.pixmap() is not None and not card.picture.pixmap().isNull()
    qtbot.mouseDClick(card, Qt.LeftButton)
    assert window.doc.project.name == "xor-perceptron"
    assert not gallery.isVisible()
    assert answers["asked"] == 0  # nothing unsaved: nothing to ask


def test_gallery_open_asks_before_unsaved_work_is_lost(qtbot, window, answers):
    window.doc.undo_stack.push(SetSettingCommand(window.doc, "lr", 0.05))
    assert not window.doc.undo_stack.isClean()
    answers["answer"] = QMessageBox.Cancel
    gallery = _gallery(window, qtbot)
    gallery.select("word2vec")
    gallery.buttons.button(QDialogButtonBox.Open).click()
    assert answers["asked"] == 1 and window.doc.project.name == "spiral"
    answers["answer"] = QMessageBox.Discard
    window.on_gallery()
    window._gallery.choose("word2vec")
    assert window.doc.project.name == "word2vec"


def test_gallery_search_filters_by_every_word(qtbot, window):
    gallery = _gallery(window, qtbot)
    gallery.search.setText("attention")
    shown = gallery.visible_names()
    assert 2 <= len(shown) < len(gallery.infos) and "transformer-reverse" in shown
    assert "xor-perceptron" not in shown
    gallery.search.setText("attention digits")  # both words must appear
    both = gallery.visible_names()
    assert set(both) < set(shown) and "vit-digits" in both
    gallery.search.setText("zebra-unicorn")
    assert gallery.visible_names() == []
    assert not gallery.buttons.button(QDialogButtonBox.Open).isEnabled()
    assert gallery.count.text().startswith("0 of")
    gallery.search.clear()
    assert len(gallery.visible_names()) == len(gallery.infos)


def test_lesson_dock_shows_the_open_projects_steps_and_resets_ticks(window):
    lesson = window.lesson
    spiral = next(info for info in list_presets() if info.name == "spiral")
    assert spiral.title in lesson.title.text()
    assert lesson.step_texts() == [f"{i}. {s}" for i, s in enumerate(spiral.steps, 1)]
    assert not lesson.empty.isVisibleTo(lesson)
    lesson.boxes[0].setChecked(True)
    assert lesson.progress.text() == f"1 of {len(spiral.steps)} tried"
    window.open_preset("rnn-vs-lstm")
    steps = next(info for info in list_presets() if info.name == "rnn-vs-lstm").steps
    assert lesson.step_texts() == [f"{i}. {s}" for i, s in enumerate(steps, 1)]
    assert not any(box.isChecked() for box in lesson.boxes)
    bare = load_preset("spiral")
    bare.ui = {"title": "My own network"}
    window.doc.replace_project(bare)
    assert "My own network" in lesson.title.text() and lesson.boxes == []
    assert lesson.empty.isVisibleTo(lesson) and lesson.empty.text() == NO_STEPS


@pytest.mark.parametrize("preset", ["flow-2d", "gpt-chars"])
def test_a_paradigms_own_panels_show_before_the_first_run(window, preset):
    """Opening a preset shows the panels of its paradigm's pictures at once (the paradigm's
    settings name them), not only after the first run."""
    window.open_preset(preset)
    own = {"flow-2d": ("flow_density", "flow_samples", "flow_layers"),
           "gpt-chars": ("generation",)}[preset]
    shown = [name for name, panel in window.panels.items()
             if set(panel.kinds) & set(own) and not window.docks[name].isHidden()]
    assert shown, f"no panel for {own} is shown"
    assert not any(not window.docks[name].isHidden()
                   for name, panel in window.panels.items() if "boundary" in panel.kinds
                   and preset == "gpt-chars")


def test_presentation_mode_enlarges_hides_and_restores_exactly(qtbot, window):
    from mlsp_studio.gui.panels import base

    app = QApplication.instance()
    font_before = app.font().pointSizeF()
    window.docks["inspector"].hide()  # the person had closed the inspector themselves
    shown_before = {n: not window.docks[n].isHidden() for n in ("inspector", "palette",
                                                               "lesson")}
    own = next(label for panel in window.panels.values() for label in panel.findChildren(QLabel)
               if label.testAttribute(Qt.WidgetAttribute.WA_SetFont))
    own_size = own.font().pointSizeF()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=10_000)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_F11)  # F11 enters
    assert window.presenting and window.act_present.isChecked()
    assert own.font().pointSizeF() >= own_size * 1.5  # a panel label with its own font, too
    assert window.docks["inspector"].isHidden() and window.docks["palette"].isHidden()
    assert not window.docks["lesson"].isHidden()  # the lesson stays on screen
    assert app.font().pointSizeF() >= font_before * 1.5
    assert base.LOOK["scale"] > 1 and base.LOOK["contrast"]
    assert base.font(10).pointSizeF() >= 15
    assert app.palette().text().color().name() == "#000000"
    qtbot.keyClick(window, Qt.Key_Escape)  # Esc leaves
    assert not window.presenting and not window.act_present.isChecked()
    assert app.font().pointSizeF() == pytest.approx(font_before)
    assert {n: not window.docks[n].isHidden() for n in shown_before} == shown_before
    assert base.LOOK == {"scale": 1.0, "contrast": False}
    assert base.font(10).pointSizeF() == pytest.approx(10)
    assert own.font().pointSizeF() == pytest.approx(own_size)
    window.set_presenting(True)
    window.set_presenting(True)  # asking twice changes nothing more
    window.set_presenting(False)
    assert app.font().pointSizeF() == pytest.approx(font_before)


def _start(settings: QSettings, **kwargs):
    win = open_window(settings=settings, **kwargs)
    QApplication.processEvents()  # the start-up timers fire
    return win


def _close(win) -> None:
    if win._gallery is not None:
        win._gallery.close()
    win.bridge.shutdown(2.0)
    win.close()


def test_a_start_without_a_project_opens_the_gallery_until_its_box_is_cleared(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "start.ini"), QSettings.IniFormat)
    first = _start(settings, welcome=True)
    qtbot.waitUntil(lambda: first._gallery is not None and first._gallery.isVisible(),
                    timeout=30_000)
    first._gallery.at_start.setChecked(False)  # the person clears the box
    _close(first)
    second = _start(settings, welcome=True)
    qtbot.wait(300)
    assert second._gallery is None
    _close(second)
    named = _start(QSettings(str(tmp_path / "named.ini"), QSettings.IniFormat),
                   target="spiral", welcome=False)
    qtbot.wait(300)
    assert named._gallery is None  # a project named on the command line opens as it is
    _close(named)
