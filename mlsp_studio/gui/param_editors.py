"""One editor widget per parameter kind, each checking its value against its ParamSpec.

An editor shows the valid range under the field and in its tooltip. When the person finishes
an edit (Enter, leaving the field, a spin arrow, a tick, a new choice) it checks the value with
``ParamSpec.validate``: a refused value turns the field red with the reason under it and is not
committed; an accepted one is sent as ``committed(value)``. ``set_value`` never emits.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QPalette, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..errors import ParamError
from ..model.params import ParamSpec

INT_LIMIT = 2**31 - 1  # QSpinBox holds a C int
FIELD_POINT_SIZE = 11.0
HINT_POINT_SIZE = 10.0
ERROR_COLOUR = "#d32f2f"
HINT_KINDS = ("int", "float", "ints")
RING = 2  # pixels of red around a refused field


def _at_least(font: QFont, points: float) -> QFont:
    """A copy of ``font`` no smaller than ``points``, so fields stay readable on a projector."""
    font = QFont(font)
    if 0 < font.pointSizeF() < points:
        font.setPointSizeF(points)
    return font


def tooltip_text(spec: ParamSpec) -> str:
    """The parameter's description and its valid values, for a tooltip."""
    lines = [spec.doc] if spec.doc else []
    lines.append(f"Valid: {spec.range_text()}")
    lines.append(f"Default: {format_value(spec, spec.default)}")
    return "\n".join(lines)


def _hint_text(spec: ParamSpec) -> str:
    text = spec.range_text()
    if spec.kind == "ints" and spec.min_length == 0 and spec.length is None:
        text += ", or empty"
    return text


def format_value(spec: ParamSpec, value: Any) -> str:
    """A value as the person would type it: ``0.001``, ``3, 3``, ``true``."""
    if spec.kind == "ints":
        return ", ".join(str(int(v)) for v in value)
    if spec.kind == "float":
        number = float(value)
        return repr(number) if math.isfinite(number) else str(number)
    if spec.kind == "bool":
        return "true" if value else "false"
    return str(value)


class ParamEditor(QWidget):
    """A field for one parameter, its range hint and the sentence of a refused value.

    ``committed(value)`` carries the validated value; ``value()`` is the last value set or
    committed, so a refused entry never leaks out of the editor.
    """

    committed = Signal(object)

    def __init__(self, spec: ParamSpec, field: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.field = field
        self._value: Any = spec.default
        self._updating = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        field.setFont(_at_least(self.font(), FIELD_POINT_SIZE))
        field.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        # a refused value is ringed in red by filling this holder, not by a style sheet, which
        # would make Fusion draw spin boxes and combo boxes in a plainer way
        self.holder = QWidget(self)
        ring = QHBoxLayout(self.holder)
        ring.setContentsMargins(RING, RING, RING, RING)
        ring.addWidget(field)
        layout.addWidget(self.holder)
        small = QFont(self.font())
        if small.pointSizeF() > 0:
            small.setPointSizeF(max(HINT_POINT_SIZE, small.pointSizeF() - 1))
        self.hint = QLabel(_hint_text(spec), self)
        self.hint.setFont(small)
        self.hint.setWordWrap(True)
        self.hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # grey in both looks
        self.hint.setVisible(spec.kind in HINT_KINDS)
        self.hint.setContentsMargins(RING, 0, RING, 0)
        layout.addWidget(self.hint)
        self.error = QLabel(self)
        self.error.setFont(small)
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.setContentsMargins(RING, 0, RING, 0)
        self.error.hide()
        layout.addWidget(self.error)
        tip = tooltip_text(spec)
        for widget in (self, field, self.hint):
            widget.setToolTip(tip)

    # -- public --------------------------------------------------------------------------
    def value(self) -> Any:
        return self._value

    def set_value(self, value: Any) -> None:
        """Show ``value`` (checked against the spec) without emitting ``committed``."""
        value = self.spec.validate(value)
        self._value = value
        self._updating = True
        try:
            self._show(value)
        finally:
            self._updating = False
        self.clear_error()

    def show_error(self, message: str) -> None:
        """Mark the field red and say why the value was refused."""
        self.error.setText(message)
        self.error.show()
        palette = self.holder.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(ERROR_COLOUR))
        self.holder.setPalette(palette)
        self.holder.setAutoFillBackground(True)

    def clear_error(self) -> None:
        if self.is_refused():
            self.error.clear()
            self.error.hide()
            self.holder.setAutoFillBackground(False)

    def is_refused(self) -> bool:
        """Whether the field shows a refused value (red ring and a sentence)."""
        return not self.error.isHidden()

    def error_text(self) -> str:
        return self.error.text() if self.is_refused() else ""

    def commit_text(self, text: str) -> bool:
        """Put ``text`` in the field and commit it as the person would; True if accepted."""
        raise NotImplementedError

    # -- for subclasses ------------------------------------------------------------------
    def _show(self, value: Any) -> None:
        raise NotImplementedError

    def _commit(self, raw: Any) -> bool:
        """Validate what the person entered; emit it, or show why it is refused."""
        if self._updating:
            return False
        try:
            value = self.spec.validate(raw)
        except ParamError as err:
            self.show_error(str(err))
            return False
        self.clear_error()
        self._value = value
        self.committed.emit(value)
        return True


