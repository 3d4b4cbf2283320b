"""The canvas, palette and undo commands, driven the way a person drives them (offscreen)."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QMouseEvent, QWheelEvent  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from mlsp_studio.gui.canvas import BLOCK_MIME, CLIPBOARD, GraphScene, GraphView  # noqa: E402
from mlsp_studio.gui.commands import (  # noqa: E402
    DisconnectCommand,
    MoveBlocksCommand,
    RemoveBlocksCommand,
    SetParamsCommand,
    SetSettingCommand,
)
from mlsp_studio.gui.palette import BlockPalette  # noqa: E402
from mlsp_studio.model.graph import Edge, Graph  # noqa: E402
from mlsp_studio.model.presets import load_preset  # noqa: E402


@pytest.fixture
def canvas(canvas_of):
    return canvas_of(load_preset("spiral"))


def _drop(view: GraphView, mime, at: QPoint) -> None:
    enter = QDragEnterEvent(at, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    view.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(at), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    view.dropEvent(drop)


def _wire(scene: GraphScene, src: int, dst: int, port: str = "in") -> None:
    """The mouse gesture: press the output port, drag, release over the input port."""
    scene.begin_wire(scene.blocks[src].output)
    target = scene.blocks[dst].input_pos(port)
    scene.drag_wire_to(target + QPointF(30, -40))
    scene.drag_wire_to(target + QPointF(3, 2))
    scene.finish_wire(target + QPointF(3, 2))


def _mouse(view: GraphView, kind: QEvent.Type, at: QPoint, button=Qt.MouseButton.LeftButton):
    held = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else button
    event = QMouseEvent(kind, QPointF(at), QPointF(view.viewport().mapToGlobal(at)),
                        button if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton,
                        held, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view.viewport(), event)


def test_palette_filters_and_describes_blocks(qtbot) -> None:
    palette = BlockPalette()
    qtbot.addWidget(palette)
    assert palette.search.placeholderText() == "Search blocks…"
    assert "every output is a weighted sum" in palette.item_for("Dense").toolTip(0)
    palette.set_filter("MAXPOOL")
    assert set(palette.visible_blocks()) == {"MaxPool1d", "MaxPool2d", "GlobalMaxPool1d",
                                             "GlobalMaxPool2d"}
    palette.set_filter("residual")  # a block name and a word from Add's and ResBlock's help
    assert palette.visible_blocks() == ["Add", "Residual", "ResBlock"]
    palette.set_filter("convolution")  # a category
    assert {"Conv1d", "Conv2d"} <= set(palette.visible_blocks())
    palette.set_filter("")
    assert len(palette.visible_blocks()) == len(palette.registry)
    with qtbot.waitSignal(palette.blockActivated) as signal:
        palette.tree.itemDoubleClicked.emit(palette.item_for("Tanh"), 0)
    assert signal.args == ["Tanh"]


def test_drop_from_palette_adds_a_block_where_dropped(canvas, qtbot) -> None:
    doc, scene, view, _ = canvas
    palette = BlockPalette()
    qtbot.addWidget(palette)
    mime = palette.mime_data_for("Dense")  # the same data a real drag from the tree carries
    assert bytes(mime.data(BLOCK_MIME).data()) == b"Dense"
    before = set(doc.graph.nodes)
    at = QPoint(600, 300)
    _drop(view, mime, at)
    (new,) = set(doc.graph.nodes) - before
    assert doc.graph.nodes[new].type == "Dense"
    item = scene.blocks[new]
    assert item.sceneBoundingRect().contains(view.mapToScene(at))
    assert doc.selected == new and doc.undo_stack.undoText() == "Add Dense"
    doc.undo_stack.undo()
    assert new not in doc.graph.nodes and new not in scene.blocks


def test_shape_problem_shows_on_the_block_and_undo_redo_restore(canvas) -> None:
    doc, scene, view, messages = canvas
    start = doc.graph.to_dict()
    conv = view.add_block_at("Conv2d", QPointF(400, 200))
    doc.undo_stack.push(DisconnectCommand(doc, Edge(3, 4)))
    _wire(scene, 2, conv)
    assert Edge(2, conv) in doc.graph.edges
    assert doc.undo_stack.undoText() == f"Connect Dense 2 → Conv2d {conv}"
    item = scene.blocks[conv]
    caption = item.caption.toPlainText()
    assert item.caption.isVisible() and "needs" in caption and "from Dense 2" in caption
    assert "needs" in item.toolTip()
    edge_label = scene.edges[Edge(2, conv)].shape_text
    assert edge_label == "(N, 32)"
    assert scene.edges[Edge(2, 3)].known
    broken = doc.graph.to_dict()

    # fix it: select the conv block and press Delete; then rewire Tanh 3 → Dense 4
    scene.select_blocks([conv])
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_Delete)
    assert conv not in doc.graph.nodes and conv not in scene.blocks
    _wire(scene, 3, 4)
    assert doc.analysis().ok, doc.analysis().messages()
    fixed = doc.graph.to_dict()

    stack = doc.undo_stack
    stack.undo()
    stack.undo()
    assert doc.graph.to_dict() == broken
    assert "needs" in scene.blocks[conv].caption.toPlainText()
    while stack.canUndo():
        stack.undo()
    assert doc.graph.to_dict() == start
    assert set(scene.blocks) == set(doc.graph.nodes)
    while stack.canRedo():
        stack.redo()
    assert doc.graph.to_dict() == fixed
    assert set(scene.edges) == set(doc.graph.edges)
    assert not any(b.caption.isVisible() for b in scene.blocks.values())


def test_refused_connections_say_why_and_push_nothing(canvas) -> None:
    doc, scene, view, messages = canvas
    stack = doc.undo_stack
    count = stack.count()
    _wire(scene, 1, 4)  # Dense 4's input is already fed by Tanh 3
    assert stack.count() == count
    assert "already fed by Tanh 3" in messages[-1]

    stack.push(DisconnectCommand(doc, Edge(1, 2)))
    count = stack.count()
    _wire(scene, 5, 2)  # Tanh 5 comes after Dense 2
    assert stack.count() == count
    assert messages[-1].startswith("connecting Tanh 5 to Dense 2 would make a cycle")
    assert Edge(5, 2) not in doc.graph.edges

    scene.begin_wire(scene.blocks[5].output)
    assert not scene.finish_wire(QPointF(-3000, -3000))  # released on nothing: cancelled
    assert stack.count() == count and scene._wire.scene() is None


def test_copy_paste_and_duplicate_give_new_ids(canvas) -> None:
    doc, scene, view, _ = canvas
    scene.select_blocks([2, 3])
    assert view.copy_selection()
    assert {n["id"] for n in CLIPBOARD["nodes"]} == {2, 3}
    before = set(doc.graph.nodes)
    pasted = view.paste()
    assert len(pasted) == 2 and not set(pasted) & before
    a, b = pasted
    assert doc.graph.nodes[a].type == "Dense" and doc.graph.nodes[b].type == "Tanh"
    assert Edge(a, b) in doc.graph.edges and len(doc.graph.inputs_of(a)) == 0
    assert doc.graph.nodes[a].pos != doc.graph.nodes[2].pos
    assert sorted(scene.selected_block_ids()) == sorted(pasted)
    again = view.duplicate_selection()
    assert len(again) == 2 and not set(again) & (before | set(pasted))
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert set(doc.graph.nodes) == before


def test_dragging_blocks_pushes_one_move(canvas, qtbot) -> None:
    doc, scene, view, _ = canvas
    stack = doc.undo_stack
    count = stack.count()
    start = doc.graph.nodes[4].pos
    at = view.mapFromScene(scene.blocks[4].sceneBoundingRect().center() + QPointF(-40, 0))
    _mouse(view, QEvent.Type.MouseButtonPress, at)
    for step in range(1, 11):
        _mouse(view, QEvent.Type.MouseMove, at + QPoint(12 * step, 5 * step))
    _mouse(view, QEvent.Type.MouseButtonRelease, at + QPoint(120, 50))
    assert stack.count() == count + 1
    assert stack.undoText() == "Move Dense 4"
    moved = doc.graph.nodes[4].pos
    assert moved != start and moved[0] % 10 == 0 and moved[1] % 10 == 0
    assert (scene.blocks[4].x(), scene.blocks[4].y()) == moved
    edge = scene.edges[Edge(3, 4)]
    assert edge.path().pointAtPercent(1.0) == scene.blocks[4].input_pos("in")
    stack.push(MoveBlocksCommand(doc, {4: (moved, (moved[0] + 50, moved[1]))}))
    assert stack.count() == count + 1  # consecutive moves of the same block merge
    stack.undo()
    assert doc.graph.nodes[4].pos == start
    assert (scene.blocks[4].x(), scene.blocks[4].y()) == start


def test_clicking_a_block_selects_it_in_the_document(canvas) -> None:
    doc, scene, view, _ = canvas
    at = view.mapFromScene(scene.blocks[2].sceneBoundingRect().center() + QPointF(-40, 0))
    _mouse(view, QEvent.Type.MouseButtonPress, at)
    _mouse(view, QEvent.Type.MouseButtonRelease, at)
    assert doc.selected == 2
    empty = view.mapFromScene(QPointF(-900, -900))
    _mouse(view, QEvent.Type.MouseButtonPress, empty)
    _mouse(view, QEvent.Type.MouseButtonRelease, empty)
    assert doc.selected == -1
    doc.select(3)
    assert scene.selected_block_ids() == [3]


def test_remove_and_undo_restores_blocks_and_edges(canvas) -> None:
    doc, scene, view, _ = canvas
    start = doc.graph.to_dict()
    doc.undo_stack.push(RemoveBlocksCommand(doc, [3, 4]))
    assert 3 not in doc.graph.nodes and not doc.graph.inputs_of(5)
    assert "Dense 2's output is not connected" in scene.blocks[2].caption.toPlainText()
    doc.undo_stack.undo()
    assert doc.graph.to_dict() == start
    assert {Edge(2, 3), Edge(3, 4), Edge(4, 5)} <= set(scene.edges)
    doc.undo_stack.push(SetParamsCommand(doc, 2, {"units": 8}))
    assert scene.blocks[2].look.summary == "8 units"
    assert doc.undo_stack.undoText() == "Change units of Dense 2"
    doc.undo_stack.undo()
    assert doc.graph.to_dict() == start and scene.blocks[2].look.summary == "32 units"


def test_set_setting_undo_removes_keys_that_were_absent(canvas) -> None:
    doc, scene, view, _ = canvas
    project, stack = doc.project, doc.undo_stack
    assert "weight_decay" not in project.hparams
    stack.push(SetSettingCommand(doc, "weight_decay", 0.001))
    assert project.hparams["weight_decay"] == 0.001 and stack.undoText() == "Change weight_decay"
    stack.undo()
    assert "weight_decay" not in project.hparams
    options = dict(project.dataset_options)
    stack.push(SetSettingCommand(doc, "dataset", "moons"))
    assert project.dataset == "moons" and project.dataset_options == {}
    stack.push(SetSettingCommand(doc, "noise", 0.2))
    stack.undo()
    stack.undo()
    assert project.dataset == "spiral" and project.dataset_options == options
    with pytest.raises(ValueError):
        SetSettingCommand(doc, "lr", -1)


def test_global_problems_are_listed_for_the_window(canvas) -> None:
    doc, scene, view, _ = canvas
    assert scene.global_problems() == []
    doc.undo_stack.push(RemoveBlocksCommand(doc, [1]))
    assert "the network has no Input block" in scene.global_problems()


def test_a_hundred_block_chain_rebuilds_moves_and_paints(canvas) -> None:
    # how long each takes is the bench's canvas_*_ms_100_blocks
    doc, scene, view, _ = canvas
    chain = ["Input"] + [("Dense", {"units": 16}) if i % 2 == 0 else "ReLU"
                         for i in range(98)] + ["ClassifierHead"]
    project = doc.project
    project.slots[doc.slot] = Graph.chain(chain)
    doc.replace_project(project)
    assert len(scene.blocks) == 100 and len(scene.edges) == 99
    scene.rebuild()
    assert len(scene.blocks) == 100 and len(scene.edges) == 99
    doc.undo_stack.push(MoveBlocksCommand(doc, {50: ((0.0, 4500.0), (200.0, 4500.0))}))
    assert doc.graph.nodes[50].pos == (200.0, 4500.0)
    assert (scene.blocks[50].x(), scene.blocks[50].y()) == (200.0, 4500.0)
    view.fit_all()
    shown = view.mapToScene(view.viewport().rect()).boundingRect()
    middle = scene.itemsBoundingRect().center()
    assert (shown.center() - middle).manhattanLength() < 0.05 * shown.height()  # centred on it
    assert not view.viewport().grab().isNull()


def test_zoom_and_pan(canvas) -> None:
    doc, scene, view, _ = canvas
    zoom = view.zoom()
    QTest.keyClick(view, Qt.Key.Key_Plus)
    assert view.zoom() == pytest.approx(zoom * 1.2)
    QTest.keyClick(view, Qt.Key.Key_Minus)
    assert view.zoom() == pytest.approx(zoom)
    center = QPoint(450, 350)
    fixed = view.mapToScene(center)
    wheel = QWheelEvent(QPointF(center), QPointF(view.viewport().mapToGlobal(center)), QPoint(),
                        QPoint(0, 240), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.ControlModifier, Qt.ScrollPhase.NoScrollPhase, False)
    view.wheelEvent(wheel)
    assert view.zoom() > zoom
    assert (view.mapToScene(center) - fixed).manhattanLength() < 3  # zooms about the mouse
    before = view.mapToScene(center)
    wheel = QWheelEvent(QPointF(center), QPointF(view.viewport().mapToGlobal(center)), QPoint(),
                        QPoint(0, -240), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    view.wheelEvent(wheel)
    assert view.mapToScene(center).y() > before.y()  # the plain wheel scrolls down
    empty = view.mapFromScene(QPointF(-600, -600))
    before = view.mapToScene(center)
    _mouse(view, QEvent.Type.MouseButtonPress, empty)
    _mouse(view, QEvent.Type.MouseMove, empty + QPoint(60, 40))
    _mouse(view, QEvent.Type.MouseButtonRelease, empty + QPoint(60, 40))
    moved = view.mapToScene(center) - before
    assert moved.x() < 0 and moved.y() < 0  # dragging the background pans
    assert doc.undo_stack.count() == 0
    view.fit_all()
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert all(visible.contains(b.sceneBoundingRect()) for b in scene.blocks.values())
