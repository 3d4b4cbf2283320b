"""The inspector and its editors: refused values change nothing, valid ones are undoable."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from mlsp_studio.gui.commands import SetSettingCommand  # noqa: E402
from mlsp_studio.gui.document import StudioDocument  # noqa: E402
from mlsp_studio.gui.inspector import INSPECTOR_WIDTH, PAUSE_TEXT, Inspector  # noqa: E402
from mlsp_studio.gui.param_editors import (  # noqa: E402
    ChoiceEditor,
    FloatEditor,
    IntEditor,
    make_editor,
)
from mlsp_studio.gui.theme import (  # noqa: E402
    CATEGORY_COLOURS,
    apply_theme,
    category_colour,
    plot_colours,
)
from mlsp_studio.model.blocks import CATEGORIES  # noqa: E402
from mlsp_studio.model.catalog import BLOCKS  # noqa: E402
from mlsp_studio.model.datasets import DATASET_SPECS  # noqa: E402
from mlsp_studio.model.graph import Graph  # noqa: E402
from mlsp_studio.model.paradigms import PARADIGM_SPECS  # noqa: E402
from mlsp_studio.model.params import ParamSpec  # noqa: E402
from mlsp_studio.model.presets import list_presets, load_preset  # noqa: E402
from mlsp_studio.model.project import DEVICE, SEED, Project  # noqa: E402


def _project() -> Project:
    graph = Graph.chain(["Input", ("Dense", {"units": 8}), "ReLU", "ClassifierHead"])
    return Project(name="t", paradigm="supervised", dataset="spiral", slots={"model": graph})


@pytest.fixture
def doc(qtbot):
    return StudioDocument(_project())


@pytest.fixture
def inspector(qtbot, doc):
    widget = Inspector(doc)
    qtbot.addWidget(widget)
    widget.resize(380, 900)
    widget.show()
    return widget


def _dense(doc) -> int:
    return next(n.id for n in doc.graph.nodes.values() if n.type == "Dense")


def _every_spec() -> list:
    return list(_specs())


def _specs():
    for block in BLOCKS:
        for spec in block.params:
            yield pytest.param(spec, id=f"{block.type}.{spec.name}")
    for paradigm in PARADIGM_SPECS:
        for spec in paradigm.hparams:
            yield pytest.param(spec, id=f"{paradigm.name}.{spec.name}")
    for dataset in DATASET_SPECS:
        for spec in dataset.options:
            yield pytest.param(spec, id=f"{dataset.name}.{spec.name}")
    yield pytest.param(SEED, id="seed")
    yield pytest.param(DEVICE, id="device")


# -- editors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", _every_spec())
def test_every_spec_gets_an_editor_that_holds_its_default(qtbot, spec):
    editor = make_editor(spec)
    qtbot.addWidget(editor)
    editor.set_value(spec.default)
    assert editor.value() == spec.validate(spec.default)
    assert spec.range_text() in editor.toolTip()
    assert editor.field.font().pointSizeF() >= 10


@pytest.mark.parametrize("spec, value", [
    (ParamSpec("units", "int", 64, 1, 65536), 4096),
    (ParamSpec("huge", "int", 0, None, None), 2**31 - 1),
    (ParamSpec("lr", "float", 0.01, 1e-6, 10.0), 1e-4),
    (ParamSpec("bias", "bool", True), False),
    (ParamSpec("optimizer", "choice", "adam", choices=("sgd", "adam", "adamw")), "sgd"),
    (ParamSpec("kernel", "ints", (3, 3), 1, 63, length=2), (5, 1)),
    (ParamSpec("path", "str", ""), "data/my file.csv"),
])
def test_editors_round_trip_values_without_emitting(qtbot, spec, value):
    editor = make_editor(spec)
    qtbot.addWidget(editor)
    seen = []
    editor.committed.connect(seen.append)
    editor.set_value(value)
    assert editor.value() == value
    assert seen == []


@pytest.mark.parametrize("spec, text, expected", [
    (ParamSpec("units", "int", 64, 1, 65536), "128", 128),
    (ParamSpec("lr", "float", 0.01, 1e-6, 10.0), "1e-3", 1e-3),
    (ParamSpec("bias", "bool", True), "false", False),
    (ParamSpec("optimizer", "choice", "adam", choices=("sgd", "adam")), "sgd", "sgd"),
    (ParamSpec("kernel", "ints", (3, 3), 1, 63, length=2), "5, 1", (5, 1)),
    (ParamSpec("path", "str", ""), "a.csv", "a.csv"),
])
def test_typed_values_commit_once(qtbot, spec, text, expected):
    editor = make_editor(spec)
    qtbot.addWidget(editor)
    seen = []
    editor.committed.connect(seen.append)
    assert editor.commit_text(text)
    assert seen == [expected]
    assert editor.value() == expected
    assert editor.error_text() == ""


@pytest.mark.parametrize("spec, text", [
    (ParamSpec("units", "int", 64, 1, 65536), "0"),
    (ParamSpec("lr", "float", 0.01, 1e-6, 10.0), "50"),
    (ParamSpec("lr", "float", 0.01, 1e-6, 10.0), "abc"),
    (ParamSpec("lr", "float", 0.01, 1e-6, 10.0), "nan"),
    (ParamSpec("kernel", "ints", (3, 3), 1, 63, length=2), "3"),
    (ParamSpec("kernel", "ints", (3, 3), 1, 63, length=2), "3, x"),
])
def test_editor_refuses_with_a_sentence_and_keeps_its_value(qtbot, spec, text):
    editor = make_editor(spec)
    qtbot.addWidget(editor)
    seen = []
    editor.committed.connect(seen.append)
    assert not editor.commit_text(text)
    assert seen == []
    assert editor.value() == spec.default
    assert spec.name in editor.error_text() and spec.range_text() in editor.error_text()
    assert editor.is_refused() and editor.holder.autoFillBackground()
    editor.set_value(spec.default)
    assert editor.error_text() == "" and not editor.is_refused()
    assert not editor.holder.autoFillBackground()


def test_float_editor_commits_on_enter(qtbot):
    editor = make_editor(ParamSpec("lr", "float", 0.01, 1e-6, 10.0))
    qtbot.addWidget(editor)
    assert isinstance(editor, FloatEditor)
    editor.show()
    editor.line.clear()
    with qtbot.waitSignal(editor.committed) as blocker:
        qtbot.keyClicks(editor.line, "2e-2")
        qtbot.keyClick(editor.line, Qt.Key.Key_Return)
    assert blocker.args == [0.02]


def test_spin_arrows_stop_at_the_range_and_typing_out_of_range_is_explained(qtbot):
    spec = ParamSpec("classes", "int", 3, 2, 6)
    editor = make_editor(spec)
    qtbot.addWidget(editor)
    assert isinstance(editor, IntEditor)
    seen = []
    editor.committed.connect(seen.append)
    editor.spin.stepBy(10)
    assert editor.value() == 6 and seen == [6]
    editor.spin.stepBy(1)
    assert seen == [6]
    assert not editor.commit_text("1")
    assert "classes must be 2 to 6" in editor.error_text()
    assert editor.value() == 6


def test_huge_int_range_is_clamped_for_the_spin_box(qtbot):
    editor = make_editor(ParamSpec("big", "int", 5, -10**12, 10**12))
    qtbot.addWidget(editor)
    assert editor.spin.hi == 2**31 - 1 and editor.spin.lo == -(2**31 - 1)


# -- inspector: block section -------------------------------------------------------------------

def test_selecting_a_block_shows_its_params(inspector, doc):
    assert "No block" in inspector.block_title.text()
    assert inspector.editor("units") is None
    doc.select(_dense(doc))
    assert inspector.block_title.text() == f"Dense {_dense(doc)}"
    assert inspector.block_doc.text()
    assert inspector.editor("units").value() == 8
    assert inspector.editor("bias").value() is True
    assert "parameter" in inspector.block_facts.text()


def test_valid_param_edit_pushes_one_command_and_undo_restores(inspector, doc):
    node_id = _dense(doc)
    doc.select(node_id)
    editor = inspector.editor("units")
    assert editor.commit_text("32")
    assert doc.undo_stack.count() == 1
    assert doc.graph.nodes[node_id].params == {"units": 32}
    assert editor is inspector.editor("units"), "an edit must not rebuild the form"
    doc.undo_stack.undo()
    assert doc.graph.nodes[node_id].params == {"units": 8}
    assert inspector.editor("units").value() == 8


def test_typing_into_the_spin_box_and_enter_commits(inspector, doc):
    node_id = _dense(doc)
    doc.select(node_id)
    spin = inspector.editor("units").spin
    spin.selectAll()
    QTest.keyClicks(spin, "0")
    QTest.keyClick(spin, Qt.Key.Key_Return)
    assert doc.undo_stack.count() == 0
    assert "units must be 1 to 65536" in inspector.editor("units").error_text()
    spin.selectAll()
    QTest.keyClicks(spin, "24")
    QTest.keyClick(spin, Qt.Key.Key_Return)
    assert doc.graph.nodes[node_id].params == {"units": 24}
    assert doc.undo_stack.count() == 1
    assert inspector.editor("units").error_text() == ""


@pytest.mark.parametrize("text", ["0", "70000", "-1"])
def test_out_of_range_param_is_refused(inspector, doc, text):
    node_id = _dense(doc)
    doc.select(node_id)
    before = doc.project.to_json()
    editor = inspector.editor("units")
    assert not editor.commit_text(text)
    assert doc.undo_stack.count() == 0
    assert doc.project.to_json() == before
    assert "units must be 1 to 65536" in editor.error_text()
    assert editor.error.isVisible()


def test_block_problems_are_shown_in_red(inspector, doc):
    graph = Graph.chain(["Input", ("Conv2d", {"out_channels": 4}), "ClassifierHead"])
    doc.replace_project(Project("t", "supervised", "spiral", {"model": graph}))
    conv = next(n.id for n in doc.graph.nodes.values() if n.type == "Conv2d")
    doc.select(conv)
    assert inspector.block_problems.isVisible()
    assert inspector.block_problems.text() == "\n".join(doc.analysis().problems_for(conv))


# -- inspector: run settings ---------------------------------------------------------------------

@pytest.mark.parametrize("name, text, sentence", [
    ("lr", "50", "lr must be 1e-06 to 10"),
    ("lr", "abc", "lr must be"),
    ("batch_size", "-1", "batch_size must be 1 to 65536"),
    ("noise", "2", "noise must be 0 to 0.5"),
])
def test_out_of_range_setting_is_refused(inspector, doc, name, text, sentence):
    before = doc.project.to_json()
    editor = inspector.editor(name)
    assert not editor.commit_text(text)
    assert sentence in editor.error_text()
    assert editor.error.isVisible()
    assert doc.undo_stack.count() == 0
    assert doc.project.to_json() == before


def test_valid_setting_pushes_one_command_and_undo_restores(inspector, doc):
    assert inspector.editor("lr").commit_text("1e-3")
    assert doc.project.hparams == {"lr": 1e-3}
    assert doc.undo_stack.count() == 1
    assert inspector.editor("optimizer").commit_text("sgd")
    assert inspector.editor("seed").commit_text("7")
    assert inspector.editor("noise").commit_text("0.2")
    assert doc.project.seed == 7 and doc.project.dataset_options == {"noise": 0.2}
    assert doc.undo_stack.count() == 4
    for _ in range(4):
        doc.undo_stack.undo()
    assert doc.project.hparams == {} and doc.project.seed == 0
    assert doc.project.dataset_options == {}
    assert inspector.editor("lr").value() == 0.01
    assert inspector.editor("noise").value() == 0.05


def test_the_data_seed_is_not_the_run_seed(inspector, doc):
    options_seed = inspector.editor("dataset.data_seed")
    assert options_seed.commit_text("5")
    assert doc.project.dataset_options == {"data_seed": 5} and doc.project.seed == 0
    assert inspector.editor("dataset.seed") is None


def test_same_value_pushes_nothing(inspector, doc):
    assert inspector.editor("lr").commit_text("0.01")
    assert doc.undo_stack.count() == 0


def test_changing_the_dataset_changes_the_option_editors(inspector, doc):
    assert "classes" in inspector.options_form.editors
    combo = inspector.dataset_editor
    assert isinstance(combo, ChoiceEditor)
    assert combo.combo.currentText() == "Spiral"
    combo.combo.setCurrentIndex(DATASET_SPECS.names().index("digits"))
    assert doc.project.dataset == "digits"
    assert doc.undo_stack.count() == 1
    assert set(inspector.options_form.editors) == set(DATASET_SPECS.get("digits").options.names())
    assert "Digits 8x8" in inspector.options_title.text()
    doc.undo_stack.undo()
    assert doc.project.dataset == "spiral"
    assert combo.combo.currentText() == "Spiral"
    assert "noise" in inspector.options_form.editors


def test_every_paradigm_setting_has_an_editor(inspector, doc):
    for spec in PARADIGM_SPECS.get(doc.project.paradigm).hparams:
        assert inspector.editor(spec.name).value() == spec.default
    assert inspector.paradigm_label.text() == PARADIGM_SPECS.get("supervised").title


def test_settings_update_in_place_without_rebuilding(inspector, doc):
    lr = inspector.editor("lr")
    doc.undo_stack.push(SetSettingCommand(doc, "lr", 0.5))
    assert inspector.editor("lr") is lr and lr.value() == 0.5


def test_set_running_disables_the_run_settings(inspector):
    inspector.set_running(True)
    assert not inspector.run_body.isEnabled()
    assert not inspector.editor("lr").isEnabled()
    assert inspector.run_note.isVisible() and inspector.run_note.text() == PAUSE_TEXT
    assert inspector.run_note.isEnabled()
    inspector.set_running(False)
    assert inspector.editor("lr").isEnabled() and not inspector.run_note.isVisible()


def test_preset_opens_with_a_conv_block(qtbot):
    doc = StudioDocument(load_preset("digits-cnn"))
    inspector = Inspector(doc)
    qtbot.addWidget(inspector)
    conv = next(n.id for n in doc.graph.nodes.values() if n.type == "Conv2d")
    doc.select(conv)
    assert inspector.editor("out_channels").value() == 16
    assert inspector.block_problems.isHidden()


# -- theme -------------------------------------------------------------------------------------

@pytest.mark.parametrize("dark", [False, True])
def test_theme_covers_every_category(qtbot, dark):
    app = QApplication.instance()
    apply_theme(app, dark)
    try:
        assert app.style().name().lower() == "fusion"
        window = app.palette().color(app.palette().ColorRole.Window)
        assert (window.lightness() < 128) == dark
        for category in CATEGORIES:
            assert category in CATEGORY_COLOURS
            assert category_colour(category, dark).startswith("#")
        assert set(plot_colours(dark)) >= {"background", "foreground", "grid"}
    finally:
        apply_theme(app, False)


def test_every_preset_and_block_fits_the_inspector_without_clipping(qtbot) -> None:
    """Long choices (dataset titles) or long setting names must not push a form wider than
    the dock a new window gives the inspector: its horizontal scroll bar is off, so the
    right edge would be cut away."""
    doc = StudioDocument(load_preset("spiral"))
    widget = Inspector(doc)
    qtbot.addWidget(widget)
    room = INSPECTOR_WIDTH - widget.scroll.verticalScrollBar().sizeHint().width()
    too_wide = []
    for info in list_presets():
        doc.replace_project(load_preset(info.name))
        for slot in doc.project.slots:
            doc.set_slot(slot)
            for node_id in [-1, *doc.graph.nodes]:
                doc.select(node_id)
                width = widget.scroll.widget().minimumSizeHint().width()
                if width > room:
                    too_wide.append(f"{info.name} {slot} {node_id}: {width}")
    assert not too_wide, too_wide
