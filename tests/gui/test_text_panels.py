"""The text panels (generation, fill in the blank, embedding projector): they draw realistic
and degenerate snapshots at once, send the options a person sets, keep their plot items,
reset, and follow the dark theme."""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import numpy as np
import pytest
from panel_helpers import errors_from_another_thread, show_panel, type_and_enter
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication
from text_snapshot_cases import DEGENERATE, ORDINARY, embeddings, fill_mask, generation

from mlsp_studio.paradigms.language_model.panels import GenerationPanel
from mlsp_studio.paradigms.language_model.snapshots import Generation
from mlsp_studio.paradigms.masked_lm.panels import FillMaskPanel, sentence_text
from mlsp_studio.paradigms.masked_lm.snapshots import FillMask
from mlsp_studio.paradigms.word2vec.panels import MAX_LABELS, ProjectorPanel
from mlsp_studio.paradigms.word2vec.snapshots import Embeddings

SIZE = (700, 500)


@pytest.mark.parametrize("name,kind", [("generation", "generation"),
                                       ("fill_mask", "fill_mask"), ("projector", "embeddings")])
def test_panel_draws_ordinary_and_degenerate_snapshots(qtbot, name: str, kind: str) -> None:
    panel = show_panel(qtbot, name, SIZE)
    assert panel.kinds == {kind} and panel.title
    for snapshot in [ORDINARY[kind](), *DEGENERATE[kind], ORDINARY[kind](5)]:
        panel.show_snapshot(snapshot)
        QApplication.processEvents()
        panel.grab()
    for dark in (True, False, True):
        panel.set_dark(dark)
        panel.grab()
    panel.reset()
    panel.grab()
    panel.show_snapshot(ORDINARY[kind]())
    panel.grab()


# --- generation ------------------------------------------------------------------------------

def test_generation_shows_prompt_and_text_in_two_styles_at_once(qtbot) -> None:
    p = show_panel(qtbot, GenerationPanel(), SIZE)
    p.show_snapshot(generation())
    document = p.output.document()
    assert document.toPlainText() == generation().prompt + generation().completion
    # Drawn in show_snapshot itself: no redraw or event loop needed for the answer to show.
    cursor = QTextCursor(document)

    def style(position: int) -> tuple[int, str]:  # of the character at ``position``
        cursor.setPosition(position + 1)
        f = cursor.charFormat()
        return f.fontWeight(), f.foreground().color().name()

    prompt_style, written_style = style(0), style(len("the dog "))
    assert style(len("the dog ") - 1) == prompt_style and prompt_style[0] > written_style[0]
    assert written_style[1] == "#1f5fbf" and prompt_style[1] != written_style[1]
    assert "<b>house</b>" in document.toPlainText()  # markup in text stays text
    assert "'É'" in p.note.text() and p.note.isVisibleTo(p)
    assert "21 ms" in p.status.text() and "top-k 5" in p.status.text()
    assert p.prompt_text() == "the dog "  # the run's prompt fills the empty box
    assert p.temperature.value() == pytest.approx(0.8) and p.top_k.value() == 5
    assert p.examples.count() == 3 and p.examples.isEnabled()


