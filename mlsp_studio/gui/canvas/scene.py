"""The network of the slot being edited, drawn from the document and redrawn from its signals."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QGraphicsScene

from ...errors import GraphError, ParamError
from ...model.blocks import format_shape
from ...model.graph import Analysis, Edge, Node
from ...snapshots.lab import UnitPictures
from ..bridge import assert_gui_thread
from ..commands import ConnectCommand, MoveBlocksCommand
from ..cost_view import block_line, block_words
from ..document import StudioDocument
from .items import (
    DARK,
    LIGHT,
    BlockItem,
    BlockLook,
    CanvasTheme,
    EdgeItem,
    PortItem,
    RubberWire,
)
from .unit_items import show_unit_pictures

SNAP_DISTANCE = 18.0  # how near a port the mouse must be released to hit it


def _dims(value: Any, dims: int, sep: str = "×") -> str:
    values = tuple(value) if isinstance(value, (list, tuple)) else (value,) * dims
    return sep.join(str(v) for v in values)


def block_summary(type_name: str, params: dict[str, Any], shape: tuple | None) -> str:
    """The block's key settings in a few words: ``64 units``, ``16 ch, 3×3, s1``."""
    p = params
    dims = 2 if type_name.endswith("2d") else 1
    if type_name == "Input":  # a second input says which: noise z, time step t, class c
        source = p.get("source", "x")
        name = "" if source == "x" else f"{source}: "
        return name + (f"gives {format_shape(shape)}" if shape else "shape from the data")
    if type_name == "Dense":
        return f"{p.get('units')} units" + ("" if p.get("bias", True) else ", no bias")
    if type_name.startswith(("Conv", "ConvTranspose")):
        kernel = _dims(p.get("kernel_size"), dims) if dims == 2 else f"k{p.get('kernel_size')}"
        text = f"{p.get('out_channels')} ch, {kernel}, s{p.get('stride')}"
        return text + (f", d{p['dilation']}" if p.get("dilation", 1) != 1 else "")
    if type_name.startswith(("Global",)):
        return "whole image" if dims == 2 else "whole signal"
    if type_name.endswith(("Pool1d", "Pool2d")):
        kernel = _dims(p.get("kernel_size"), dims) if dims == 2 else f"k{p.get('kernel_size')}"
        return f"{kernel}, s{p.get('stride') or p.get('kernel_size')}"
    if type_name == "Dropout":
        return f"p = {p.get('p')}"
    if type_name == "LeakyReLU":
        return f"slope {p.get('negative_slope')}"
    if type_name in ("ClassifierHead", "RegressionHead"):
        key, word = ("classes", "classes") if type_name == "ClassifierHead" else \
            ("outputs", "outputs")
        size = p.get(key) or (shape[-1] if shape else 0)
        if size == 1:
            word = word[:-2] if word == "classes" else word[:-1]
        return f"{size} {word}" if size else f"{word} from the data"
    if type_name in ("Add", "Multiply"):
        return f"{p.get('inputs')} inputs"
    if type_name == "Concat":
        return f"{p.get('inputs')} inputs, axis {p.get('axis')}"
    if type_name == "Reshape":
        return "to (N, " + ", ".join(str(v) for v in p.get("shape", ())) + ")"
    if type_name == "Upsample":
        return f"×{p.get('scale_factor')}, {p.get('mode')}"
    return _sequence_summary(type_name, p)


def _sequence_summary(type_name: str, p: dict[str, Any]) -> str:
    """Key settings of the sequence and attention blocks."""
    if type_name == "Embedding":
        vocab = p.get("vocab") or "data's"
        return f"{vocab} tokens → {p.get('dim')}"
    if type_name == "PositionalEncoding":
        return "off" if p.get("kind") == "none" else f"{p.get('kind')}, ≤ {p.get('max_len')}"
    if type_name in ("RNN", "LSTM", "GRU"):
        layers = p.get("layers", 1)
        text = f"{p.get('hidden')} units" + (f" × {layers} layers" if layers > 1 else "")
        text += ", both ways" if p.get("bidirectional") else ""
        return text + ("" if p.get("return_sequence", True) else ", last state")
    if type_name in ("MultiHeadAttention", "TransformerEncoderLayer", "TransformerDecoderLayer",
                     "ConformerBlock"):
        heads = p.get("heads", 1)
        text = f"{heads} head" + ("" if heads == 1 else "s")
        if p.get("mode") == "cross":
            text += ", cross"
        return text + (", causal" if p.get("causal") else "")
    if type_name == "AttentionPooling":
        return f"{p.get('hidden')} hidden"
    if type_name == "PatchEmbedding":
        return f"{p.get('patch')}×{p.get('patch')} patches → {p.get('dim')}" + \
            (", + class token" if p.get("class_token") else "")
    if type_name == "TakeToken":
        return f"token {p.get('index')}"
    if type_name == "RepeatVector":
        return f"× {p.get('times')}"
    return ""


