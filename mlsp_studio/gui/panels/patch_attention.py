"""ViT patch attention: where a vision transformer's class token looks in one image.

On the left the image; on the right the class token's attention over the image's patch grid
(the mean of the heads, or one head; bright = much attention), with the image's bright parts
drawn over it in translucent white so one sees what each patch holds. The heading gives the
true and the predicted class.
"""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import QGraphicsPathItem, QWidget

from mlsp_studio.snapshots.drawing import finite_floats
from mlsp_studio.snapshots.kinds import PatchAttention

from .base import FONT_PT, PANELS, finite_range, picture_view, set_text, show_text
from .sequence_kit import (
    LatestPanel,
    colour_bar,
    colours,
    heading_label,
    set_items,
    style_bar,
    verdict,
    weight_levels,
)

OVERLAY = pg.colormap.get("inferno")
MEAN = "mean of the heads"
WAITING = "Patch attention — waiting for the first picture"


def light_lut() -> np.ndarray:
    """White with opacity growing with brightness: dark pixels let the map show through."""
    lut = np.full((256, 4), 255, dtype=np.uint8)
    lut[:, 3] = np.linspace(0, 100, 256).astype(np.uint8)
    return lut


def as_picture(image: np.ndarray) -> tuple[np.ndarray, bool]:
    """(H, W) grey or (H, W, 3) colour in 0..1 from (H, W), (C, H, W) or (H, W, C); values
    outside 0..1 are stretched to it."""
    a = finite_floats(image)
    if a.ndim == 3:
        if a.shape[0] in (1, 3) and a.shape[-1] not in (1, 3):
            a = np.moveaxis(a, 0, -1)
        a = a[..., :3] if a.shape[-1] >= 3 else a[..., 0]
    if a.ndim not in (2, 3) or not a.size:
        return np.zeros((0, 0)), False
    finite = a[np.isfinite(a)]
    if finite.size and finite.min() >= 0.0 and finite.max() <= 1.0:
        return np.nan_to_num(a), a.ndim == 3  # already 0..1: keep its brightness
    lo, hi = finite_range(a)
    return np.nan_to_num((a - lo) / (hi - lo)), a.ndim == 3


def _view(graphics: pg.GraphicsLayoutWidget, col: int) -> pg.ViewBox:
    view = picture_view(0.02)
    graphics.addItem(view, row=1, col=col)
    return view


