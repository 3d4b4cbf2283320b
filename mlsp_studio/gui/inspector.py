"""The inspector: the selected block's parameters and the run settings, as checked editors.

It reads the :class:`StudioDocument` and redraws from its signals; every change goes through an
undo command. The form is rebuilt only when the set of fields changes (another block, another
dataset or paradigm); otherwise values are updated in place, so a field being typed in keeps
its focus. A refused value leaves the project as it was and says why beside the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QPalette, QUndoCommand
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..errors import StudioError
from ..model.blocks import format_shape
from ..model.datasets import DATASET_SPECS, describe_split
from ..model.paradigms import PARADIGM_SPECS
from ..model.params import ParamSpec
from ..model.project import DEVICE, SEED
from .bridge import assert_gui_thread
from .commands import SetParamsCommand, SetSettingCommand
from .cost_view import CostSection, block_words
from .document import StudioDocument
from .param_editors import ERROR_COLOUR, RING, ChoiceEditor, ParamEditor, make_editor

NO_BLOCK_TEXT = "Click a block on the canvas to see and change its settings."
PAUSE_TEXT = "Pause to change settings"


def _font(widget: QWidget, points: float, bold: bool = False) -> QFont:
    font = QFont(widget.font())
    if font.pointSizeF() > 0:
        font.setPointSizeF(max(points, font.pointSizeF()))
    font.setBold(bold)
    return font


def _label(text: str = "", points: float = 11.0, bold: bool = False,
           wrap: bool = True) -> QLabel:
    label = QLabel(text)
    label.setFont(_font(label, points, bold))
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _current(spec: ParamSpec, raw: Any) -> tuple[Any, str]:
    """The value to show for ``raw`` and, when the project holds a bad one, why it is bad."""
    try:
        return spec.validate(raw), ""
    except StudioError as err:
        return spec.default, str(err)


class _Form(QWidget):
    """Rows of name · editor, rebuilt as a whole when its key (the set of fields) changes."""

    def __init__(self) -> None:
        super().__init__()
        self.key: Any = None
        self.editors: dict[str, ParamEditor] = {}
        self.layout_ = QFormLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setHorizontalSpacing(10)
        self.layout_.setVerticalSpacing(8)
        self.layout_.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.layout_.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

    def rebuild(self, key: Any, specs: list[ParamSpec],
                on_commit: Callable[[ParamSpec, ParamEditor, Any], None]) -> None:
        while self.layout_.rowCount():
            self.layout_.removeRow(0)  # deletes the row's widgets
        self.key = key
        self.editors = {}
        for spec in specs:
            self.add_row(spec.name, make_editor(spec), on_commit)

    def add_row(self, name: str, editor: ParamEditor,
                on_commit: Callable[[ParamSpec, ParamEditor, Any], None]) -> None:
        label = _label(name, wrap=False)
        label.setToolTip(editor.toolTip())
        label.setMinimumWidth(label.fontMetrics().horizontalAdvance("weight_decay") + 6)
        # line the name up with the middle of the field, not the middle of field + hint
        pad = max(0, (editor.field.sizeHint().height() - label.sizeHint().height()) // 2)
        label.setContentsMargins(0, pad + RING, 0, 0)
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        editor.committed.connect(lambda value, s=editor.spec, e=editor: on_commit(s, e, value))
        self.layout_.addRow(label, editor)
        self.editors[name] = editor

    def show_values(self, values: dict[str, Any], force: bool = False) -> None:
        """Put the project's values in the editors; leave alone those already showing them."""
        for name, editor in self.editors.items():
            value, problem = _current(editor.spec, values.get(name, editor.spec.default))
            if force or value != editor.value():
                editor.set_value(value)
            if problem:
                editor.show_error(problem)


def _heading(text: str) -> QLabel:
    """A section heading: small capitals in the palette's muted text colour."""
    label = _label(text, 11.0, bold=True, wrap=False)
    font = label.font()
    font.setCapitalization(QFont.Capitalization.AllUppercase)
    font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 108)
    label.setFont(font)
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def _rule() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


