"""Text generation: a prompt, sampling settings, and what the language model writes after the
prompt with the current weights, shown the moment it arrives (the studio answers a new prompt
within a fraction of a second, even while training).
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontDatabase, QKeyEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QPlainTextEdit,
    QSpinBox,
    QTextEdit,
    QWidget,
)

from ...gui.panels.base import (
    FONT_PT,
    PANELS,
    Panel,
    font,
    row_layout,
    set_text,
    show_text,
    stack_layout,
    text_label,
)
from ...gui.panels.text_bits import WRITTEN, colours, push_button
from .snapshots import Generation

EXAMPLES_HINT = "Ready prompts…"
ANSWER_WAIT_S = 5.0  # after this long, stop waiting for the answer to a prompt


def mono_font(size: float = FONT_PT) -> QFont:
    f = QFontDatabase.systemFont(QFontDatabase.FixedFont)
    f.setPointSizeF(size)
    return f


class PromptBox(QPlainTextEdit):
    """A few lines of text; Enter sends it (``submitted``), Shift+Enter starts a new line."""

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (event.key() in (Qt.Key_Return, Qt.Key_Enter)
                and not event.modifiers() & Qt.ShiftModifier):
            self.submitted.emit()
            return
        super().keyPressEvent(event)


@PANELS.register
class GenerationPanel(Panel):
    """What a language model writes after a prompt: the prompt bold, the model's text in
    colour, with the sampling settings and how long the sampling took."""

    name = "generation"
    title = "Text generation"
    kinds = frozenset({"generation"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prompt = PromptBox()
        self.prompt.setFont(mono_font())
        self.prompt.setPlaceholderText("Write the start of a text and press Enter "
                                       "(Shift+Enter for a new line)")
        self.prompt.setTabChangesFocus(True)
        lines = self.prompt.fontMetrics().lineSpacing()
        self.prompt.setFixedHeight(3 * lines + 14)
        self.prompt.submitted.connect(self.send_prompt)
        self.write_button = push_button("Write", self.send_prompt,
                                        "Let the model continue this prompt (Enter)")
        self.again = push_button("Sample again", self.sample_again,
                                 "Draw another continuation of the same prompt")
        self.examples = QComboBox()
        self.examples.setToolTip("Prompts prepared for this data, e.g. a task with no "
                                 "worked example (zero-shot) and with a few (few-shot)")
        self.examples.activated.connect(self._on_example)
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.05, 5.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setDecimals(2)
        self.temperature.setValue(0.8)
        self.temperature.setToolTip("Low: the likeliest tokens, careful and repetitive. "
                                    "High: adventurous, more mistakes.")
        self.temperature.valueChanged.connect(self._on_temperature)
        self.top_k = QSpinBox()
        self.top_k.setRange(0, 100_000)
        self.top_k.setSpecialValueText("all")
        self.top_k.setToolTip("Sample only among the k likeliest tokens (all: no limit)")
        self.top_k.valueChanged.connect(self._on_top_k)
        for box in (self.temperature, self.top_k):
            box.setKeyboardTracking(False)  # typing "12" asks once, not for 1 then 12
        self.output = QTextEdit()
        self.output.setReadOnly(True)
        self.output.setFont(mono_font(FONT_PT + 1))
        self.output.setPlaceholderText("The model's text appears here once a run has started.")
        self.status = text_label(rich=False, selectable=True)
        self.note = text_label(rich=False, selectable=True)
        self.note.hide()
        for widget in (self.examples, self.temperature, self.top_k):
            widget.setFont(font())

        top = QGridLayout()
        top.addWidget(self.prompt, 0, 0, 2, 1)
        top.addWidget(self.write_button, 0, 1)
        top.addWidget(self.again, 1, 1)
        settings = row_layout(self.examples, 8, "Temperature", self.temperature,
                              "Top-k", self.top_k)
        stack_layout(self, top, settings, (self.output, 1), self.note, self.status, margin=4)

        self.seed = 0
        self.latest: Generation | None = None
        self._drawn: tuple | None = None
        self._examples: tuple = ()
        self._synced = False
        self._asked: tuple[str, float] | None = None
        self._answered = ""
        self._touched: set[str] = set()
        self._set_examples(())
        self.set_dark(False)
        self.reset()

    # --- what a person does ------------------------------------------------------------------

    def prompt_text(self) -> str:
        return self.prompt.toPlainText()

    def send_prompt(self) -> None:
        """Ask the model to continue the prompt in the box."""
        text = self.prompt_text()
        self.prompt.document().setModified(False)
        self._asked = (text, time.monotonic())
        self._answered = ""
        self._show_status()
        self.optionChanged.emit("prompt", text)

    def sample_again(self) -> None:
        """Ask for another continuation: a new sampling seed (and the prompt, if edited)."""
        if self.prompt.document().isModified():
            self.send_prompt()
        self.seed += 1
        self.optionChanged.emit("sample_seed", self.seed)

    def _on_example(self, index: int) -> None:
        if 1 <= index <= len(self._examples):
            self.prompt.setPlainText(self._examples[index - 1][1])
            self.prompt.moveCursor(QTextCursor.End)
            self.send_prompt()

    def _on_temperature(self, value: float) -> None:
        self._touched.add("temperature")
        self.optionChanged.emit("temperature", float(value))

    def _on_top_k(self, value: int) -> None:
        self._touched.add("top_k")
        self.optionChanged.emit("top_k", int(value))

    # --- the Panel contract ------------------------------------------------------------------

    def show_snapshot(self, snapshot: Generation) -> None:
        super().show_snapshot(snapshot)
        self.latest = snapshot
        if not self._synced:  # the run's own settings, until the person changes them
            self._synced = True
            for name, box, value in (("temperature", self.temperature, snapshot.temperature),
                                     ("top_k", self.top_k, snapshot.top_k)):
                if name in self._touched:  # set before the first sample came
                    continue
                box.blockSignals(True)
                box.setValue(value)
                box.blockSignals(False)
            if not self.prompt_text() and not self.prompt.hasFocus():
                self.prompt.setPlainText(snapshot.prompt)
                self.prompt.document().setModified(False)
        self._set_examples(tuple(snapshot.examples))
        self._check_answer(snapshot)
        self._draw_text(snapshot)
        show_text(self.note, snapshot.note)
        self._show_status()

    def reset(self) -> None:
        super().reset()
        self.latest = None
        self._drawn = None
        self._synced = False  # a new run: show its own settings again
        self._touched.clear()
        self._asked = None
        self._answered = ""
        self.output.clear()
        self.note.clear()
        self.note.hide()
        self.status.setText("Text generation — waiting for the first sample")

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        self.note.setStyleSheet(f"color: {colours(self.dark)['muted']};")
        if self.latest is not None:
            self._drawn = None
            self._draw_text(self.latest)

    # --- drawing -----------------------------------------------------------------------------

    def _draw_text(self, snap: Generation) -> None:
        key = (snap.prompt, snap.completion, self.dark)
        if key == self._drawn:
            return
        self._drawn = key
        bar = self.output.verticalScrollBar()
        scrolled = bar.value()
        document = self.output.document()
        document.clear()
        cursor = QTextCursor(document)
        prompt = QTextCharFormat()
        prompt.setFontWeight(QFont.Bold)
        prompt.setForeground(self.palette().text())
        written = QTextCharFormat()
        written.setForeground(QColor(WRITTEN[self.dark]))
        cursor.insertText(snap.prompt, prompt)  # plain text: nothing in it is markup
        if snap.completion:
            cursor.insertText(snap.completion, written)
        else:
            quiet = QTextCharFormat()
            quiet.setFontItalic(True)
            quiet.setForeground(QColor(colours(self.dark)["muted"]))
            cursor.insertText(("  " if snap.prompt else "") + "(the model wrote nothing)", quiet)
        bar.setValue(min(scrolled, bar.maximum()))

    def _show_status(self) -> None:
        snap = self.latest
        parts = []
        if snap is not None:
            k = snap.top_k if snap.top_k else "all"
            parts.append(f"Step {snap.step} · temperature {snap.temperature:g} · top-k {k} · "
                         f"{len(snap.completion)} characters written in "
                         f"{1000 * snap.seconds:.0f} ms")
        if self._asked is not None:
            parts.append("waiting for the answer to your prompt…")
        elif self._answered:
            parts.append(self._answered)
        text = " · ".join(parts) or "Text generation — waiting for the first sample"
        set_text(self.status, text)

    def _check_answer(self, snap: Generation) -> None:
        """Note how long the answer to the last prompt took, once it is here."""
        if self._asked is None:
            return
        text, asked_at = self._asked
        waited = time.monotonic() - asked_at
        if snap.prompt == text:
            self._answered = f"answered {1000 * waited:.0f} ms after you asked"
            self._asked = None
        elif waited > ANSWER_WAIT_S:
            self._asked = None

    def _set_examples(self, examples: tuple) -> None:
        if examples == self._examples and self.examples.count():
            return
        self._examples = examples
        self.examples.blockSignals(True)
        self.examples.clear()
        self.examples.addItem(EXAMPLES_HINT if examples else "No ready prompts")
        for name, prompt in examples:
            self.examples.addItem(str(name))
            self.examples.setItemData(self.examples.count() - 1, str(prompt), Qt.ToolTipRole)
        self.examples.setEnabled(bool(examples))
        self.examples.blockSignals(False)
