"""The inspector says the data's split in words under the data settings, and follows them."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from mlsp_studio.gui.document import StudioDocument  # noqa: E402
from mlsp_studio.gui.inspector import Inspector  # noqa: E402
from mlsp_studio.model.graph import Graph  # noqa: E402
from mlsp_studio.model.project import Project  # noqa: E402


def _csv(path: Path) -> str:
    rows = ["a,b,label"] + [f"{i},{i % 7},{'yes' if i % 3 else 'no'}" for i in range(50)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def test_the_split_in_words_follows_the_data_settings(qtbot, tmp_path: Path) -> None:
    graph = Graph.chain(["Input", ("Dense", {"units": 8}), "ClassifierHead"])
    doc = StudioDocument(Project(name="t", paradigm="supervised", dataset="spiral",
                                 slots={"model": graph}))
    inspector = Inspector(doc)
    qtbot.addWidget(inspector)
    assert inspector.split_words.text() == "random split: validation 20% · test 20%"
    doc.set_setting("dataset", "csv")
    doc.set_setting("dataset.path", _csv(tmp_path / "t.csv"))
    assert inspector.split_words.text() == \
        "train 30 · validation 10 · test 10 (random split)"
    doc.set_setting("dataset.split", "range")
    doc.set_setting("dataset.test_range", "40-49")
    assert inspector.split_words.text() == \
        "train 30 · validation 10 · test 10 (position 40–49 held out)"
    doc.set_setting("dataset.test_range", "0-49")  # nothing left to train on: the check says so
    assert inspector.split_words.text() == "" and not doc.check.ok
    assert any("no examples to train on" in e for e in doc.check.errors)
