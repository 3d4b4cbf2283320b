"""Each hidden unit's picture on its block: a grid of small tiles beside the block, one per
unit (up to 32), updated with every picture the run sends; clicking a tile asks the scene to
show that unit large (``GraphScene.unitClicked``)."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from ...snapshots.lab import UnitPictures
from ..panels.unit_kit import grid_image, unit_rgb, unit_words
from .items import BLOCK_H, BLOCK_W

COLS = 8          # tiles in a row
TILE = 14.0       # a tile's side on the canvas
GAP = 1.0         # between tiles
LEFT = 10.0       # from the block's right edge


class UnitStrip(QGraphicsItem):
    """The tiles of one block's units, a child of its block item."""

    def __init__(self, block: QGraphicsItem) -> None:
        super().__init__(block)
        self.node_id: int = getattr(block, "node_id", -1)
        self.image = QImage()
        self.count = 0      # tiles drawn
        self.units = 0      # units the block has in all
        self._source: tuple[UnitPictures, int] | None = None  # for the words on hover
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_pictures(self, snap: UnitPictures, index: int) -> None:
        rgb = unit_rgb(snap, index)
        self.prepareGeometryChange()
        self.image = grid_image(rgb, COLS, gap=max(1, rgb.shape[1] // 14))
        self.count, self.units = len(rgb), snap.units[index]
        self._source = (snap, index)
        more = (f" The first {self.count} of its {self.units} units are shown."
                if self.units > self.count else "")
        self.setToolTip(f"What each unit of {snap.labels[index]} responds to; click one to see "
                        f"it large.{more}")
        block = self.parentItem()
        height = getattr(block, "height", BLOCK_H)
        self.setPos(BLOCK_W + LEFT, max(0.0, (height - self._size()[1]) / 2))
        self.update()

    def _size(self) -> tuple[float, float]:
        cols = max(1, min(COLS, self.count))
        rows = max(1, -(-self.count // COLS))
        return cols * (TILE + GAP) - GAP, rows * (TILE + GAP) - GAP

    def boundingRect(self) -> QRectF:
        w, h = self._size()
        return QRectF(-2, -2, w + 4, h + 4)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if self.image.isNull():
            return
        w, h = self._size()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(QRectF(0, 0, w, h), self.image)
        painter.setPen(QPen(QColor(0, 0, 0, 60), 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(QRectF(-1, -1, w + 2, h + 2))

    def unit_at(self, x: float, y: float) -> int:
        """The unit whose tile holds (x, y) in item coordinates, or -1."""
        col, row = int(x // (TILE + GAP)), int(y // (TILE + GAP))
        unit = row * COLS + col
        return unit if 0 <= col < COLS and 0 <= unit < self.count and x >= 0 and y >= 0 else -1

    def hoverMoveEvent(self, event) -> None:
        unit = self.unit_at(event.pos().x(), event.pos().y())
        if unit >= 0 and self._source is not None:
            self.setToolTip(unit_words(*self._source, unit) + " Click to see it large.")

    def mousePressEvent(self, event) -> None:
        unit = self.unit_at(event.pos().x(), event.pos().y())
        scene = self.scene()
        if unit >= 0 and event.button() == Qt.MouseButton.LeftButton \
                and hasattr(scene, "unitClicked"):
            scene.unitClicked.emit(self.node_id, unit)
            event.accept()
        else:
            event.ignore()


def show_unit_pictures(blocks: dict, snap: UnitPictures | None, shapes: dict) -> None:
    """Give each block item of ``blocks`` (node id → BlockItem) its units' tiles from
    ``snap``; a block the picture does not cover, or whose width has changed since (its
    ``shapes`` entry, from the current check), shows none. None hides them all."""
    pictured = {} if snap is None else {n: i for i, n in enumerate(snap.nodes)}
    for node_id, item in blocks.items():
        strip = getattr(item, "unit_strip", None)
        index = pictured.get(node_id)
        shape = shapes.get(node_id)
        if index is None or not shape or shape[0] != snap.units[index] \
                or snap.pictured(index) == 0:
            if strip is not None:
                strip.setVisible(False)
            continue
        if strip is None:
            strip = item.unit_strip = UnitStrip(item)
        strip.set_pictures(snap, index)
        strip.setVisible(True)
