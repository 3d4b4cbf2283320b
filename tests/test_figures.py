"""Headless figure export: every snapshot kind and the metric curves become readable PNGs
that draw their data: the figure's images, lines, points and texts are checked against the
snapshot or records drawn (through the ``drawn`` fixture), and the PNG against a blank page."""

from __future__ import annotations

import math
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from mlsp_studio.report.figures import (
    FILE_NAMES,
    _decimate,
    curves_figure,
    snapshot_figure,
    write_figures,
)
from mlsp_studio.snapshots.base import SNAPSHOT_KINDS, Snapshot
from mlsp_studio.snapshots.kinds import (
    ConfusionMatrix,
    DecisionBoundary,
    FeatureMaps,
    Kernels,
    RegressionFit,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
REPO_ROOT = Path(__file__).resolve().parents[1]


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the IHDR chunk, after checking the file is a PNG at all."""
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, f"{path.name} is not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def assert_figure_png(path: Path, min_height: int = 250, max_height: int = 2000,
                      min_ink: float = 0.005) -> None:
    """A PNG of a figure's size with something drawn on it: read back, more than
    ``min_ink`` of its pixels differ from its background (a sentence alone covers about 1 %)."""
    from figure_checks import Drawn

    width, height = png_size(path)
    assert 500 <= width <= 900, (path.name, width)
    assert min_height <= height <= max_height, (path.name, height)
    assert Drawn.ink(path) > min_ink, f"{path.name} is blank"


# --- what each figure draws, checked on the Figure's artists -----------------------------------

def _legend(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes if ax.get_legend() is not None
            for t in ax.get_legend().get_texts()]


def _rgb(colour) -> np.ndarray:
    from matplotlib.colors import to_rgb

    return np.array(to_rgb(colour))


def _check_boundary(snap: DecisionBoundary, fig, drawn) -> None:
    (image,) = drawn.images(fig)
    assert image.shape[:2] == snap.probs.shape[:2]  # a pixel per cell of the grid
    np.testing.assert_allclose(drawn.points(fig)[0], snap.points)  # the data on top
    names = _legend(fig)
    assert names == list(snap.class_names)
    ax = drawn.axes(fig)[0]
    legend_colours = [_rgb(h.get_markerfacecolor()) for h in ax.get_legend().legend_handles]
    # each point is drawn in its class's colour, as the legend says
    faces = ax.collections[0].get_facecolors()[:, :3]
    for point, label in zip(faces, snap.labels, strict=True):
        np.testing.assert_allclose(point, legend_colours[label], atol=1e-6)
    # where one class is surely the answer, the plane is tinted toward that class's colour
    sure = snap.probs.max(-1) > 0.9
    winner = snap.probs.argmax(-1)
    assert sure.any() or len(names) > 3
    for k in np.unique(winner[sure]):
        tint = (1.0 - image[sure & (winner == k)]).mean(0)
        toward = 1.0 - legend_colours[k]
        assert tint @ toward / (np.linalg.norm(tint) * np.linalg.norm(toward)) > 0.99, k
    assert f"Decision boundary — step {snap.step}" in drawn.texts(fig)


def _check_regression(snap: RegressionFit, fig, drawn) -> None:
    order = np.argsort(snap.curve_x, kind="stable")
    truth, model = drawn.lines(fig)
    np.testing.assert_allclose(model.get_xdata(), snap.curve_x[order])
    np.testing.assert_allclose(model.get_ydata(), snap.curve_y[order])
    np.testing.assert_allclose(truth.get_ydata(), snap.truth_y[order])
    assert truth.get_linestyle() == "--" and model.get_linestyle() == "-"
    (points,) = drawn.points(fig)
    np.testing.assert_allclose(points, np.stack([snap.points_x, snap.points_y], 1))
    assert sorted(_legend(fig)) == ["model", "training points", "true function"]


def _check_confusion(snap: ConfusionMatrix, fig, drawn) -> None:
    matrix = np.asarray(snap.matrix, dtype=float)
    (image,) = drawn.images(fig)
    rows = matrix.sum(1, keepdims=True)
    np.testing.assert_allclose(image, np.divide(matrix, rows, out=np.zeros_like(matrix),
                                                where=rows > 0))  # shares of each true class
    cells = [t.get_text() for t in drawn.axes(fig)[0].texts]
    if len(matrix) <= 20:
        assert cells == [f"{v:.0f}" for v in matrix.ravel()]  # the counts, cell by cell
    else:
        assert cells == []  # too many cells to write in
    if matrix.sum() and matrix.shape[0] == matrix.shape[1]:
        accuracy = 100 * np.trace(matrix) / matrix.sum()
        assert f"accuracy {accuracy:.1f}%" in drawn.text(fig)


def _check_feature_maps(snap: FeatureMaps, fig, drawn) -> None:
    layers = [np.asarray(a) for _, a in snap.layers]
    channels = [c for a in layers for c in a[:16]]
    if np.asarray(snap.input).ndim == 3:  # pictures: the input, then up to 16 maps a layer
        images = drawn.images(fig)
        assert len(images) == 1 + len(channels)
        np.testing.assert_allclose(images[0], snap.input[0])
        for got, want in zip(images[1:], channels, strict=True):
            np.testing.assert_allclose(got, want)
    else:  # signals: a line per input channel, then one per channel of each layer
        lines = drawn.lines(fig)
        assert len(lines) == len(snap.input) + len(channels)
        for line, want in zip(lines, [*snap.input, *channels], strict=True):
            np.testing.assert_allclose(line.get_ydata(), want)
    for name, a in snap.layers:
        shown = "first 16 of " if len(a) > 16 else ""
        assert any(t.startswith(f"{name} — {shown}{len(a)} channel") for t in drawn.texts(fig))


def _check_kernels(snap: Kernels, fig, drawn) -> None:
    name, w = snap.layers[0]
    w = np.asarray(w)
    if w.ndim == 4:
        rows, cols = (min(len(w), 64), 1) if w.shape[1] == 1 else (min(len(w), 8),
                                                                     min(w.shape[1], 8))
        want = [w[i, j] for i in range(rows) for j in range(cols)]
        images = drawn.images(fig)
        assert len(images) == len(want)
        for got, kernel in zip(images, want, strict=True):
            np.testing.assert_allclose(got, kernel)
    elif w.ndim == 3:  # one small plot per filter: a zero line, then a line per input
        for idx, ax in enumerate(drawn.axes(fig)):
            taps = ax.get_lines()[1:]
            assert len(taps) == w.shape[1]
            for j, line in enumerate(taps):
                np.testing.assert_allclose(line.get_ydata(), w[idx, j])
    else:
        (image,) = drawn.images(fig)
        np.testing.assert_allclose(image, w)
    assert any(t.startswith(f"Kernels of {name}") for t in drawn.texts(fig))


CONTENT = {
    "boundary": _check_boundary,
    "boundary-10-classes": _check_boundary,
    "regression": _check_regression,
    "confusion": _check_confusion,
    "confusion-one-class": _check_confusion,
    "confusion-empty-row-long-names": _check_confusion,
    "confusion-40-classes": _check_confusion,
    "feature-maps": _check_feature_maps,
    "feature-maps-signals": _check_feature_maps,
    "kernels": _check_kernels,
    "kernels-many-inputs": _check_kernels,
    "kernels-1d": _check_kernels,
    "kernels-dense": _check_kernels,
}
# what an empty snapshot says instead of a picture
MESSAGES = {
    "boundary-empty": "No grid and no points to show yet",
    "regression-empty": "No points and no model curve to show yet",
    "confusion-empty": "No predictions counted yet",
    "feature-maps-empty": "No feature maps yet",
    "kernels-empty": "No convolution weights to show",
}


def _boundary(n_classes: int = 3, grid: int = 40, step: int = 1200) -> DecisionBoundary:
    rng = np.random.default_rng(0)
    xs = np.linspace(-3, 3, grid)
    xx, yy = np.meshgrid(xs, xs)
    logits = np.stack([xx * math.cos(k) + yy * math.sin(k) for k in range(n_classes)], -1)
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    labels = rng.integers(0, n_classes, 200)
    points = rng.normal(size=(200, 2)) + np.stack([np.cos(labels), np.sin(labels)], 1) * 2
    return DecisionBoundary(step=step, xs=xs, ys=xs, probs=probs, points=points, labels=labels,
                            class_names=tuple(f"kind {k}" for k in range(n_classes)))


def _regression() -> RegressionFit:
    rng = np.random.default_rng(1)
    x = rng.uniform(-3, 3, 60)
    grid = np.linspace(-3, 3, 100)
    return RegressionFit(step=40, points_x=x, points_y=np.sin(x) + rng.normal(0, 0.2, 60),
                         curve_x=grid, curve_y=0.9 * np.sin(grid), truth_y=np.sin(grid))


def _confusion(k: int = 10) -> ConfusionMatrix:
    rng = np.random.default_rng(2)
    matrix = rng.integers(0, 6, (k, k)) + np.diag(rng.integers(50, 90, k))
    return ConfusionMatrix(step=900, matrix=matrix, class_names=tuple(str(i) for i in range(k)))


def _feature_maps() -> FeatureMaps:
    rng = np.random.default_rng(3)
    image = np.zeros((1, 28, 28))
    image[0, 6:22, 12:16] = 1.0
    return FeatureMaps(step=300, index=4, input=image, label="digit 1",
                       layers=(("conv1", rng.normal(size=(32, 28, 28))),
                               ("pool1", rng.normal(size=(32, 14, 14))),
                               ("conv2", rng.normal(size=(8, 7, 7)))))


def _kernels() -> Kernels:
    rng = np.random.default_rng(4)
    return Kernels(step=300, layers=(("conv1", rng.normal(size=(16, 1, 5, 5))),
                                     ("conv2", rng.normal(size=(32, 16, 3, 3)))))


def _snapshots() -> dict[str, Snapshot]:
    """Ordinary snapshots and the awkward ones a real run can still produce."""
    rng = np.random.default_rng(5)
    t = np.linspace(0, 6, 120)
    nan_grid = np.full((10, 10, 2), np.nan)
    return {
        "boundary": _boundary(),
        "boundary-10-classes": _boundary(n_classes=10),
        "boundary-one-class": DecisionBoundary(
            step=0, xs=np.linspace(0, 1, 5), ys=np.linspace(0, 1, 5),
            probs=np.ones((5, 5, 1)), points=rng.random((10, 2)),
            labels=np.zeros(10, dtype=np.int64)),
        "boundary-sigmoid-descending-y": DecisionBoundary(
            step=1, xs=np.linspace(-1, 1, 8), ys=np.linspace(1, -1, 8),
            probs=rng.random((8, 8, 1)), points=rng.normal(size=(20, 2)),
            labels=rng.integers(0, 2, 20)),
        "boundary-1x1": DecisionBoundary(
            step=0, xs=np.array([0.0]), ys=np.array([0.0]), probs=np.array([[[0.4, 0.6]]]),
            points=np.array([[0.5, -0.5]]), labels=np.array([1])),
        "boundary-nan-and-bad-labels": DecisionBoundary(
            step=0, xs=np.arange(10.0), ys=np.arange(10.0), probs=nan_grid,
            points=np.array([[1.0, np.nan], [2.0, 3.0]]), labels=np.array([0, 7])),
        "boundary-constant-points": DecisionBoundary(
            step=0, points=np.zeros((4, 2)), labels=np.array([0, 1, 0, 1])),
        "boundary-empty": DecisionBoundary(step=0),
        "regression": _regression(),
        "regression-no-truth-constant": RegressionFit(
            step=2, points_x=np.ones(5), points_y=np.ones(5),
            curve_x=np.linspace(0, 1, 4), curve_y=np.array([2.0, np.nan, np.inf, 2.0])),
        "regression-empty": RegressionFit(step=0),
        "confusion": _confusion(),
        "confusion-one-class": ConfusionMatrix(step=1, matrix=np.array([[5]]),
                                               class_names=("only",)),
        "confusion-empty-row-long-names": ConfusionMatrix(
            step=1, matrix=np.array([[50, 3, 0], [10, 40, 2], [0, 0, 0]]),
            class_names=("T-shirt/top", "Trouser", "Pullover"), split="val"),
        "confusion-40-classes": ConfusionMatrix(step=1, matrix=rng.integers(0, 9, (40, 40))),
        "confusion-empty": ConfusionMatrix(step=0),
        "feature-maps": _feature_maps(),
        "feature-maps-signals": FeatureMaps(
            step=5, input=np.stack([np.sin(t), np.cos(t)]), label="class 2",
            layers=(("conv1d", np.stack([np.sin(k * t) for k in range(1, 21)])),
                    ("conv1d 2", rng.normal(size=(3, 30))))),
        "feature-maps-colour-constant-nan": FeatureMaps(
            step=5, input=rng.random((3, 16, 16)),
            layers=(("flat", np.zeros((4, 8, 8))), ("one pixel", np.ones((1, 1, 1))),
                    ("broken", np.full((2, 3, 3), np.nan)))),
        "feature-maps-empty": FeatureMaps(step=0),
        "kernels": _kernels(),
        "kernels-many-inputs": Kernels(step=3, layers=(("conv", rng.normal(size=(12, 3, 3, 3))),)),
        "kernels-1d": Kernels(step=3, layers=(("conv1d", rng.normal(size=(10, 2, 7))),)),
        "kernels-dense": Kernels(step=3, layers=(("dense", rng.normal(size=(10, 20))),)),
        "kernels-constant-1x1": Kernels(step=3, layers=(("conv", np.zeros((1, 1, 1, 1))),)),
        "kernels-nan": Kernels(step=3, layers=(("conv", np.full((4, 1, 3, 3), np.nan)),
                                               ("conv1d", np.full((2, 1, 3), np.nan)))),
        "kernels-empty": Kernels(step=0),
    }


SNAPSHOTS = _snapshots()


def _records(n_train: int = 2000) -> list[tuple[int, str, str, float]]:
    rng = np.random.default_rng(6)
    records = []
    for step in range(1, n_train + 1):
        records.append((step, "train", "loss", 2.0 * math.exp(-step / 300) + 0.01 * rng.random()))
        if step % 50 == 0:
            records.append((step, "train", "accuracy", 1 - math.exp(-step / 400)))
        if step % 200 == 0:
            records.append((step, "val", "loss", 2.0 * math.exp(-step / 300) + 0.05))
            records.append((step, "val", "accuracy", 0.95 * (1 - math.exp(-step / 400))))
    records += [(n_train, "test", "loss", 0.06), (n_train, "test", "accuracy", 0.93)]
    return records


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("name", list(SNAPSHOTS))
def test_every_snapshot_becomes_a_png(name: str, tmp_path: Path, drawn) -> None:
    snap = SNAPSHOTS[name]
    path = tmp_path / "nested" / f"{name}.png"
    assert snapshot_figure(snap, path) == path
    assert_figure_png(path)
    fig = drawn.last
    assert f"step {snap.step}" in drawn.text(fig)  # every figure says which step it shows
    if name in MESSAGES:
        assert MESSAGES[name] in drawn.texts(fig)
        assert not drawn.images(fig) and not drawn.lines(fig) and not drawn.points(fig)
    else:
        assert drawn.images(fig) or drawn.lines(fig) or drawn.points(fig), name
        assert drawn.ink(path) > 0.03, name  # more than a sentence is drawn
    if name in CONTENT:
        CONTENT[name](snap, fig, drawn)
    if name in ("feature-maps-colour-constant-nan", "kernels-nan"):
        assert "not a number" in drawn.text(fig)  # NaN is drawn as blank, and said so


def test_ordinary_figures_are_six_by_four_and_a_half_inches(tmp_path: Path) -> None:
    for snapshot in (_boundary(), _regression(), _confusion(), _kernels()):
        path = snapshot_figure(snapshot, tmp_path / f"{snapshot.kind}.png")
        width, height = png_size(path)
        assert 6 * 100 <= width <= 6 * 120 and 4.5 * 100 <= height <= 4.5 * 120


def test_every_snapshot_kind_has_a_file_name() -> None:
    assert set(FILE_NAMES) == set(SNAPSHOT_KINDS)
    assert all(name.endswith(".png") for name in FILE_NAMES.values())


def test_write_figures_writes_curves_and_one_file_per_kind(tmp_path: Path, drawn) -> None:
    out = tmp_path / "run" / "figures"
    snapshots = [_boundary(step=10), _regression(), _confusion(), _feature_maps(), _kernels(),
                 _boundary(step=20)]
    paths = write_figures(out, iter(_records()), snapshots)
    names = [p.name for p in paths]
    assert names[0] == "curves.png"
    assert sorted(names[1:]) == sorted({FILE_NAMES[s.kind] for s in snapshots})
    assert len(set(names)) == len(names)
    for path in paths:
        assert path.parent == out
        assert_figure_png(path)
    assert len(drawn) == len(paths)
    boundary = drawn[names.index("boundary.png")]
    assert "Decision boundary — step 20" in drawn.texts(boundary)  # the last one of a kind
    _check_curves(_records(), drawn[0], drawn)


def _check_curves(records, fig, drawn) -> None:
    """One plot per metric, loss first; in each a line per split with the recorded values
    (a long one as bucket means inside a min–max band)."""
    series: dict[str, dict[str, list]] = {}
    for step, split, metric, value in records:
        series.setdefault(metric, {}).setdefault(split, []).append((step, value))
    metrics = sorted(series, key=lambda m: m != "loss")
    axes = drawn.axes(fig)
    assert [ax.get_title().split(" (")[0] for ax in axes] == [
        {"loss": "Loss", "accuracy": "Accuracy"}[m] for m in metrics]
    names = {"train": "training (each step)", "val": "validation", "test": "test"}
    for ax, metric in zip(axes, metrics, strict=True):
        lines = {line.get_label(): line for line in ax.get_lines()}
        assert set(lines) == {names[s] for s in series[metric]}
        for split, rows in series[metric].items():
            steps, values = np.array(rows).T
            line = lines[names[split]]
            if len(steps) > 1500:
                assert len(line.get_xdata()) <= 1500
                assert values.min() - 1e-9 <= np.nanmin(line.get_ydata())
                assert np.nanmax(line.get_ydata()) <= values.max() + 1e-9
            else:
                np.testing.assert_allclose(line.get_xdata(), steps)
                np.testing.assert_allclose(line.get_ydata(), values)
    splits = {split for by_split in series.values() for split in by_split}
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        names[s] for s in ("train", "val", "test") if s in splits]


@dataclass(frozen=True)
class _NoFigureYet(Snapshot):
    kind = "attention_map"


def test_kinds_without_a_figure_are_skipped_by_write_figures(tmp_path: Path) -> None:
    paths = write_figures(tmp_path, [], [_NoFigureYet(step=1), _regression()])
    assert [p.name for p in paths] == ["curves.png", "regression_fit.png"]
    with pytest.raises(ValueError, match="attention_map"):
        snapshot_figure(_NoFigureYet(step=1), tmp_path / "x.png")


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize("records", [
    pytest.param([], id="empty"),
    pytest.param([(0, "train", "loss", 1.0)], id="one-point"),
    pytest.param([(s, "train", "loss", 0.5) for s in range(50)], id="constant"),
    pytest.param([(s, "train", "loss", math.nan if s > 20 else 1 / (s + 1)) for s in range(60)]
                 + [(30, "val", "loss", math.inf), (40, "val", "loss", -math.inf)],
                 id="nan-and-inf"),
    pytest.param([(s, "train", "loss", math.nan) for s in range(5000)], id="all-nan-long"),
    pytest.param([(s, "train", m, float(s)) for s in range(3)
                  for m in ("loss", "accuracy", "mse", "mae", "lr", "d_loss", "g_loss")],
                 id="seven-metrics"),
    pytest.param([(1, "train", "loss", "not a number"), (2, "holdout", "loss", 0.3)],
                 id="odd-value-and-split"),
])
def test_curves_cope_with_awkward_records(records, tmp_path: Path, drawn) -> None:
    path = curves_figure(records, tmp_path / "curves.png", title="Odd run")
    assert_figure_png(path)
    fig = drawn.last
    assert fig.get_suptitle().startswith("Odd run")
    metrics = {r[2] for r in records}
    if not metrics:
        assert "No metrics recorded yet" in drawn.texts(fig)
    assert len(drawn.axes(fig)) == max(1, len(metrics))  # one plot per metric
    if any(isinstance(r[3], float) and not math.isfinite(r[3]) for r in records):
        first = min(r[0] for r in records if r[1] == "train" and not math.isfinite(r[3]))
        assert f"training (each step): not a number from step {first}" in drawn.texts(fig)


def test_settings_changed_while_training_are_lines_not_curves(tmp_path: Path, drawn) -> None:
    records = [(s, "train", "loss", 1.0 / s) for s in range(1, 50)]
    changes = [(20, "change", "lr", 0.001), (30, "change", "dropout 4", 0.1)]
    assert_figure_png(curves_figure(records + changes, tmp_path / "curves.png"))
    fig = drawn.last
    (ax,) = drawn.axes(fig)  # no "lr" plot: the changes are dashed lines on the loss plot
    assert ax.get_title().startswith("Loss")
    curve, *marks = ax.get_lines()
    np.testing.assert_allclose(curve.get_xdata(), [r[0] for r in records])
    np.testing.assert_allclose(curve.get_ydata(), [r[3] for r in records])
    assert [(m.get_xdata()[0], m.get_linestyle()) for m in marks] == [(20, "--"), (30, "--")]
    assert {"lr → 0.001", "dropout 4 → 0.1"} <= set(drawn.texts(fig))


def test_a_long_training_curve_is_drawn_from_few_points(tmp_path: Path, drawn) -> None:
    records = [(s, "train", "loss", 1.0 / s) for s in range(1, 100_001)]
    records.append((100_000, "val", "loss", 1e-5))
    assert_figure_png(curves_figure(records, tmp_path / "curves.png"))
    _check_curves(records, drawn.last, drawn)
    assert drawn.axes(drawn.last)[0].get_yscale() == "log"  # five decades of loss

    steps = np.arange(100_000)
    values = np.sin(steps / 1000.0)
    values[500] = 7.0
    values[70_000:70_500] = np.nan
    x, mean, low, high = _decimate(steps, values, 1500)
    assert len(x) <= 1500 and len(x) == len(mean) == len(low) == len(high)
    assert np.nanmax(high) == 7.0  # a spike survives decimation
    assert np.all(np.diff(x) > 0)


def test_report_imports_neither_torch_nor_qt_nor_pyplot() -> None:
    code = ("import mlsp_studio.report.figures, sys; "
            "assert 'torch' not in sys.modules, 'torch'; "
            "assert not any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules), 'Qt'; "
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot'")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
