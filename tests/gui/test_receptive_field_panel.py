"""The receptive field panel on real snapshots of short runs: words, choosers, clicks."""

from __future__ import annotations

import numpy as np
from panel_helpers import options_sent, show_panel
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QApplication

from mlsp_studio.engine import Engine
from mlsp_studio.gui.panels.receptive_field import ReceptiveFieldPanel, map_place
from mlsp_studio.model.presets import load_preset


def _snapshot(preset: str, **options):
    engine = Engine(load_preset(preset), max_steps=3, threads=1)
    engine.run_blocking()
    for name, value in options.items():
        engine.paradigm.set_visual_option(name, value)
    return engine.paradigm.visualize({"receptive_field"})[0]


class _Click:
    def __init__(self, pos: QPointF) -> None:
        self._pos = pos

    def scenePos(self) -> QPointF:
        return self._pos


def test_a_digit_unit_is_drawn_and_chosen_by_a_click(qtbot) -> None:
    panel = show_panel(qtbot, ReceptiveFieldPanel(), (640, 640))
    snap = _snapshot("digits-cnn", rf_layer="Conv2d 5", rf_channel=2)
    panel.show_snapshot(snap)
    QApplication.processEvents()
    assert panel.heading.text().startswith("This unit sees 7×7 input pixels")
    assert panel.layer.currentText() == "Conv2d 5" and panel.channel.value() == 2
    assert panel.col.isVisibleTo(panel) and panel.overlay.image.shape == (8, 8, 4)
    xs, ys = panel.boxes[0].getData()
    (r0, r1), (c0, c1) = snap.span
    assert (min(xs), max(xs), min(ys), max(ys)) == (c0, c1 + 1, r0, r1 + 1)
    asked = options_sent(panel)
    scene = panel.top.vb.mapViewToScene(QPointF(6.5, 1.5))  # column 6, row 1 of the input
    panel._on_click(_Click(scene))
    assert asked[-1] == ("rf_position", [map_place(1.5, 8, 4), map_place(6.5, 8, 4)]) \
        == ("rf_position", [0, 3])
    panel.layer.setCurrentText("Conv2d 2")
    assert asked[-1] == ("rf_layer", "Conv2d 2")
    panel.channel.setValue(5)
    assert asked[-1] == ("rf_channel", 5)


def test_a_signal_unit_shades_its_span(qtbot) -> None:
    panel = ReceptiveFieldPanel()
    qtbot.addWidget(panel)
    panel.show()
    snap = _snapshot("signal-cnn1d", rf_layer="Conv1d 2", rf_position=[64])
    panel.show_snapshot(snap)
    QApplication.processEvents()
    assert panel.heading.text().startswith("This unit sees 7 input steps (of 128)")
    assert not panel.col.isVisibleTo(panel) and panel.row_label.text() == "step"
    assert tuple(np.round(panel.spans[0].getRegion(), 1)) == (60.5, 67.5)
    assert panel.effect_curve.isVisible() and not panel.overlay.isVisible()
    panel.reset()
    assert panel.heading.text().startswith("Receptive field — waiting")