def test_generation_options(qtbot) -> None:
    p = show_panel(qtbot, GenerationPanel(), SIZE)
    p.show_snapshot(generation())
    assert type_and_enter(qtbot, p, p.prompt, "the cat") == ["prompt", "the cat"]
    assert "waiting for the answer" in p.status.text()
    p.show_snapshot(generation(prompt="the cat "))  # not the prompt asked: still waiting
    assert "waiting" in p.status.text()
    p.show_snapshot(generation(prompt="the cat"))
    assert "after you asked" in p.status.text()
    qtbot.keyClick(p.prompt, Qt.Key_Return, Qt.ShiftModifier)  # a new line, not a question
    assert p.prompt_text() == "the cat\n"
    with qtbot.waitSignal(p.optionChanged) as blocker:
        p.write_button.click()
    assert blocker.args == ["prompt", "the cat\n"]
    with qtbot.waitSignal(p.optionChanged) as blocker:
        p.temperature.setValue(1.5)
    assert blocker.args == ["temperature", 1.5]
    with qtbot.waitSignal(p.optionChanged) as blocker:
        p.top_k.setValue(0)
    assert blocker.args == ["top_k", 0] and p.top_k.text() == "all"
    seen = []
    p.optionChanged.connect(lambda name, value: seen.append((name, value)))
    p.again.click()
    p.again.click()
    assert seen == [("sample_seed", 1), ("sample_seed", 2)]
    seen.clear()
    p.prompt.setFocus()
    qtbot.keyClicks(p.prompt, "x")  # an edited prompt goes out before the new seed
    p.again.click()
    assert seen == [("prompt", "the cat\nx"), ("sample_seed", 3)]
    seen.clear()
    p.examples.activated.emit(2)
    assert seen == [("prompt", "xyz -> zyx\nkpq -> qpk\nabc -> ")]
    assert p.prompt_text() == "xyz -> zyx\nkpq -> qpk\nabc -> "
    p.temperature.setValue(2.0)
    p.show_snapshot(generation())  # later snapshots leave the person's settings alone
    assert p.temperature.value() == 2.0
    p.reset()  # a new run shows its own settings, except one changed before it answers
    p.top_k.setValue(9)
    p.show_snapshot(generation())
    assert p.temperature.value() == pytest.approx(0.8) and p.top_k.value() == 9


def test_generation_reset_and_theme(qtbot) -> None:
    p = show_panel(qtbot, GenerationPanel(), SIZE)
    p.show_snapshot(generation())
    p.set_dark(True)
    assert p.output.document().toPlainText().startswith("the dog ")
    cursor = QTextCursor(p.output.document())
    cursor.setPosition(len("the dog ") + 1)
    assert cursor.charFormat().foreground().color().name() == "#7fb4ff"  # light on dark
    p.reset()
    assert p.output.document().toPlainText() == "" and not p.note.isVisibleTo(p)
    assert "waiting" in p.status.text()
    p.show_snapshot(Generation(step=3, prompt="abc"))
    assert "wrote nothing" in p.output.document().toPlainText()


# --- fill in the blank -----------------------------------------------------------------------

def test_fill_mask_shows_blanks_guesses_and_truth(qtbot) -> None:
    p = show_panel(qtbot, FillMaskPanel(), SIZE)
    p.show_snapshot(fill_mask())
    assert len(p.cards) == 2
    assert p.cards[0].heading.text() == "Blank 1: “dog” — 2nd guess"
    assert p.cards[1].heading.text() == "Blank 2: “bread” — best guess ✓"
    rows = p.cards[0].bars.rows
    assert rows[0][:3] == ("cat", 0.46, "46%") and not rows[0][3] and rows[1][3]
    assert p.cards[1].bars.rows[3][0] == "<b>x</b>" and p.cards[1].bars.rows[3][2] == "0.4%"
    html = p.sentence.text()
    assert "cat" in html and "bread" in html and "&lt;" not in html and "<cls>" not in html
    assert p.box.text() == "the [MASK] eats the [MASK] ."
    cards = list(p.cards)
    p.show_snapshot(fill_mask(5))
    assert p.cards == cards  # same number of blanks: the same widgets
    p.show_snapshot(DEGENERATE["fill_mask"][1])
    assert not p.cards and "no blank" in p.status.text()


def test_fill_mask_sends_the_sentence(qtbot) -> None:
    p = show_panel(qtbot, FillMaskPanel(), SIZE)
    assert type_and_enter(qtbot, p, p.box, "a _ eats <b>") == ["mask_text", "a _ eats <b>"]
    with qtbot.waitSignal(p.optionChanged) as blocker:
        p.button.click()
    assert blocker.args == ["mask_text", "a _ eats <b>"]
    p.show_snapshot(fill_mask())
    assert p.box.text() == "a _ eats <b>"  # what the person wrote stays


def test_sentence_text_of_characters() -> None:
    snap = FillMask(step=0, tokens=tuple("the") + ("␣", "c", "<mask>", "t"), masked=(5,))
    assert sentence_text(snap) == "the c_t"  # a space the run showed as ␣ is a space again


# --- embedding projector ---------------------------------------------------------------------

