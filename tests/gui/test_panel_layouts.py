"""The panels' layout is remembered for each paradigm: a GPT project opens with its Text
generation panel even after a classifier's layout was saved, and each paradigm gets back
the layout last used for it."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from mlsp_studio.model.presets import load_preset


@pytest.fixture(autouse=True)
def discard(monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.Discard))


def _shown(window, name: str) -> bool:
    return not window.docks[name].isHidden()


def test_a_gpt_project_opens_with_its_own_panels_after_a_classifier(ready_window) -> None:
    first = ready_window("spiral", size=(1400, 900))
    assert not _shown(first, "generation") and _shown(first, "boundary")
    first.bridge.shutdown(2.0)
    first.close()  # its layout is saved, for the supervised paradigm
    assert first.settings.contains("panels/supervised")
    second = ready_window("gpt-chars", size=(1400, 900))  # the same settings file
    assert _shown(second, "generation") and not _shown(second, "boundary")


def test_each_paradigm_gets_back_the_layout_last_used_for_it(ready_window) -> None:
    window = ready_window("gpt-chars", size=(1400, 900))
    assert _shown(window, "attention")
    window.docks["attention"].hide()  # the person closed it
    window.doc.replace_project(load_preset("spiral"))
    assert _shown(window, "boundary") and not _shown(window, "generation")
    window.doc.replace_project(load_preset("gpt-chars"))
    assert _shown(window, "generation") and not _shown(window, "attention")
    assert not _shown(window, "boundary")


@pytest.mark.parametrize(("preset", "front", "behind"), [
    ("transformer-reverse", "attention", "layer_stats"),
    ("rnn-vs-lstm", "recurrent", "layer_stats"),
    ("deep-gradients", "layer_stats", None),  # the lesson is about the gradients
])
def test_a_lessons_own_picture_comes_to_the_front(ready_window, qtbot, preset, front,
                                                  behind) -> None:
    from mlsp_studio.gui.redraw import dock_shown

    window = ready_window(preset, size=(1400, 900))
    window.on_step()  # built: the panels for what the run gives are shown
    qtbot.waitUntil(lambda: window.bridge.step_count >= 1 and _shown(window, "layer_stats"),
                    timeout=60_000)
    assert dock_shown(window.docks[front])
    if behind is not None:  # shown for any network, so in a tab behind it
        assert not dock_shown(window.docks[behind])
