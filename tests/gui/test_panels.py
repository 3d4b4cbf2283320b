"""Every live panel: takes its snapshots (degenerate ones too), updates its items in place,
keeps a bounded metric history, refuses other threads, and survives thousands of repaints."""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import sys

import numpy as np
import pyqtgraph as pg
import pytest
from autoencoder_snapshot_cases import AE_ORDINARY, AE_SNAPSHOTS
from contrastive_snapshot_cases import CONTRASTIVE_ORDINARY, CONTRASTIVE_SNAPSHOTS
from diffusion_snapshot_cases import DIFFUSION_ORDINARY, DIFFUSION_SNAPSHOTS
from flow_snapshot_cases import FLOW_ORDINARY, FLOW_SNAPSHOTS
from gan_snapshot_cases import GAN_ORDINARY, GAN_SNAPSHOTS
from lab_snapshot_cases import LAB_ORDINARY, LAB_SNAPSHOTS
from math_snapshot_cases import MATH_ORDINARY, MATH_SNAPSHOTS
from panel_helpers import assert_items_kept, errors_from_another_thread, show_panel
from PySide6.QtWidgets import QApplication
from seq_snapshot_cases import SEQ_ORDINARY, SEQ_SNAPSHOTS
from text_snapshot_cases import TEXT_ORDINARY, TEXT_SNAPSHOTS

from mlsp_studio.gui.panels import PANELS, Panel, PanelRegistry, assert_gui_thread
from mlsp_studio.gui.panels.curve_kit import CAP, MetricHistory
from mlsp_studio.gui.panels.curves import CurvesPanel
from mlsp_studio.snapshots.kinds import (
    SNAPSHOT_KINDS,
    ConfusionMatrix,
    DecisionBoundary,
    FeatureMaps,
    Kernels,
    RegressionFit,
)

NAN = np.nan


def _boundary(seed: int = 0, classes: int = 3, h: int = 12, w: int = 15) -> DecisionBoundary:
    rng = np.random.default_rng(seed)
    probs = rng.random((h, w, classes))
    return DecisionBoundary(step=seed, xs=np.linspace(-1, 1, w), ys=np.linspace(-2, 2, h),
                            probs=probs / probs.sum(-1, keepdims=True),
                            points=rng.normal(size=(40, 2)),
                            labels=rng.integers(0, classes, 40),
                            class_names=tuple(f"class {k}" for k in range(classes)))


def _regression(seed: int = 0, n: int = 30) -> RegressionFit:
    rng = np.random.default_rng(seed)
    x = np.linspace(-3, 3, n)
    return RegressionFit(step=seed, points_x=rng.uniform(-3, 3, n), points_y=rng.normal(size=n),
                         curve_x=x, curve_y=np.sin(x) + 0.1 * seed, truth_y=np.sin(x))


def _confusion(seed: int = 0, k: int = 4) -> ConfusionMatrix:
    rng = np.random.default_rng(seed)
    return ConfusionMatrix(step=seed, matrix=rng.integers(0, 20, (k, k)),
                           class_names=tuple(str(i) for i in range(k)))


def _maps(seed: int = 0) -> FeatureMaps:
    rng = np.random.default_rng(seed)
    return FeatureMaps(step=seed, index=2, input=rng.random((1, 8, 8)), label="7",
                       layers=(("conv1", rng.normal(size=(6, 8, 8))),
                               ("conv2", rng.normal(size=(20, 4, 4)))))


def _kernels(seed: int = 0) -> Kernels:
    rng = np.random.default_rng(seed)
    return Kernels(step=seed, layers=(("conv1", rng.normal(size=(8, 1, 3, 3))),))


