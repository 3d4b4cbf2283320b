"""File → Import data…: the preview of each kind of file, the label column mapping, one
undoable dataset change, and a plain sentence that leaves the project alone for a bad file."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QLabel, QTableWidget

from mlsp_studio.gui.data_import import DataImportDialog
from mlsp_studio.gui.document import StudioDocument
from mlsp_studio.model.presets import load_preset

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from test_userfiles_media import make_idx, make_pictures, make_sounds  # noqa: E402


@pytest.fixture
def doc() -> StudioDocument:
    return StudioDocument(load_preset("digits-cnn"))


def _csv(path: Path, labels: tuple[str, str] = ("red", "blue")) -> Path:
    rng = np.random.default_rng(1)
    rows = [f"{rng.normal():.3f},{i % 7},{labels[i % 2]}" for i in range(30)]
    path.write_text("width,count,label\n" + "\n".join(rows) + "\n")
    return path


def test_csv_preview_maps_the_label_column_and_applies_as_one_undoable_step(qtbot, doc,
                                                                          tmp_path) -> None:
    before = doc.project.to_json()
    dialog = DataImportDialog(doc, None, str(_csv(tmp_path / "colours.csv")))
    qtbot.addWidget(dialog)
    assert dialog.kind == "csv" and dialog.valid
    table = dialog.scroll.widget()
    assert isinstance(table, QTableWidget)
    assert table.rowCount() == 8 and table.item(0, 2).text() in ("red", "blue")
    assert [table.horizontalHeaderItem(c).text() for c in range(3)] == \
        ["width", "count", "label"]
    assert "2 classes (blue, red)" in dialog.summary.text()
    # with "count" as the labels, the text column would be an input: refused in words
    combo = dialog.editors["label_column"]
    combo.setCurrentIndex(combo.findText("count"))
    assert "text ('red') in column 'label'" in dialog.message.text()
    assert not dialog.import_button.isEnabled() and not dialog.apply()
    assert doc.project.to_json() == before


def test_csv_label_column_mapping_applies_as_one_undoable_step(qtbot, doc, tmp_path) -> None:
    before = doc.project.to_json()
    path = _csv(tmp_path / "numbers.csv", ("0", "1"))
    dialog = DataImportDialog(doc, None, str(path))
    qtbot.addWidget(dialog)
    assert "2 classes (0, 1)" in dialog.summary.text()
    # a Conv2d network, a table of numbers: said in red, with what would fit
    assert dialog.fit.level == "does not fit"
    assert "reads pictures" in dialog.fit_note.text() and "Conv2d" in dialog.fit_note.text()
    # map the labels to the "count" column: seven whole numbers become seven classes
    combo = dialog.editors["label_column"]
    combo.setCurrentIndex(combo.findText("count"))
    assert "7 classes" in dialog.summary.text() and "2 numbers" in dialog.summary.text()
    table = dialog.scroll.widget()
    assert table.item(0, 1).background().color() != table.item(0, 0).background().color()
    assert doc.project.to_json() == before  # nothing changes before "Import"
    assert dialog.apply()
    assert doc.project.dataset == "csv"
    assert doc.project.dataset_options["label_column"] == "count"
    assert doc.project.dataset_options["path"] == str(path)
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert doc.project.to_json() == before
    doc.undo_stack.redo()
    assert doc.project.dataset == "csv" and doc.check.contexts["model"].num_classes == 7


def test_a_damaged_picture_is_named_and_the_project_stays_as_it_was(qtbot, doc,
                                                                    tmp_path) -> None:
    folder = make_pictures(tmp_path / "pics")
    (folder / "dog" / "broken.png").write_bytes(b"\x89PNG not really")
    before = doc.project.to_json()
    dialog = DataImportDialog(doc, None, str(folder))
    qtbot.addWidget(dialog)
    assert dialog.kind == "image_folder" and not dialog.valid
    assert "broken.png" in dialog.message.text() and "damaged" in dialog.message.text()
    assert not dialog.import_button.isEnabled()
    assert not dialog.apply()
    assert doc.project.to_json() == before and doc.undo_stack.count() == 0


@pytest.mark.parametrize("name", ["not-data.bin", "short.csv", "cut-images-idx3-ubyte"])
def test_files_that_do_not_fit_get_a_sentence(qtbot, doc, tmp_path, name) -> None:
    path = tmp_path / name
    if name.endswith(".bin"):
        path.write_bytes(b"\x01\x02\x03\x04")
    elif name.endswith(".csv"):
        path.write_text("a,label\n1,x\n")
    else:
        images, labels = make_idx(tmp_path)
        path.write_bytes(images.read_bytes()[:-5])
        (tmp_path / "cut-labels-idx1-ubyte").write_bytes(labels.read_bytes())
    before = doc.project.to_json()
    dialog = DataImportDialog(doc, None, str(path))
    qtbot.addWidget(dialog)
    text = dialog.message.text()
    assert text.endswith(".") and "Traceback" not in text and len(text) > 20
    assert not dialog.apply() and doc.project.to_json() == before


def _labels(widget) -> list[QLabel]:
    return [w for w in widget.findChildren(QLabel) if w.pixmap() is not None
            and not w.pixmap().isNull()]


def test_pictures_sounds_digits_and_text_are_previewed(qtbot, doc, tmp_path) -> None:
    pictures = make_pictures(tmp_path / "pics", classes=("ant", "bee", "cat"))
    sounds = make_sounds(tmp_path / "sounds", frames=2000)
    images, _ = make_idx(tmp_path, n=30, side=(8, 8))
    text = tmp_path / "story.txt"
    text.write_text("A small cat sat on the mat, and it was glad.\n" * 40)
    shown = {}
    for kind, path in (("image_folder", pictures), ("wav_folder", sounds), ("idx", images),
                       ("text_file", text)):
        dialog = DataImportDialog(doc, None, str(path))
        qtbot.addWidget(dialog)
        assert dialog.kind == kind and dialog.valid, dialog.message.text()
        shown[kind] = dialog
    assert len(_labels(shown["image_folder"].scroll.widget())) == 3 * 6  # six per class
    assert "ant" in shown["image_folder"].scroll.widget().findChildren(QLabel)[0].text()
    wav = shown["wav_folder"]
    assert len(_labels(wav.scroll.widget())) == 2 * 2 and "1 x 8000" in wav.summary.text()
    wav.editors["representation"].setCurrentIndex(1)  # spectrogram: frames x bins
    assert "61 x 129" in wav.summary.text() and wav.valid
    assert len(_labels(shown["idx"].scroll.widget())) == 16
    assert "1,800 characters" in shown["text_file"].summary.text()
    assert "takes this data as it is" in shown["idx"].fit_note.text()
    assert shown["idx"].apply() and doc.project.dataset == "idx" and doc.check.ok


def test_choosing_the_labels_file_opens_the_images_beside_it(qtbot, doc, tmp_path) -> None:
    images, labels = make_idx(tmp_path, compress=True)
    dialog = DataImportDialog(doc, None, str(labels))
    qtbot.addWidget(dialog)
    assert dialog.path == str(images) and dialog.valid
    assert dialog.editors["labels_path"].text() == str(labels)


def test_the_file_menu_opens_the_dialog_on_the_project(qtbot, tmp_path, monkeypatch) -> None:
    from PySide6.QtCore import QSettings

    from mlsp_studio.gui import data_import
    from mlsp_studio.gui.app import open_window

    opened = []
    monkeypatch.setattr(data_import.DataImportDialog, "exec",
                        lambda self: opened.append(self.doc) or 0)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    win = open_window("digits-cnn", settings=settings)
    try:
        qtbot.waitUntil(lambda: win.bridge.is_ready, timeout=120_000)
        file_menu = win.menuBar().actions()[0].menu()
        action = next(a for a in file_menu.actions() if a.text() == "&Import data…")
        action.trigger()
        assert opened == [win.doc]
    finally:
        win.bridge.shutdown(2.0)
        win.doc.undo_stack.setClean()
        win.close()
