"""The import dialog's rows for labels from file names and for how the test set is held out,
and the split in words under the preview (``describe_split``)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QComboBox, QLineEdit

from ..errors import StudioError
from ..model.datasets import describe_split

FOLDERS = ("image_folder", "wav_folder")
SPLIT_ROWS = (("group", "Group"), ("test_groups", "Held-out groups"),
              ("range_field", "Range field"), ("test_range", "Held-out range"))
USED_BY = {"test_groups": ("group",), "range_field": ("range",), "test_range": ("range",)}


def add_split_rows(dialog, kind: str, spec) -> None:
    """A pattern row for picture and sound folders, then the split's rows, for every kind
    of a person's file that can be split otherwise than at random."""
    if kind in FOLDERS:
        pattern = QLineEdit()
        pattern.setPlaceholderText("e.g. {label}_{speaker}_{index}.wav (empty: class subfolders)")
        dialog._add("pattern", "File names", pattern, spec.options.get("pattern").doc)
    if "split" not in spec.options.names():
        return
    choices = spec.options.get("split").choices
    combo = QComboBox()
    for method in choices:
        if method != "test_file":  # a second file is chosen in the inspector
            combo.addItem(method, method)
    dialog._add("split", "Test set", combo, spec.options.get("split").doc)
    for name, label in SPLIT_ROWS:
        if name in spec.options.names():
            dialog._add(name, label, QLineEdit(), spec.options.get(name).doc)


def enable_split_rows(editors: dict[str, Any]) -> None:
    """Only the rows the chosen split reads can be edited."""
    split = editors.get("split")
    if split is None:
        return
    method = split.currentData()
    for name, methods in USED_BY.items():
        if name in editors:
            editors[name].setEnabled(method in methods)


def split_words(kind: str, options: dict[str, Any]) -> tuple[str, str]:
    """(the split in words, or the reason the settings do not give one)."""
    try:
        return describe_split(kind, options), ""
    except StudioError as err:
        return "", str(err)
