"""What it computes: the panel follows the selected block and its network, shows the equation
and the shapes before any run, draws a run's numbers for the block it shows (a dense layer's
sum worked out), asks the run again for its block, and opens from the inspector; in a window
the choice reaches the training process and the numbers come back."""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
from math_snapshot_cases import dense, lstm
from panel_helpers import options_sent, show_panel
from PySide6.QtWidgets import QApplication

from mlsp_studio.gui.document import StudioDocument
from mlsp_studio.gui.inspector import Inspector
from mlsp_studio.gui.panels.math import NO_RUN, NOTHING, MathPanel
from mlsp_studio.gui.redraw import dock_shown
from mlsp_studio.model.presets import load_preset
from mlsp_studio.snapshots.math import OPTION


def _ids(doc: StudioDocument, block: str) -> list[int]:
    return [n.id for n in doc.graph.nodes.values() if n.type == block]


def _following(qtbot, preset: str) -> tuple[MathPanel, StudioDocument, list]:
    doc = StudioDocument(load_preset(preset))
    panel = show_panel(qtbot, MathPanel(), (700, 800))
    sent = options_sent(panel)
    panel.follow(doc)
    return panel, doc, sent


def test_without_a_document_it_asks_for_a_block(qtbot) -> None:
    panel = show_panel(qtbot, "math")
    assert panel.lines.text() == NOTHING and not panel.relevant({"block_values"})


def test_it_follows_the_selection_and_shows_the_equation_before_any_run(qtbot) -> None:
    panel, doc, sent = _following(qtbot, "spiral")
    first = _ids(doc, "Dense")[0]
    assert panel.chosen == ("model", first)  # the first block with learned numbers
    assert panel.lines.text().splitlines()[0] == "y = W x + b"
    assert panel.shapes.text().startswith("x (N, 2) → y (N, 32)")
    assert "learned numbers" in panel.shapes.text()
    assert "the weights, a 32 × 2 table" in panel.symbols.text()
    assert panel.live_heading.text() == NO_RUN and not panel.numbers.toPlainText()
    assert sent == [(OPTION, ["model", first])]
    head = _ids(doc, "ClassifierHead")[0]
    doc.select(head)
    assert panel.chosen == ("model", head) and sent[-1] == (OPTION, ["model", head])
    assert "loss = −ln p_c    (in nats)" in panel.lines.text()
    assert panel.heading.text().startswith(f"ClassifierHead {head}: The class scores")
    doc.select(-1)  # clicking the empty canvas keeps the block in view
    assert panel.chosen == ("model", head) and len(sent) == 2


def test_it_draws_the_numbers_of_its_block_and_asks_a_new_run_again(qtbot) -> None:
    panel, doc, sent = _following(qtbot, "spiral")
    node = _ids(doc, "Dense")[1]
    doc.select(node)
    panel.show_snapshot(dense(seed=1, node=node))
    panel.redraw()
    assert panel.live_heading.text().startswith("Step 10, validation example 1")
    live = panel.numbers.toPlainText()
    worked = live.split("\n\n")[0].splitlines()
    assert worked[0].startswith("y_1 = Σ_i W_1,i · x_i + b_1, over all 32 inputs")
    assert "the other 26 products added up" in live
    assert worked[-1].startswith("  = ") and "(the network gives" in worked[-1]
    total, given = worked[-1].removeprefix("  = ").split("   (the network gives ")
    assert total == given.rstrip(")")  # the sum written out is the network's output
    assert "x (in)  32 numbers · the first 8 of 32" in live
    assert "W  16 × 32 · rows 1–6 of 16, columns 1–8 of 32" in live
    assert "y (out)  16 numbers" in live
    asked = len(sent)
    panel.show_snapshot(dense(seed=2, node=99))  # another block: a run that started anew
    panel.redraw()
    assert panel.numbers.toPlainText() == live and sent[asked:] == [(OPTION, ["model", node])]
    panel.show_snapshot(dense(seed=3, node=99))
    assert len(sent) == asked + 1  # asked once per run
    panel.reset()
    assert panel.live_heading.text() == NO_RUN and not panel.numbers.toPlainText()


def test_an_lstm_shows_its_gates_by_name(qtbot) -> None:
    panel, doc, _ = _following(qtbot, "rnn-vs-lstm")
    snap = lstm()
    assert _ids(doc, "LSTM") == [snap.node]
    doc.select(snap.node)
    assert panel.lines.text().splitlines()[-1] == "h_t = o_t ⊙ tanh(c_t)"
    panel.show_snapshot(snap)
    panel.redraw()
    live = panel.numbers.toPlainText()
    rows = [line.split()[0] for line in live.splitlines() if line.startswith("  ")]
    assert {"i_t", "f_t", "o_t", "g_t", "c_t", "h_t"} <= set(rows)
    assert "U (rnn.weight_hh_l0)" in live


def test_it_follows_the_open_network(qtbot) -> None:
    panel, doc, sent = _following(qtbot, "autoencoder-digits")
    assert panel.chosen[0] == "encoder"
    doc.set_slot("decoder")
    assert panel.chosen == ("decoder", _ids(doc, "Dense")[0])
    assert sent[-1] == (OPTION, ["decoder", panel.chosen[1]])


def test_the_inspector_offers_to_show_what_a_block_computes(qtbot) -> None:
    doc = StudioDocument(load_preset("spiral"))
    inspector = Inspector(doc)
    qtbot.addWidget(inspector)
    inspector.show()
    assert not inspector.math_link.isVisibleTo(inspector)
    doc.select(_ids(doc, "Dense")[0])
    assert inspector.math_link.isVisibleTo(inspector)
    with qtbot.waitSignal(inspector.showComputation, timeout=1000):
        inspector.math_link.linkActivated.emit("#")


def test_in_a_window_the_chosen_block_s_numbers_come_back(ready_window, qtbot) -> None:
    window = ready_window("spiral", (1400, 900))
    dock, panel = window.docks["math"], window.panels["math"]
    assert dock.isHidden() and not panel.wanted  # opened by the person, not by itself
    sent = options_sent(panel)
    node = _ids(window.doc, "Dense")[1]
    window.doc.select(node)
    assert sent == []  # closed, it costs the run nothing
    window.inspector.math_link.linkActivated.emit("#")
    QApplication.processEvents()
    assert not dock.isHidden() and panel.wanted and dock_shown(dock)
    assert sent == [(OPTION, ["model", node])]
    assert "block_values" in window._visual_kinds
    window.on_step()
    qtbot.waitUntil(lambda: panel.snapshot is not None and panel.snapshot.node == node
                    and "the network gives" in panel.numbers.toPlainText(), timeout=60_000)
    assert not dock.isHidden() and dock_shown(dock)  # the run's panels did not push it away
    assert panel.live_heading.text().startswith("Step ")
    window.on_step()
    qtbot.waitUntil(lambda: panel.snapshot.step >= 2, timeout=30_000)
    assert panel.snapshot.node == node
