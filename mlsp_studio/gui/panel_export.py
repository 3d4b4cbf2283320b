"""A panel as a picture (PNG, or SVG with its lines and text kept as vectors) and the run's
curves as CSV, for slides and reports."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtGui import QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsView, QWidget

PICTURE_SUFFIXES = (".png", ".svg")


def save_widget_picture(widget: QWidget, path: Path) -> Path:
    """Write ``widget`` as it looks now: ``.png`` pixels or ``.svg`` vectors. Raises OSError
    when the file cannot be written and ValueError for another suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in PICTURE_SUFFIXES:
        raise ValueError(f"a picture is saved as PNG or SVG, not {path.suffix or 'no suffix'}")
    if suffix == ".png":
        if not widget.grab().save(str(path), "PNG"):
            raise OSError(f"cannot write {path}")
        return path
    size = widget.size()
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(size.width(), size.height()))
    generator.setViewBox(QRect(0, 0, size.width(), size.height()))
    generator.setTitle(widget.windowTitle() or "MLSP Studio panel")
    # plot items in export mode draw every point as a vector shape (on screen they stamp
    # cached pixmaps, which an SVG would hold as a jumble of sprites)
    items = [item for view in widget.findChildren(QGraphicsView)
             for item in view.scene().items() if hasattr(item, "setExportMode")]
    painter = QPainter()
    if not painter.begin(generator):
        raise OSError(f"cannot write {path}")
    try:
        for item in items:
            item.setExportMode(True, {"antialias": True, "background": None, "painter": painter})
        widget.render(painter, QPoint(0, 0))
    finally:
        for item in items:
            item.setExportMode(False)
        painter.end()
    if not path.is_file() or path.stat().st_size == 0:
        raise OSError(f"cannot write {path}")
    return path


def save_metrics_csv(records: Iterable[tuple[int, str, str, float]], path: Path) -> Path:
    """The run's curves as ``step, split, metric, value`` rows, as a run folder holds them."""
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["step", "split", "metric", "value"])
        for step, split, metric, value in records:
            writer.writerow([step, split, metric, f"{value:.6g}"])
    return path
