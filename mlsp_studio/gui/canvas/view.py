"""The window onto the network: zoom, pan, drops from the palette, keyboard editing."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QKeySequence, QPainter, QPen
from PySide6.QtWidgets import QGraphicsView, QMenu, QWidget

from ...errors import GraphError
from ...model.composite import is_composite
from ..commands import (
    AddBlockCommand,
    DisconnectCommand,
    ExpandBlockCommand,
    PasteCommand,
    RemoveBlocksCommand,
    copy_fragment,
)
from ..document import StudioDocument
from .items import BLOCK_H, BLOCK_MIME, BLOCK_W, GRID, BlockItem
from .scene import GraphScene

# The copied blocks, shared by every view: a Graph.to_dict() fragment (see PasteCommand).
CLIPBOARD: dict[str, Any] = {}

MIN_ZOOM, MAX_ZOOM, MAX_FIT_ZOOM = 0.15, 4.0, 1.4
ZOOM_STEP = 1.2
PASTE_STEP = (BLOCK_W + 30.0, 0.0)  # pasted copies land beside the originals, not on them


class GraphView(QGraphicsView):
    """Shows a :class:`GraphScene` (``doc``, if given, must be the scene's document).

    One mouse scheme, like a map:

    * drag a block to move it (the selected blocks move together; one undo step per drag);
      click selects, Ctrl+click adds to the selection;
    * drag from a block's bottom port onto another block (or its top port) to connect them;
      dragging from a top port to a block's bottom port works too; release on nothing cancels;
    * drag on empty background to pan; middle-drag, or Space+drag, pans from anywhere;
    * Shift+drag on empty background draws a selection rectangle;
    * the wheel or two-finger scroll pans; Ctrl+wheel, a pinch, or the + and - keys zoom;
      F fits the whole network in the view;
    * Delete or Backspace deletes the selected blocks or connections; Ctrl+C, Ctrl+V and
      Ctrl+D copy, paste and duplicate blocks; Esc clears the selection;
    * right-click a block for its menu: expand a composite block into its parts, duplicate,
      delete;
    * a block dropped from the palette is added where it is dropped.
    """

    def __init__(self, scene: GraphScene, doc: StudioDocument | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(scene, parent)
        if doc is not None and doc is not scene.doc:
            raise ValueError("the view and its scene must show the same document")
        self.graph_scene = scene
        self.doc = scene.doc
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSceneRect(QRectF(-50000, -50000, 100000, 100000))  # an open plane to pan over
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().grabGesture(Qt.GestureType.PinchGesture)
        self._pan_from: QPoint | None = None
        self._pan_moved = 0
        self._space = False
        self._pastes = 0

    # -- zoom ----------------------------------------------------------------------------
    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom by ``factor`` keeping the scene point under ``anchor`` (viewport px) fixed."""
        target = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom() * factor))
        factor = target / self.zoom()
        if abs(factor - 1.0) < 1e-6:
            return
        point = (anchor if anchor is not None else QPointF(self.viewport().rect().center()))
        point = point.toPoint()
        fixed = self.mapToScene(point)
        self.scale(factor, factor)
        drift = self.mapFromScene(fixed) - point
        self._scroll_by(drift.x(), drift.y())

    def zoom_in(self) -> None:
        self.zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self.zoom_by(1 / ZOOM_STEP)

    def fit_all(self) -> None:
        """Show every block (and its problem caption and units' pictures), never larger than
        a comfortable zoom."""
        rect = self.graph_scene.units_rect()
        for block in self.graph_scene.blocks.values():
            rect = rect.united(block.sceneBoundingRect())
            if block.look.problems:
                rect = rect.united(block.caption.sceneBoundingRect())
        if rect.isNull():
            rect = QRectF(-200, -150, 400, 300)
        rect = rect.adjusted(-40, -40, 40, 40)
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        zoom = min(MAX_FIT_ZOOM, max(MIN_ZOOM, self.zoom()))
        self.resetTransform()
        self.scale(zoom, zoom)
        self.centerOn(rect.center())

    def make_room_for_units(self) -> None:
        """When every block is in sight but some units' pictures beside them are not, fit
        the view again (a person looking closely at one part is left where they are)."""
        seen = self.mapToScene(self.viewport().rect()).boundingRect()
        units = self.graph_scene.units_rect()
        if not units.isNull() and seen.contains(self.graph_scene.blocks_rect()) \
                and not seen.contains(units):
            self.fit_all()

    def _scroll_by(self, dx: float, dy: float) -> None:
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setValue(h.value() + round(dx))
        v.setValue(v.value() + round(dy))

    def wheelEvent(self, event) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_by(1.0015 ** event.angleDelta().y(), event.position())
        else:
            delta = event.pixelDelta()
            if delta.isNull():
                delta = event.angleDelta() / 2
            self._scroll_by(-delta.x(), -delta.y())
        event.accept()

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.NativeGesture \
                and event.gestureType() == Qt.NativeGestureType.ZoomNativeGesture:
            self.zoom_by(1.0 + event.value(), event.position())
            return True
        if event.type() == QEvent.Type.Gesture:
            pinch = event.gesture(Qt.GestureType.PinchGesture)
            if pinch is not None:
                center = self.viewport().mapFromGlobal(pinch.centerPoint().toPoint())
                self.zoom_by(pinch.scaleFactor(), QPointF(center))
                event.accept()
                return True
        return super().viewportEvent(event)

    # -- pan and rubber band -------------------------------------------------------------
    def _on_background(self, point: QPoint) -> bool:
        item = self.itemAt(point)
        return item is None or not item.acceptedMouseButtons() & Qt.MouseButton.LeftButton

    def mousePressEvent(self, event) -> None:
        point, button = event.position().toPoint(), event.button()
        left = button == Qt.MouseButton.LeftButton
        if button == Qt.MouseButton.MiddleButton or (left and self._space):
            self._start_pan(point)
            return
        if left and self._on_background(point):
            if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
                super().mousePressEvent(event)
                return
            self._start_pan(point)
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._pan_from is not None:
            point = event.position().toPoint()
            delta = point - self._pan_from
            self._pan_from = point
            self._pan_moved += delta.manhattanLength()
            self._scroll_by(-delta.x(), -delta.y())
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            if self._space:
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            else:
                self.viewport().unsetCursor()
            if self._pan_moved < 4 and event.button() == Qt.MouseButton.LeftButton \
                    and not self._space:
                self.graph_scene.clearSelection()  # a click on the background
            return
        super().mouseReleaseEvent(event)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)

    def _start_pan(self, point: QPoint) -> None:
        self._pan_from, self._pan_moved = point, 0
        self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawBackground(painter, rect)
        if self.zoom() < 0.5:
            return
        step = GRID * 5
        painter.setPen(QPen(self.graph_scene.theme.grid, 0))
        left, top = int(rect.left() // step) * step, int(rect.top() // step) * step
        x = left
        while x < rect.right():
            painter.drawLine(QPointF(x, rect.top()), QPointF(x, rect.bottom()))
            x += step
        y = top
        while y < rect.bottom():
            painter.drawLine(QPointF(rect.left(), y), QPointF(rect.right(), y))
            y += step

    # -- drops from the palette ----------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasFormat(BLOCK_MIME):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasFormat(BLOCK_MIME):
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:
        mime = event.mimeData()
        if not mime.hasFormat(BLOCK_MIME):
            super().dropEvent(event)
            return
        type_name = bytes(mime.data(BLOCK_MIME).data()).decode("utf-8", "replace")
        self.add_block_at(type_name, self.mapToScene(event.position().toPoint()))
        event.acceptProposedAction()
        self.setFocus()

    def add_block_at(self, type_name: str, center: QPointF) -> int | None:
        """Add a block of ``type_name`` centred on ``center`` (scene); selects it."""
        if type_name not in self.doc.registry:
            self.graph_scene.message.emit(f"there is no block type called {type_name!r}")
            return None
        x = round((center.x() - BLOCK_W / 2) / GRID) * GRID
        y = round((center.y() - BLOCK_H / 2) / GRID) * GRID
        try:
            command = AddBlockCommand(self.doc, type_name, {}, (x, y))
        except GraphError as err:
            self.graph_scene.message.emit(str(err))
            return None
        self.doc.undo_stack.push(command)
        self.graph_scene.select_blocks([command.node_id])
        return command.node_id

    def add_block_at_center(self, type_name: str) -> int | None:
        """Add a block in the middle of the view, or in the nearest free spot beside it."""
        middle = self.mapToScene(self.viewport().rect().center())
        center = middle
        for k in range(40):  # columns of four spots, moving right
            center = middle + QPointF((k // 4) * (BLOCK_W + 30), (k % 4) * (BLOCK_H + 34))
            spot = QRectF(center.x() - BLOCK_W / 2, center.y() - BLOCK_H / 2, BLOCK_W, BLOCK_H)
            if not any(b.sceneBoundingRect().intersects(spot)
                       for b in self.graph_scene.blocks.values()):
                break
        node_id = self.add_block_at(type_name, center)
        if node_id is not None:
            self.ensureVisible(self.graph_scene.blocks[node_id], 40, 40)
        return node_id

    # -- the block menu ------------------------------------------------------------------
    def block_at(self, point: QPoint) -> BlockItem | None:
        """The block under ``point`` (viewport pixels), also over its ports or caption."""
        item = self.itemAt(point)
        while item is not None and not isinstance(item, BlockItem):
            item = item.parentItem()
        return item

    def block_menu(self, node_id: int) -> QMenu:
        """The right-click menu of one block."""
        menu = QMenu(self)
        node = self.doc.graph.nodes[node_id]
        expand = menu.addAction("Expand into parts")
        expand.setEnabled(is_composite(node.type))
        expand.setStatusTip("Replace the block by the blocks it is made of" if expand.isEnabled()
                            else f"A {node.type} block is not made of other blocks")
        expand.triggered.connect(lambda: self.expand_block(node_id))
        menu.addSeparator()
        menu.addAction("Duplicate").triggered.connect(self.duplicate_selection)
        menu.addAction("Delete").triggered.connect(self.delete_selection)
        return menu

    def contextMenuEvent(self, event) -> None:
        block = self.block_at(event.pos())
        if block is None:
            super().contextMenuEvent(event)
            return
        if not block.isSelected():
            self.graph_scene.select_blocks([block.node_id])
        menu = self.block_menu(block.node_id)
        menu.exec(event.globalPos())
        menu.deleteLater()
        event.accept()

    def expand_block(self, node_id: int) -> list[int]:
        """Replace a composite block by its parts (one undo step); selects the parts."""
        label = self.doc.graph.nodes[node_id].label if node_id in self.doc.graph.nodes else ""
        try:
            command = ExpandBlockCommand(self.doc, node_id)
        except GraphError as err:
            self.graph_scene.message.emit(str(err))
            return []
        self.doc.undo_stack.push(command)
        self.graph_scene.select_blocks(command.node_ids)
        self.graph_scene.message.emit(f"{label} is now {len(command.node_ids)} blocks")
        return command.node_ids

    # -- keyboard editing ----------------------------------------------------------------
    def delete_selection(self) -> None:
        """Delete the selected blocks (with their connections) and selected connections."""
        ids = self.graph_scene.selected_block_ids()
        edges = [e for e in self.graph_scene.selected_edges()
                 if e.src not in ids and e.dst not in ids]
        if not ids and not edges:
            return
        stack = self.doc.undo_stack
        several = bool(ids) + len(edges) > 1
        if several:
            stack.beginMacro(f"Delete {len(ids) + len(edges)} items")
        if ids:
            stack.push(RemoveBlocksCommand(self.doc, ids))
        for edge in edges:
            stack.push(DisconnectCommand(self.doc, edge))
        if several:
            stack.endMacro()

    def copy_selection(self) -> bool:
        ids = self.graph_scene.selected_block_ids()
        if not ids:
            return False
        CLIPBOARD.clear()
        CLIPBOARD.update(copy_fragment(self.doc.graph, ids))
        self._pastes = 0
        n = len(ids)
        self.graph_scene.message.emit(f"copied {n} block{'s' if n > 1 else ''}")
        return True

    def paste(self) -> list[int]:
        if not CLIPBOARD.get("nodes"):
            self.graph_scene.message.emit("nothing to paste: copy some blocks first")
            return []
        self._pastes += 1
        offset = (PASTE_STEP[0] * self._pastes, PASTE_STEP[1] * self._pastes)
        return self._paste(dict(CLIPBOARD), offset)

    def duplicate_selection(self) -> list[int]:
        ids = self.graph_scene.selected_block_ids()
        if not ids:
            return []
        return self._paste(copy_fragment(self.doc.graph, ids), PASTE_STEP)

    def _paste(self, fragment: dict[str, Any], offset: tuple[float, float]) -> list[int]:
        try:
            command = PasteCommand(self.doc, fragment, offset)
        except GraphError as err:
            self.graph_scene.message.emit(str(err))
            return []
        self.doc.undo_stack.push(command)
        self.graph_scene.select_blocks(command.node_ids)
        return command.node_ids

    def keyPressEvent(self, event) -> None:
        key, ctrl = event.key(), event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.delete_selection()
        elif event.matches(QKeySequence.StandardKey.Copy):
            self.copy_selection()
        elif event.matches(QKeySequence.StandardKey.Paste):
            self.paste()
        elif key == Qt.Key.Key_D and ctrl:
            self.duplicate_selection()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif key == Qt.Key.Key_Minus:
            self.zoom_out()
        elif key == Qt.Key.Key_F and not ctrl:
            self.fit_all()
        elif key == Qt.Key.Key_Escape:
            self.graph_scene.cancel_wire()
            self.graph_scene.clearSelection()
        elif key == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)
