"""What it computes: the selected block's equation in plain notation, a sentence for each
symbol and the shapes, and while a run trains, the numbers of one fixed example going
through it (a few inputs, the learned numbers, the output; a dense layer's first output
worked out as its sum).

The panel follows the document (``follow``): the block selected on the canvas, in the
network whose tab is open; with nothing selected it keeps the block it showed, and at first
shows the first block with learned numbers. While open it asks the run for that block's
numbers with the ``math_block`` option. It is drawn as text, set only when it changed, a few
times a second at most; the numbers sit in a read-only text box whose size never follows its
text, so a new step lays nothing else out again.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QFrame, QPlainTextEdit, QScrollArea, QSplitter, QWidget

from mlsp_studio.model.catalog import BLOCKS
from mlsp_studio.model.equations import (
    Equation,
    block_equation,
    node_equation,
    node_shapes,
    shapes_words,
)
from mlsp_studio.snapshots.math import OPTION, BlockValues, table_lines, worked_lines

from .base import (
    FONT_PT,
    PANELS,
    Panel,
    assert_gui_thread,
    colours_for,
    font,
    set_text,
    show_text,
    stack_layout,
    text_label,
)

NOTHING = "Click a block on the canvas to see what it computes."
NO_RUN = ("Press Run or Step to see the numbers of one example go through this block, "
          "changing as the network learns.")


def mono(size: float = FONT_PT) -> QFont:
    """The panel's fixed-width font, so the columns of numbers line up."""
    f = font(size)
    f.setFamilies(["DejaVu Sans Mono", "Menlo", "Consolas", "monospace"])
    f.setStyleHint(QFont.StyleHint.Monospace)
    return f


