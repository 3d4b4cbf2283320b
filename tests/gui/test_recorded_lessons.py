"""A recording in the window beyond the timeline: File → Export → Animation (GIF) takes its
frames from the recording shown, and a run folder attached to a lesson in the gallery opens
with the lesson, its timeline still there in presentation mode."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from mlsp_studio.gui.gallery import RUNS_GROUP, LessonGallery, attached_run

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from recorded_runs import recorded_run  # noqa: E402

WORDS = "The GAN on the plane over training"


@pytest.fixture(scope="module")
def ring_run(tmp_path_factory):
    return recorded_run(tmp_path_factory.mktemp("lessons") / "ring")


@pytest.fixture
def said(monkeypatch):
    """The warnings the window would show, in order."""
    words: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a: words.append(a[2])))
    return words


def test_the_animation_export_draws_the_recordings_frames(ready_window, ring_run, qtbot,
                                                          tmp_path, monkeypatch, said) -> None:
    window = ready_window("spiral")
    assert window.open_run(ring_run)
    qtbot.waitUntil(lambda: window.recording is not None, timeout=60_000)
    choices = window.animation_choices()
    assert choices[WORDS] == "gan_field" and "gan_balance" in choices.values()
    steps = set(window.recording.steps("gan_field"))
    live = window._frame_history  # the paused run from the final weights: one picture at most
    assert live is None or len(live.frames("gan_field")) < len(steps)
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a: (WORDS, True)))
    gif = tmp_path / "field.gif"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a: (str(gif), "")))
    window.on_export_animation()
    assert not said
    with Image.open(gif) as image:
        assert image.n_frames == len(steps) >= 2
    assert window.lbl_state.text() == f"Animation written to {gif}"


def test_a_run_attached_to_a_lesson_opens_with_it(ready_window, ring_run, qtbot, tmp_path,
                                                  monkeypatch, said) -> None:
    window = ready_window("spiral", (1400, 900))
    window.on_gallery()
    gallery, card = window._gallery, window._gallery.cards["gan-ring"]
    assert card.run_note.isHidden()
    not_a_run = tmp_path / "empty"
    not_a_run.mkdir()
    for folder in (not_a_run, ring_run):
        monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                            staticmethod(lambda *a, f=folder: str(f)))
        actions = {a.text(): a for a in card.menu().actions()}
        assert "Detach the run folder" not in actions
        actions["Attach a run folder…"].trigger()
    assert len(said) == 1 and "empty" in said[0]  # refused in words, nothing attached
    assert attached_run(window.settings, "gan-ring") == ring_run.resolve()
    assert window.settings.value(f"{RUNS_GROUP}/gan-ring") == str(ring_run.resolve())
    assert not card.run_note.isHidden() and "ring" in card.run_note.text()
    again = LessonGallery(window, window.settings)  # kept in the settings
    assert again.cards["gan-ring"].attached == ring_run.resolve()
    assert again.cards["spiral"].attached is None
    nowhere = LessonGallery(window)  # no settings to keep a run in: no menu to attach one
    assert nowhere.cards["gan-ring"].contextMenuPolicy() == Qt.NoContextMenu
    assert again.cards["gan-ring"].contextMenuPolicy() == Qt.DefaultContextMenu
    again.deleteLater()
    nowhere.deleteLater()
    gallery.choose("gan-ring")  # as a double-click on the card
    qtbot.waitUntil(lambda: window.recording is not None, timeout=60_000)
    assert window.doc.project.paradigm == "gan" and len(window.timeline.steps) >= 2
    bar = window._timeline_bar
    assert bar.objectName() == "timeline" and bar.isVisible()
    window.set_presenting(True)
    try:
        assert bar.isVisible() and bar.isEnabled()
        window.timeline.show_step(window.timeline.steps[0])
        assert window.timeline.current_step == window.timeline.steps[0]
    finally:
        window.set_presenting(False)
    actions = {a.text(): a for a in card.menu().actions()}
    actions["Detach the run folder"].trigger()
    assert attached_run(window.settings, "gan-ring") is None and card.run_note.isHidden()