# The first of each list is an ordinary snapshot; the rest are degenerate.
SNAPSHOTS = {
    "boundary": lambda: [
        _boundary(),
        _boundary(classes=1),
        DecisionBoundary(step=1, xs=np.zeros(1), ys=np.zeros(1), probs=np.full((1, 1, 2), 0.5),
                         points=np.zeros((1, 2)), labels=np.zeros(1, dtype=int)),
        DecisionBoundary(step=1, xs=np.linspace(0, 1, 4), ys=np.linspace(0, 1, 3),
                         probs=np.full((3, 4, 1), 0.7), class_names=("no", "yes")),
        DecisionBoundary(step=2, xs=np.linspace(0, 1, 3), ys=np.linspace(0, 1, 3),
                         probs=np.full((3, 3, 3), NAN), points=np.array([[NAN, 1.0]]),
                         labels=np.array([7])),
        DecisionBoundary(step=3),
    ],
    "regression_fit": lambda: [
        _regression(),
        RegressionFit(step=1, points_x=np.ones(1), points_y=np.ones(1), curve_x=np.ones(1),
                      curve_y=np.ones(1)),
        RegressionFit(step=2, points_x=np.array([0.0, NAN]), points_y=np.array([1.0, 2.0]),
                      curve_x=np.linspace(0, 1, 5), curve_y=np.full(5, NAN),
                      truth_y=np.array([1.0])),
        RegressionFit(step=3),
    ],
    "confusion": lambda: [
        _confusion(),
        ConfusionMatrix(step=1, matrix=np.array([[5]])),
        ConfusionMatrix(step=2, matrix=np.zeros((3, 3))),
        ConfusionMatrix(step=3, matrix=np.array([[1.0, NAN, 2.0], [0.0, 3.0, np.inf]])),
        ConfusionMatrix(step=4, matrix=np.ones((30, 30), dtype=int)),
        ConfusionMatrix(step=5),
    ],
    "feature_maps": lambda: [
        _maps(),
        FeatureMaps(step=1, input=np.sin(np.linspace(0, 9, 64)),
                    layers=(("conv1d", np.random.default_rng(0).normal(size=(4, 30))),)),
        FeatureMaps(step=2, input=np.random.default_rng(1).random((3, 6, 6)),
                    layers=(("c", np.full((1, 1, 1), NAN)),)),
        FeatureMaps(step=3, input=np.full((1, 1, 1), NAN), layers=(("c", np.zeros((2, 0, 0))),)),
        FeatureMaps(step=4),
    ],
    "kernels": lambda: [
        _kernels(),
        Kernels(step=1, layers=(("conv", np.random.default_rng(0).normal(size=(4, 3, 3, 3))),
                                ("conv2", np.zeros((2, 4, 3, 3))))),
        Kernels(step=2, layers=(("conv1d", np.random.default_rng(0).normal(size=(5, 2, 7))),)),
        Kernels(step=3, layers=(("dense", np.full((3, 4), NAN)),)),
        Kernels(step=4, layers=(("c", np.ones((1, 1, 1, 1))),)),
        Kernels(step=5, layers=(("empty", np.zeros((0, 1, 3, 3))),)),
        Kernels(step=6),
    ],
}
ORDINARY = {"boundary": _boundary, "regression_fit": _regression, "confusion": _confusion,
            "feature_maps": _maps, "kernels": _kernels}
SNAPSHOTS.update(SEQ_SNAPSHOTS)  # the sequence and attention panels (seq_snapshot_cases.py)
ORDINARY.update(SEQ_ORDINARY)
SNAPSHOTS.update(TEXT_SNAPSHOTS)  # generation, fill in the blank, word vectors
ORDINARY.update(TEXT_ORDINARY)
for _cases, _ordinary in ((AE_SNAPSHOTS, AE_ORDINARY), (GAN_SNAPSHOTS, GAN_ORDINARY),
                          (DIFFUSION_SNAPSHOTS, DIFFUSION_ORDINARY),
                          (FLOW_SNAPSHOTS, FLOW_ORDINARY),
                          (CONTRASTIVE_SNAPSHOTS, CONTRASTIVE_ORDINARY),
                          (LAB_SNAPSHOTS, LAB_ORDINARY), (MATH_SNAPSHOTS, MATH_ORDINARY)):
    SNAPSHOTS.update(_cases)  # the generative and self-supervised panels
    ORDINARY.update(_ordinary)


def _records(start: int, n: int) -> list[tuple[int, str, str, float]]:
    steps = range(start, start + n)
    records = [(s, "train", "loss", 1.0 / (1 + s)) for s in steps]
    records += [(s, "train", "accuracy", 0.5) for s in steps]
    records += [(s, "val", "loss", 1.0 / (1 + s)) for s in steps if s % 50 == 0]
    return records


@pytest.fixture(params=PANELS.names())
def panel(request, qtbot) -> Panel:
    return show_panel(qtbot, request.param)


def test_registry_lists_every_kind_and_refuses_duplicates() -> None:
    drawn = set().union(*(cls.kinds for cls in PANELS))
    assert drawn == set(SNAPSHOT_KINDS)
    assert [cls.name for cls in PANELS if cls.wants_metrics] == ["curves", "runs"]
    for cls in PANELS:
        assert cls.title and issubclass(cls, Panel)
        assert cls.row in ("top", "bottom"), cls.name
    assert [cls.name for cls in PANELS if cls.row == "top"] == ["curves", "confusion", "runs"]
    with pytest.raises(ValueError, match="already registered"):
        PANELS.register(CurvesPanel)
    fresh = PanelRegistry()
    fresh.register(CurvesPanel)
    assert fresh.names() == ["curves"] and fresh.get("curves") is CurvesPanel
    with pytest.raises(KeyError):
        fresh.get("nope")