@PANELS.register
class PatchAttentionPanel(LatestPanel):
    """Which patches of an image a vision transformer's class token attends to."""

    name = "patch_attention"
    title = "ViT patch attention"
    kinds = frozenset({"patch_attention"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.head_box = self.choice_box("The mean of the heads, or one head")
        bar = self.example_bar("Which test image the attention is shown for", self.head_box)
        self.classes = heading_label(FONT_PT + 1, rich=True)
        self.left_title = self.graphics.addLabel("the image", row=0, col=0)
        self.right_title = self.graphics.addLabel("", row=0, col=1)
        self.plain_view = _view(self.graphics, 0)
        self.overlay_view = _view(self.graphics, 1)
        self.plain = pg.ImageItem(axisOrder="row-major")
        self.overlay = pg.ImageItem(axisOrder="row-major")
        self.overlay.setColorMap(OVERLAY)
        self.light = pg.ImageItem(axisOrder="row-major", lut=light_lut())
        self.grid = QGraphicsPathItem()
        self.plain_view.addItem(self.plain)
        for z, item in enumerate((self.overlay, self.light, self.grid)):
            item.setZValue(z)
            self.overlay_view.addItem(item)
        self.bar = colour_bar(OVERLAY, "attention weight")
        self.graphics.addItem(self.bar, row=1, col=2)
        self.graphics.ci.layout.setColumnStretchFactor(0, 1)
        self.graphics.ci.layout.setColumnStretchFactor(1, 1)
        self._key: tuple | None = None
        self.finish_layout(bar, self.classes, self.heading)

    def draw(self, snap: PatchAttention) -> None:
        self.example.sync(snap.index)
        show_text(self.classes, verdict(snap.true_class, snap.predicted_class, self.dark))
        picture, rgb = as_picture(snap.image)
        w = finite_floats(snap.weights)
        w = w[None] if w.ndim == 2 else w
        w = w if w.ndim == 3 and w.size else np.zeros((0, 0, 0))
        heads = w.shape[0]
        set_items(self.head_box, ([MEAN] if heads > 1 else [])
                  + [f"head {h + 1}" for h in range(heads)])
        self.head_box.setVisible(heads > 1)
        label = snap.label or "the last attention block"
        if not picture.size:
            self._blank(f"Example {snap.index}: no image in this picture")
            self.draw_step(snap)
            return
        h, wd = picture.shape[:2]
        rect = QRectF(0, 0, wd, h)
        self.plain.setImage(picture, autoLevels=False, levels=(0.0, 1.0))
        grey = picture.mean(axis=-1) if rgb else picture
        self.light.setImage(grey, autoLevels=False, levels=(0.0, 1.0))
        for item in (self.plain, self.light):
            item.setRect(rect)
        choice = self.head_box.currentText()
        if not heads:
            shown, what = np.zeros((0, 0)), "no attention weights"
            self.overlay.clear()
        else:
            if choice.startswith("head "):
                k = min(int(choice.split()[1]) - 1, heads - 1)
                shown, what = w[k], f"head {k + 1}"
            else:
                shown = np.nanmean(w, axis=0) if np.isfinite(w).any() else w[0]
                what = f"mean of {heads} heads" if heads > 1 else "one head"
            level = weight_levels(shown)
            self.overlay.setImage(shown, autoLevels=False, levels=level)
            self.overlay.setRect(rect)
            self.bar.setLevels(level)
        self._set_layout(h, wd, shown.shape)
        self._set_title("the class token's attention")
        gh, gw = shown.shape if shown.size else (0, 0)
        words = [f"{label}: {what}, image {h}×{wd}"]
        if gh:
            words.append(f"{gh}×{gw} patches")
        if shown.size and not np.isfinite(shown).any():
            words.append("the weights are not numbers")
        self.heading_words = f"Example {snap.index} — " + ", ".join(words)
        self.draw_step(snap)

    def _set_layout(self, h: int, w: int, grid: tuple[int, ...]) -> None:
        """Patch grid lines and view ranges, made again only when the sizes change."""
        key = (h, w, grid)
        if key == self._key:
            return
        self._key = key
        path = QPainterPath()
        if len(grid) == 2 and all(grid):
            gh, gw = grid
            for i in range(1, gh):
                path.moveTo(0, i * h / gh)
                path.lineTo(w, i * h / gh)
            for j in range(1, gw):
                path.moveTo(j * w / gw, 0)
                path.lineTo(j * w / gw, h)
        self.grid.setPath(path)
        for view in (self.plain_view, self.overlay_view):
            view.setRange(xRange=(0, w), yRange=(0, h), padding=0.02)

    def _set_title(self, text: str) -> None:
        colour = colours(self.dark)["text"]
        for label, words in ((self.left_title, "the image"), (self.right_title, text)):
            if label.text != words or label.opts.get("color") != colour:
                label.setText(words, size=f"{FONT_PT}pt", color=colour)

    def _blank(self, words: str) -> None:
        for item in (self.plain, self.light, self.overlay):
            item.clear()
        self.grid.setPath(QPainterPath())
        self._key = None
        self.heading_words = words
        self._set_title("")

    def clear(self) -> None:
        self._blank("")
        set_items(self.head_box, [])
        self.head_box.setVisible(False)
        show_text(self.classes, "")
        set_text(self.heading, WAITING)

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        style_bar(self.bar, dark)
        self.grid.setPen(pg.mkPen((128, 128, 128, 140), width=0))
        self._set_title(self.right_title.text)
        if self.latest is not None:
            self.refresh()
