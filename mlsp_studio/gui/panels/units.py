"""Hidden units: what each unit of a block responds to, large. On 2-D points a unit's output
over the plane, on pictures the test pictures that excite it most. The same pictures the
blocks show on the canvas; clicking a tile there opens this panel on that unit."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QComboBox, QSizePolicy, QWidget

from mlsp_studio.snapshots.lab import UnitPictures

from .base import PANELS, Panel, row_layout, set_text, stack_layout, text_label
from .unit_kit import example_rgb, grid_image, unit_rgb, unit_words

WAITING = "Hidden units — waiting for the first picture (a network on 2-D points or pictures)"
GAP = 6  # pixels between the large picture and the grid


class UnitsView(QWidget):
    """The chosen unit large on the left (or its best pictures), every unit of the block in a
    grid on the right; clicking a tile chooses it (``unitChosen``)."""

    unitChosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.large = QImage()
        self.grid = QImage()
        self.count, self.cols, self.unit = 0, 1, 0

    def set_images(self, large: QImage, grid: QImage, count: int, cols: int, unit: int) -> None:
        self.large, self.grid, self.count, self.cols, self.unit = large, grid, count, cols, unit
        self.update()

    def _areas(self) -> tuple[QRectF, QRectF]:
        w, h = self.width(), self.height()
        side = min(h, w * 0.45)
        large = QRectF(0, 0, side * self.large.width() / max(1, self.large.height()), side)
        left = large.width() + GAP
        room = QRectF(left, 0, max(1.0, w - left), h)
        ratio = self.grid.width() / max(1, self.grid.height())
        gw = min(room.width(), room.height() * ratio)
        return large, QRectF(left, 0, gw, gw / max(ratio, 1e-6))

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        large, grid = self._areas()
        if not self.large.isNull():
            painter.drawImage(large, self.large)
        if not self.grid.isNull():
            painter.drawImage(grid, self.grid)
            rows = max(1, -(-self.count // self.cols))
            tw, th = grid.width() / self.cols, grid.height() / rows
            r, c = divmod(self.unit, self.cols)
            painter.setPen(QColor("#ffb300"))
            painter.drawRect(QRectF(grid.x() + c * tw, grid.y() + r * th, tw, th))
        painter.end()

    def mousePressEvent(self, event) -> None:
        _, grid = self._areas()
        rows = max(1, -(-self.count // self.cols))
        x, y = event.position().x() - grid.x(), event.position().y() - grid.y()
        if 0 <= x < grid.width() and 0 <= y < grid.height() and self.count:
            unit = int(y // (grid.height() / rows)) * self.cols + int(x // (grid.width()
                                                                          / self.cols))
            if unit < self.count:
                self.unitChosen.emit(unit)


@PANELS.register
class UnitsPanel(Panel):
    """Every pictured unit of one block, and one of them large."""

    general = True
    name = "units"
    title = "Hidden units"
    kinds = frozenset({"unit_pictures"})
    max_fps = 15.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = text_label(12)
        self.heading.setWordWrap(True)
        self.chooser = QComboBox()
        self.chooser.setToolTip("The block whose units are shown")
        self.chooser.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.chooser.activated.connect(self._on_chosen_block)
        self.view = UnitsView()
        self.view.unitChosen.connect(self._on_chosen_unit)
        stack_layout(self, row_layout(self.chooser), self.heading, (self.view, 1))
        self.snap: UnitPictures | None = None
        self.node, self.unit = -1, 0
        self._dirty = False
        set_text(self.heading, WAITING)

    def relevant(self, kinds: set[str]) -> bool:
        return False  # opened by a click on a block's unit, or from View → Panels

    def focus(self, node: int, unit: int) -> None:
        """Show unit ``unit`` of block ``node`` (a graph node id)."""
        self.node, self.unit = node, unit
        self._dirty = True
        self.redraw()

    def show_snapshot(self, snapshot: UnitPictures) -> None:
        super().show_snapshot(snapshot)
        self.snap = snapshot
        self._dirty = True

    def reset(self) -> None:
        super().reset()
        self.snap, self._dirty = None, False
        self.view.set_images(QImage(), QImage(), 0, 1, 0)
        set_text(self.heading, WAITING)

    def _on_chosen_block(self, index: int) -> None:
        if self.snap is not None and 0 <= index < len(self.snap.nodes):
            self.focus(self.snap.nodes[index], 0)

    def _on_chosen_unit(self, unit: int) -> None:
        self.focus(self.node, unit)

    def redraw(self) -> None:
        snap = self.snap
        if not self._dirty or snap is None:
            return
        self._dirty = False
        if not snap.nodes:
            set_text(self.heading, WAITING)
            return
        if self.node not in snap.nodes:
            self.node, self.unit = snap.nodes[0], 0
        block = snap.nodes.index(self.node)
        labels = [f"{label} ({n} units)" for label, n in zip(snap.labels, snap.units,
                                                             strict=True)]
        if [self.chooser.itemText(i) for i in range(self.chooser.count())] != labels:
            self.chooser.clear()
            self.chooser.addItems(labels)
        self.chooser.setCurrentIndex(block)
        tiles = unit_rgb(snap, block)
        self.unit = min(self.unit, len(tiles) - 1)
        if snap.style == "plane":
            large = grid_image(tiles[self.unit:self.unit + 1], 1)
        else:
            best = example_rgb(snap, np.asarray(snap.top[block])[self.unit])
            large = grid_image(best, 1, gap=max(1, best.shape[1] // 10))
        cols = 8 if len(tiles) > 16 else 4
        self.view.set_images(large, grid_image(tiles, cols), len(tiles), cols, self.unit)
        more = (f" Shown: the first {len(tiles)} of {snap.units[block]}."
                if snap.units[block] > len(tiles) else "")
        set_text(self.heading, f"Step {snap.step}. {unit_words(snap, block, self.unit)}{more}")
