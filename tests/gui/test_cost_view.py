"""What a network costs, as the window shows it: the line on each block, the inspector, the
status bar's summary, and the warning (and the one question) before a step that will not fit.
"""

from __future__ import annotations

import dataclasses

import pytest

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from mlsp_studio.gui.commands import SetParamsCommand, SetSettingCommand  # noqa: E402
from mlsp_studio.gui.cost_view import block_line, time_text  # noqa: E402
from mlsp_studio.gui.document import StudioDocument  # noqa: E402
from mlsp_studio.gui.inspector import Inspector  # noqa: E402
from mlsp_studio.gui.status_line import WARNING_COLOURS  # noqa: E402
from mlsp_studio.gui.theme import apply_theme  # noqa: E402
from mlsp_studio.messages.events import Ready, Status  # noqa: E402
from mlsp_studio.messages.wire import decode, encode  # noqa: E402
from mlsp_studio.model.blocks import BlockRegistry  # noqa: E402
from mlsp_studio.model.catalog import BLOCKS  # noqa: E402
from mlsp_studio.model.cost import Rates, project_cost, size_text  # noqa: E402
from mlsp_studio.model.cost_table import short_count  # noqa: E402
from mlsp_studio.model.presets import load_preset  # noqa: E402

LAPTOP = 8 * 10**9  # bytes: the memory of the laptop the too-big network is checked against


def _node(doc: StudioDocument, type_name: str, nth: int = 0) -> int:
    return [n.id for n in doc.graph.nodes.values() if n.type == type_name][nth]


def _in_shape(doc: StudioDocument, node_id: int) -> tuple[int, ...]:
    (edge,) = doc.graph.inputs_of(node_id)
    return tuple(doc.analysis().shapes[edge.src])


def too_big_project():
    """gpt-chars with a long window, wide layers and a large batch: the check lets it run
    (its outputs stay under the studio's limit), but a step keeps about 10.6 GB."""
    project = load_preset("gpt-chars")
    project.name = "gpt-chars, made too big"
    project.apply_setting("dataset.seq_len", 1024)
    project.apply_setting("batch_size", 1024)
    for node in project.slots["model"].nodes.values():
        if node.type == "PositionalEncoding":
            node.params["max_len"] = 1024
        if node.type == "TransformerEncoderLayer":
            node.params.update(heads=8, ff=256)
    return project


def test_block_line_counts_the_multiply_adds_of_a_dense_and_a_conv2d_block(canvas_of) -> None:
    doc, scene, _, _ = canvas_of(load_preset("digits-cnn"))
    conv = _node(doc, "Conv2d")
    channels = _in_shape(doc, conv)[0]
    out_channels, out_h, out_w = doc.analysis().shapes[conv]
    look = scene.block_item(conv).look
    assert look.count == "160 params"
    # 16 output channels × 8 × 8 places × (1 channel × 3 × 3) weights each
    assert look.cost == f"{short_count(out_channels * out_h * out_w * channels * 9)} MACs" \
        == "9.22k MACs"
    assert "9.22k multiply-adds" in look.cost_note
    dense = _node(doc, "Dense")
    assert _in_shape(doc, dense) == (128,)
    assert scene.block_item(dense).look.cost == f"{short_count(128 * 64)} MACs" == "8.19k MACs"
    assert scene.block_item(_node(doc, "ReLU")).look.cost == "0 MACs"


def test_block_line_follows_the_units_and_undo(canvas_of) -> None:
    doc, scene, _, _ = canvas_of(load_preset("spiral"))
    second = _node(doc, "Dense", 1)  # 32 → 32
    item = scene.block_item(second)
    assert item.look.cost == f"{short_count(32 * 32)} MACs" == "1.02k MACs"
    doc.undo_stack.push(SetParamsCommand(doc, second, {"units": 100}))
    assert scene.block_item(second) is item and item.look.cost == "3.2k MACs"  # 32 × 100
    head = _node(doc, "ClassifierHead")  # its input grew from 32 to 100
    classes = doc.analysis().shapes[head][-1]
    assert scene.block_item(head).look.cost == f"{100 * classes} MACs"
    doc.undo_stack.undo()
    assert item.look.cost == "1.02k MACs"


