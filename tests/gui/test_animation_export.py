"""File → Export → Animation (GIF): says so in words before there is anything to animate,
then writes the pictures the window received over training as a GIF."""

from __future__ import annotations

import pytest
from PIL import Image
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from mlsp_studio.gui import animation_export
from mlsp_studio.report import animation


@pytest.fixture
def window(monkeypatch, ready_window):
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a: None))
    return ready_window("gan-ring", (1400, 900))


def test_the_animation_export_waits_for_pictures_then_writes_a_gif(window, qtbot, tmp_path,
                                                                 monkeypatch) -> None:
    said = []
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda *a: said.append(a[2])))
    window.on_export_animation()
    assert said and "nothing to animate yet" in said[0]
    monkeypatch.setattr(animation_export, "DRAW_BUDGET_S", 1.0)
    monkeypatch.setattr(animation, "MAX_WIDTH", 320)
    window.on_run()
    qtbot.waitUntil(lambda: bool(window.animation_choices()), timeout=90_000)
    window.on_pause()
    qtbot.waitUntil(lambda: window.state == "paused", timeout=10_000)
    choices = window.animation_choices()
    assert "The GAN on the plane over training" in choices
    monkeypatch.setattr(QInputDialog, "getItem",
                        staticmethod(lambda *a: ("The GAN on the plane over training", True)))
    target = tmp_path / "ring"  # no suffix given: .gif is added
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a: (str(target),
                                                                                   "")))
    window.on_export_animation()
    gif = tmp_path / "ring.gif"
    assert gif.is_file()
    with Image.open(gif) as image:
        assert image.format == "GIF" and image.n_frames >= 2
    assert window.lbl_state.text() == f"Animation written to {gif}"
