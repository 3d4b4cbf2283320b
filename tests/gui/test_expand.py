"""Right-click a composite block and expand it into its parts; undo brings the block back."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QPoint, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QContextMenuEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QMenu  # noqa: E402

from mlsp_studio.model.graph import Graph  # noqa: E402
from mlsp_studio.model.presets import load_preset  # noqa: E402


def _project():
    project = load_preset("digits-cnn")
    project.slots["model"] = Graph.chain([
        ("Input", {}), ("Reshape", {"shape": [8, 8]}),
        ("TransformerEncoderLayer", {"heads": 2, "ff": 16}), "Flatten", ("ClassifierHead", {})])
    return project


@pytest.fixture
def canvas(canvas_of):
    return canvas_of(_project())


def _action(menu: QMenu, text: str):
    return next(a for a in menu.actions() if a.text() == text)


def test_expand_into_parts_and_undo(canvas) -> None:
    doc, scene, view, messages = canvas
    assert doc.check.ok, doc.check.errors
    before = doc.graph.to_dict()
    params = doc.analysis().total_params
    menu = view.block_menu(3)
    expand = _action(menu, "Expand into parts")
    assert expand.isEnabled()
    expand.trigger()
    graph = doc.graph
    assert 3 not in graph.nodes and 3 not in scene.blocks
    types = [graph.nodes[n].type for n in sorted(graph.nodes) if n > 5]
    assert types == ["LayerNorm", "MultiHeadAttention", "Dropout", "Add", "LayerNorm", "Dense",
                     "ReLU", "Dropout", "Dense", "Dropout", "Add"]
    assert set(scene.blocks) == set(graph.nodes)
    assert sorted(scene.selected_block_ids()) == list(range(6, 17))
    assert doc.check.ok and doc.analysis().total_params == params
    assert doc.analysis().shapes[5] == (10,)
    assert messages[-1] == "TransformerEncoderLayer 3 is now 11 blocks"
    assert doc.undo_stack.undoText() == "Expand TransformerEncoderLayer 3"
    after = graph.to_dict()

    doc.undo_stack.undo()
    assert doc.graph.to_dict() == before and set(scene.blocks) == {1, 2, 3, 4, 5}
    assert doc.check.ok
    doc.undo_stack.redo()
    assert doc.graph.to_dict() == after and set(scene.blocks) == set(doc.graph.nodes)
    doc.undo_stack.undo()
    assert doc.graph.add_node("Dense") == 6  # ids handed out as before the expansion


def test_a_plain_block_cannot_be_expanded(canvas) -> None:
    doc, _, view, messages = canvas
    expand = _action(view.block_menu(2), "Expand into parts")
    assert not expand.isEnabled()
    assert view.expand_block(2) == []
    assert "not made of other blocks" in messages[-1]
    assert doc.undo_stack.count() == 0


def test_right_click_on_a_block_opens_its_menu(canvas) -> None:
    doc, scene, view, _ = canvas
    shown: list[list[str]] = []

    def choose() -> None:
        menu = QApplication.activePopupWidget()
        if menu is None:
            QTimer.singleShot(20, choose)
            return
        shown.append([a.text() for a in menu.actions() if a.text()])
        _action(menu, "Expand into parts").trigger()
        menu.close()

    QTimer.singleShot(20, choose)
    point = view.mapFromScene(scene.blocks[3].sceneBoundingRect().center())
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, point,
                              view.viewport().mapToGlobal(point),
                              Qt.KeyboardModifier.NoModifier)
    view.contextMenuEvent(event)
    assert shown == [["Expand into parts", "Duplicate", "Delete"]]
    assert not any(n.type == "TransformerEncoderLayer" for n in doc.graph.nodes.values())
    empty = QPoint(2, 2)
    assert view.block_at(empty) is None