INSPECTOR_WIDTH = 330  # the dock's width in a new window; every form must fit in it


class Inspector(QWidget):
    """The selected block's settings and the run settings of the open project.

    ``showComputation()`` asks the window to show what the selected block computes."""

    showComputation = Signal()

    def __init__(self, doc: StudioDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.running = False
        scroll = self.scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        self.body = QVBoxLayout(body)
        self.body.setContentsMargins(12, 10, 12, 12)
        self.body.setSpacing(6)
        self._build_block_section()
        self.body.addSpacing(10)
        self.body.addWidget(_rule())
        self.body.addWidget(_heading("Network"))
        self.cost_section = CostSection(doc)
        self.cost_section.setFont(_font(self.cost_section, 11.0))
        self.body.addWidget(self.cost_section)
        self.body.addSpacing(10)
        self.body.addWidget(_rule())
        self._build_run_section()
        self.body.addStretch(1)

        doc.projectReplaced.connect(self._on_project_replaced)
        doc.settingsChanged.connect(self._on_settings_changed)
        doc.selectionChanged.connect(self._on_selection_changed)
        doc.graphChanged.connect(self._on_graph_changed)
        doc.checked.connect(self._on_checked)
        self.refresh(force=True)

    # -- layout ----------------------------------------------------------------------------
    def _build_block_section(self) -> None:
        self.body.addWidget(_heading("Block"))
        self.block_title = _label("", 14.0, bold=True)
        self.block_doc = _label()
        self.block_problems = _label()
        self.block_problems.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.block_facts = _label()
        self.math_link = _label("<a href='#'>Show what it computes</a>")
        self.math_link.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.math_link.linkActivated.connect(lambda _: self.showComputation.emit())
        self.block_form = _Form()
        for widget in (self.block_title, self.block_doc, self.block_problems, self.block_facts,
                       self.math_link):
            self.body.addWidget(widget)
        self.body.addSpacing(4)
        self.body.addWidget(self.block_form)

    def _build_run_section(self) -> None:
        self.run_heading = _heading("Run settings")
        self.run_note = _label(PAUSE_TEXT, 11.0)
        font = self.run_note.font()
        font.setItalic(True)
        self.run_note.setFont(font)
        self.run_note.setForegroundRole(QPalette.ColorRole.Highlight)
        self.run_note.hide()
        self.body.addWidget(self.run_heading)
        self.body.addWidget(self.run_note)
        self.run_body = QWidget()
        column = QVBoxLayout(self.run_body)
        column.setContentsMargins(0, 4, 0, 0)
        column.setSpacing(8)
        self.top_form = _Form()
        self.paradigm_label = _label()
        name = QLabel("paradigm")
        name.setFont(_font(name, 11.0))
        name.setMinimumWidth(name.fontMetrics().horizontalAdvance("weight_decay") + 6)
        self.top_form.layout_.addRow(name, self.paradigm_label)
        self.dataset_editor = ChoiceEditor(ParamSpec(
            "dataset", "choice", DATASET_SPECS.names()[0], choices=tuple(DATASET_SPECS.names()),
            doc="the examples the network learns from"))
        for index, spec in enumerate(DATASET_SPECS):
            self.dataset_editor.combo.setItemText(index, spec.title)
            self.dataset_editor.combo.setItemData(index, spec.doc, Qt.ItemDataRole.ToolTipRole)
        self.top_form.add_row("dataset", self.dataset_editor, self._commit_setting)
        self.options_title = _label("", 12.0, bold=True)
        self.dataset_doc = _label("", 10.0)
        self.dataset_doc.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.options_form = _Form()
        self.split_words = _label("", 10.0)  # the split in words: sizes and what is held out
        self._split_key: tuple[str, str] | None = None
        self.hparams_form = _Form()
        self.bottom_form = _Form()
        for spec in (SEED, DEVICE):
            self.bottom_form.add_row(spec.name, make_editor(spec), self._commit_setting)
        column.addWidget(self.top_form)
        column.addWidget(self.options_title)
        column.addWidget(self.dataset_doc)
        column.addWidget(self.options_form)
        column.addWidget(self.split_words)
        column.addWidget(_label("Training", 12.0, bold=True))
        column.addWidget(self.hparams_form)
        column.addWidget(_label("Seed and device", 12.0, bold=True))
        column.addWidget(self.bottom_form)
        self.body.addWidget(self.run_body)

    # -- public ----------------------------------------------------------------------------
    def set_running(self, running: bool) -> None:
        """While a run is going, the run settings are read-only and the header says why."""
        if bool(running) == getattr(self, "running", None):
            return  # unchanged: re-enabling every widget would repaint the whole form
        self.running = bool(running)
        self.run_body.setEnabled(not self.running)
        self.run_note.setVisible(self.running)

    def refresh(self, force: bool = False) -> None:
        self._show_block(force)
        self._show_settings(force)
        self._show_split()

    def editor(self, name: str) -> ParamEditor | None:
        """The editor of a block parameter or a run setting, named as ``apply_setting`` names
        it (``lr``, ``seed``, ``dataset.noise``); a block parameter comes first."""
        if name.startswith("dataset."):
            return self.options_form.editors.get(name.removeprefix("dataset."))
        for form in (self.block_form, self.top_form, self.hparams_form, self.bottom_form,
                     self.options_form):
            if name in form.editors:
                return form.editors[name]
        return None

    # -- document signals ------------------------------------------------------------------
    def _on_project_replaced(self) -> None:
        assert_gui_thread("Inspector._on_project_replaced")
        self.refresh(force=True)

    def _on_settings_changed(self) -> None:
        assert_gui_thread("Inspector._on_settings_changed")
        self._show_settings()

    def _on_selection_changed(self, node_id: int) -> None:
        assert_gui_thread("Inspector._on_selection_changed")
        self._show_block()

    def _on_graph_changed(self, slot: str) -> None:
        assert_gui_thread("Inspector._on_graph_changed")
        self._show_block()

    def _on_checked(self) -> None:
        assert_gui_thread("Inspector._on_checked")
        self._show_block_facts()
        self._show_split()

    def _show_split(self) -> None:
        """The split the data settings give, in words; read again only when they change."""
        project = self.doc.project
        key = (project.dataset, repr(sorted(project.dataset_options.items())))
        if key == self._split_key:
            return
        self._split_key = key
        try:
            words = describe_split(project.dataset, project.dataset_options)
        except StudioError:
            words = ""  # the check's problems say why
        self.split_words.setText(words)
        self.split_words.setVisible(bool(words))

    # -- block section ---------------------------------------------------------------------
    def _selected_node(self):
        return self.doc.graph.nodes.get(self.doc.selected)

    def _show_block(self, force: bool = False) -> None:
        node = self._selected_node()
        spec = None
        if node is not None:
            try:
                spec = self.doc.registry.get(node.type)
            except StudioError:
                spec = None
        key = None if node is None else (self.doc.slot, node.id, node.type)
        if key != self.block_form.key:
            specs = list(spec.params) if spec is not None else []
            node_id = None if node is None else node.id
            self.block_form.rebuild(
                key, specs, lambda s, e, v, n=node_id: self._commit_param(n, s, e, v))
            force = True
        self.block_form.setVisible(bool(self.block_form.editors))
        self.math_link.setVisible(node is not None)
        if node is None:
            self.block_title.setText("No block selected")
            self.block_doc.setText(NO_BLOCK_TEXT)
        else:
            self.block_title.setText(node.label)
            self.block_doc.setText(spec.doc if spec is not None else "")
            if spec is not None and not spec.params:
                self.block_doc.setText(f"{spec.doc}\n\nThis block has no settings.")
            self.block_form.show_values(node.params, force)
        self._show_block_facts()

    def _show_block_facts(self) -> None:
        node = self._selected_node()
        analysis = self.doc.analysis()
        problems = analysis.problems_for(node.id) if node and analysis else []
        self.block_problems.setText("\n".join(problems))
        self.block_problems.setVisible(bool(problems))
        facts = []
        if node is not None and analysis is not None:
            shape = analysis.shapes.get(node.id)
            if shape is not None:
                facts.append(f"Output shape {format_shape(shape)}")
            count = analysis.counts.get(node.id)
            if count is not None:
                facts.append(f"{count:,} learned parameter{'' if count == 1 else 's'}")
        cost = block_words(self.doc.block_cost(node.id)) if node is not None else ""
        text = "\n".join(part for part in ("  ·  ".join(facts), cost) if part)
        self.block_facts.setText(text)
        self.block_facts.setVisible(bool(text))

    def _commit_param(self, node_id: int | None, spec: ParamSpec, editor: ParamEditor,
                      value: Any) -> None:
        node = self.doc.graph.nodes.get(node_id) if node_id is not None else None
        if node is None:
            return
        if _current(spec, node.params.get(spec.name, spec.default)) == (value, ""):
            editor.clear_error()
            return
        params = dict(node.params)
        params[spec.name] = list(value) if isinstance(value, tuple) else value
        self._push(editor, lambda: SetParamsCommand(self.doc, node_id, params))

    # -- run settings section --------------------------------------------------------------
    def _show_settings(self, force: bool = False) -> None:
        project = self.doc.project
        try:
            paradigm = PARADIGM_SPECS.get(project.paradigm)
        except StudioError as err:
            paradigm = None
            self.paradigm_label.setText(str(err))
        if paradigm is not None:
            self.paradigm_label.setText(paradigm.title)
            self.paradigm_label.setToolTip(paradigm.doc)
        hspecs = list(paradigm.hparams) if paradigm is not None else []
        if project.paradigm != self.hparams_form.key:
            self.hparams_form.rebuild(project.paradigm, hspecs, self._commit_setting)
            force = True
        self.hparams_form.show_values(project.hparams, force)

        dataset = DATASET_SPECS.get(project.dataset) if project.dataset in DATASET_SPECS else None
        if project.dataset != self.options_form.key:
            ospecs = list(dataset.options) if dataset is not None else []
            self.options_form.rebuild(project.dataset, ospecs, self._commit_option)
            force = True
        self.options_form.show_values(project.dataset_options, force)
        self.options_form.setVisible(bool(self.options_form.editors))
        if dataset is not None:
            self.dataset_editor.combo.setToolTip(dataset.doc)
            self.dataset_doc.setText(dataset.doc)
            self.options_title.setText(f"Data: {dataset.title}")
            if force or self.dataset_editor.value() != dataset.name:
                self.dataset_editor.set_value(dataset.name)
        else:
            self.dataset_editor.show_error(f"There is no dataset called {project.dataset!r}.")
        self.bottom_form.show_values({"seed": project.seed, "device": project.device}, force)

    def _commit_option(self, spec: ParamSpec, editor: ParamEditor, value: Any) -> None:
        self._commit_setting(spec, editor, value, name=f"dataset.{spec.name}")

    def _commit_setting(self, spec: ParamSpec, editor: ParamEditor, value: Any,
                        name: str | None = None) -> None:
        name = name or spec.name
        if value == self._setting_value(name, spec):
            editor.clear_error()
            return
        self._push(editor, lambda: SetSettingCommand(self.doc, name, value))

    def _setting_value(self, name: str, spec: ParamSpec) -> Any:
        project = self.doc.project
        if name == "dataset":
            return project.dataset
        if name in ("seed", "device"):
            return getattr(project, name)
        if name.startswith("dataset."):
            raw = project.dataset_options.get(spec.name, spec.default)
        else:
            raw = project.hparams.get(name, spec.default)
        return _current(spec, raw)[0]

    def _push(self, editor: ParamEditor, make: Callable[[], QUndoCommand]) -> None:
        """Push the command ``make`` builds, or show the sentence that refuses it.

        The commands check the change in their constructor, so a refusal leaves the project
        and the undo stack untouched.
        """
        try:
            command = make()
            self.doc.undo_stack.push(command)
        except StudioError as err:
            editor.show_error(str(err))
            return
        editor.clear_error()