def test_a_block_type_without_a_rule_says_cost_unknown(canvas_of) -> None:
    registry = BlockRegistry()
    for spec in BLOCKS:
        registry.register(dataclasses.replace(spec, macs=None) if spec.type == "Tanh" else spec)
    doc, scene, _, _ = canvas_of(load_preset("spiral"))
    doc.registry = registry
    doc.settings_edited()  # checked again, with the new catalogue
    assert scene.block_item(_node(doc, "Tanh")).look.cost == "cost unknown"
    assert scene.block_item(_node(doc, "Dense")).look.cost == "64 MACs"  # 2 inputs × 32
    assert "unknown" in doc.cost().flags[-1]
    assert block_line(None) == "? MACs"  # a block whose shape is unknown


def test_inspector_shows_the_block_and_the_network(qtbot) -> None:
    doc = StudioDocument(load_preset("digits-cnn"))
    inspector = Inspector(doc)
    qtbot.addWidget(inspector)
    doc.select(_node(doc, "Conv2d"))
    facts = inspector.block_facts.text()
    assert "160 learned parameters" in facts
    assert "For one example: 9.22k multiply-adds, 4.1 kB of activations." in facts
    cost = project_cost(doc.project, doc.check, BLOCKS)
    totals = inspector.cost_section.totals.text()
    assert f"{cost.networks[0].params:,} parameters" in totals
    assert f"A step of 32 examples: {short_count(cost.step_macs)} multiply-adds" in totals
    assert f"Memory {size_text(cost.total_bytes)}: weights" in totals
    assert "an estimate" in totals
    assert not inspector.cost_section.warning.isVisibleTo(inspector)


def test_status_bar_summary_matches_project_cost(ready_window, qtbot) -> None:
    win = ready_window("digits-cnn", size=(1500, 900))
    line = win.status_line
    for batch in (32, 256):
        if batch != 32:
            win.doc.undo_stack.push(SetSettingCommand(win.doc, "batch_size", batch))
        cost = project_cost(win.doc.project, win.doc.check, BLOCKS, rates=win.doc.rates)
        assert cost.networks[0].batch == batch
        params = sum(n.params for n in cost.networks)
        assert line.cost_text == (
            f"{short_count(params)} params · a step of {batch}: {short_count(cost.step_macs)} "
            f"MACs, {size_text(cost.total_bytes)}, ≈{time_text(cost.estimated_seconds)} "
            "a step (estimate)")
        assert line.cost.text() == line.cost_text  # room for all of it: nothing cut short
        assert not line.cost_warns and not win.cost_banner.isVisibleTo(win)
    assert "weights" in line.cost.toolTip() and "No warnings." in line.cost.toolTip()
    win.resize(900, 700)  # narrow: the cost is cut short, the message keeps its room
    qtbot.waitUntil(lambda: line.cost.text().endswith("…"), timeout=5000)
    right = line.cost.x() + line.cost.width()  # where the fixed fields begin
    assert line.cost.x() == min(300, int(0.4 * right)) and line.message.width() > 150


def test_a_network_too_big_for_memory_warns_and_run_asks_once(ready_window, qtbot, tmp_path,
                                                              monkeypatch) -> None:
    path = tmp_path / "too-big.mlsp.json"
    path.write_text(too_big_project().to_json(), encoding="utf-8")
    win = ready_window(str(path), size=(1500, 900))
    assert win.doc.check.ok and win.act_run.isEnabled()  # the studio's own limits let it run
    win.doc.set_memory_available(LAPTOP)
    cost = win.doc.cost()
    assert cost.total_bytes > LAPTOP
    banner = win.cost_banner.text()
    assert win.cost_banner.isVisibleTo(win)
    assert "Will not fit in memory" in banner and "activations kept for the backward" in banner
    assert "most from TransformerEncoderLayer" in banner  # what dominates, by name
    assert win.status_line.cost_text.startswith("⚠ Will not fit in memory")
    assert win.status_line.cost_warns and "Will not fit" in win.status_line.cost.toolTip()
    section = win.inspector.cost_section
    assert section.warning.isVisibleTo(win) and "Will not fit" in section.warning.text()
    assert WARNING_COLOURS[0] in section.warning.styleSheet()
    assert win.act_run.isEnabled()  # a warning, never a refusal

    asked, answers, started = [], [QMessageBox.StandardButton.Cancel], []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda parent, title, text, *a: (asked.append(text), answers[-1])[1]))
    monkeypatch.setattr(win, "_start_engine", lambda *a, **k: started.append(a))
    win.on_run()
    assert len(asked) == 1 and "Will not fit in memory" in asked[0] and not started
    assert win.state == "idle"
    win.on_step()  # Step asks too, and a refusal keeps it from starting
    assert len(asked) == 2 and not started
    answers.append(QMessageBox.StandardButton.Yes)
    win.on_run()
    assert len(asked) == 3 and len(started) == 1  # run anyway
    win.state = "idle"
    win.on_run()
    assert len(asked) == 3 and len(started) == 2  # asked once: not again for this project
    win.state = "idle"

    win.doc.set_memory_available(None)  # this machine: it fits
    assert not win.cost_banner.isVisibleTo(win) or "Will not fit" not in win.cost_banner.text()


