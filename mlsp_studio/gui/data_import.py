"""File → Import data…: pick a file or folder, preview what it holds, map its columns, see
whether the project's network takes it, and import it in one undoable step.

Return in the path box (or Preview) reads and shows the data; only the Import button imports,
and only after a preview of the path and settings as they are. A file that does not fit gets
one plain sentence and leaves the open project as it was.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeyEvent
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
from ..model.blocks import Context
from ..model.datasets import DATASET_SPECS, dataset_context
from ..model.media_datasets import detect_kind
from ..model.project import check_project
from ..readers.label_guess import guess_label_column, other_label_column
from ..readers.tokenizer import LEVELS
from ..readers.userfiles import TASKS
from ..readers.userfiles_idx import LABELS_MAGIC, guess_labels_path, idx_magic
from ..readers.userfiles_media import COLOURS, REPRESENTATIONS
from . import data_preview as preview
from .bridge import assert_gui_thread
from .document import StudioDocument
from .import_command import ImportDataCommand, trial_project
from .import_fit import AMBER, GREEN, Fit, judge
from .import_split import add_split_rows, enable_split_rows, split_words

KIND_TITLES = {"csv": "a CSV table", "npz": "a NumPy .npz archive",
               "image_folder": "a folder of pictures (classes from subfolders or file names)",
               "wav_folder": "a folder of WAV sounds (classes from subfolders or file names)",
               "idx": "MNIST-format IDX files (pictures and labels)",
               "text_file": "a text file"}
FILE_FILTER = ("Data files (*.csv *.tsv *.npz *.txt *.md *.gz *ubyte *.idx);;"
               "All files (*)")
COLOURS_OF = {GREEN: "#2e7d32", AMBER: "#8a5a00"}  # any other verdict is red
RED_TEXT = "#b3261e"
GUESS_ROWS = 400  # rows of a CSV the label column is guessed from
CHOOSE = "Choose…"


class PathEdit(QLineEdit):
    """The path box: Return previews here and goes no further (it never imports)."""

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        super().keyPressEvent(event)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()


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


def _label(style: str = "") -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(style)
    return label


class DataImportDialog(QDialog):
    """Choose a file or folder, preview it, map its columns and import it as the dataset."""

    def __init__(self, doc: StudioDocument, parent: QWidget | None = None,
                 path: str = "") -> None:
        super().__init__(parent)
        self.doc = doc
        self.kind = self.path = ""
        self.valid = False
        self.previewed: dict[str, Any] | None = None  # the options of the last good preview
        self.fit: Fit | None = None
        self.editors: dict[str, QWidget] = {}
        self.columns: tuple[list[str], list[list[str]]] = ([], [])  # a CSV's names and rows
        self.setWindowTitle("Import data")
        self.resize(760, 620)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.path_edit = PathEdit()
        self.path_edit.setPlaceholderText("A CSV, NPZ, text or IDX file, or a folder of "
                                          "pictures or sounds; Return shows it")
        self.path_edit.returnPressed.connect(self.preview_now)
        self.path_edit.textEdited.connect(self._on_path_edited)
        self.preview_button = QPushButton("Preview")
        self.preview_button.setToolTip("Read the data and show it; nothing is imported yet.")
        self.preview_button.clicked.connect(self.preview_now)
        self.preview_button.setDefault(True)  # Return anywhere previews, never imports
        file_button, folder_button = QPushButton("File…"), QPushButton("Folder…")
        file_button.clicked.connect(self._on_choose_file)
        folder_button.clicked.connect(self._on_choose_folder)
        for widget in (self.path_edit, self.preview_button, file_button, folder_button):
            row.addWidget(widget)
        layout.addLayout(row)
        self.kind_label = _label()
        self.kind_label.setText("Choose a file or a folder to see what it holds.")
        layout.addWidget(self.kind_label)
        self.options_box = QWidget()
        self.form = QFormLayout(self.options_box)
        self.form.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.options_box)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        layout.addWidget(self.scroll, 1)
        self.summary = _label()
        layout.addWidget(self.summary)
        fit_row = QHBoxLayout()
        self.fit_note = _label()
        self.fix_button = QPushButton()
        self.fix_button.setAutoDefault(False)
        self.fix_button.clicked.connect(self._on_fix)
        self.fix_button.hide()
        fit_row.addWidget(self.fit_note, 1)
        fit_row.addWidget(self.fix_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(fit_row)
        self.message = _label(f"color: {RED_TEXT}; font-weight: bold;")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.import_button = buttons.addButton("Import", QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setAutoDefault(False)
        self.import_button.setEnabled(False)
        self.import_button.setToolTip("Make the previewed data the project's dataset "
                                      "(Edit → Undo takes it back).")
        buttons.accepted.connect(self._on_import)
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
    def _on_path_edited(self) -> None:
        """A path typed but not yet previewed cannot be imported."""
        if self.path_edit.text().strip() != self.path:
            self.import_button.setEnabled(False)

    @Slot()
    def preview_now(self) -> None:
        """Read and show the path in the box (a new path) or the current settings again."""
        typed = self.path_edit.text().strip()
        if typed != self.path or not self.kind:
            self.set_path(typed)
        else:
            self.refresh()

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
        self.label_note = QLabel()
        self.label_guess: tuple[str | None, str] = (None, "")

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
            names, rows, _ = preview.csv_head(path, GUESS_ROWS)
            self.columns = (names, rows)
            guess = guess_label_column(names, rows)
            combo = _combo(names, names[guess.column] if guess.column is not None else None)
            if guess.column is None:
                combo.insertItem(0, CHOOSE, None)
                combo.setCurrentIndex(0)
            self._add("label_column", "Label column", combo,
                      "The column holding what to predict; every other column is an input.")
            self.label_guess = (combo.currentData(), guess.why)
            self.label_note = _label()
            self.form.addRow("", self.label_note)
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
            self._add("representation", "Representation", _combo(REPRESENTATIONS),
                      spec.options.get("representation").doc)
            self._add("n_fft", "Samples per frame",
                      _combo(spec.options.get("n_fft").choices, 256))
            self._add("hop", "Samples between frames", _spin(1, 1024, 128, 16))
        elif kind == "idx":
            labels = PathEdit(guess_labels_path(path))
            labels.setPlaceholderText("The IDX labels file (…-labels-idx1-ubyte)")
            self._add("labels_path", "Labels file", labels)
        elif kind == "text_file":
            self._add("level", "Tokens", _combo(LEVELS), spec.options.get("level").doc)
        if kind in ("csv", "npz"):
            self._add("task", "Task", _combo(TASKS, "auto"), spec.options.get("task").doc)
        add_split_rows(self, kind, spec)

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

    def _ask_label(self, column: str | None) -> bool:
        """Say which column is the label and why, or ask for it (highlighted) while none is
        chosen; True while asking."""
        combo, note = self.editors["label_column"], self.label_note
        guessed, why = self.label_guess
        asking = column is None
        combo.setStyleSheet(f"QComboBox {{ border: 2px solid {RED_TEXT}; }}" if asking else "")
        note.setStyleSheet(f"color: {RED_TEXT}; font-weight: bold;" if asking else "")
        note.setText(why if asking or column == guessed else
                     f"Column '{column}' is the label; every other column is an input.")
        return asking

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
        enable_split_rows(self.editors)
        if self.kind == "csv" and self._ask_label(o["label_column"]):
            self._show(preview.data_widget("csv", o, True, self.columns), "", "")
            return
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        ctx = None
        try:
            try:
                values, ctx = dataset_context(self.kind, o)
                summary, error = preview.summary(self.kind, values, tuple(ctx.inputs["x"])), ""
                split, error = split_words(self.kind, self._dataset_options())
                summary += f" Split: {split}." if split else ""
            except StudioError as err:
                summary, error = "", str(err)
            try:
                widget = preview.data_widget(self.kind, o, not error, self.columns)
            except DataError as err:
                widget, error = None, error or str(err)
        finally:
            QApplication.restoreOverrideCursor()
        self._show(widget, summary, error, ctx)

    def _show(self, widget: QWidget | None, summary: str, error: str,
              ctx: Context | None = None) -> None:
        old = self.scroll.takeWidget()
        if old is not None:
            old.deleteLater()
        if widget is not None:
            self.scroll.setWidget(widget)
        self.summary.setText(summary)
        self.message.setText(error)
        self.valid = bool(summary) and not error and ctx is not None
        self.previewed = self.options() if self.valid else None
        self.import_button.setEnabled(self.valid)
        self.fit = self._judge(ctx) if self.valid else None
        fit = self.fit or Fit(GREEN, "")
        self.fit_note.setStyleSheet(f"color: {COLOURS_OF.get(fit.level, RED_TEXT)};"
                                    + ("" if fit.level == GREEN else " font-weight: bold;"))
        self.fit_note.setText(fit.text)
        self.fix_button.setText(fit.fix_text)
        self.fix_button.setVisible(fit.fix is not None)

    def _judge(self, ctx: Context) -> Fit:
        """Whether the project's network takes this data, and the fix when it does not."""
        options = self._dataset_options()
        try:
            trial = trial_project(self.doc, self.kind, options)
        except StudioError as err:
            return Fit(AMBER, str(err))
        check = check_project(trial, self.doc.registry)
        return judge(self.kind, options, ctx, trial, check, self.doc.registry,
                     other_label_column(*self.columns, options.get("label_column"))
                     if self.kind == "csv" else None)

    @Slot()
    def _on_fix(self) -> None:
        """Make the one-click change the fit note offers (a setting of this dialog)."""
        if self.fit is None or self.fit.fix is None:
            return
        name, value = self.fit.fix
        combo = self.editors.get(name)
        if isinstance(combo, QComboBox) and combo.findData(value) >= 0:
            combo.setCurrentIndex(combo.findData(value))  # previews again

    def _dataset_options(self) -> dict[str, Any]:
        names = DATASET_SPECS.get(self.kind).options.names()
        return {k: v for k, v in self.options().items() if k in names}

    # -- importing -----------------------------------------------------------------------
    @Slot()
    def _on_import(self) -> None:
        assert_gui_thread("DataImportDialog._on_import")
        if not self.apply():
            return
        self.accept()

    def apply(self) -> bool:
        """Make the previewed data the project's dataset, as one undoable step; False (and
        the project untouched) unless the path and settings are the ones last previewed
        and that preview read the data."""
        if (not self.valid or self.previewed != self.options()
                or self.path_edit.text().strip() != self.path):
            return False
        try:
            command = ImportDataCommand(self.doc, self.kind, self._dataset_options())
        except StudioError as err:
            self._show(None, "", str(err))
            return False
        self.doc.undo_stack.push(command)
        return True
