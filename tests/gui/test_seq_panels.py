"""The sequence and attention panels: realistic and degenerate snapshots, their choosers, the
example option they send, drawing only what changed while shown, themes, and no torch."""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import ast
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from panel_helpers import assert_items_kept, errors_from_another_thread, show_panel
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication
from seq_snapshot_cases import (
    SEQ_ORDINARY,
    SEQ_SNAPSHOTS,
    alignment,
    attention,
    bptt,
    patch,
    pooling,
    recurrent,
)

from mlsp_studio.gui.panel_docks import _sequence_kinds
from mlsp_studio.gui.panels import PANELS, Panel
from mlsp_studio.gui.panels.attention import MAX_HEADS_SHOWN
from mlsp_studio.gui.panels.bptt import EARLIER
from mlsp_studio.gui.panels.sequence_kit import ExampleChooser, same, token_text
from mlsp_studio.model.graph import Graph
from mlsp_studio.snapshots.kinds import AttentionMaps, GradientThroughTime

PANELS_DIR = Path(__file__).resolve().parents[2] / "mlsp_studio" / "gui" / "panels"
SEQ_MODULES = ("attention", "recurrent", "bptt", "pooling", "patch_attention",
               "sequence_kit")
WITH_EXAMPLES = ("attention", "alignment", "recurrent", "pooling", "patch_attention")


def _panel(qtbot, kind: str, show: bool = True) -> Panel:
    """The panel that draws ``kind``, made, sized and (unless ``show`` is off) shown."""
    return show_panel(qtbot, next(c for c in PANELS if kind in c.kinds)(), (700, 500), show)


def test_every_sequence_kind_has_a_panel_and_a_place() -> None:
    for kind in SEQ_ORDINARY:
        owners = [c for c in PANELS if kind in c.kinds]
        assert len(owners) == 1, kind
        cls = owners[0]
        assert cls.title and cls.title[0].isupper()
        assert cls.row == "bottom"


@pytest.mark.parametrize("kind", sorted(SEQ_SNAPSHOTS))
def test_panel_draws_realistic_and_degenerate_snapshots(qtbot, kind: str) -> None:
    panel = _panel(qtbot, kind)
    for snapshot in SEQ_SNAPSHOTS[kind]():
        panel.show_snapshot(snapshot)
        QApplication.processEvents()
        panel.grab()
    assert_items_kept(panel, SEQ_ORDINARY[kind])
    for dark in (True, False, True):
        panel.set_dark(dark)
        panel.grab()
    panel.reset()
    assert panel.latest is None
    assert "waiting" in panel.heading.text()
    panel.grab()


@pytest.mark.parametrize("kind", WITH_EXAMPLES)
def test_example_chooser_asks_for_another_example(qtbot, kind: str) -> None:
    panel = _panel(qtbot, kind)
    with qtbot.waitSignal(panel.optionChanged) as blocker:
        panel.example.spin.setValue(5)
    assert blocker.args == ["example_index", 5]


def test_chooser_follows_the_pictures_but_not_right_after_a_choice(qtbot) -> None:
    panel = _panel(qtbot, "attention")
    panel.show_snapshot(attention(index=7))
    assert panel.example.spin.value() == 7
    with qtbot.assertNotEmitted(panel.optionChanged):
        panel.show_snapshot(attention(seed=1, index=8))  # following a picture asks nothing
    assert panel.example.spin.value() == 8
    panel.example.spin.setValue(2)
    panel.show_snapshot(attention(seed=2, index=8))  # a picture of the old example, late
    assert panel.example.spin.value() == 2
    panel.example._asked_at -= ExampleChooser.QUIET_S
    panel.show_snapshot(attention(seed=3, index=9))
    assert panel.example.spin.value() == 9


def test_attention_heads_layers_and_mask(qtbot) -> None:
    panel = _panel(qtbot, "attention")
    panel.show_snapshot(attention(length=10, heads=4, causal=True))
    assert panel.head_box.currentText() == "all heads" and len(panel.images) == 4
    image = panel.images[0].image
    assert image.shape == (10, 10)
    assert np.isnan(image[np.triu_indices(10, 1)]).all()  # masked: blank, hatched over
    assert np.isfinite(image[np.tril_indices(10)]).all()
    assert not panel.mask_hatch.path().isEmpty()
    assert "causal mask" in panel.heading.text()
    panel.head_box.setCurrentText("mean of the heads")
    assert len(panel.images) == 1
    panel.head_box.setCurrentText("head 2")
    assert len(panel.images) == 1
    np.testing.assert_allclose(np.nan_to_num(panel.images[0].image),
                               np.nan_to_num(np.tril(attention().layers[0].weights[1])))
    panel.layer_box.setCurrentIndex(1)  # cross-attention: 4 queries × 10 keys, no mask
    assert panel.head_box.currentText() == "head 2" and len(panel.images) == 1  # kept
    panel.head_box.setCurrentText("all heads")
    assert len(panel.images) == 2
    assert panel.images[0].image.shape == (4, 10)
    assert panel.mask_hatch.path().isEmpty()
    assert "cross-attention" in panel.heading.text()
    panel.show_snapshot(attention(seed=1))  # a new picture keeps the chosen layer
    assert panel.layer_box.currentIndex() == 1
    panel.show_snapshot(attention(length=12, heads=30, causal=False))
    panel.layer_box.setCurrentIndex(0)
    assert len(panel.images) == MAX_HEADS_SHOWN and "the first 16" in panel.heading.text()


