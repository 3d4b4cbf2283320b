"""The import dialog reads a flat folder of sounds through a file-name pattern and holds a
speaker out as the test set, saying the split in words before anything is imported."""

from __future__ import annotations

import sys
from pathlib import Path

from mlsp_studio.gui.data_import import DataImportDialog
from mlsp_studio.gui.document import StudioDocument
from mlsp_studio.model.presets import load_preset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_splits_files import PATTERN, _speakers  # noqa: E402


def _set(dialog: DataImportDialog, name: str, value: str) -> None:
    editor = dialog.editors[name]
    if hasattr(editor, "setText"):
        editor.setText(value)
        editor.editingFinished.emit()
    else:
        editor.setCurrentIndex(editor.findData(value))


def test_a_flat_sound_folder_with_a_pattern_and_a_speaker_held_out(qtbot, tmp_path) -> None:
    folder = _speakers(tmp_path / "digits")
    dialog = DataImportDialog(StudioDocument(load_preset("signal-cnn1d")), None, str(folder))
    qtbot.addWidget(dialog)
    dialog.preview_now()
    assert not dialog.valid and "pattern" in dialog.message.text()  # says what to set
    dialog.editors["length"].setValue(200)
    _set(dialog, "pattern", PATTERN)
    assert dialog.valid, dialog.message.text()
    assert "Split: " in dialog.summary.text() and "random" in dialog.summary.text()
    assert not dialog.editors["test_groups"].isEnabled()
    _set(dialog, "split", "group")
    _set(dialog, "group", "speaker")
    _set(dialog, "test_groups", "dee")
    assert dialog.editors["test_groups"].isEnabled()
    assert dialog.valid, dialog.message.text()
    assert "speaker dee held out" in dialog.summary.text()
    _set(dialog, "test_groups", "nobody")  # a speaker that is not there: said, no import
    assert not dialog.valid and "nobody" in dialog.message.text()
    assert not dialog.import_button.isEnabled()
    _set(dialog, "test_groups", "dee")
    assert dialog.apply()
    options = dialog.doc.project.dataset_options
    assert options["pattern"] == PATTERN and options["test_groups"] == "dee"
