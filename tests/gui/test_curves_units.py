"""The curves and the run list say what the loss is, in which unit, and on which set each
number was measured."""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import math

from panel_helpers import show_panel

from mlsp_studio.gui.panels.curves import CurvesPanel
from mlsp_studio.gui.panels.runs import RunsPanel, comparison_title, final_text
from mlsp_studio.model.metric_units import loss_meaning
from mlsp_studio.model.presets import load_preset


def _records() -> list:
    return [(s, "train", "loss", 1.0 / (s + 1)) for s in range(20)] + [
        (10, "val", "loss", 0.2), (10, "val", "accuracy", 0.9), (19, "val", "loss", 0.1),
        (19, "val", "accuracy", 0.95)]


def _title(panel: CurvesPanel, metric: str) -> str:
    return panel.plots[metric].titleLabel.text


def test_a_classifiers_loss_plot_says_cross_entropy_in_nats(qtbot) -> None:
    p = show_panel(qtbot, CurvesPanel())
    p.start_run(load_preset("spiral"))
    p.add_metrics(_records())
    p.redraw()
    assert p.loss_words.text() == "Loss: cross-entropy, nats"
    loss = _title(p, "loss")
    assert loss.startswith("Loss (nats)") and "latest validation" in loss
    assert p.plots["loss"].getAxis("left").labelText == "nats"
    assert "latest validation: 95.0%" in _title(p, "accuracy")  # the set and a percentage
    legend = [label.text for _, label in p.legend.items]
    assert legend == ["training (each step)", "validation"]


def test_an_autoencoders_loss_plot_says_mean_squared_error(qtbot) -> None:
    p = show_panel(qtbot, CurvesPanel())
    p.start_run(load_preset("autoencoder-digits"))
    p.add_metrics(_records())
    p.redraw()
    assert p.loss_words.text() == "Loss: mean squared error of the reconstruction"
    title = _title(p, "loss")
    assert title.startswith("Loss (MSE)")
    assert "nats" not in title and not p.plots["loss"].getAxis("left").labelText
    p.reset()  # another run may be of another paradigm: the words wait for it
    assert _title(p, "loss") == "Loss" and not p.loss_words.text()


def test_a_character_models_bits_per_character_have_their_own_plot(qtbot) -> None:
    p = show_panel(qtbot, CurvesPanel())
    p.start_run(load_preset("gpt-chars"))
    p.add_metrics([(5, "val", "loss", 2.0), (5, "val", "bits_per_char", 2.0 / math.log(2))])
    p.redraw()
    assert p.loss_words.text() == "Loss: cross-entropy per character, nats"
    assert _title(p, "loss").startswith("Loss (nats)")
    bits = _title(p, "bits_per_char")
    assert bits.startswith("Bits per character") and "latest validation: 2.885" in bits
    assert p.plots["bits_per_char"].getAxis("left").labelText == "bits"


def test_runs_compared_name_the_unit_and_the_set(qtbot) -> None:
    p = show_panel(qtbot, RunsPanel())
    run = p.begin_run("spiral")
    run.project = load_preset("spiral")
    p.add_metrics(_records())
    p.end_run({"test_loss": 0.1, "test_accuracy": 0.93, "unigram_loss": 1.0})
    p.redraw()
    title = p.plot.titleLabel.text
    assert title.startswith("Loss (cross-entropy, nats)") and "validation set" in title
    final = p.item(0).text(4)
    assert final == "test set: accuracy 93.0%, loss 0.1 nats; unigram loss 1 nats"
    assert "accuracy (test set): 93.0%" in p.item(0).toolTip(4)


def test_a_comparison_of_different_losses_says_so() -> None:
    classes, numbers = (loss_meaning(load_preset(n)) for n in ("spiral", "regression-sine"))
    title = comparison_title("loss", ["val", "train"], {str(classes): classes,
                                                        str(numbers): numbers})
    assert "differs between these runs" in title and "nats" not in title
    assert "validation set; training (each step)" in title
    assert final_text({"test_loss": 0.25}, loss=numbers) == "test set: loss 0.25 (MSE)"


def test_the_window_tells_the_curves_what_its_runs_loss_is(ready_window, qtbot) -> None:
    window = ready_window("regression-sine")
    window.on_run()
    runs = window.panels["runs"]
    qtbot.waitUntil(lambda: len(runs.runs) == 1 and runs.runs[0].done, timeout=120_000)
    curves = window.panels["curves"]
    assert curves.loss_words.text() == "Loss: mean squared error"
    assert curves.plots["loss"].titleLabel.text.startswith("Loss (MSE)")
    assert "(MSE)" in runs.item(0).text(4) and "test" in runs.item(0).text(4)
