"""Preview widgets for the import dialog: the first rows of a table, the arrays of an archive,
a few pictures or sounds of each class, the first digits of an IDX file, the start of a text.

Each builder reads only a little of the file (the first rows, a few files per class), so the
preview stays quick however large the data; the dataset readers check the whole of it.
"""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from ..errors import DataError
from ..model.datasets import DATASET_SPECS
from ..model.vocabulary import vocabulary_words
from ..readers.textfiles import load_text_file
from ..readers.userfiles import TableData
from ..readers.userfiles_idx import load_idx
from ..readers.userfiles_media import (
    IMAGE_EXTENSIONS,
    WAV_EXTENSIONS,
    class_folders,
    log_spectrogram,
    read_wav,
)

PREVIEW_ROWS = 8
THUMBS = 6  # pictures shown per class
CLASS_ROWS = 6  # classes shown; the rest are counted
THUMB = 52  # thumbnail side in pixels


def read_table(kind: str, o: dict[str, Any]) -> TableData:
    """The arrays a kind of file gives with these options, read as the dataset reads them
    (its file-name pattern, the columns a split uses; the readers cache them)."""
    return DATASET_SPECS.get(kind).table(o)


def summary(kind: str, o: dict[str, Any], dims: tuple[int, ...]) -> str:
    """One sentence on what the data holds: examples, classes or targets, each input's shape."""
    shape = (f"{dims[0]} number{'s' if dims[0] != 1 else ''}" if len(dims) == 1
             else " x ".join(str(d) for d in dims))
    if kind == "text_file":
        text = load_text_file(o["path"], o["level"], o["max_vocab"])
        vocab = vocabulary_words(text.tokenizer.vocab, text.tokenizer.level)
        return (f"{len(text.text):,} characters, {len(text.sentences):,} sentences or "
                f"lines; {vocab}.")
    table = read_table(kind, o)
    if table.task == "regression":
        what = f"{table.y.shape[1]} number{'s' if table.y.shape[1] > 1 else ''} to predict"
    else:
        names = ", ".join(table.class_names[:8])
        more = f" and {len(table.class_names) - 8} more" if len(table.class_names) > 8 else ""
        what = f"{len(table.class_names)} classes ({names}{more})"
    return f"{len(table.x):,} examples, {what}; each input is {shape}."


def csv_head(path: str, rows: int = PREVIEW_ROWS) -> tuple[list[str], list[list[str]], bool]:
    """Column names, the first ``rows`` rows of text cells and whether the file has a header
    line, read from the first 64 kB only (the reader checks the whole file)."""
    try:
        with open(path, encoding="utf-8-sig", newline="", errors="replace") as handle:
            text = handle.read(65536)
    except OSError as err:
        raise DataError(f"The file '{path}' cannot be read ({err.strerror or err}).") from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(";\t,", key=first.count) if first else ","
    lines = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if any(r)]
    lines = lines[:-1] if len(lines) > rows + 1 else lines  # the last one may be cut off
    if not lines:
        raise DataError(f"The file '{path}' is empty.")

    def number(cell: str) -> bool:
        try:
            float(cell.replace(",", ".") if delimiter == ";" else cell)
        except ValueError:
            return False
        return True

    header = all(not number(c) for c in lines[0]) or (
        len(lines) > 1 and any(not number(a) and number(b) for a, b in zip(lines[0], lines[1],
                                                                          strict=False)))
    width = len(lines[0])
    names = ([c.strip() or f"column {i + 1}" for i, c in enumerate(lines[0])] if header
             else [f"column {i + 1}" for i in range(width)])
    body = lines[1:] if header else lines
    return names, [[c.strip() for c in r] for r in body[:rows]], header