@PANELS.register
class MathPanel(Panel):
    """The selected block's equation, its symbols and shapes, and its live numbers."""

    general = True
    name = "math"
    title = "What it computes"
    kinds = frozenset({BlockValues.kind})
    max_fps = 8.0  # numbers that change 30 times a second cannot be read anyway

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc: Any = None
        self.wanted = False  # open: the person opened it (View menu, inspector), not closed
        self.chosen: tuple[str, int] | None = None
        self.snapshot: BlockValues | None = None
        self._drawn: BlockValues | None = None
        self._asked = False  # the choice was sent again for this run
        self._sent: tuple[str, int] | None = None  # the last choice sent to the run
        self._dock: QWidget | None = None
        self.heading = text_label(FONT_PT + 2, bold=True, rich=False)
        self.shapes = text_label(rich=False, selectable=True)
        self.lines = text_label(FONT_PT + 2, rich=False, wrap=False, selectable=True)
        self.lines.setFont(mono(FONT_PT + 2))
        self.symbols = text_label(rich=True, selectable=True)
        self.note = text_label(FONT_PT - 1, rich=False)
        self.live_heading = text_label(bold=True, rich=False)
        self.numbers = QPlainTextEdit()  # its size never follows its text: no layout pass
        self.numbers.setReadOnly(True)
        self.numbers.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.numbers.setFrameShape(QFrame.Shape.NoFrame)
        self.numbers.setFont(mono(FONT_PT - 1))
        clear = self.numbers.palette()  # on the panel's own background
        clear.setColor(QPalette.ColorRole.Base, Qt.GlobalColor.transparent)
        self.numbers.setPalette(clear)
        self._numbers_text = ""
        body = QWidget()
        stack_layout(body, self.heading, self.shapes, self.lines, self.symbols, self.note,
                     margin=8, stretch=True)
        scroll = self.scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        self.body = body
        live = QWidget()
        stack_layout(live, self.live_heading, (self.numbers, 1), margin=8)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(scroll)
        self.split.addWidget(live)
        self.split.setChildrenCollapsible(False)
        stack_layout(self, self.split, margin=0)
        self._show_static(None, None)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        """Words wrap at the width in sight; the equation's part is as tall as it needs."""
        super().resizeEvent(event)
        width = max(160, self.scroll.viewport().width() - 20)
        for label in (self.heading, self.shapes, self.symbols, self.note, self.live_heading):
            label.setMaximumWidth(width)
        self._fit_split()

    def _fit_split(self) -> None:
        """The equation above, as tall as its words (at most 60 %), the numbers below."""
        total = self.split.height()
        if total <= 0:
            return
        wanted = self.body.layout().totalHeightForWidth(self.scroll.viewport().width())
        top = max(60, min(wanted + 4 if wanted > 0 else total // 2, int(total * 0.6)))
        self.split.setSizes([top, max(1, total - top)])

    # -- following the document ------------------------------------------------------------
    def relevant(self, kinds: set[str]) -> bool:
        """Shown while the person keeps it open, whatever the run's pictures."""
        return self.wanted

    def follow(self, doc: Any, dock: QWidget | None = None) -> None:
        """Show the blocks of ``doc`` (a StudioDocument) and, with ``dock``, stay open or
        closed as the person leaves it."""
        self.doc = doc
        doc.selectionChanged.connect(self._on_selection)
        doc.graphChanged.connect(self._on_graph)
        doc.checked.connect(self._on_checked)
        doc.projectReplaced.connect(self._on_project)
        if dock is not None:
            self._dock = dock
            dock.visibilityChanged.connect(lambda _: self._keep_open(dock))
        self._choose(self._default_block())

    def _keep_open(self, dock: QWidget) -> None:
        self.wanted = not dock.isHidden()
        self._send()

    def _send(self, again: bool = False) -> None:
        """Tell the run which block to give the numbers of, while the panel is open (a
        closed one costs the run nothing): once per choice, or ``again`` for a new run."""
        if self.chosen is None or (self._dock is not None and not self.wanted):
            return
        if again or self.chosen != self._sent:
            self._sent = self.chosen
            self.optionChanged.emit(OPTION, [self.chosen[0], self.chosen[1]])

    @Slot(int)
    def _on_selection(self, node_id: int) -> None:
        assert_gui_thread("MathPanel._on_selection")
        if node_id != -1 and node_id in self.doc.graph.nodes:
            self._choose((self.doc.slot, node_id))

    @Slot(str)
    def _on_graph(self, slot: str) -> None:
        assert_gui_thread("MathPanel._on_graph")
        if self.chosen is None or self.chosen[0] != self.doc.slot or \
                self.chosen[1] not in self.doc.graph.nodes:
            self._choose(self._default_block())
        else:
            self._refresh()

    @Slot()
    def _on_checked(self) -> None:
        assert_gui_thread("MathPanel._on_checked")
        self._refresh()

    @Slot()
    def _on_project(self) -> None:
        assert_gui_thread("MathPanel._on_project")
        self._choose(self._default_block())

    def _default_block(self) -> tuple[str, int] | None:
        """The first block with learned numbers in the open network, else its first block."""
        graph, analysis = self.doc.graph, self.doc.analysis()
        order = [n for n in (analysis.order if analysis else []) if n in graph.nodes]
        order += [n for n in graph.nodes if n not in order]
        counts = analysis.counts if analysis else {}
        first = next((n for n in order if counts.get(n)), order[0] if order else None)
        return None if first is None else (self.doc.slot, first)

    def _choose(self, chosen: tuple[str, int] | None) -> None:
        changed = chosen != self.chosen
        self.chosen = chosen
        if changed:
            self.snapshot = None
        self._refresh()
        if changed:
            self._asked = False
            self._send()

    def _refresh(self) -> None:
        """The equation of the chosen block as the document has it now."""
        if self.doc is None or self.chosen is None:
            self._show_static(None, None)
            return
        slot, node_id = self.chosen
        graph = self.doc.project.slots.get(slot)
        if graph is None or node_id not in graph.nodes:
            self._show_static(None, None)
            return
        analysis = self.doc.analysis(slot)
        eq = node_equation(graph, analysis, self.doc.registry, node_id)
        node = graph.nodes[node_id]
        in_shapes, out_shape = node_shapes(graph, analysis, self.doc.registry, node_id)
        count = analysis.counts.get(node_id) if analysis is not None else None
        self._show_static(eq, (node.label, node.type, in_shapes, out_shape, count))
        self._show_live()

    # -- drawing ----------------------------------------------------------------------------
    def _show_static(self, eq: Equation | None, about: tuple | None) -> None:
        if eq is None or about is None:
            set_text(self.heading, "What it computes")
            show_text(self.shapes, "")
            show_text(self.lines, NOTHING)
            for label in (self.symbols, self.note, self.live_heading):
                show_text(label, "")
            self._set_numbers("")
            self._equation = None
            self._fit_split()
            return
        label, type_name, in_shapes, out_shape, count = about
        doc = BLOCKS.get(type_name).doc if type_name in BLOCKS else ""
        set_text(self.heading, label + (f": {doc.split('. ')[0].rstrip('.')}" if doc else ""))
        facts = shapes_words(eq, in_shapes, out_shape)
        if count:
            facts += f"  ·  {count:,} learned number{'s' if count != 1 else ''}"
        show_text(self.shapes, facts)
        show_text(self.lines, "\n".join(eq.lines))
        muted = colours_for(self.dark)["muted"]
        rows = [f"<b>{html.escape(sym)}</b> <span style='color:{muted}'>—</span> "
                f"{html.escape(words)}" for sym, words in eq.symbols]
        show_text(self.symbols, "<br>".join(rows))
        show_text(self.note, eq.note)
        if eq != self._equation:
            self._equation = eq
            self._fit_split()

    def show_snapshot(self, snapshot: Any) -> None:
        super().show_snapshot(snapshot)
        if not isinstance(snapshot, BlockValues):
            return
        if self.doc is not None and (snapshot.slot, snapshot.node) != self.chosen:
            if not self._asked:  # a new run, or it never heard: ask it again
                self._asked = True
                self._send(again=True)
            return
        self.snapshot = snapshot

    def redraw(self) -> None:
        super().redraw()
        if self.snapshot is not self._drawn:
            self._show_live()

    def _show_live(self) -> None:
        snap = self._drawn = self.snapshot
        if snap is None:
            show_text(self.live_heading, NO_RUN if self._equation is not None else "")
            self._set_numbers("")
            return
        if self.doc is None:  # on its own (a test, a picture): the equation from the snapshot
            eq = block_equation(snap.block_type, None, snap.in_shapes, snap.out_shape)
            self._show_static(eq, (snap.label, snap.block_type, snap.in_shapes,
                                   snap.out_shape, None))
        eq = self._equation or block_equation(snap.block_type)
        where = f", {snap.example}" if snap.example else ""
        show_text(self.live_heading, f"Step {snap.step:,}{where}" + (
            f". {snap.note}" if snap.note else ""))
        worked = worked_lines(snap.worked, eq.output) if snap.worked is not None else []
        self._set_numbers("\n".join([*worked, *([""] if worked else []),
                                     *_live_lines(snap, eq)]))

    def _set_numbers(self, text: str) -> None:
        if text != self._numbers_text:
            self._numbers_text = text
            self.numbers.setPlainText(text)
        self.numbers.setVisible(bool(text))

    def reset(self) -> None:
        super().reset()
        self.snapshot = None
        self._asked = False
        self._show_live()

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        self.note.setStyleSheet(f"color: {colours_for(dark)['muted']};")
        if self.doc is not None:
            self._refresh()


def _live_lines(snap: BlockValues, eq: Equation) -> list[str]:
    """Every table of the snapshot under its symbol: a block with a weight and a bias reads
    as its equation (inputs, learned numbers, what it works out, output); a block with many
    learned tensors shows what it works out and its output before them."""
    ins = [table_lines(t, f"{eq.inputs[i] if i < len(eq.inputs) else t.name} (in)")
           for i, t in enumerate(snap.inputs)]
    learned = [table_lines(t, eq.symbol_of(t.name) + _torch_name(eq, t.name))
               for t in snap.params]
    if snap.more_params:
        learned.append([f"and {snap.more_params} more learned tensors"])
    inside = [table_lines(t) for t in snap.inside]
    outs = [table_lines(t, f"{eq.output} (out)") for t in snap.output]
    order = (ins + learned + inside + outs if len(snap.params) <= 2
             else ins + inside + outs + learned)
    lines: list[str] = []
    for part in order:
        lines += [*part, ""]
    return lines[:-1]


def _torch_name(eq: Equation, name: str) -> str:
    """The torch name beside a symbol when they differ (``W_Q`` is ``self_attn.q_proj``)."""
    return f" ({name})" if eq.symbol_of(name) != name and "." in name else ""
