"""The import dialog does not mislead: Return previews and never imports, only Import imports
what was previewed; the fit note compares the data's representation and labels with what the
project's network reads, in red with the fix (one click where the dialog has the setting)
or in green; the label column is guessed or asked for."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from mlsp_studio.gui.data_import import CHOOSE, DataImportDialog
from mlsp_studio.gui.document import StudioDocument
from mlsp_studio.gui.import_fit import GREEN, RED, network_reads
from mlsp_studio.model.presets import load_preset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_userfiles_media import make_pictures, make_sounds  # noqa: E402


def _table(path: Path, names: list[str], columns: list[list[str]]) -> Path:
    rows = [",".join(cells) for cells in zip(*columns, strict=True)]
    path.write_text(",".join(names) + "\n" + "\n".join(rows) + "\n")
    return path


def _numbers(seed: int, n: int = 30) -> list[str]:
    return [f"{v:.3f}" for v in np.random.default_rng(seed).normal(size=n)]


def _species(n: int = 30) -> list[str]:
    return [("setosa", "versicolor", "virginica")[i % 3] for i in range(n)]


def _dialog(qtbot, preset: str, path: Path | str = "") -> DataImportDialog:
    dialog = DataImportDialog(StudioDocument(load_preset(preset)), None, str(path))
    qtbot.addWidget(dialog)
    return dialog


def _fits(dialog: DataImportDialog) -> bool:
    assert dialog.valid, dialog.message.text()
    return dialog.fit.level == GREEN


def test_return_in_the_path_box_previews_and_only_import_imports(qtbot, tmp_path) -> None:
    path = _table(tmp_path / "flowers.csv", ["width", "height", "species"],
                  [_numbers(1), _numbers(2), _species()])
    dialog = _dialog(qtbot, "spiral")
    doc, before = dialog.doc, dialog.doc.project.to_json()
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.path_edit.setFocus()
    qtbot.keyClicks(dialog.path_edit, str(path))
    assert not dialog.import_button.isEnabled()
    qtbot.keyClick(dialog.path_edit, Qt.Key.Key_Return)
    assert dialog.kind == "csv" and dialog.valid and "3 classes" in dialog.summary.text()
    assert dialog.scroll.widget().item(0, 2).text() == "setosa"  # the preview is shown
    assert dialog.isVisible() and doc.project.to_json() == before
    qtbot.keyClick(dialog.path_edit, Qt.Key.Key_Return)  # again: still only a preview
    qtbot.keyClick(dialog.editors["task"], Qt.Key.Key_Return)
    assert dialog.isVisible() and doc.undo_stack.count() == 0
    assert dialog.import_button.isEnabled()
    # a path typed but not previewed cannot be imported
    qtbot.keyClicks(dialog.path_edit, "x")
    assert not dialog.import_button.isEnabled() and not dialog.apply()
    qtbot.keyClick(dialog.path_edit, Qt.Key.Key_Backspace)
    qtbot.keyClick(dialog.path_edit, Qt.Key.Key_Return)
    assert dialog.import_button.isEnabled()
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()
    assert doc.project.dataset == "csv" and doc.undo_stack.count() == 1
    assert doc.project.dataset_options["label_column"] == "species"


def test_sound_as_signal_or_spectrogram_against_conformer_and_conv1d(qtbot, tmp_path) -> None:
    sounds = make_sounds(tmp_path / "sounds", frames=2000)
    conformer = _dialog(qtbot, "conformer-signals", sounds)
    note = conformer.fit_note.text()
    assert conformer.fit.level == RED and "reads spectrograms (frames × bins)" in note
    assert "one frame" in note and "Choose Representation: spectrogram" in note
    assert conformer.fix_button.isVisibleTo(conformer)
    assert "b3261e" in conformer.fit_note.styleSheet()  # red
    conformer.fix_button.click()
    assert conformer.editors["representation"].currentData() == "spectrogram"
    assert _fits(conformer) and not conformer.fix_button.isVisibleTo(conformer)
    assert "2e7d32" in conformer.fit_note.styleSheet()  # green
    assert "takes this data as it is" in conformer.fit_note.text()
    conv1d = _dialog(qtbot, "signal-cnn1d", sounds)
    assert _fits(conv1d) and "reads signals" in conv1d.fit_note.text()
    conv1d.editors["representation"].setCurrentIndex(
        conv1d.editors["representation"].findData("spectrogram"))
    assert conv1d.fit.level == RED and "Choose Representation: signal" in conv1d.fit_note.text()
    assert conv1d.fit.fix == ("representation", "signal")


@pytest.mark.parametrize(("preset", "data", "fits", "words"), [
    ("digits-cnn", "pictures", True, "reads pictures"),
    ("digits-cnn", "sounds", False, "reads pictures (channels × height × width) (Conv2d)"),
    ("digits-cnn", "table", False, "Import a folder of pictures"),
    ("spiral", "table", True, "reads a table of numbers"),
    ("spiral", "pictures", False, "Conv2d (or Flatten, then Dense)"),
    ("gpt-chars", "text", True, "takes this data as it is"),
    ("gpt-chars", "table", False, "reads text as tokens (Embedding)"),
    ("signal-cnn1d", "text", False, "start the network with Embedding"),
])
def test_each_representation_is_checked_against_the_network(qtbot, tmp_path, preset, data,
                                                             fits, words) -> None:
    paths = {"pictures": lambda: make_pictures(tmp_path / "pics"),
             "sounds": lambda: make_sounds(tmp_path / "sounds", frames=500),
             "table": lambda: _table(tmp_path / "t.csv", ["a", "b", "label"],
                                     [_numbers(3), _numbers(4), _species()]),
             "text": lambda: _text(tmp_path / "story.txt")}
    dialog = _dialog(qtbot, preset, paths[data]())
    assert _fits(dialog) is fits, dialog.fit_note.text()
    assert words in dialog.fit_note.text()
    assert dialog.import_button.isEnabled()  # a network can be edited after importing


@pytest.mark.parametrize(("preset", "slot", "reads"), [
    ("conformer-signals", "model", ("sequence", "Dense and ConformerBlock")),
    ("signal-cnn1d", "model", ("signal", "Conv1d")),
    ("digits-cnn", "model", ("image", "Conv2d")),
    ("vit-digits", "model", ("image", "PatchEmbedding")),
    ("gpt-chars", "model", ("tokens", "Embedding")),
    ("spiral", "model", ("table", "Dense")),
    ("autoencoder-digits", "encoder", None),  # Flatten first: it shapes the data itself
])
def test_what_the_first_blocks_read(preset, slot, reads) -> None:
    doc = StudioDocument(load_preset(preset))
    assert network_reads(doc.project.slots[slot], doc.registry) == reads


def test_an_input_block_set_to_another_shape_is_named(qtbot, tmp_path) -> None:
    doc = StudioDocument(load_preset("digits-cnn"))
    graph = doc.project.slots["model"]
    first = next(n for n in graph.nodes.values() if n.type == "Input")
    graph.set_params(first.id, {"shape": [1, 8, 8]})
    dialog = DataImportDialog(doc, None, str(make_pictures(tmp_path / "pics")))
    qtbot.addWidget(dialog)
    assert dialog.valid and dialog.fit.level == RED
    assert "set to 1 x 8 x 8" in dialog.fit_note.text() and "is 1 x 28 x 28" in \
        dialog.fit_note.text() and "Clear the Input block's shape" in dialog.fit_note.text()


def _text(path: Path) -> Path:
    path.write_text("A small cat sat on the mat, and it was glad to be there.\n" * 60)
    return path


def test_a_classifier_with_numbers_to_predict_names_the_column_and_the_fix(qtbot,
                                                                           tmp_path) -> None:
    path = _table(tmp_path / "kinds.csv", ["kind", "width", "height"],
                  [[str(i % 3) for i in range(30)], _numbers(5), _numbers(6)])
    dialog = _dialog(qtbot, "spiral", path)
    assert dialog.editors["label_column"].currentText() == "kind" and _fits(dialog)
    assert "few whole numbers" in dialog.label_note.text()
    combo = dialog.editors["label_column"]
    combo.setCurrentIndex(combo.findText("height"))  # numbers: a regression target
    note = dialog.fit_note.text()
    assert dialog.fit.level == RED and "ClassifierHead" in note
    assert "the label column 'height' holds numbers to predict" in note
    assert "Label column" in note and "Task: classification" in note
    assert dialog.fix_button.text() == "Use column 'kind' as the label"
    dialog.fix_button.click()
    assert combo.currentText() == "kind" and _fits(dialog)
    regression = _dialog(qtbot, "regression-sine", path)
    assert regression.fit.level == RED and "RegressionHead" in regression.fit_note.text()
    assert "'kind' holds classes" in regression.fit_note.text()


def test_the_label_column_is_guessed_from_its_name_or_text_or_asked(qtbot, tmp_path) -> None:
    first = _table(tmp_path / "first.csv", ["label", "a", "b"],
                   [[str(i % 2) for i in range(30)], _numbers(7), _numbers(8)])
    dialog = _dialog(qtbot, "spiral", first)
    assert dialog.editors["label_column"].currentText() == "label" and _fits(dialog)
    table = dialog.scroll.widget()
    assert table.item(0, 0).background().color() != table.item(0, 1).background().color()
    assert "from its name" in dialog.label_note.text()
    plain = _table(tmp_path / "plain.csv", ["kind", "a", "b"],
                   [_species(), _numbers(9), _numbers(10)])
    dialog = _dialog(qtbot, "spiral", plain)
    assert dialog.editors["label_column"].currentText() == "kind"
    assert "only one that holds text" in dialog.label_note.text()
    unclear = _table(tmp_path / "unclear.csv", ["a", "b", "c"],
                     [_numbers(11), _numbers(12), _numbers(13)])
    dialog = _dialog(qtbot, "spiral", unclear)
    combo = dialog.editors["label_column"]
    assert combo.currentText() == CHOOSE and "border" in combo.styleSheet()
    assert "No column looks like the label" in dialog.label_note.text()
    assert not dialog.valid and not dialog.import_button.isEnabled() and not dialog.apply()
    assert dialog.scroll.widget().rowCount() == 8  # the rows are shown to choose from
    combo.setCurrentIndex(combo.findText("c"))
    assert dialog.valid and combo.styleSheet() == ""
    assert "1 number to predict" in dialog.summary.text()
    assert "Column 'c' is the label" in dialog.label_note.text()
