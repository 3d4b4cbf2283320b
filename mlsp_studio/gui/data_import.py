"""File → Import data…: pick a file or folder, see what it holds, map its columns, and make it
the project's dataset in one undoable step, only when the whole of it can be read.

A file that does not fit gets one plain sentence and leaves the open project as it was.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..errors import DataError, StudioError
from ..model.datasets import DATASET_SPECS, dataset_context
from ..model.media_datasets import detect_kind
from ..model.project import check_project
from ..readers.textfiles import load_text_file
from ..readers.tokenizer import LEVELS
from ..readers.userfiles import TASKS, TableData, load_csv_table, load_npz_arrays
from ..readers.userfiles_idx import LABELS_MAGIC, guess_labels_path, idx_magic, load_idx
from ..readers.userfiles_media import COLOURS, REPRESENTATIONS, load_image_folder, load_wav_folder
from . import data_preview as preview
from .bridge import assert_gui_thread
from .document import StudioDocument
from .import_command import ImportDataCommand, trial_project

KIND_TITLES = {"csv": "a CSV table", "npz": "a NumPy .npz archive",
               "image_folder": "a folder of pictures, one subfolder per class",
               "wav_folder": "a folder of WAV sounds, one subfolder per class",
               "idx": "MNIST-format IDX files (pictures and labels)",
               "text_file": "a text file"}
FILE_FILTER = ("Data files (*.csv *.tsv *.npz *.txt *.md *.gz *ubyte *.idx);;"
               "All files (*)")


def read_table(kind: str, o: dict[str, Any]) -> TableData:
    """The arrays a kind of file gives with these options (the readers cache them)."""
    if kind == "csv":
        return load_csv_table(o["path"], o["label_column"], o["task"])
    if kind == "npz":
        return load_npz_arrays(o["path"], o["x_key"], o["y_key"], o["task"])
    if kind == "image_folder":
        return load_image_folder(o["path"], o["size"], o["colour"])
    if kind == "wav_folder":
        return load_wav_folder(o["path"], o["length"], o["representation"], o["n_fft"], o["hop"])
    return load_idx(o["path"], o["labels_path"])


def _combo(items: list[str] | tuple[Any, ...], current: Any = None) -> QComboBox:
    combo = QComboBox()
    for item in items:
        combo.addItem(str(item), item)
    if current is not None and current in items:
        combo.setCurrentIndex(list(items).index(current))
    return combo


def _spin(lo: int, hi: int, value: int, step: int = 1) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(lo, hi)
    spin.setValue(value)
    spin.setSingleStep(step)
    spin.setKeyboardTracking(False)  # read the files once typing ends, not at every digit
    return spin


class DataImportDialog(QDialog):
    """Choose a file or folder, preview it, map its columns and use it as the dataset."""

    def __init__(self, doc: StudioDocument, parent: QWidget | None = None,
                 path: str = "") -> None:
        super().__init__(parent)
        self.doc = doc
        self.kind = ""
        self.path = ""
        self.valid = False
        self.editors: dict[str, QWidget] = {}
        self.setWindowTitle("Import data")
        self.resize(760, 620)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("A CSV, NPZ, text or IDX file, or a folder of "
                                          "pictures or sounds")
        self.path_edit.editingFinished.connect(self._on_path_typed)
        file_button, folder_button = QPushButton("File…"), QPushButton("Folder…")
        file_button.clicked.connect(self._on_choose_file)
        folder_button.clicked.connect(self._on_choose_folder)
        for widget in (self.path_edit, file_button, folder_button):
            row.addWidget(widget)
        layout.addLayout(row)
        self.kind_label = QLabel("Choose a file or a folder to see what it holds.")
        self.kind_label.setWordWrap(True)
        layout.addWidget(self.kind_label)
        self.options_box = QWidget()
        self.form = QFormLayout(self.options_box)
        self.form.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.options_box)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        layout.addWidget(self.scroll, 1)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.fit_note = QLabel()
        self.fit_note.setWordWrap(True)
        layout.addWidget(self.fit_note)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet("color: #b3261e; font-weight: bold;")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.use_button = buttons.addButton("Use this data",
                                            QDialogButtonBox.ButtonRole.AcceptRole)
        self.use_button.setEnabled(False)
        buttons.accepted.connect(self._on_use)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if path:
            self.set_path(path)

    # -- choosing ------------------------------------------------------------------------
    @Slot()
    def _on_choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import a data file", "", FILE_FILTER)
        if path:
            self.set_path(path)

    @Slot()
    def _on_choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Import a folder of pictures or sounds")
        if path:
            self.set_path(path)

    @Slot()
    def _on_path_typed(self) -> None:
        if self.path_edit.text().strip() != self.path:
            self.set_path(self.path_edit.text().strip())

    def set_path(self, path: str) -> None:
        """Detect what ``path`` holds, build its settings and preview it."""
        assert_gui_thread("DataImportDialog.set_path")
        self.path = path
        self.path_edit.setText(path)
        self._clear_form()
        try:
            self.kind = detect_kind(path)
        except DataError as err:
            self.kind = ""
            self.kind_label.setText("This cannot be imported.")
            self._show(None, "", str(err))
            return
        if self.kind == "idx" and idx_magic(path) == LABELS_MAGIC:
            # the labels file was chosen: take the images file beside it, when there is one
            folder, name = os.path.split(path)
            images = os.path.join(folder, name.replace("labels", "images").replace("idx1",
                                                                                   "idx3"))
            if images != path and os.path.isfile(images):
                self.set_path(images)
                return
        self.kind_label.setText(f"<b>Found {KIND_TITLES[self.kind]}.</b>")
        try:
            self._build_form()
        except DataError as err:
            self._show(None, "", str(err))
            return
        self.refresh()

    # -- settings ------------------------------------------------------------------------
    def _clear_form(self) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors = {}

    def _add(self, name: str, label: str, editor: QWidget, tip: str = "") -> None:
        self.editors[name] = editor
        editor.setToolTip(tip)
        if isinstance(editor, QComboBox):
            editor.currentIndexChanged.connect(self.refresh)
        elif isinstance(editor, QSpinBox):
            editor.valueChanged.connect(self.refresh)
        elif isinstance(editor, QLineEdit):
            editor.editingFinished.connect(self.refresh)
        self.form.addRow(label, editor)

    def _build_form(self) -> None:
        kind, path = self.kind, self.path
        spec = DATASET_SPECS.get(kind)
        if kind == "csv":
            names, _, header = preview.csv_head(path)
            label = "label" if "label" in names else names[-1]
            self._add("label_column", "Label column", _combo(names, label),
                      "The column holding what to predict; every other column is an input.")
        elif kind == "npz":
            arrays = [name for name, _, _ in preview.npz_arrays(path)]
            self._add("x_key", "Inputs array", _combo(arrays, "x" if "x" in arrays else None))
            y_default = "y" if "y" in arrays else arrays[-1] if arrays else None
            self._add("y_key", "Labels array", _combo(arrays, y_default))
        elif kind == "image_folder":
            self._add("size", "Picture size", _spin(4, 128, 28, 4),
                      spec.options.get("size").doc)
            self._add("colour", "Colour", _combo(COLOURS), spec.options.get("colour").doc)
        elif kind == "wav_folder":
            self._add("length", "Length (samples)", _spin(64, 160000, 8000, 1000),
                      spec.options.get("length").doc)
            self._add("representation", "Show the network", _combo(REPRESENTATIONS),
                      spec.options.get("representation").doc)
            self._add("n_fft", "Samples per frame",
                      _combo(spec.options.get("n_fft").choices, 256))
            self._add("hop", "Samples between frames", _spin(1, 1024, 128, 16))
        elif kind == "idx":
            labels = QLineEdit(guess_labels_path(path))
            labels.setPlaceholderText("The IDX labels file (…-labels-idx1-ubyte)")
            self._add("labels_path", "Labels file", labels)
        elif kind == "text_file":
            self._add("level", "Tokens", _combo(LEVELS), spec.options.get("level").doc)
        if kind in ("csv", "npz"):
            self._add("task", "Task", _combo(TASKS, "auto"), spec.options.get("task").doc)

    def options(self) -> dict[str, Any]:
        """The dataset options the dialog's settings give, with the path."""
        values: dict[str, Any] = {"path": self.path}
        for name, editor in self.editors.items():
            if isinstance(editor, QComboBox):
                values[name] = editor.currentData()
            elif isinstance(editor, QSpinBox):
                values[name] = editor.value()
            else:
                values[name] = editor.text().strip()
        return values

    # -- preview and checking ------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        """Read the data with the current settings; preview it and say whether it fits."""
        assert_gui_thread("DataImportDialog.refresh")
        if not self.kind:
            return
        o = self.options()
        if self.kind == "wav_folder":
            frames = o["representation"] == "spectrogram"
            for name in ("n_fft", "hop"):
                self.editors[name].setEnabled(frames)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            try:
                values, ctx = dataset_context(self.kind, o)
                summary, error = self._summary(values, ctx), ""
            except StudioError as err:
                summary, error = "", str(err)
            try:
                widget = self._preview(o, ok=not error)
            except DataError as err:
                widget, error = None, error or str(err)
        finally:
            QApplication.restoreOverrideCursor()
        self._show(widget, summary, error)

    def _summary(self, o: dict[str, Any], ctx: Any) -> str:
        dims = ctx.inputs["x"]
        shape = (f"{dims[0]} number{'s' if dims[0] != 1 else ''}" if len(dims) == 1
                 else " x ".join(str(d) for d in dims))
        if self.kind == "text_file":
            text = load_text_file(o["path"], o["level"], o["max_vocab"])
            return (f"{len(text.text):,} characters, {len(text.sentences):,} sentences or "
                    f"lines, {len(text.tokenizer):,} different tokens.")
        table = read_table(self.kind, o)
        if table.task == "regression":
            what = f"{table.y.shape[1]} number{'s' if table.y.shape[1] > 1 else ''} to predict"
        else:
            names = ", ".join(table.class_names[:8])
            more = f" and {len(table.class_names) - 8} more" if len(table.class_names) > 8 else ""
            what = f"{len(table.class_names)} classes ({names}{more})"
        return f"{len(table.x):,} examples, {what}; each input is {shape}."

    def _preview(self, o: dict[str, Any], ok: bool) -> QWidget | None:
        kind = self.kind
        if kind == "csv":
            names, rows, _ = preview.csv_head(o["path"])
            marked = names.index(o["label_column"]) if o["label_column"] in names else -1
            return preview.table_widget(names, rows, marked)
        if kind == "npz":
            rows = [[name, " x ".join(map(str, shape)) or "one value", dtype]
                    for name, shape, dtype in preview.npz_arrays(o["path"])]
            return preview.table_widget(["array", "shape", "numbers"], rows)
        if kind == "image_folder":
            return preview.image_folder_preview(o["path"])
        if kind == "wav_folder":
            return preview.wav_folder_preview(o["path"], o["length"],
                                              o["representation"] == "spectrogram",
                                              o["n_fft"], o["hop"])
        if kind == "idx":
            if not ok:
                return None
            table = load_idx(o["path"], o["labels_path"])
            return preview.digits_preview(table.x, [table.class_names[k] for k in table.y[:16]])
        return preview.text_preview(o["path"])

    def _show(self, widget: QWidget | None, summary: str, error: str) -> None:
        old = self.scroll.takeWidget()
        if old is not None:
            old.deleteLater()
        if widget is not None:
            self.scroll.setWidget(widget)
        self.summary.setText(summary)
        self.message.setText(error)
        self.valid = bool(summary) and not error
        self.use_button.setEnabled(self.valid)
        note = self._fit_note() if self.valid else ""
        fits = note.startswith("The project's network takes")
        self.fit_note.setStyleSheet(f"color: {'#2e7d32' if fits else '#8a5a00'};")
        self.fit_note.setText(note)

    def _fit_note(self) -> str:
        """A word when the project's network does not take this data as it stands."""
        try:
            check = check_project(trial_project(self.doc, self.kind, self._dataset_options()),
                                  self.doc.registry)
        except StudioError as err:
            return str(err)
        if check.ok:
            return "The project's network takes this data as it is."
        return (f"With this data the network needs changes before it can train: "
                f"{check.errors[0].rstrip('.')}. You can use the data and then edit the "
                "network.")

    def _dataset_options(self) -> dict[str, Any]:
        names = DATASET_SPECS.get(self.kind).options.names()
        return {k: v for k, v in self.options().items() if k in names}

    # -- using ---------------------------------------------------------------------------
    @Slot()
    def _on_use(self) -> None:
        assert_gui_thread("DataImportDialog._on_use")
        if not self.apply():
            return
        self.accept()

    def apply(self) -> bool:
        """Make the previewed data the project's dataset, as one undoable step; False (and
        the project untouched) when the data does not fit."""
        if not self.valid:
            return False
        try:
            command = ImportDataCommand(self.doc, self.kind, self._dataset_options())
        except StudioError as err:
            self._show(None, "", str(err))
            return False
        self.doc.undo_stack.push(command)
        return True