def test_attention_text_is_shown_and_cut(qtbot) -> None:
    panel = _panel(qtbot, "attention")
    panel.show_snapshot(attention())
    assert "the cat sat" in panel.text.text()
    panel.show_snapshot(AttentionMaps(step=1, text="word " * 200))
    assert len(panel.text.text()) < 200 and panel.text.toolTip().startswith("Example 0")
    assert "no attention block" in panel.heading.text() and not panel.images


def test_token_labels_thin_out_and_never_overlap(qtbot) -> None:
    panel = _panel(qtbot, "attention")
    panel.show_snapshot(attention(length=120, heads=1, causal=False))
    QApplication.processEvents()
    for token_axis in (panel.keys, panel.queries):
        ticks = token_axis.axis._tickLevels[0]
        step = token_axis.step()
        assert 1 < step < 120 and len(ticks) == len(range(0, 120, step))
        view = token_axis.view
        (x0, x1), (y0, y1) = view.viewRange()
        if token_axis.vertical:
            cell = view.height() / abs(y1 - y0)
            assert step * cell >= QFontMetrics(token_axis.axis.style["tickFont"]).height()
        else:
            cell = view.width() / abs(x1 - x0)
            metrics = QFontMetrics(token_axis.axis.style["tickFont"])
            widest = max(metrics.horizontalAdvance(t) for _, t in ticks)
            assert step * cell >= widest
    panel.resize(1400, 1000)  # more room: more labels
    QApplication.processEvents()
    wide = panel.keys.step()
    panel.resize(400, 300)
    QApplication.processEvents()
    assert panel.keys.step() > wide
    assert token_text(" ") == "␣" and token_text("") == "∅" and len(token_text("x" * 40)) == 10


def test_alignment_marks_wrong_tokens(qtbot) -> None:
    panel = _panel(qtbot, "alignment")
    panel.show_snapshot(alignment())
    words = panel.words.text()
    assert "<u>" in words and words.count("<u>") == 1 and ">7<" in words
    assert "1 of 6 wrong" in panel.heading.text()
    assert panel.outline.path().elementCount() > 0
    assert panel.image.image.shape == (6, 6)
    assert [t for _, t in panel.target.axis._tickLevels[0]][:1] == ["9"]


def test_recurrent_gates_cell_and_plain_rnn(qtbot) -> None:
    panel = _panel(qtbot, "recurrent")
    panel.show_snapshot(recurrent(cell_type="LSTM", steps=20, units=8))
    items = [panel.lower_box.itemText(i) for i in range(panel.lower_box.count())]
    assert items == ["cell state", "input gate", "forget gate", "output gate", "candidate"]
    assert panel.upper.image.image.shape == (8, 20)  # units down, time across
    panel.lower_box.setCurrentText("forget gate")
    assert panel.lower.image.levels.tolist() == [0.0, 1.0]
    assert "forget gate" in panel.lower.plot.titleLabel.text
    panel.show_snapshot(recurrent(cell_type="GRU"))
    assert panel.lower_box.currentText() == "reset gate"
    panel.show_snapshot(recurrent(cell_type="RNN"))
    assert not panel.lower.plot.isVisible() and "no gates" in panel.heading.text()


def test_bptt_keeps_a_few_earlier_pictures_faded(qtbot) -> None:
    panel = _panel(qtbot, "bptt")
    assert panel.plot.getAxis("left").logMode
    for seed in range(EARLIER + 3):
        panel.show_snapshot(bptt(seed))
    assert len(panel.history) == EARLIER + 1
    assert all(len(item.getData()[0]) == 30 for item in panel.earlier)
    panel.show_snapshot(GradientThroughTime(step=panel.history[-1][0], norms=np.ones(30)))
    assert len(panel.history) == EARLIER + 1  # the same step again replaces the latest
    assert "step 0 is" in panel.heading.text()
    panel.show_snapshot(GradientThroughTime(step=10_000, norms=np.array([0.0, -1.0, 2.0])))
    y = panel.now.getData()[1]
    assert np.isnan(y[:2]).all() and y[2] == pytest.approx(np.log10(2.0))  # drawn as log10
    panel.reset()
    assert not panel.history and not len(panel.now.getData()[0] or [])


