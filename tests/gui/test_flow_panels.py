"""Normalizing-flow panels: the density is drawn as exp(log p) over its grid with the data on
top, the samples over the data, and the layers slider picks a stage of the grid here, with
no round trip to the engine."""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
from dataclasses import replace

import numpy as np
import pytest
from flow_snapshot_cases import density, layers, samples

from mlsp_studio.gui.panels import PANELS
from mlsp_studio.paradigms.flow.snapshots import (
    FlowDensity,
    FlowLayers,
    density_picture,
    log_density_picture,
    stage_lines,
)


def _panel(qtbot, name: str):
    panel = PANELS.get(name)()
    qtbot.addWidget(panel)
    panel.resize(640, 520)
    panel.show()
    asked: list[tuple] = []
    panel.optionChanged.connect(lambda n, v: asked.append((n, v)))
    return panel, asked


def _xy(item) -> np.ndarray:
    x, y = item.getData()
    return np.stack([np.asarray(x), np.asarray(y)], 1) if x is not None else np.zeros((0, 2))


def test_density_is_drawn_over_its_grid_with_the_data(qtbot) -> None:
    p, asked = _panel(qtbot, "flow_density")
    snap = density(2)
    p.show_snapshot(snap)
    assert p.log_box.isChecked()  # log p(x) first: the leaks between the clouds show
    values, levels = log_density_picture(snap)
    assert np.allclose(p.image.image, values.astype(np.float32))
    assert np.allclose(p.image.levels, levels) and levels[1] - levels[0] == 10.0
    assert levels[1] == pytest.approx(np.max(snap.log_density))
    assert p.colour_bar.getAxis("left").labelText == "log p(x), nats"
    assert "log p(x) — step 2" in p.heading.text()
    p.log_box.setChecked(False)  # p(x) itself, drawn here from the same snapshot
    picture, top = density_picture(snap)
    assert np.allclose(p.image.image, picture.astype(np.float32))
    assert np.allclose(p.image.levels, (0.0, top))
    assert p.colour_bar.getAxis("left").labelText == "density p(x)"
    rect = p.image.mapRectToParent(p.image.boundingRect())
    assert rect.left() == pytest.approx(snap.xs[0]) and rect.right() == pytest.approx(snap.xs[-1])
    assert rect.top() == pytest.approx(snap.ys[0]) and rect.bottom() == pytest.approx(snap.ys[-1])
    assert np.allclose(_xy(p.data), snap.data)
    heading = p.heading.text()
    assert "density p(x) — step 2" in heading and "validation NLL -0.78 nats" in heading
    assert "gap 0.29" in heading
    p.show_snapshot(FlowDensity(step=3, data=snap.data))  # no grid: the points only
    assert not p.image.isVisible() and "no density grid yet" in p.heading.text()
    assert asked == []


def test_samples_are_drawn_over_the_data(qtbot) -> None:
    p, _ = _panel(qtbot, "flow_samples")
    snap = samples(1)
    p.show_snapshot(snap)
    assert np.allclose(_xy(p.samples), snap.samples) and np.allclose(_xy(p.data), snap.data)
    assert p.heading.text().startswith("500 samples from the flow")
    p.reset()
    assert len(_xy(p.samples)) == 0 and "waiting" in p.heading.text()


def test_slider_picks_a_stage_of_the_grid_here(qtbot) -> None:
    p, asked = _panel(qtbot, "flow_layers")
    snap = layers(0, couplings=6)
    p.show_snapshot(snap)
    assert p.slider.maximum() == 6 and p.slider.value() == 6  # the data's plane first
    rows, columns = stage_lines(snap, 6)
    assert np.allclose(_xy(p.rows), rows, equal_nan=True)
    assert np.allclose(_xy(p.columns), columns, equal_nan=True)
    assert np.allclose(_xy(p.data), snap.data)  # the data under the last stage only
    assert "all 6 couplings undone" in p.heading.text() and p.stage_label.text() == "6 of 6"
    p.slider.setValue(0)
    rows, _ = stage_lines(snap, 0)
    assert np.allclose(_xy(p.rows), rows, equal_nan=True)
    assert np.allclose(_xy(p.points), snap.points[0]) and len(_xy(p.data)) == 0
    assert "the Gaussian's plane" in p.heading.text()
    p.slider.setValue(3)
    assert np.allclose(_xy(p.points), snap.points[3])
    assert "3 of 6 couplings undone (in the model's units)" in p.heading.text()
    p.show_snapshot(replace(snap, step=9))  # a new picture keeps the stage a person chose
    assert p.slider.value() == 3 and "step 9" in p.heading.text()
    fewer = layers(1, couplings=2)
    p.show_snapshot(fewer)  # fewer couplings: the slider shrinks, the stage is clamped
    assert p.slider.maximum() == 2 and p.slider.value() == 2
    assert asked == []  # nothing asked of the engine


def test_layers_that_cannot_be_drawn_are_said_in_words(qtbot) -> None:
    p, _ = _panel(qtbot, "flow_layers")
    p.show_snapshot(layers(0))
    p.show_snapshot(FlowLayers(step=4, lines=np.zeros((3, 4, 5, 2)), points=np.zeros((2, 7, 2))))
    assert "none to show" in p.heading.text() and len(_xy(p.rows)) == 0
    p.show_snapshot(layers(1))
    assert len(_xy(p.rows)) > 0
