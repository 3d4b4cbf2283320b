"""The hidden units' tiles as a Qt image, for the blocks on the canvas and the Hidden units
panel; the colours are ``snapshots/unit_drawing.py``'s, as in the figure."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage

from mlsp_studio.snapshots.unit_drawing import example_rgb, tile_grid, unit_rgb, unit_words

__all__ = ["example_rgb", "grid_image", "unit_rgb", "unit_words"]


def grid_image(rgb: np.ndarray, cols: int, gap: int = 2) -> QImage:
    """The tiles (n, h, w, 3) in rows of ``cols``, ``gap`` transparent pixels apart, as one
    image (a copy: it owns its pixels)."""
    out = tile_grid(rgb, cols, gap)
    image = QImage(out.data, out.shape[1], out.shape[0], out.strides[0],
                   QImage.Format.Format_RGBA8888)
    return image.copy()
