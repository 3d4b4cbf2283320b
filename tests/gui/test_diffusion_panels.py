"""Diffusion panels: the t slider redraws the forward process here, with no engine round trip;
the class and guidance controls ask the engine for new samples, and refuse what is out of
range in words."""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
from dataclasses import replace

import numpy as np
from diffusion_snapshot_cases import (
    forward_digits,
    forward_points,
    samples,
    trajectory_digits,
    trajectory_points,
)
from panel_helpers import panel_and_options, show_panel
from PySide6.QtWidgets import QApplication

from mlsp_studio.paradigms.diffusion.snapshots import EACH_CLASS, NO_CLASS, noised

SIZE = (700, 500)


def test_slider_noises_the_points_here(qtbot) -> None:
    p, asked = panel_and_options(qtbot, "diffusion_forward", SIZE)
    snap = forward_points(3)
    p.show_snapshot(snap)
    assert p.slider.maximum() == len(snap.alpha_bar) - 1 == 100
    p.slider.setValue(0)
    x, y = p.scatter.getData()
    assert np.allclose(np.stack([x, y], 1), snap.x0)  # t = 0: the data itself
    p.slider.setValue(40)
    x, y = p.scatter.getData()
    assert np.allclose(np.stack([x, y], 1), noised(snap.alpha_bar, snap.x0, snap.noise, 40))
    p.slider.setValue(100)
    x40 = x
    x, _ = p.scatter.getData()
    assert not np.allclose(x, x40) and "100 of 100" in p.t_label.text()
    assert asked == []  # nothing asked of the engine


def test_slider_noises_the_pictures_here(qtbot) -> None:
    p, asked = panel_and_options(qtbot, "diffusion_forward", SIZE)
    snap = forward_digits(1)
    p.show_snapshot(snap)
    p.slider.setValue(0)
    clean = np.array(p.image.image, copy=True)
    assert clean.shape == (8, 8 * 9 - 1)
    assert np.allclose(clean[::-1][:, :8], snap.x0[0].reshape(8, 8))  # drawn upright
    p.slider.setValue(150)
    noisy = p.image.image
    assert not np.allclose(noisy, clean, equal_nan=True)
    t150 = noised(snap.alpha_bar, snap.x0, snap.noise, 150)[1].reshape(8, 8)
    assert np.allclose(noisy[::-1][:, 9:17], t150)
    assert asked == []


def test_guidance_controls_ask_for_new_samples(qtbot) -> None:
    p, asked = panel_and_options(qtbot, "diffusion_sampling", SIZE)
    p.show_snapshot(trajectory_digits(0))
    assert p.class_box.isEnabled() and p.scale_box.value() == 3.0
    assert p.class_box.currentData() == EACH_CLASS
    assert p.class_box.count() == 12  # each in turn, none, 10 digits
    with qtbot.waitSignal(p.optionChanged) as blocker:
        p.scale_box.setValue(0.5)
    assert blocker.args == ["guidance_scale", 0.5]
    index = p.class_box.findData(7)
    with qtbot.waitSignal(p.optionChanged) as blocker:
        p.class_box.activated.emit(index)
    assert blocker.args == ["guidance_class", 7]
    p.class_box.activated.emit(p.class_box.findData(NO_CLASS))
    assert asked[-1] == ("guidance_class", NO_CLASS)
    # the run's next picture does not undo what the person chose
    p.show_snapshot(trajectory_digits(1))
    assert p.scale_box.value() == 0.5


def test_out_of_range_options_are_refused_in_words(qtbot) -> None:
    p, asked = panel_and_options(qtbot, "diffusion_sampling", SIZE)
    p.show_snapshot(trajectory_digits(0))
    assert not p.ask_scale(25.0)
    assert p.note.isVisible() and "between 0 and 20" in p.note.text()
    assert not p.ask_class(12)
    assert "no class 12" in p.note.text() and "0 to 9" in p.note.text()
    assert asked == []
    assert p.ask_scale(20.0) and asked == [("guidance_scale", 20.0)]
    assert not p.note.isVisible()
    assert p.scale_box.maximum() == 20.0 and p.scale_box.minimum() == 0.0


def test_strip_and_samples(qtbot) -> None:
    p = show_panel(qtbot, "diffusion_sampling", SIZE)
    p.show_snapshot(trajectory_digits(0))
    strip = p.strip_image.image
    assert strip.shape[1] == 4 * (4 * 9 - 1) + 3 * 9  # four 4 × 4 mosaics a row, gaps between
    assert [item.textItem.toPlainText() for item in p.frame_labels][0] == "t = 200"
    assert not p.samples_plot.isVisible()  # pictures: no 2-D scatter
    p.show_snapshot(trajectory_points(0))
    assert p.strip_image.image is None and len(p.strip_points.getData()[0]) == 8 * 500
    assert not p.class_box.isEnabled()  # not told the class: nothing to steer
    p.show_snapshot(samples(0))
    QApplication.processEvents()
    assert p.samples_plot.isVisible()
    assert len(p.sample_points.getData()[0]) == 500 and len(p.data_points.getData()[0]) == 400
    p.reset()
    assert not p.frame_labels and not p.samples_plot.isVisible()


def test_the_same_examples_are_not_drawn_again(qtbot) -> None:
    p = show_panel(qtbot, "diffusion_forward", SIZE)
    p.show_snapshot(forward_points(3))
    p.slider.setValue(30)
    drawn = p.scatter.data
    later = replace(forward_points(3), step=99)
    p.show_snapshot(later)
    assert p.scatter.data is drawn and "step 99" in p.plot.titleLabel.text
    p.show_snapshot(forward_points(4))  # other examples: drawn
    assert p.scatter.data is not drawn