def count_text(count: int | None) -> str:
    if count is None:
        return "? params"
    return f"{count:,} param" + ("" if count == 1 else "s")


class GraphScene(QGraphicsScene):
    """Blocks and edges of ``doc.graph``; every edit it starts is an undoable command.

    Signals: ``message(str)`` — a sentence for the status bar (e.g. why a connection was
    refused). ``global_problems()`` lists the problems that belong to no block ("the network
    has no Input block"); the window can show them when ``doc.checked`` fires.
    """

    message = Signal(str)
    unitClicked = Signal(int, int)  # node id, unit: a unit's picture on a block was clicked

    def __init__(self, doc: StudioDocument, parent=None, dark: bool | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.blocks: dict[int, BlockItem] = {}
        self.edges: dict[Edge, EdgeItem] = {}
        self.dragging = False  # a mouse button is down: blocks snap to the grid while moved
        self._slot = ""
        self._syncing = False
        self._pressed: dict[int, QPointF] = {}
        self._wire_from: PortItem | None = None
        self._wire = RubberWire()
        self._units: UnitPictures | None = None  # the latest pictures of the hidden units
        if dark is None:
            app = QApplication.instance()
            dark = app is not None and app.palette().color(QPalette.ColorRole.Base) \
                .lightness() < 128
        self.theme: CanvasTheme = DARK if dark else LIGHT
        self.setBackgroundBrush(self.theme.background)
        doc.projectReplaced.connect(self._on_project_replaced)
        doc.graphChanged.connect(self._on_graph_changed)
        doc.checked.connect(self._on_checked)
        doc.selectionChanged.connect(self._on_doc_selection)
        self.selectionChanged.connect(self._on_selection_changed)
        self.rebuild()

    # -- reading -------------------------------------------------------------------------
    def block_item(self, node_id: int) -> BlockItem | None:
        return self.blocks.get(node_id)

    def edge_item(self, edge: Edge) -> EdgeItem | None:
        return self.edges.get(edge)

    def selected_block_ids(self) -> list[int]:
        return [item.node_id for item in self.selectedItems() if isinstance(item, BlockItem)]

    def selected_edges(self) -> list[Edge]:
        return [item.edge for item in self.selectedItems() if isinstance(item, EdgeItem)]

    def global_problems(self) -> list[str]:
        """Problems about the whole network rather than one block, in words."""
        analysis = self.doc.analysis()
        return [p.message for p in analysis.problems if p.node is None] if analysis else []

    def blocks_rect(self) -> QRectF:
        rect = QRectF()
        for item in self.blocks.values():
            rect = rect.united(item.sceneBoundingRect())
        return rect

    def units_rect(self) -> QRectF:
        """Where the units' pictures shown beside the blocks are (null when none are)."""
        rect = QRectF()
        for item in self.blocks.values():
            if item.unit_strip is not None and item.unit_strip.isVisible():
                rect = rect.united(item.unit_strip.sceneBoundingRect())
        return rect

    # -- model → items -------------------------------------------------------------------
    def rebuild(self) -> None:
        """Throw every item away and draw the current slot afresh."""
        self._syncing = True
        try:
            self.cancel_wire()
            for item in [*self.edges.values(), *self.blocks.values()]:
                self._remove(item)
            self.blocks.clear()
            self.edges.clear()
            self._slot = self.doc.slot
        finally:
            self._syncing = False
        self.sync()

    def sync(self) -> None:
        """Bring items in line with the model, touching only blocks and edges that changed."""
        if self._slot != self.doc.slot:
            self.rebuild()
            return
        graph, analysis = self.doc.graph, self.doc.analysis()
        self._syncing = True
        try:
            for node_id in [n for n in self.blocks if n not in graph.nodes]:
                self._remove(self.blocks.pop(node_id))
            for node_id, node in graph.nodes.items():
                look = self._look(node, analysis)
                item = self.blocks.get(node_id)
                if item is not None and item.look.title != look.title:
                    self._remove(self.blocks.pop(node_id))
                    item = None
                if item is None:
                    item = self.blocks[node_id] = BlockItem(node_id, look, self.theme)
                    self.addItem(item)
                else:
                    item.set_look(look)
                if (item.x(), item.y()) != node.pos:
                    item.setPos(*node.pos)
            wanted = set(graph.edges)
            for edge in [e for e in self.edges if e not in wanted]:
                self._remove(self.edges.pop(edge))
            for edge in graph.edges:
                item = self.edges.get(edge)
                if item is None:
                    item = self.edges[edge] = EdgeItem(edge, self.theme)
                    self.addItem(item)
                    self.addItem(item.label)
                self._route(item)
                item.set_shape(analysis.shapes.get(edge.src) if analysis else None)
        finally:
            self._syncing = False
        self._show_units()
        self._on_selection_changed()

    def show_unit_pictures(self, snap: UnitPictures | None) -> None:
        """Draw each hidden unit's picture beside its block (None: take them away)."""
        self._units = snap
        self._show_units()

    def _show_units(self) -> None:
        snap = self._units if self._units is not None and self._units.slot == self._slot \
            else None
        analysis = self.doc.analysis()
        show_unit_pictures(self.blocks, snap, dict(analysis.shapes) if analysis else {})

    def _remove(self, item: BlockItem | EdgeItem) -> None:
        if isinstance(item, EdgeItem):
            self.removeItem(item.label)
        self.removeItem(item)

    def _look(self, node: Node, analysis: Analysis | None) -> BlockLook:
        registry = self.doc.registry
        spec = registry.get(node.type) if node.type in registry else None
        params = analysis.params.get(node.id) if analysis else None
        if params is None and spec is not None:
            try:
                params = spec.validate_params(node.params)
            except ParamError:
                params = {**spec.params.defaults(), **node.params}
        params = params or {}
        shape = analysis.shapes.get(node.id) if analysis else None
        ports: tuple[str, ...] = ()
        if spec is not None:
            try:
                ports = tuple(spec.ports(params))
            except (ParamError, KeyError, TypeError, ValueError):
                ports = ("in",)
        cost = self.doc.block_cost(node.id, self._slot)  # worked out once per check
        return BlockLook(
            title=node.label,
            summary=block_summary(node.type, params, shape) if spec else "unknown block type",
            count=count_text(analysis.counts.get(node.id) if analysis else None),
            cost=block_line(cost) if spec else "",
            cost_note=block_words(cost),
            category=spec.category if spec else "",
            ports=ports,
            problems=tuple(analysis.problems_for(node.id)) if analysis else (),
            doc=spec.doc if spec else f"There is no block type called {node.type!r}.")

    def _route(self, item: EdgeItem) -> None:
        src, dst = self.blocks.get(item.edge.src), self.blocks.get(item.edge.dst)
        if src is not None and dst is not None:
            item.set_ends(src.output_pos(), dst.input_pos(item.edge.port))

    def block_moved(self, block: BlockItem) -> None:
        """A block's item moved (dragged or placed): re-route its edges."""
        if self._syncing:
            return  # sync routes every edge once at the end
        for edge, item in self.edges.items():
            if block.node_id in (edge.src, edge.dst):
                self._route(item)

    def set_dark(self, dark: bool) -> None:
        self.theme = DARK if dark else LIGHT
        self.setBackgroundBrush(self.theme.background)
        for block in self.blocks.values():
            block.set_theme(self.theme)
        for edge in self.edges.values():
            edge.set_theme(self.theme)
        self.update()

    # -- document signals ----------------------------------------------------------------
    def _on_project_replaced(self) -> None:
        assert_gui_thread("GraphScene._on_project_replaced")
        self._units = None
        self.rebuild()

    def _on_graph_changed(self, slot: str) -> None:
        assert_gui_thread("GraphScene._on_graph_changed")
        if slot == self.doc.slot:
            self.sync()

    def _on_checked(self) -> None:
        assert_gui_thread("GraphScene._on_checked")
        if self._slot == self.doc.slot:
            self.sync()

    def _on_doc_selection(self, node_id: int) -> None:
        assert_gui_thread("GraphScene._on_doc_selection")
        if self._syncing or self.selected_block_ids() == ([node_id] if node_id != -1 else []):
            return
        self.select_blocks([node_id] if node_id in self.blocks else [])

    def _on_selection_changed(self) -> None:
        assert_gui_thread("GraphScene._on_selection_changed")
        if self._syncing:
            return
        ids = self.selected_block_ids()
        self.doc.select(ids[0] if len(ids) == 1 else -1)

    def select_blocks(self, node_ids: list[int]) -> None:
        self._syncing = True
        try:
            self.clearSelection()
            for node_id in node_ids:
                if node_id in self.blocks:
                    self.blocks[node_id].setSelected(True)
        finally:
            self._syncing = False
        self._on_selection_changed()

    # -- connecting ----------------------------------------------------------------------
    def connect_blocks(self, src: int, dst: int, port: str = "in") -> bool:
        """Push a ConnectCommand, or say in the status bar why the connection is refused."""
        try:
            command = ConnectCommand(self.doc, src, dst, port)
        except GraphError as err:
            self.message.emit(str(err))
            return False
        self.doc.undo_stack.push(command)
        self.message.emit(command.text())
        return True

    def begin_wire(self, port: PortItem) -> None:
        """Start drawing a connection from ``port`` (an output, or an input drawn backwards)."""
        self.cancel_wire()
        self._wire_from = port
        start = port.scenePos()
        self._wire.set_ends(start, start)
        self.addItem(self._wire)

    def drag_wire_to(self, pos: QPointF) -> None:
        port = self._wire_from
        if port is None:
            return
        if port.is_output:
            self._wire.set_ends(port.scenePos(), pos)
        else:
            self._wire.set_ends(pos, port.scenePos())

    def finish_wire(self, pos: QPointF) -> bool:
        """Drop the rubber edge at ``pos``: connect to the port (or block) there, if any."""
        start = self._wire_from
        self.cancel_wire()
        if start is None:
            return False
        target = self._port_near(pos, want_output=not start.is_output)
        if start.is_output:
            if target is None:
                block = self._block_at(pos, exclude=start.node_id)
                if block is None or not block.inputs:
                    return False
                target = self._free_input(block)
            return self.connect_blocks(start.node_id, target.node_id, target.name)
        if target is None:
            block = self._block_at(pos, exclude=start.node_id)
            if block is None or not block.output.isVisible():
                return False
            target = block.output
        return self.connect_blocks(target.node_id, start.node_id, start.name)

    def cancel_wire(self) -> None:
        self._wire_from = None
        if self._wire.scene() is self:
            self.removeItem(self._wire)

    def _port_near(self, pos: QPointF, want_output: bool) -> PortItem | None:
        area = QRectF(pos.x() - SNAP_DISTANCE, pos.y() - SNAP_DISTANCE,
                      2 * SNAP_DISTANCE, 2 * SNAP_DISTANCE)
        ports = [i for i in self.items(area) if isinstance(i, PortItem) and i.isVisible()
                 and i.is_output == want_output]
        if not ports:
            return None
        return min(ports, key=lambda p: (p.scenePos() - pos).manhattanLength())

    def _block_at(self, pos: QPointF, exclude: int) -> BlockItem | None:
        for item in self.items(pos):
            block = item if isinstance(item, BlockItem) else item.parentItem()
            if isinstance(block, BlockItem) and block.node_id != exclude:
                return block
        return None

    def _free_input(self, block: BlockItem) -> PortItem:
        busy = {e.port for e in self.doc.graph.inputs_of(block.node_id)}
        free = [p for name, p in block.inputs.items() if name not in busy]
        return free[0] if free else next(iter(block.inputs.values()))

    # -- moving: one command per drag, on release ----------------------------------------
    def mousePressEvent(self, event) -> None:
        self.dragging = True
        super().mousePressEvent(event)
        self._pressed = {item.node_id: item.pos() for item in self.selectedItems()
                         if isinstance(item, BlockItem)}

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        self.dragging = False
        self.commit_moves()

    def commit_moves(self) -> bool:
        """Push one MoveBlocksCommand for the blocks that moved since the mouse went down."""
        moves = {}
        for node_id, old in self._pressed.items():
            item = self.blocks.get(node_id)
            if item is not None and item.pos() != old:
                moves[node_id] = ((old.x(), old.y()), (item.x(), item.y()))
        self._pressed = {}
        if not moves:
            return False
        self.doc.undo_stack.push(MoveBlocksCommand(self.doc, moves))
        return True