def test_pooling_heatmap_line_and_event(qtbot) -> None:
    panel = _panel(qtbot, "pooling")
    panel.show_snapshot(pooling())
    assert panel.image.isVisible() and panel.image.image.shape == (6, 60)
    assert all(r.isVisible() and r.getRegion() == (20.0, 30.0) for r in panel.events)
    assert "% of the weight falls on the event" in panel.heading.text()
    assert "✓" in panel.classes.text()
    panel.show_snapshot(SEQ_SNAPSHOTS["pooling"]()[1])  # a (T,) signal: a curve
    assert not panel.image.isVisible() and len(panel.curve.getData()[0]) == 50
    panel.show_snapshot(SEQ_SNAPSHOTS["pooling"]()[2])  # no event known
    assert not any(r.isVisible() for r in panel.events)


def test_patch_attention_heads_and_colour_images(qtbot) -> None:
    panel = _panel(qtbot, "patch_attention")
    snap = patch(heads=3)
    panel.show_snapshot(snap)
    assert panel.head_box.currentText() == "mean of the heads"
    np.testing.assert_allclose(panel.overlay.image, snap.weights.mean(axis=0))
    panel.head_box.setCurrentText("head 3")
    np.testing.assert_allclose(panel.overlay.image, snap.weights[2])
    assert "✗" in panel.classes.text()
    panel.show_snapshot(SEQ_SNAPSHOTS["patch_attention"]()[1])  # (3, H, W) colour image
    assert panel.plain.image.shape == (8, 8, 3)


def test_a_hidden_panel_draws_when_shown_and_unchanged_data_is_not_drawn(qtbot) -> None:
    panel = _panel(qtbot, "patch_attention", show=False)
    drawn = []
    original = panel.draw
    panel.draw = lambda snap: (drawn.append(snap.step), original(snap))
    panel.show_snapshot(patch(seed=1))
    assert not drawn
    panel.show()
    assert drawn == [1]
    panel.show_snapshot(patch(seed=1))  # the same pictures again (paused): not redrawn
    assert drawn == [1]
    later = patch(seed=1)
    object.__setattr__(later, "step", 99)
    panel.show_snapshot(later)  # only the step is new: the heading follows, nothing else
    assert drawn == [1] and "step 99" in panel.heading.text()
    panel.show_snapshot(patch(seed=2))
    assert drawn == [1, 2]


@pytest.mark.parametrize("kind", sorted(SEQ_ORDINARY))
def test_other_threads_are_refused(qtbot, kind: str) -> None:
    panel = _panel(qtbot, kind)
    errors = errors_from_another_thread(lambda: panel.show_snapshot(SEQ_ORDINARY[kind](1)))
    assert len(errors) == 1 and "GUI thread" in str(errors[0])
    assert panel.latest is None and not getattr(panel, "history", [])


def test_same_compares_snapshot_data() -> None:
    assert same(pooling(1), pooling(1)) and not same(pooling(1), pooling(2))
    assert same(attention(1), attention(1)) and not same(attention(1), attention(2))
    assert same(np.array([np.nan]), np.array([np.nan])) and not same(np.zeros(2), np.zeros(3))


def test_expected_kinds_are_guessed_from_the_blocks() -> None:
    class Project:
        paradigm = "seq2seq"
        slots = {"model": Graph()}

    project = Project()
    graph = project.slots["model"]
    assert _sequence_kinds(project) == set()
    graph.add_node("TransformerDecoderLayer")
    graph.add_node("LSTM")
    assert _sequence_kinds(project) == {"attention", "recurrent", "bptt"}
    graph.add_node("AttentionPooling")
    graph.add_node("PatchEmbedding")
    assert {"pooling", "patch_attention"} <= _sequence_kinds(project)


@pytest.mark.parametrize("module", SEQ_MODULES)
def test_sequence_panels_do_not_import_torch(module: str) -> None:
    tree = ast.parse((PANELS_DIR / f"{module}.py").read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
            if node.level and node.module.split(".")[0] not in ("base", "sequence_kit"):
                raise AssertionError(f"{module} imports another panel: {node.module}")
    assert "torch" not in names


def test_the_panels_load_without_torch_in_a_fresh_interpreter() -> None:
    env = {k: v for k, v in os.environ.items() if k != "MLSP_BLOCK_QT"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    code = ("import sys\n"
            "import mlsp_studio.gui.panels\n"
            + "".join(f"import mlsp_studio.gui.panels.{m}\n" for m in SEQ_MODULES)
            + "assert 'torch' not in sys.modules, 'torch was imported'\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=120)
    assert result.returncode == 0, result.stderr
