"""The network canvas: blocks and edges drawn from the document, edited by undoable commands."""

from .items import BLOCK_MIME, BlockItem, EdgeItem, PortItem
from .scene import GraphScene
from .view import CLIPBOARD, GraphView

__all__ = ["BLOCK_MIME", "CLIPBOARD", "BlockItem", "EdgeItem", "GraphScene", "GraphView",
           "PortItem"]
