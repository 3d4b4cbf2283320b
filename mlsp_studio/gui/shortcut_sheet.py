"""The shortcut sheet (F1): every key the window answers to, in one table a person can keep
open beside the canvas."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

SHORTCUTS = (
    ("Space", "run or pause training"),
    ("Ctrl+Z", "undo the last edit"),
    ("Ctrl+Shift+Z", "redo"),
    ("Delete", "delete the selected blocks or connections"),
    ("Ctrl+C, Ctrl+V", "copy and paste blocks"),
    ("Ctrl+D", "duplicate the selected blocks"),
    ("Ctrl+S", "save the project"),
    ("Ctrl+Shift+S", "save the project under another name"),
    ("Ctrl+O", "open a project"),
    ("Ctrl+0 or F", "fit the network in the view"),
    ("+ / −, Ctrl+wheel", "zoom the canvas"),
    ("Shift+drag", "select several blocks"),
    ("Double-click a block in the list", "add it to the canvas"),
    ("Right-click a composite block", "expand it into its parts"),
    ("Ctrl+G", "the lesson gallery: every preset with what it shows and what to try"),
    ("F11 or Ctrl+Shift+P", "presentation mode: large text, thick lines, high contrast"),
    ("Esc", "leave presentation mode"),
    ("F1", "this sheet"),
)


class ShortcutSheet(QDialog):
    """A non-modal table of the window's keys."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setModal(False)
        table = QTableWidget(len(SHORTCUTS), 2, self)
        table.setHorizontalHeaderLabels(["keys", "what they do"])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.NoEditTriggers)
        table.setSelectionMode(QTableWidget.NoSelection)
        table.setFocusPolicy(Qt.NoFocus)
        for row, (keys, words) in enumerate(SHORTCUTS):
            key_item = QTableWidgetItem(keys)
            key_item.setFlags(Qt.ItemIsEnabled)
            table.setItem(row, 0, key_item)
            table.setItem(row, 1, QTableWidgetItem(words))
        table.resizeColumnsToContents()
        table.horizontalHeader().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        note = QLabel("Settings changed while a run trains (learning rate, weight decay, "
                      "gradient clipping, batch size, a Dropout rate) take effect at the next "
                      "step; any other change starts the run over.")
        note.setWordWrap(True)
        layout.addWidget(table)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.table = table
        self.resize(560, 520)
