"""The block palette: every block type by category, searchable, dragged onto the canvas."""

from __future__ import annotations

import html

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..model.blocks import CATEGORIES, BlockRegistry, BlockSpec
from ..model.catalog import BLOCKS
from .bridge import assert_gui_thread
from .canvas.items import BLOCK_MIME
from .theme import category_colour, is_dark

TYPE_ROLE = Qt.ItemDataRole.UserRole


def block_mime_data(type_name: str) -> QMimeData:
    """What a palette drag carries: the block type name under ``application/x-mlsp-block``."""
    mime = QMimeData()
    mime.setData(BLOCK_MIME, type_name.encode("utf-8"))
    mime.setText(type_name)
    return mime


def _swatch(category: str) -> QIcon:
    pixmap = QPixmap(14, 14)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    color = QColor(category_colour(category, is_dark()))
    painter.setPen(color.lighter(160) if is_dark() else color.darker(170))
    painter.setBrush(color)
    painter.drawRoundedRect(1, 1, 12, 12, 3, 3)
    painter.end()
    return QIcon(pixmap)


class _BlockTree(QTreeWidget):
    """The tree that starts drags: only block items drag, carrying their type name."""

    def mimeTypes(self) -> list[str]:
        return [BLOCK_MIME]

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:
        names = [item.data(0, TYPE_ROLE) for item in items if item.data(0, TYPE_ROLE)]
        return block_mime_data(names[0]) if names else QMimeData()

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction


class BlockPalette(QWidget):
    """A search box over the block catalogue, grouped by category.

    Drag a block onto the canvas to add it there; double-click (or Enter in the search box)
    emits ``blockActivated(type_name)`` so the window can add it in the middle of the view.
    """

    blockActivated = Signal(str)

    def __init__(self, registry: BlockRegistry = BLOCKS, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.registry = registry
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search blocks…")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("Filters by block name, category and description")
        self.tree = _BlockTree(self)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._texts: dict[str, str] = {}
        self._populate()
        self.search.textChanged.connect(self._on_search)
        self.search.returnPressed.connect(self._on_return)
        self.tree.itemDoubleClicked.connect(self._on_double_click)

    def _populate(self) -> None:
        groups = self.registry.by_category()
        order = [c for c in CATEGORIES if c in groups] + [c for c in groups if c not in CATEGORIES]
        for category in order:
            top = QTreeWidgetItem(self.tree, [category])
            top.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            top.setIcon(0, _swatch(category))
            for spec in groups[category]:
                self._add_block(top, spec)
            top.setExpanded(True)

    def _add_block(self, top: QTreeWidgetItem, spec: BlockSpec) -> None:
        item = QTreeWidgetItem(top, [spec.type])
        item.setData(0, TYPE_ROLE, spec.type)
        item.setToolTip(0, f"<p>{html.escape(spec.doc)}</p>")
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                      | Qt.ItemFlag.ItemIsDragEnabled)
        self._items[spec.type] = item
        self._texts[spec.type] = f"{spec.type} {spec.category} {spec.doc}".lower()

    # -- reading -------------------------------------------------------------------------
    def item_for(self, type_name: str) -> QTreeWidgetItem | None:
        return self._items.get(type_name)

    def visible_blocks(self) -> list[str]:
        return [name for name, item in self._items.items()
                if not item.isHidden() and not item.parent().isHidden()]

    def mime_data_for(self, type_name: str) -> QMimeData:
        """The drag data the tree makes for one block (the same path as a real drag)."""
        return self.tree.mimeData([self._items[type_name]])

    # -- filtering and activation --------------------------------------------------------
    def set_filter(self, text: str) -> None:
        self.search.setText(text)

    def _on_search(self, text: str) -> None:
        assert_gui_thread("BlockPalette._on_search")
        words = text.lower().split()
        for i in range(self.tree.topLevelItemCount()):
            top = self.tree.topLevelItem(i)
            shown = 0
            for j in range(top.childCount()):
                child = top.child(j)
                hay = self._texts[child.data(0, TYPE_ROLE)]
                match = all(word in hay for word in words)
                child.setHidden(not match)
                shown += match
            top.setHidden(shown == 0)
            if words:
                top.setExpanded(True)

    def _on_return(self) -> None:
        assert_gui_thread("BlockPalette._on_return")
        visible = self.visible_blocks()
        if visible:
            self.blockActivated.emit(visible[0])

    def _on_double_click(self, item: QTreeWidgetItem, column: int) -> None:
        assert_gui_thread("BlockPalette._on_double_click")
        type_name = item.data(0, TYPE_ROLE)
        if type_name:
            self.blockActivated.emit(type_name)
