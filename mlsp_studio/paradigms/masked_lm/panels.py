"""Fill in the blank: a sentence with blanks, the masked language model's best guess in each
blank, and for each blank its likeliest tokens with their probabilities as bars.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ...gui.panels.base import (
    FONT_PT,
    PANELS,
    Panel,
    row_layout,
    set_text,
    show_text,
    stack_layout,
    text_label,
)
from ...gui.panels.text_bits import (
    BLANK,
    RIGHT,
    WRONG,
    BarList,
    colours,
    escape,
    line_box,
    offer_text,
    push_button,
    visible_token,
)
from .snapshots import FillMask

HIDDEN = {"<pad>", "<cls>", "<bos>", "<eos>"}
SIGNS = {"␣": " ", "⏎": " ", "↵": " "}  # how runs show blanks in token labels
MAX_GUESSES = 8


def is_char_level(tokens: tuple[str, ...], masked: tuple[int, ...]) -> bool:
    """Whether the sentence is written a character a token (joined without spaces)."""
    words = [t for i, t in enumerate(tokens) if i not in masked and t not in HIDDEN]
    return bool(words) and all(len(t) <= 1 for t in words)


def sentence_text(snap: FillMask) -> str:
    """The sentence as a person would write it, blanks as ``[MASK]`` (``_`` for characters)."""
    tokens = tuple(str(t) for t in snap.tokens)
    chars = is_char_level(tokens, snap.masked)
    shown = [("_" if chars else "[MASK]") if i in snap.masked else
             SIGNS.get(t, t) if chars else t for i, t in enumerate(tokens) if t not in HIDDEN]
    return ("" if chars else " ").join(shown)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class BlankCard(QWidget):
    """One blank: a heading (its number and the hidden truth) and its likeliest tokens."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = text_label(bold=True, rich=False)
        self.bars = BarList()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 6)
        layout.setSpacing(2)
        layout.addWidget(self.heading)
        layout.addWidget(self.bars)

    def show_blank(self, k: int, guesses: tuple, truth: str) -> None:
        words = [str(t) for t, _ in guesses]
        heading = f"Blank {k + 1}"
        if truth:
            heading += f": “{visible_token(truth)}”"
            if words and words[0] == truth:
                heading += " — best guess ✓"
            elif truth in words:
                heading += f" — {ordinal(words.index(truth) + 1)} guess"
            elif words:
                heading += f" — not in the top {len(words)}"
        if not words:
            heading += " — no guesses"
        set_text(self.heading, heading)
        rows = []
        for token, p in list(guesses)[:MAX_GUESSES]:
            p = float(p)
            value = "?" if p != p else f"{p:.0%}" if p >= 0.01 else f"{p:.1%}"
            rows.append((visible_token(token), p, value, bool(truth) and str(token) == truth))
        self.bars.set_rows(rows)