def test_warning_colour_follows_the_theme(qtbot) -> None:
    from mlsp_studio.gui.status_line import StatusLine

    app = QApplication.instance()
    line = StatusLine()
    qtbot.addWidget(line)
    line.set_cost("⚠ Slow · …", "why", True)
    try:
        apply_theme(app, True)  # the new palette reaches the widgets with the next events
        qtbot.waitUntil(lambda: WARNING_COLOURS[1] in line.cost.styleSheet(), timeout=2000)
    finally:
        apply_theme(app, False)
    qtbot.waitUntil(lambda: WARNING_COLOURS[0] in line.cost.styleSheet(), timeout=2000)


def test_time_words() -> None:
    assert [time_text(s) for s in (3e-5, 2.04e-3, 0.063, 1.24, 120.5)] == \
        ["30 µs", "2.0 ms", "63 ms", "1.2 s", "2.0 min"]


def test_ready_carries_the_rates_and_the_document_estimates_at_them() -> None:
    rates = Rates(macs_per_second=1e9, seconds_per_op=1e-3, measured=True)
    ready = decode(encode(Ready("2.x", 1, False, 123, rates.to_dict())))
    assert isinstance(ready, Ready) and Rates.from_dict(ready.rates) == rates
    doc = StudioDocument(load_preset("rnn-stacked"))
    assumed = doc.cost()
    seen = []
    doc.checked.connect(lambda: seen.append(doc.cost()))
    doc.set_rates(Rates.from_dict(ready.rates))
    measured = doc.cost()
    assert seen and measured.rates == rates and not assumed.rates.measured
    # far slower products and operations: the estimate follows them
    assert measured.estimated_seconds > 10 * assumed.estimated_seconds
    assert measured.estimated_seconds == project_cost(doc.project, doc.check, BLOCKS,
                                                      rates=rates).estimated_seconds


def _status(state: str, steps_per_second: float) -> Status:
    return Status(state, 10, 0, 100, steps_per_second, 1.0, "cpu")


def test_the_window_uses_the_rates_its_training_process_measured(ready_window) -> None:
    win = ready_window("digits-cnn")
    sent = win.bridge.process.ready.rates
    assert isinstance(sent, dict) and sent["measured"] is True
    assert win.doc.rates == Rates.from_dict(sent) and win.doc.cost().rates.measured
    assert "measured on the training process's device" in win.status_line.cost.toolTip()


def test_a_training_run_shows_its_time_per_step_beside_the_estimate(ready_window) -> None:
    win = ready_window("digits-cnn")
    win.doc.set_pace(0.0)  # the preset trains at a watchable pace; at full speed here
    estimate = time_text(win.doc.cost().estimated_seconds)
    win._apply_status(_status("running", 50.0))
    assert win.status_line.cost_text.endswith(f"≈{estimate} a step (measured 20 ms)")
    win._apply_status(_status("paused", 0.0))  # paused: the last measured time stays
    assert win.status_line.cost_text.endswith("(measured 20 ms)")
    win.doc.undo_stack.push(SetSettingCommand(win.doc, "batch_size", 64))
    assert win.status_line.cost_text.endswith("a step (estimate)")  # another network now
    win.doc.set_pace(5.0)  # at a chosen pace the steps wait: nothing to measure
    win._apply_status(_status("running", 5.0))
    assert win.status_line.cost_text.endswith("a step (estimate)")
    win.doc.set_pace(0.0)
    win._apply_status(_status("idle", 0.0))
    assert win.status_line.cost_text.endswith("a step (estimate)")