class _WheelWhenFocused:
    """The mouse wheel scrolls the inspector, not the value, unless the field has focus."""

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class _BoundedSpinBox(_WheelWhenFocused, QSpinBox):
    """Typing accepts any whole number (so the editor can explain a refusal); the arrows stop
    at the parameter's own range. The wheel scrolls the inspector unless the box has focus."""

    def __init__(self, lo: int, hi: int) -> None:
        super().__init__()
        self.lo, self.hi = lo, hi
        self.setRange(-INT_LIMIT, INT_LIMIT)
        self.setKeyboardTracking(False)
        self.setAccelerated(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)


    def stepBy(self, steps: int) -> None:
        target = min(max(self.value() + steps, self.lo), self.hi)
        if target != self.value():
            self.setValue(target)

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        flags = QAbstractSpinBox.StepEnabledFlag.StepNone
        if self.value() < self.hi:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        if self.value() > self.lo:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        return flags


class IntEditor(ParamEditor):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        lo = -INT_LIMIT if spec.minimum is None else max(-INT_LIMIT, math.ceil(spec.minimum))
        hi = INT_LIMIT if spec.maximum is None else min(INT_LIMIT, math.floor(spec.maximum))
        self.spin = _BoundedSpinBox(lo, hi)
        super().__init__(spec, self.spin, parent)
        self.spin.valueChanged.connect(self._commit)

    def _show(self, value: Any) -> None:
        self.spin.setValue(max(-INT_LIMIT, min(INT_LIMIT, int(value))))

    def commit_text(self, text: str) -> bool:
        before = self.spin.value()
        self.spin.lineEdit().setText(text)
        self.spin.interpretText()
        if self.spin.value() == before:  # valueChanged did not fire: check it here
            return self._commit(self.spin.value())
        return not self.error_text()


class _TextEditor(ParamEditor):
    """A line edit whose text is parsed by the spec (float, ints, str)."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        self.line = QLineEdit()
        super().__init__(spec, self.line, parent)
        self.line.editingFinished.connect(self._on_edited)
        if spec.kind == "ints" and spec.length:
            self.line.setPlaceholderText("e.g. " + ", ".join(["3"] * spec.length))
        elif spec.kind == "ints":
            self.line.setPlaceholderText("e.g. 1, 7")
        elif spec.kind == "float":
            self.line.setPlaceholderText("e.g. 0.001 or 1e-3")

    def _on_edited(self) -> None:
        self._commit(self.line.text().strip())

    def _show(self, value: Any) -> None:
        self.line.setText(format_value(self.spec, value))
        self.line.setCursorPosition(0)

    def commit_text(self, text: str) -> bool:
        self.line.setText(text)
        return self._commit(text.strip())


class FloatEditor(_TextEditor):
    pass


class IntsEditor(_TextEditor):
    pass


class StrEditor(_TextEditor):
    pass


class BoolEditor(ParamEditor):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        self.box = QCheckBox()
        super().__init__(spec, self.box, parent)
        self.box.toggled.connect(self._commit)

    def _show(self, value: Any) -> None:
        self.box.setChecked(bool(value))

    def commit_text(self, text: str) -> bool:
        try:
            value = self.spec.validate(text)
        except ParamError as err:
            self.show_error(str(err))
            return False
        if value == self.box.isChecked():
            return self._commit(value)
        self.box.setChecked(value)
        return True


class _ComboBox(_WheelWhenFocused, QComboBox):
    """A combo box that lets the wheel scroll the inspector unless it has focus."""

    def __init__(self) -> None:
        super().__init__()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # the inspector stays narrow however long a choice is; the open list shows it whole
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(8)


class ChoiceEditor(ParamEditor):
    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        self.combo = _ComboBox()
        for choice in spec.choices:
            self.combo.addItem(str(choice), choice)
        super().__init__(spec, self.combo, parent)
        self.combo.currentIndexChanged.connect(self._on_index)

    def _on_index(self, index: int) -> None:
        if index >= 0:
            self._commit(self.spec.choices[index])

    def _show(self, value: Any) -> None:
        self.combo.setCurrentIndex(list(self.spec.choices).index(value))

    def commit_text(self, text: str) -> bool:
        index = self.combo.findText(text)
        if index < 0:
            return self._commit(text)
        if index == self.combo.currentIndex():
            return self._commit(self.spec.choices[index])
        self.combo.setCurrentIndex(index)
        return True


EDITORS: dict[str, type[ParamEditor]] = {
    "int": IntEditor,
    "float": FloatEditor,
    "bool": BoolEditor,
    "choice": ChoiceEditor,
    "ints": IntsEditor,
    "str": StrEditor,
}


def make_editor(spec: ParamSpec, parent: QWidget | None = None) -> ParamEditor:
    """The editor for ``spec``'s kind, showing the spec's default."""
    editor = EDITORS[spec.kind](spec, parent)
    editor.set_value(spec.default)
    return editor