@PANELS.register
class FillMaskPanel(Panel):
    """A masked language model's guesses for the blanks of a sentence a person writes."""

    name = "fill_mask"
    title = "Fill in the blank"
    kinds = frozenset({"fill_mask"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = line_box("the cat sat on the [MASK] .",
                            "Write a sentence with blanks as [MASK] or _, then press Enter",
                            self.send_text)
        self.button = push_button("Fill in", self.send_text)
        self.hint = text_label(FONT_PT - 1, rich=False, text="Write blanks as [MASK] or _")
        self.sentence = text_label(FONT_PT + 3, rich=True, selectable=True)
        self.note = text_label(FONT_PT - 1, rich=False)
        self.status = text_label(FONT_PT - 1, rich=False)
        self.note.hide()
        self.cards_widget = QWidget()
        self.cards_layout = QGridLayout(self.cards_widget)
        self.cards_layout.setContentsMargins(0, 0, 0, 0)
        self.cards_layout.setHorizontalSpacing(16)
        self.cards: list[BlankCard] = []
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        inner = QWidget()
        stack_layout(inner, self.cards_widget, margin=0, stretch=True)
        scroll.setWidget(inner)
        bar = row_layout("Sentence", (self.box, 1), self.button, stretch=False)
        stack_layout(self, bar, self.hint, self.sentence, (scroll, 1), self.note, self.status,
                     margin=4)
        self.latest: FillMask | None = None
        self._synced = False
        self.set_dark(False)
        self.reset()

    def send_text(self) -> None:
        """Ask the model to fill the blanks of the sentence in the box."""
        self.box.setModified(False)
        self.optionChanged.emit("mask_text", self.box.text())

    # --- the Panel contract ------------------------------------------------------------------

    def show_snapshot(self, snapshot: FillMask) -> None:
        super().show_snapshot(snapshot)
        self.latest = snapshot
        if not self._synced:
            self._synced = True
            offer_text(self.box, sentence_text(snapshot))
        self._draw(snapshot)

    def reset(self) -> None:
        super().reset()
        self.latest = None
        self._synced = False
        self._set_cards(0)
        self.sentence.setText("")
        self.note.clear()
        self.note.hide()
        self.status.setText("Fill in the blank — waiting for the first guesses")

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        muted = f"color: {colours(self.dark)['muted']};"
        self.hint.setStyleSheet(muted)
        self.note.setStyleSheet(muted)
        for card in self.cards:
            card.bars.set_dark(self.dark)
        if self.latest is not None:
            self._draw(self.latest)

    # --- drawing -----------------------------------------------------------------------------

    def _draw(self, snap: FillMask) -> None:
        blanks = len(snap.masked)
        self._set_cards(blanks)
        for k, card in enumerate(self.cards):
            guesses = snap.predictions[k] if k < len(snap.predictions) else ()
            truth = str(snap.truth[k]) if k < len(snap.truth) else ""
            card.show_blank(k, guesses, truth)
        html = self._sentence_html(snap)
        set_text(self.sentence, html)
        show_text(self.note, snap.note)
        status = f"Step {snap.step} · " + (
            f"{blanks} blank{'s' if blanks != 1 else ''}: the best guess is shown in each, "
            "the likeliest tokens below" if blanks else
            "no blank in this sentence: write one as [MASK] or _")
        if not snap.tokens:
            status = f"Step {snap.step} · no sentence to fill in yet"
        set_text(self.status, status)

    def _sentence_html(self, snap: FillMask) -> str:
        tokens = tuple(str(t) for t in snap.tokens)
        chars = is_char_level(tokens, snap.masked)
        blank_of = {p: k for k, p in enumerate(snap.masked)}
        parts = []
        for i, token in enumerate(tokens):
            if token in HIDDEN:
                continue
            k = blank_of.get(i)
            if k is None:
                parts.append(escape(SIGNS.get(token, token)).replace(" ", "&nbsp;") if chars
                             else escape(token))
                continue
            guesses = snap.predictions[k] if k < len(snap.predictions) else ()
            guess = str(guesses[0][0]) if guesses else "?"
            truth = str(snap.truth[k]) if k < len(snap.truth) else ""
            colour = colours(self.dark)["text"]
            if truth:
                colour = RIGHT[self.dark] if guess == truth else WRONG[self.dark]
            parts.append(f"<span style='background-color:{BLANK[self.dark]};'>"
                         f"<sup>{k + 1}</sup><b style='color:{colour};'>"
                         f"{escape(visible_token(guess))}</b></span>")
        return ("" if chars else " ").join(parts)

    def _set_cards(self, n: int) -> None:
        """One card per blank, in two columns: made again only when the count changes."""
        if n == len(self.cards):
            return
        for card in self.cards:
            self.cards_layout.removeWidget(card)
            card.deleteLater()
        self.cards = []
        cols = 1 if n <= 1 else 2
        for k in range(n):
            card = BlankCard()
            card.bars.set_dark(self.dark)
            self.cards.append(card)
            self.cards_layout.addWidget(card, k // cols, k % cols, Qt.AlignTop)
