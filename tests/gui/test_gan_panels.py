"""GAN panels: the field draws the verdict, the points, the 3-spread rings and the arrows and
asks for the arrows to be turned off; the sample grid is one mosaic; the balance panel plots
the history; and each takes the snapshots of a real short run."""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import numpy as np
from gan_snapshot_cases import balance, field, samples
from panel_helpers import panel_and_options, show_panel
from PySide6.QtWidgets import QApplication

from mlsp_studio.engine.engine import Engine
from mlsp_studio.model.presets import load_preset
from mlsp_studio.paradigms.gan.snapshots import GanField

SIZE = (640, 560)


def test_field_draws_verdict_points_rings_and_arrows(qtbot) -> None:
    p, asked = panel_and_options(qtbot, "gan_field", SIZE)
    snap = field(1)
    p.show_snapshot(snap)
    np.testing.assert_allclose(p.image.image, snap.probs)
    assert len(p.fake.data) == 500 and len(p.real.data) == 500
    x, _ = p.arrows.getData()
    assert len(x) == 100 * 3 * 2          # shaft and two head strokes per arrow, as pairs
    x, _ = p.circles.getData()
    assert np.isfinite(x).sum() == 8 * 33  # one dashed ring per mode
    assert "arrows" in p.heading.text() and "step 100" in p.heading.text()
    p.arrows_box.setChecked(False)
    assert asked == [("show_arrows", False)]
    p.show_snapshot(GanField(step=2, xs=snap.xs, ys=snap.ys, probs=snap.probs,
                             real=snap.real, fake=snap.fake))
    assert len(p.arrows.getData()[0]) == 0 and "arrows" not in p.heading.text()
    p.show_snapshot(field(3))  # a new run draws arrows again: it is told they are off
    assert asked[-1] == ("show_arrows", False) and len(asked) == 2
    p.show_snapshot(field(3))
    assert len(asked) == 2  # once per step, not on every picture
    p.arrows_box.setChecked(True)
    assert asked[-1] == ("show_arrows", True)


def test_sample_grid_is_one_mosaic_with_gaps(qtbot) -> None:
    p = show_panel(qtbot, "gan_samples", SIZE)
    p.show_snapshot(samples(1))
    image = p.image.image
    assert image.shape == (8 * 9 - 1, 8 * 9 - 1)
    assert np.isnan(image[8]).all() and np.isnan(image[:, 8]).all()
    np.testing.assert_allclose(image[:8, :8], samples(1).images[0], rtol=1e-6)
    assert p.image.levels.tolist() == [0.0, 1.0]
    assert "fixed noise" in p.heading.text() and "chance" in p.heading.text()


def test_balance_plots_the_history(qtbot) -> None:
    p = show_panel(qtbot, "gan_balance", SIZE)
    snap = balance(0)
    p.show_snapshot(snap)
    x, y = p.fake.getData()
    assert len(x) == 300
    np.testing.assert_allclose(y, snap.d_fake)
    assert "balance" in p.heading.text() and "label flip" in p.heading.text()


def test_panels_take_a_real_short_run(qtbot) -> None:
    shown = {}
    for preset in ("gan-ring", "gan-digits"):
        engine = Engine(load_preset(preset), max_steps=20, threads=1)
        engine.run_blocking()
        for snap in engine.snapshots():
            p = show_panel(qtbot, snap.kind, SIZE)
            p.show_snapshot(snap)
            QApplication.processEvents()
            assert f"step {snap.step}" in p.heading.text()
            shown[snap.kind] = p
    assert set(shown) == {"gan_field", "gan_samples", "gan_balance"}
    assert shown["gan_samples"].image.image.shape == (71, 71)