def test_create_all_makes_one_of_each(qtbot) -> None:
    panels = PANELS.create_all(None)
    for p in panels.values():
        qtbot.addWidget(p)
    assert list(panels) == PANELS.names()
    assert all(type(p) is PANELS.get(name) for name, p in panels.items())


def test_panel_takes_its_snapshots_and_keeps_its_items(panel: Panel, qtbot) -> None:
    for kind in sorted(panel.kinds):
        for snapshot in SNAPSHOTS[kind]():
            panel.show_snapshot(snapshot)
            QApplication.processEvents()
        assert_items_kept(panel, ORDINARY[kind], kind)
    panel.add_metrics([])
    panel.redraw()
    for dark in (True, False):
        panel.set_dark(dark)
    panel.grab()
    panel.reset()
    panel.grab()


@pytest.mark.parametrize("kind,attr", [("boundary", "image"), ("boundary", "scatter"),
                                       ("regression_fit", "model"), ("confusion", "image")])
def test_named_items_are_created_once(qtbot, kind: str, attr: str) -> None:
    cls = next(c for c in PANELS if kind in c.kinds)
    p = show_panel(qtbot, cls())
    p.show_snapshot(ORDINARY[kind](1))
    item = getattr(p, attr)
    p.show_snapshot(ORDINARY[kind](2))
    assert getattr(p, attr) is item and item.scene() is not None


def test_feature_tiles_are_rebuilt_only_when_the_layout_changes(qtbot) -> None:
    p = show_panel(qtbot, "features")
    p.show_snapshot(_maps(1))
    p.show_snapshot(_kernels(1))
    images = [id(i) for t in p.map_tiles for i in t.images]
    kernels = p.kernel_tiles
    p.show_snapshot(_maps(2))
    p.show_snapshot(_kernels(2))
    assert [id(i) for t in p.map_tiles for i in t.images] == images
    assert p.kernel_tiles is kernels
    p.show_snapshot(SNAPSHOTS["feature_maps"]()[1])  # 1-D maps: a new layout
    assert p.map_tiles[0].curves and not p.map_tiles[0].images


def test_feature_tiles_are_one_mosaic_per_layer(qtbot) -> None:
    p = show_panel(qtbot, "features")
    p.show_snapshot(_maps(1))
    p.show_snapshot(_kernels(1))
    assert all(len(t.images) == 1 for t in p.map_tiles) and len(p.kernel_tiles.images) == 1
    conv2 = p.map_tiles[2]  # 20 channels of 4×4: the first 16 in a row, a pixel apart
    mosaic = conv2.images[0].image
    assert mosaic.shape == (4, 16 * 4 + 15)
    cells = [mosaic[:, 5 * c:5 * c + 4] for c in range(16)]
    for cell in cells:  # each channel scaled by its own levels
        assert cell.min() == pytest.approx(0.0, abs=1e-6)
        assert cell.max() == pytest.approx(1.0, abs=1e-6)
    assert np.isnan(mosaic[:, 4::5]).all()  # transparent between the cells
    w = _kernels(1).layers[0][1][:, 0]
    kernels = p.kernel_tiles.images[0].image  # shared levels, zero in the middle
    np.testing.assert_allclose(kernels[:, :3], 0.5 + 0.5 * w[0] / np.abs(w).max(), rtol=1e-5)


def test_example_picker_asks_for_another_example(qtbot) -> None:
    p = show_panel(qtbot, "features")
    with qtbot.waitSignal(p.optionChanged) as blocker:
        p.example.setValue(5)
    assert blocker.args == ["feature_index", 5]


def test_curves_buffer_until_redraw(qtbot) -> None:
    p = show_panel(qtbot, CurvesPanel())
    p.add_metrics(_records(0, 100))
    assert p.dirty and not p.curves  # nothing drawn yet
    p.redraw()
    assert not p.dirty
    curve = p.curves[("loss", "train")]
    x, y = curve.getData()
    assert len(x) == 100 and y[0] == pytest.approx(1.0)
    p.add_metrics(_records(100, 10))
    p.redraw()
    assert p.curves[("loss", "train")] is curve and len(curve.getData()[0]) == 110
    assert set(p.plots) == {"loss", "accuracy"}
    p.add_metrics([(5, "val", "loss", float("nan")), (6, "val", "loss", "oops")])
    p.redraw()
    assert p.warning.isVisible() and "not a number" in p.warning.text()
    p.reset()
    assert not p.curves and not p.history and set(p.plots) == {"loss"}


