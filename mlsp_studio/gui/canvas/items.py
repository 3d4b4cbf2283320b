"""What the canvas draws: blocks with their ports, and the edges between them.

Items only show the model; every change they start goes through the scene, which pushes an
undoable command. A block's ``pos()`` is the top-left corner of its rounded rectangle and
equals ``Node.pos`` (scene coordinates).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsTextItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

from ...model.blocks import format_shape
from ...model.graph import Edge
from ..theme import category_colour

BLOCK_MIME = "application/x-mlsp-block"  # drag data from the palette: the block type name
BLOCK_W, BLOCK_H = 160.0, 64.0
LINE_STEP = 0.9  # of a font's height, from one line of a block's text to the next
PORT_ROW = 13.0  # extra height of a block whose several inputs are named inside it
PORT_R = 6.0
GRID = 10.0
CAPTION_W = 220.0

PROBLEM = QColor("#d62828")
SELECTED = QColor("#1565c0")


@dataclass(frozen=True)
class CanvasTheme:
    """Colours that depend on the background (light for a desk, dark for a dim room)."""

    dark: bool
    background: QColor
    grid: QColor
    edge: QColor
    edge_unknown: QColor
    label_text: QColor
    label_back: QColor
    caption: QColor
    block_text: QColor

    def fill(self, category: str) -> QColor:
        """A block's colour: its category's, from the window theme."""
        return QColor(category_colour(category, self.dark))


LIGHT = CanvasTheme(False, QColor("#fafafa"), QColor("#e6e6e6"), QColor("#4a4a4a"),
                    QColor("#b0b0b0"), QColor("#202020"), QColor(250, 250, 250, 235),
                    QColor("#c62828"), QColor("#1a1a1a"))
DARK = CanvasTheme(True, QColor("#202124"), QColor("#30343a"), QColor("#c8c8c8"),
                   QColor("#6c7078"), QColor("#eeeeee"), QColor(36, 39, 43, 235),
                   QColor("#ff7b7b"), QColor("#f2f2f2"))


def _font(pixels: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(pixels)
    font.setBold(bold)
    return font


TITLE_FONT, TEXT_FONT, SMALL_FONT = _font(14, True), _font(13), _font(12)
COUNT_FONT = _font(11)  # a block's parameter count and multiply-adds
PORT_FONT = _font(10)


@dataclass(frozen=True)
class BlockLook:
    """Everything a block shows; the scene compares looks to redraw only what changed."""

    title: str
    summary: str
    count: str
    cost: str       # multiply-adds for one example, under the parameter count
    cost_note: str  # the block's cost for one example, in a sentence (its tooltip)
    category: str
    ports: tuple[str, ...]
    problems: tuple[str, ...]
    doc: str


class PortItem(QGraphicsEllipseItem):
    """An input port (top edge) or the output port (bottom edge) of a block.

    Pressing a port and dragging draws a rubber edge; releasing hands it to the scene.
    """

    def __init__(self, block: BlockItem, name: str, is_output: bool) -> None:
        super().__init__(-PORT_R, -PORT_R, 2 * PORT_R, 2 * PORT_R, block)
        self.block, self.name, self.is_output = block, name, is_output
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setZValue(2)
        self._hover = False
        self._style()
        self.setToolTip("output: drag to an input to connect" if is_output else
                         f"input {name!r}: drag from an output to here")

    @property
    def node_id(self) -> int:
        return self.block.node_id

    def _style(self) -> None:
        self.setPen(QPen(QColor("#333333"), 1.5))
        self.setBrush(QBrush(QColor("#ffd54f") if self._hover else QColor("#ffffff")))
        self.setScale(1.35 if self._hover else 1.0)

    def hoverEnterEvent(self, event) -> None:
        self._hover = True
        self._style()

    def hoverLeaveEvent(self, event) -> None:
        self._hover = False
        self._style()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.scene() is not None:
            self.scene().begin_wire(self)
            event.accept()
        else:
            event.ignore()

    def mouseMoveEvent(self, event) -> None:
        self.scene().drag_wire_to(event.scenePos())

    def mouseReleaseEvent(self, event) -> None:
        self.scene().finish_wire(event.scenePos())


class ProblemCaption(QGraphicsTextItem):
    """The first problem of a block in small red words, wrapped, on a light backing."""

    def __init__(self, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.setFont(SMALL_FONT)
        self.setTextWidth(CAPTION_W)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.back = QColor(LIGHT.label_back)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.back)
        painter.drawRoundedRect(self.boundingRect(), 4, 4)
        super().paint(painter, option, widget)


class BlockItem(QGraphicsItem):
    """One block: a rounded rectangle coloured by category, four lines of text (its name,
    settings, parameter count and multiply-adds) and ports."""

    def __init__(self, node_id: int, look: BlockLook, theme: CanvasTheme = LIGHT) -> None:
        super().__init__()
        self.node_id = node_id
        self.look: BlockLook | None = None
        self.theme = theme
        self.inputs: dict[str, PortItem] = {}
        self.height = BLOCK_H
        self.output = PortItem(self, "out", True)
        self._caption: ProblemCaption | None = None  # made when a first problem shows
        self.unit_strip: QGraphicsItem | None = None  # its units' pictures, once a run sends
        flags = QGraphicsItem.GraphicsItemFlag
        self.setFlags(flags.ItemIsMovable | flags.ItemIsSelectable
                      | flags.ItemSendsGeometryChanges)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.set_look(look)

    # -- model → item --------------------------------------------------------------------
    def set_look(self, look: BlockLook) -> None:
        if look == self.look:
            return
        ports_changed = self.look is None or look.ports != self.look.ports
        self.prepareGeometryChange()
        self.look = look
        if ports_changed:
            for port in self.inputs.values():
                port.setParentItem(None)
                if port.scene() is not None:
                    port.scene().removeItem(port)
            self.inputs = {name: PortItem(self, name, False) for name in look.ports}
            for i, port in enumerate(self.inputs.values()):
                port.setPos(BLOCK_W * (i + 1) / (len(self.inputs) + 1), 0)
            self.height = BLOCK_H + (PORT_ROW if len(self.inputs) > 1 else 0)
            self.output.setPos(BLOCK_W / 2, self.height)
        self.output.setVisible(look.category != "Output")
        if look.problems or self._caption is not None:
            caption = self.caption
            caption.setVisible(bool(look.problems))
            caption.setPlainText(look.problems[0] if look.problems else "")
            caption.setDefaultTextColor(self.theme.caption)
            caption.back = self.theme.label_back
        self.setZValue(2 if look.problems else 1)
        tip = f"<b>{html.escape(look.title)}</b> · {html.escape(look.category)}" \
              f"<p>{html.escape(look.doc)}</p>"
        if look.cost_note:
            tip += f"<p>{html.escape(look.cost_note)}</p>"
        if look.problems:
            tip += "".join(f"<p style='color:#c62828'>{html.escape(p)}</p>"
                           for p in look.problems)
        self.setToolTip(tip)
        self.update()

    @property
    def caption(self) -> ProblemCaption:
        """The small red words beside the block giving its first problem."""
        if self._caption is None:
            self._caption = ProblemCaption(self)
            self._caption.setPos(BLOCK_W + 14, 0)
            self._caption.setVisible(False)
        return self._caption

    def set_theme(self, theme: CanvasTheme) -> None:
        self.theme = theme
        look, self.look = self.look, None
        self.set_look(look)

    def input_pos(self, port: str) -> QPointF:
        item = self.inputs.get(port)
        return self.mapToScene(item.pos() if item is not None else QPointF(BLOCK_W / 2, 0))

    def output_pos(self) -> QPointF:
        return self.mapToScene(self.output.pos())

    # -- drawing -------------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return QRectF(-4, -14, BLOCK_W + 18, self.height + 18)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, BLOCK_W, self.height), 9, 9)
        return path

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        look = self.look
        rect = QRectF(0, 0, BLOCK_W, self.height)
        fill = self.theme.fill(look.category)
        if self.isSelected():
            outline = QPen(SELECTED, 3.5)
        elif look.problems:
            outline = QPen(PROBLEM, 3.0)
        else:
            outline = QPen(fill.lighter(160) if self.theme.dark else fill.darker(170), 1.5)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(outline)
        painter.setBrush(fill)
        painter.drawRoundedRect(rect, 9, 9)
        if self.isSelected() and look.problems:
            painter.setPen(QPen(PROBLEM, 1.5, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(rect.adjusted(4, 4, -4, -4), 6, 6)

        lines = [(look.title, TITLE_FONT), (look.summary, TEXT_FONT), (look.count, COUNT_FONT),
                 (look.cost, COUNT_FONT)]
        lines = [(text, font) for text, font in lines if text]
        # lines a little closer than the fonts' boxes: only the room above the capitals and
        # below the descenders overlaps, and four lines fit a block that stays low enough for
        # the edges between blocks 90 apart (the presets' spacing)
        heights = [LINE_STEP * QFontMetricsF(font).height() for _, font in lines]
        top = self.height - BLOCK_H
        y = top + (BLOCK_H - sum(heights)) / 2
        painter.setPen(self.theme.block_text)
        for (text, font), height in zip(lines, heights, strict=True):
            painter.setFont(font)
            metrics = QFontMetricsF(font)
            shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, BLOCK_W - 14)
            painter.drawText(QRectF(6, y, BLOCK_W - 12, height),
                             Qt.AlignmentFlag.AlignCenter, shown)
            y += height

        if len(self.inputs) > 1:  # name the ports, inside, when there are several
            painter.setFont(PORT_FONT)
            painter.setPen(self.theme.block_text)
            for name, port in self.inputs.items():
                x = port.pos().x()
                painter.drawText(QRectF(x - 20, PORT_R - 1, 40, PORT_ROW),
                                 Qt.AlignmentFlag.AlignCenter, name)

        if look.problems:
            center = QPointF(BLOCK_W, 0)
            painter.setPen(QPen(QColor("white"), 1.5))
            painter.setBrush(PROBLEM)
            painter.drawEllipse(center, 9, 9)
            painter.setFont(_font(13, True))
            painter.drawText(QRectF(center.x() - 9, center.y() - 9, 18, 18),
                             Qt.AlignmentFlag.AlignCenter, "!")

    # -- interaction ---------------------------------------------------------------------
    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: Any) -> Any:
        scene = self.scene()
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionChange and scene is not None \
                and getattr(scene, "dragging", False):
            return QPointF(round(value.x() / GRID) * GRID, round(value.y() / GRID) * GRID)
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged \
                and scene is not None and hasattr(scene, "block_moved"):
            scene.block_moved(self)
        return super().itemChange(change, value)


def wire_path(start: QPointF, end: QPointF) -> QPainterPath:
    """A smooth S-curve leaving ``start`` downwards and entering ``end`` from above."""
    bend = max(30.0, abs(end.y() - start.y()) * 0.5, abs(end.x() - start.x()) * 0.25)
    path = QPainterPath(start)
    path.cubicTo(QPointF(start.x(), start.y() + bend), QPointF(end.x(), end.y() - bend), end)
    return path


class EdgeItem(QGraphicsPathItem):
    """A connection: a curve from an output port to an input port, labelled with its shape."""

    def __init__(self, edge: Edge, theme: CanvasTheme = LIGHT) -> None:
        super().__init__()
        self.edge = edge
        self.theme = theme
        self.shape_text = "?"
        self.known = False
        self._label_rect = QRectF()
        self._ends: tuple[QPointF, QPointF] | None = None
        self.label = EdgeLabel(self)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(0)
        self.setToolTip("a connection: click it and press Delete to remove it")

    def set_theme(self, theme: CanvasTheme) -> None:
        self.theme = theme
        self.update()
        self.label.update()

    def set_shape(self, shape: tuple | None) -> None:
        text = format_shape(shape)
        if text != self.shape_text or self.known != (shape is not None):
            self.shape_text, self.known = text, shape is not None
            self._place_label()
            self.update()
            self.label.update()

    def set_ends(self, start: QPointF, end: QPointF) -> None:
        if (start, end) == self._ends:
            return
        self._ends = (start, end)
        self.prepareGeometryChange()
        self.setPath(wire_path(start, end))
        self._place_label()

    def _place_label(self) -> None:
        self.label.prepareGeometryChange()
        metrics = QFontMetricsF(SMALL_FONT)
        mid = self.path().pointAtPercent(0.5)
        width, height = metrics.horizontalAdvance(self.shape_text) + 8, metrics.height() + 2
        self._label_rect = QRectF(mid.x() + 7, mid.y() - height / 2, width, height)

    def boundingRect(self) -> QRectF:
        return super().boundingRect().adjusted(-8, -8, 8, 8)

    def shape(self) -> QPainterPath:
        stroker = QPainterPathStroker()
        stroker.setWidth(12)
        return stroker.createStroke(self.path())

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        theme = self.theme
        color = SELECTED if self.isSelected() else \
            (theme.edge if self.known else theme.edge_unknown)
        width = 3.5 if self.isSelected() else 2.0
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        style = Qt.PenStyle.SolidLine if self.known else Qt.PenStyle.DashLine
        painter.setPen(QPen(color, width, style, Qt.PenCapStyle.RoundCap))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        path = self.path()
        painter.drawPath(path)
        end = path.pointAtPercent(1.0)
        tip = QPointF(end.x(), end.y() - PORT_R)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(color)
        painter.drawPolygon(QPolygonF([tip, QPointF(tip.x() - 5, tip.y() - 9),
                                       QPointF(tip.x() + 5, tip.y() - 9)]))


class EdgeLabel(QGraphicsItem):
    """An edge's shape text, on its own layer above every edge line, so no line crosses it."""

    def __init__(self, edge: EdgeItem) -> None:
        super().__init__()
        self.edge = edge
        self.setZValue(0.5)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def boundingRect(self) -> QRectF:
        return self.edge._label_rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        edge, theme = self.edge, self.edge.theme
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(theme.label_back)
        painter.drawRoundedRect(edge._label_rect, 4, 4)
        painter.setFont(SMALL_FONT)
        painter.setPen(theme.label_text if edge.known else theme.edge_unknown)
        painter.drawText(edge._label_rect, Qt.AlignmentFlag.AlignCenter, edge.shape_text)


class RubberWire(QGraphicsPathItem):
    """The edge that follows the mouse while a connection is being drawn."""

    def __init__(self) -> None:
        super().__init__()
        self.setPen(QPen(SELECTED, 2.5, Qt.PenStyle.DashLine, Qt.PenCapStyle.RoundCap))
        self.setZValue(5)

    def set_ends(self, start: QPointF, end: QPointF) -> None:
        self.setPath(wire_path(start, end))
