"""The autoencoder panels: the noise slider asks the engine for another level, the threshold
slider moves the rates and the ROC point without asking anything, the latent legend lists the
classes present."""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import math

import numpy as np
import pytest
from autoencoder_snapshot_cases import anomaly, latent, reconstructions
from panel_helpers import show_panel

from mlsp_studio.paradigms.autoencoder.snapshots import AnomalyScores, rates_at
from mlsp_studio.snapshots.kinds import Reconstructions

SIZE = (640, 440)


def test_the_noise_slider_asks_for_another_noise_level(qtbot) -> None:
    p = show_panel(qtbot, "reconstructions", SIZE)
    p.show_snapshot(reconstructions(noise="salt_pepper"))
    assert p.noise_row.isVisible() and p.slider.value() == 20  # the snapshot's level
    with qtbot.waitSignal(p.optionChanged) as blocker:
        p.slider.setValue(65)
    assert blocker.args == ["noise_level_view", 0.65]
    p.show_snapshot(reconstructions(seed=3))  # a later picture keeps the person's level
    assert p.slider.value() == 65


def test_without_noise_there_is_no_slider_and_two_rows(qtbot) -> None:
    p = show_panel(qtbot, "reconstructions", SIZE)
    p.show_snapshot(reconstructions(noise="none"))
    assert not p.noise_row.isVisible()
    assert [item.isVisible() for item in p.grid.row_labels] == [True, True, False]
    assert p.grid.row_labels[1].toPlainText() == "rebuilt"
    image = p.grid.image.image
    assert image.shape == (2 * 8 + 1, 8 * 8 + 7 * 1)  # two rows of eight 8×8 pictures
    assert np.isnan(image[8]).all()  # a transparent line between the rows


def test_two_dimensional_points_are_drawn_as_points(qtbot) -> None:
    p = show_panel(qtbot, "reconstructions", SIZE)
    rng = np.random.default_rng(0)
    inputs = rng.normal(size=(50, 2))
    p.show_snapshot(Reconstructions(step=1, inputs=inputs, outputs=0.5 * inputs,
                                    labels=("0",) * 50, mse=0.1))
    assert p.pairs.isVisible() and not p.grid.isVisible()
    x, y = p.pairs.outputs.getData()
    assert np.allclose(x, 0.5 * inputs[:, 0]) and len(y) == 50
    assert len(p.pairs.links.getData()[0]) == 100  # one line per point: input to rebuilt
    p.show_snapshot(reconstructions())  # pictures again
    assert p.grid.isVisible() and not p.pairs.isVisible()


def test_the_threshold_slider_moves_the_rates_and_the_point(qtbot) -> None:
    p = show_panel(qtbot, "anomaly", SIZE)
    snap = anomaly()
    p.show_snapshot(snap)
    assert p.threshold == pytest.approx(snap.threshold)
    first_text, first_rates = p.rates_label.text(), p.rates
    assert first_rates == rates_at(snap.scores, snap.anomalous, snap.threshold)
    p.slider.setValue(p.slider.maximum())  # flag nothing
    assert p.rates == (0.0, 0.0) and p.rates_label.text() != first_text
    assert "flags 0 % of the anomalies" in p.rates_label.text()
    x, y = p.point.getData()
    assert (x[0], y[0]) == (0.0, 0.0)
    p.slider.setValue(0)  # flag (almost) everything
    tpr, fpr = p.rates
    assert tpr == 1.0 and fpr > 0.9
    assert p.line.value() == pytest.approx(float(np.min(snap.scores)))


def test_the_threshold_stays_local_to_the_panel(qtbot) -> None:
    p = show_panel(qtbot, "anomaly", SIZE)
    p.show_snapshot(anomaly())
    sent: list = []
    p.optionChanged.connect(lambda *args: sent.append(args))
    p.slider.setValue(300)
    chosen = p.threshold
    p.show_snapshot(anomaly(seed=4))  # a new picture keeps the person's threshold
    assert not sent and p.threshold == pytest.approx(chosen)
    p.reset()
    p.show_snapshot(anomaly())  # after a reset the suggested threshold again
    assert p.threshold == pytest.approx(anomaly().threshold)


def test_the_roc_curve_and_the_auroc_are_shown(qtbot) -> None:
    p = show_panel(qtbot, "anomaly", SIZE)
    p.show_snapshot(anomaly())
    fpr, tpr = p.curve.getData()
    assert fpr[0] == 0.0 and tpr[-1] == 1.0 and len(fpr) > 10
    assert "AUROC 0.970" in p.heading.text()


def test_only_normal_examples_leave_no_rates(qtbot) -> None:
    p = show_panel(qtbot, "anomaly", SIZE)
    p.show_snapshot(AnomalyScores(step=1, scores=np.array([0.1, 0.2, 0.3]),
                                  anomalous=np.zeros(3, dtype=bool), threshold=0.15))
    assert math.isnan(p.rates[0]) and "Needs normal and anomalous" in p.rates_label.text()


def test_the_latent_legend_lists_the_classes_present(qtbot) -> None:
    p = show_panel(qtbot, "latent", SIZE)
    p.show_snapshot(latent(classes=3))
    assert p.legend.isVisible() and p.legend.text().count("&#9679;") == 3
    assert len(p.scatter.data) == 200
    assert "80.0 %" in p.status.text()
    p.show_snapshot(latent(method="pca", dim=16))
    assert "16-number code" in p.plot.getAxis("bottom").labelText


def test_dragging_the_threshold_line_moves_the_slider_and_rates(qtbot) -> None:
    p = show_panel(qtbot, "anomaly", SIZE)
    snap = anomaly()
    p.show_snapshot(snap)
    before = p.slider.value()
    value = float(np.quantile(snap.scores, 0.9))
    p.line.setValue(value)  # what a drag does
    assert p.threshold == pytest.approx(value)
    assert p.slider.value() > before
    assert p.rates == rates_at(snap.scores, snap.anomalous, value)