def test_a_million_steps_keep_the_history_bounded(qtbot) -> None:
    p = show_panel(qtbot, CurvesPanel())
    chunk = 20_000
    for start in range(0, 1_000_000, chunk):
        p.add_metrics(_records(start, chunk))
        if start % 200_000 == 0:
            p.redraw()
    p.redraw()
    for history in p.history.values():
        assert history.steps.size == CAP and history.values.size == CAP
        assert history.n <= CAP
    x, y = p.curves[("loss", "train")].getData()
    assert 0 < len(x) <= CAP + 1
    assert x[0] < 1_000_000 / CAP and x[-1] > 999_000  # the whole run is still there
    assert np.all(np.diff(x) > 0) and np.all(np.isfinite(y))


def test_history_averages_merged_points() -> None:
    h = MetricHistory(cap=8)
    h.extend(np.arange(20.0), np.arange(20.0))
    x, y = h.data()
    assert h.n <= 8 and h.stride == 4
    assert np.allclose(x, y) and x[0] == pytest.approx(1.5) and x[-1] == pytest.approx(17.5)


def test_log_scale_box(qtbot) -> None:
    p = show_panel(qtbot, CurvesPanel())
    p.add_metrics(_records(0, 300) + [(300, "train", "loss", 0.0), (301, "train", "loss", -1.0)])
    p.redraw()
    p.log_box.setChecked(True)
    assert p.plots["loss"].getAxis("left").logMode
    assert not p.plots["accuracy"].getAxis("left").logMode
    assert "log scale" in p.plots["loss"].titleLabel.text
    p.grab()
    p.log_box.setChecked(False)
    assert not p.plots["loss"].getAxis("left").logMode


def test_gui_thread_is_enforced(qtbot) -> None:
    p = show_panel(qtbot, CurvesPanel())
    assert_gui_thread()
    errors = errors_from_another_thread(
        assert_gui_thread, lambda: p.add_metrics([(1, "train", "loss", 1.0)]), p.redraw,
        p.reset, lambda: p.show_snapshot(_boundary()))
    assert len(errors) == 5 and "GUI thread" in str(errors[0])
    assert not p.history


def test_repainting_a_plot_does_not_over_release_none(qtbot) -> None:
    """Guards against the PySide6 6.12.0 trap (DESIGN.md, "Known traps").

    On CPython 3.11, PySide6 6.12.0 drops one reference too many to ``None``/``True`` when
    a Python override of a Qt virtual method (``paint``, ``boundingRect``, … which pyqtgraph
    items all are) returns them. Every repaint of a live plot then lowers the reference count
    of ``None`` until it reaches zero and the interpreter aborts ("none_dealloc"), within a
    minute of training. A sound binding leaves the count steady (or lets it creep up); this
    test repaints a plot a few thousand times, checking every ten repaints, and fails while
    the interpreter can still report it if the count of ``None`` or ``True`` falls.
    """

    class CountingCurve(pg.PlotCurveItem):
        paints = 0

        def paint(self, painter, *args) -> None:
            CountingCurve.paints += 1
            super().paint(painter, *args)

    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    widget.resize(320, 240)
    curve = CountingCurve(pen="b")
    widget.addItem(curve)
    widget.show()
    x = np.linspace(0, 1, 200)
    rng = np.random.default_rng(0)

    def repaint() -> None:
        curve.setData(x, rng.random(200))
        widget.repaint()
        QApplication.processEvents()

    for _ in range(5):  # warm up caches before counting
        repaint()
    before = sys.getrefcount(None), sys.getrefcount(True)
    repaints = 3000
    for i in range(repaints):
        repaint()
        if i % 10 == 0:  # fail while the interpreter still can: the trap aborts within ~100
            now = sys.getrefcount(None), sys.getrefcount(True)
            assert now[0] >= before[0] - 50 and now[1] >= before[1] - 50, (
                f"after {i + 1} repaints the reference counts of None and True fell from "
                f"{before} to {now}: this Qt binding over-releases them (PySide6 6.12.0?)")
    assert CountingCurve.paints >= repaints  # the Python override really ran