def test_projector_updates_one_scatter_and_moves_its_labels(qtbot) -> None:
    p = show_panel(qtbot, ProjectorPanel(), SIZE)
    p.show_snapshot(embeddings())
    scatter, labels = p.scatter, p.labels
    assert len(scatter.data) == 27 and sorted(labels.texts) == sorted(embeddings().words)
    assert labels.bold.sum() == 6  # the chosen word and its neighbours
    first = labels.xy.copy()
    p.show_snapshot(embeddings(seed=1))
    assert p.scatter is scatter and p.labels is labels and labels.scene() is not None
    assert not np.allclose(labels.xy, first)  # moved, not made again
    assert "34 % of variance" in p.plot.getAxis("bottom").labelText
    assert "21 % of variance" in p.plot.getAxis("left").labelText
    assert "animal" in p.legend.text() and "place" in p.legend.text()
    rows = p.neighbours.rows
    assert [r[0] for r in rows] == ["dog", "horse", "bird", "mouse", "fish"]
    assert rows[0][2] == "0.91" and "cat" in p.neighbours_heading.text()
    assert len(p.marks.data) == 6  # the chosen word and its five neighbours


def test_many_words_are_labelled_on_hover_only(qtbot) -> None:
    p = show_panel(qtbot, ProjectorPanel(), SIZE)
    many = DEGENERATE["embeddings"][-1]
    p.show_snapshot(many)
    assert len(p.scatter.data) == 400 > MAX_LABELS
    assert sorted(p.labels.texts) == ["w1", "w2", "w3"]  # the chosen word and its neighbours
    point = p.scatter.points()[7]
    p.scatter.sigHovered.emit(p.scatter, [point], None)
    assert p.hover_label.isVisible()
    assert p.hover_label.textItem.toPlainText() == many.words[int(point.data())]
    p.scatter.sigHovered.emit(p.scatter, [], None)
    assert not p.hover_label.isVisible()
    p.show_snapshot(embeddings())  # few words again: every word labelled
    assert len(p.labels.texts) == 27


def test_projector_sends_the_query_word(qtbot) -> None:
    p = show_panel(qtbot, ProjectorPanel(), SIZE)
    snap = embeddings()
    p.show_snapshot(snap)
    assert p.box.text() == "cat"
    point = next(pt for pt in p.scatter.points() if snap.words[int(pt.data())] == "river")
    with qtbot.waitSignal(p.optionChanged) as blocker:
        p.scatter.sigClicked.emit(p.scatter, [point], None)
    assert blocker.args == ["query_word", "river"] and p.box.text() == "river"
    assert type_and_enter(qtbot, p, p.box, "bread") == ["query_word", "bread"]


def test_projector_reset_and_theme(qtbot) -> None:
    p = show_panel(qtbot, ProjectorPanel(), SIZE)
    p.show_snapshot(embeddings())
    p.set_dark(True)
    assert p.labels.colour.name() == "#e6e6e6"
    p.reset()
    assert len(p.scatter.data) == 0 and not p.labels.texts
    assert not p.neighbours.rows and "waiting" in p.heading.text()


def test_projector_frames_the_view_only_when_the_words_spread_or_gather(qtbot) -> None:
    p = show_panel(qtbot, ProjectorPanel(), SIZE)
    snap = embeddings()

    def scaled(factor: float) -> Embeddings:
        return Embeddings(step=1, words=snap.words, groups=snap.groups,
                          points=snap.points * factor, explained=snap.explained)

    p.show_snapshot(scaled(1.0))
    view = p.plot.viewRange()
    p.show_snapshot(scaled(1.02))  # a small move: the view stays
    assert p.plot.viewRange() == view
    p.show_snapshot(scaled(3.0))  # spread past the view: fitted again
    (x0, x1), _ = p.plot.viewRange()
    assert x1 - x0 > 2 * (view[0][1] - view[0][0])
    p.show_snapshot(scaled(0.5))  # gathered in a corner: fitted again
    (x0, x1), _ = p.plot.viewRange()
    assert x1 - x0 < view[0][1] - view[0][0]


@pytest.mark.parametrize("name", ["generation", "fill_mask", "projector"])
def test_text_panels_refuse_other_threads(qtbot, name: str) -> None:
    panel = show_panel(qtbot, name, SIZE)
    errors = errors_from_another_thread(
        lambda: panel.show_snapshot(ORDINARY[next(iter(panel.kinds))]()), panel.reset)
    assert len(errors) == 2 and "GUI thread" in str(errors[0])