def table_widget(headers: list[str], rows: list[list[str]], marked: int = -1) -> QTableWidget:
    """A read-only table; column ``marked`` (the labels) is tinted."""
    table = QTableWidget(len(rows), len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    tint = QColor(table.palette().highlight().color())
    tint.setAlpha(60)
    for r, row in enumerate(rows):
        for c in range(len(headers)):
            item = QTableWidgetItem(row[c] if c < len(row) else "")
            if c == marked:
                item.setBackground(tint)
            table.setItem(r, c, item)
    table.resizeColumnsToContents()
    table.verticalHeader().setDefaultSectionSize(22)
    return table


def npz_arrays(path: str) -> list[tuple[str, tuple[int, ...], str]]:
    """Name, shape and kind of each array in an .npz, read from the archive's headers only."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            out = []
            for name in archive.files:
                with archive.zip.open(f"{name}.npy") as member:
                    major, _ = np.lib.format.read_magic(member)
                    read = (np.lib.format.read_array_header_1_0 if major == 1
                            else np.lib.format.read_array_header_2_0)
                    shape, _, dtype = read(member)
                out.append((name, tuple(shape), str(dtype)))
            return out
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, AttributeError):
        raise DataError(f"The file '{path}' is not a NumPy .npz archive.") from None


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


def _gray_pixmap(pixels: np.ndarray, side: int = THUMB) -> QPixmap:
    """A (H, W) array in [0, 1] as a pixmap scaled to ``side`` without smoothing."""
    data = np.ascontiguousarray(np.clip(pixels * 255, 0, 255).astype(np.uint8))
    image = QImage(data.data, data.shape[1], data.shape[0], data.shape[1],
                   QImage.Format.Format_Grayscale8).copy()
    return QPixmap.fromImage(image).scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.FastTransformation)


def _class_grid(rows: list[tuple[str, int, list[QPixmap]]], more: int) -> QWidget:
    """One row per class: its name and count, then its pictures."""
    widget = QWidget()
    grid = QGridLayout(widget)
    grid.setHorizontalSpacing(6)
    for r, (name, count, pictures) in enumerate(rows):
        title = QLabel(f"<b>{name}</b><br>{count} file{'s' if count != 1 else ''}")
        title.setTextFormat(Qt.TextFormat.RichText)
        grid.addWidget(title, r, 0)
        for c, pixmap in enumerate(pictures):
            label = QLabel()
            label.setPixmap(pixmap)
            grid.addWidget(label, r, c + 1)
    if more:
        grid.addWidget(QLabel(f"… and {more} more classes"), len(rows), 0, 1, THUMBS + 1)
    grid.setColumnStretch(THUMBS + 1, 1)
    grid.setRowStretch(len(rows) + 2, 1)  # rows stay together at the top
    return widget


def image_folder_preview(path: str, pattern: str = "") -> QWidget:
    """A few thumbnails of each class with the class names and counts."""
    classes = class_folders(path, IMAGE_EXTENSIONS, "pictures", pattern)
    rows = []
    for name, files in classes[:CLASS_ROWS]:
        pictures = []
        for file in files[:THUMBS]:
            pixmap = QPixmap(file)
            if not pixmap.isNull():
                pictures.append(pixmap.scaled(THUMB, THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.SmoothTransformation))
        rows.append((name, len(files), pictures))
    return _class_grid(rows, max(0, len(classes) - CLASS_ROWS))


def _waveform(signal: np.ndarray, width: int = 240, height: int = THUMB) -> QPixmap:
    """A sound drawn as its envelope: the lowest and highest sample under each pixel column,
    the loudest peak at the picture's edges."""
    pixmap = QPixmap(width, height)
    pixmap.fill(QColor("#fbfbfb"))
    peak = max(float(np.abs(signal).max()), 1e-6)
    edges = np.linspace(0, len(signal), width + 1).astype(int)
    painter = QPainter(pixmap)
    painter.setPen(QPen(QColor("#c8c8c8"), 1))
    painter.drawLine(0, height // 2, width, height // 2)
    painter.setPen(QPen(QColor("#2c6fbb"), 1))
    for x in range(width):
        part = signal[edges[x]:max(edges[x + 1], edges[x] + 1)]
        top = (0.5 - 0.45 * float(part.max()) / peak) * height
        bottom = (0.5 - 0.45 * float(part.min()) / peak) * height
        painter.drawLine(x, int(top), x, int(bottom))
    painter.end()
    return pixmap


def wav_folder_preview(path: str, length: int, spectrogram: bool, n_fft: int,
                       hop: int, pattern: str = "") -> QWidget:
    """The first two sounds of each class as waveforms or spectrograms, with class counts."""
    classes = class_folders(path, WAV_EXTENSIONS, "sounds", pattern)
    rows = []
    for name, files in classes[:CLASS_ROWS]:
        pictures = []
        for file in files[:2]:
            signal, _ = read_wav(file, length)
            if spectrogram and n_fft <= length:
                spec = log_spectrogram(signal[None], n_fft, hop)[0].T[::-1]  # (bins, frames)
                spec = (spec - spec.min()) / max(float(np.ptp(spec)), 1e-6)
                image = _gray_pixmap(spec, 240)
                pictures.append(image.scaled(240, THUMB,
                                             Qt.AspectRatioMode.IgnoreAspectRatio))
            else:
                pictures.append(_waveform(signal))
        rows.append((name, len(files), pictures))
    widget = _class_grid(rows, max(0, len(classes) - CLASS_ROWS))
    how = ("time runs left to right, pitch from bottom to top, bright is loud" if spectrogram
           else "the first sounds of each class, time left to right")
    note = QLabel(f"Each picture: {how}.")
    widget.layout().addWidget(note, len(rows) + 1, 0, 1, THUMBS + 1)
    return widget


def digits_preview(x: np.ndarray, labels: list[str], count: int = 16) -> QWidget:
    """The first pictures of an IDX file, each with its label under it."""
    widget = QWidget()
    grid = QGridLayout(widget)
    for i in range(min(count, len(x))):
        picture = QLabel()
        picture.setPixmap(_gray_pixmap(x[i, 0]))
        grid.addWidget(picture, 2 * (i // 8), i % 8)
        grid.addWidget(_caption(labels[i]), 2 * (i // 8) + 1, i % 8)
    grid.setColumnStretch(8, 1)
    grid.setRowStretch(2 * ((count - 1) // 8) + 2, 1)
    return widget


def text_preview(path: str, lines: int = 20) -> QWidget:
    """The first lines of a text file (the summary gives its length)."""
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as handle:
            head = handle.read(4000)
    except OSError as err:
        raise DataError(f"The file '{path}' cannot be read ({err.strerror or err}).") from None
    view = QPlainTextEdit("\n".join(head.splitlines()[:lines]))
    view.setReadOnly(True)
    return view


def data_widget(kind: str, o: dict[str, Any], ok: bool,
                columns: tuple[list[str], list[list[str]]]) -> QWidget | None:
    """The preview of a dataset of ``kind`` with options ``o``; a CSV's ``columns`` (names
    and first rows) are read already. ``ok``: the whole data was read without a problem."""
    if kind == "csv":
        names, rows = columns
        marked = names.index(o["label_column"]) if o["label_column"] in names else -1
        return table_widget(names, rows[:PREVIEW_ROWS], marked)
    if kind == "npz":
        rows = [[name, " x ".join(map(str, shape)) or "one value", dtype]
                for name, shape, dtype in npz_arrays(o["path"])]
        return table_widget(["array", "shape", "numbers"], rows)
    if kind == "image_folder":
        return image_folder_preview(o["path"], o.get("pattern", ""))
    if kind == "wav_folder":
        return wav_folder_preview(o["path"], o["length"], o["representation"] == "spectrogram",
                                  o["n_fft"], o["hop"], o.get("pattern", ""))
    if kind == "idx":
        if not ok:
            return None
        table = load_idx(o["path"], o["labels_path"])
        return digits_preview(table.x, [table.class_names[k] for k in table.y[:16]])
    return text_preview(o["path"])
