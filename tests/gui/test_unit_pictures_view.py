"""Each hidden unit's picture on its block: drawn beside the blocks the picture covers,
taken away when a block's width changes, a click opens the Hidden units panel on that unit,
and the View menu's switch stops asking the training process for them."""

from __future__ import annotations

from lab_snapshot_cases import unit_pictures
from PySide6.QtCore import QPointF, Qt

from mlsp_studio.gui.canvas.unit_items import TILE, UnitStrip
from mlsp_studio.gui.commands import SetParamsCommand
from mlsp_studio.model.presets import load_preset
from mlsp_studio.snapshots.lab import UnitPictures


def _spiral_pictures(step: int = 1) -> UnitPictures:
    """Pictures for spiral's Dense 2 and Tanh 3 (32 units each) and a block it lacks."""
    snap = unit_pictures(step)
    return UnitPictures(step=step, xs=snap.xs, ys=snap.ys, nodes=(2, 3, 99),
                        labels=("Dense 2", "Tanh 3", "Gone 99"), units=(32, 32, 32),
                        maps=(snap.maps[1], snap.maps[1], snap.maps[1]))


def _strip(scene, node: int) -> UnitStrip | None:
    strip = scene.blocks[node].unit_strip
    return strip if strip is not None and strip.isVisible() else None


def test_the_blocks_show_their_units_and_forget_them_when_they_change(canvas_of, qtbot) -> None:
    doc, scene, view, _ = canvas_of(load_preset("spiral"))
    scene.show_unit_pictures(_spiral_pictures())
    dense, tanh = _strip(scene, 2), _strip(scene, 3)
    assert dense is not None and tanh is not None and _strip(scene, 4) is None
    assert dense.count == 32 and not dense.image.isNull()
    assert dense.sceneBoundingRect().left() > scene.blocks[2].sceneBoundingRect().right() - 20
    view.fit_all()
    seen = view.mapToScene(view.viewport().rect()).boundingRect()
    assert seen.contains(scene.units_rect())
    clicked = []
    scene.unitClicked.connect(lambda node, unit: clicked.append((node, unit)))
    centre = dense.mapToScene(QPointF(TILE * 2.5, TILE * 1.5))  # column 2, row 1: unit 10
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.mapFromScene(centre))
    assert clicked == [(2, 10)]
    doc.undo_stack.push(SetParamsCommand(doc, 2, {"units": 8}))  # Dense 2 now has 8 units
    assert _strip(scene, 2) is None and _strip(scene, 3) is None
    doc.undo_stack.undo()
    assert _strip(scene, 2) is not None
    scene.show_unit_pictures(None)
    assert _strip(scene, 2) is None and scene.units_rect().isNull()


def test_a_click_opens_the_panel_and_the_switch_stops_the_pictures(ready_window,
                                                                   qtbot) -> None:
    win = ready_window("spiral", size=(1400, 900))
    assert "unit_pictures" in win._visual_kinds  # the canvas asks for them by itself
    win.scene.show_unit_pictures(_spiral_pictures())
    win.scene.unitClicked.emit(3, 5)
    panel = win.panels["units"]
    qtbot.waitUntil(lambda: win.docks["units"].isVisible(), timeout=5_000)
    panel.show_snapshot(_spiral_pictures(2))
    panel.redraw()
    assert panel.node == 3 and panel.unit == 5
    assert panel.chooser.currentText().startswith("Tanh 3")
    assert "unit 6 of 32" in panel.heading.text()
    win.act_units.trigger()  # off
    assert not win.units_on and _strip(win.scene, 2) is None
    win.docks["units"].hide()
    win._update_visuals()
    assert "unit_pictures" not in win._visual_kinds
    win.act_units.trigger()
    assert "unit_pictures" in win._visual_kinds


def test_training_draws_the_units_on_the_blocks(ready_window, qtbot) -> None:
    win = ready_window("spiral", size=(1400, 900))
    win.act_run.trigger()
    qtbot.waitUntil(lambda: _strip(win.scene, 3) is not None, timeout=60_000)
    win.act_pause.trigger()
    qtbot.waitUntil(lambda: win.state == "paused", timeout=5_000)
    assert _strip(win.scene, 2).count == 32 and _strip(win.scene, 6) is None  # not the head
