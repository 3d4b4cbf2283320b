"""Panels of the autoencoder paradigm: what it rebuilds (with a noise slider when it learns to
denoise), where it puts each example in its latent space, and how its reconstruction error
tells anomalies from normal examples (a threshold slider, local to the panel, and the ROC)."""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from mlsp_studio.spec.drawing import UNKNOWN_CLASS, class_colour, finite_floats
from mlsp_studio.spec.snapshots_autoencoder import (
    AnomalyScores,
    LatentCodes,
    Reconstructions,
    clean_scores,
    picture,
    rates_at,
    roc_curve,
)

from .base import PANELS, Panel, font, set_title, style_plot
from .text_bits import colours, escape

COLUMNS = 8          # examples in the reconstruction grid
ROW_NAMES = ("input", "noisy", "rebuilt")
LABEL_CELLS = 1.6    # room left of the grid for the row names, in picture widths
SLIDER_STEPS = 1000
NORMAL, ANOMALY, MARK = "#0877bd", "#d62728", "#ff7f0e"
GREY_INK = pg.ColorMap([0.0, 1.0], ["#ffffff", "#000000"]).getLookupTable(nPts=256)
NOISE_WORDS = {"gaussian": "jitter (standard deviation)", "masking": "share of pixels blanked",
               "salt_pepper": "share of pixels set to black or white"}


def _label(size: float = 11, bold: bool = False, centre: bool = False) -> QLabel:
    label = QLabel()
    label.setFont(font(size, bold))
    label.setTextFormat(Qt.PlainText)
    label.setWordWrap(True)
    if centre:
        label.setAlignment(Qt.AlignCenter)
    return label


def _set_text(label: QLabel, text: str) -> None:
    if label.text() != text:  # text layout is not free
        label.setText(text)


@PANELS.register
class ReconstructionPanel(Panel):
    """Test examples as the encoder got them and as the decoder rebuilt them."""

    name = "reconstructions"
    title = "Reconstructions"
    kinds = frozenset({"reconstructions"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = _label(12, centre=True)
        self.graphics = pg.GraphicsLayoutWidget()
        self.view = self.graphics.addViewBox(lockAspect=True, enableMouse=False, invertY=True,
                                             enableMenu=False)
        self.view.setDefaultPadding(0.02)
        self.image = pg.ImageItem(axisOrder="row-major", lut=GREY_INK)
        self.view.addItem(self.image)
        self.row_labels = [pg.TextItem(name, anchor=(1.0, 0.5)) for name in ROW_NAMES]
        self.column_labels = [pg.TextItem("", anchor=(0.5, 1.0)) for _ in range(COLUMNS)]
        for item in (*self.row_labels, *self.column_labels):
            item.setFont(font(10))
            self.view.addItem(item, ignoreBounds=True)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(0, 100)
        self.slider.setToolTip("How much noise the picture puts on the inputs; the network "
                               "keeps training with its own setting")
        self.slider.valueChanged.connect(self._on_level_changed)
        self.level_label = _label(10)
        self.level_label.setMinimumWidth(210)
        self.noise_row = QWidget()
        row = QHBoxLayout(self.noise_row)
        row.setContentsMargins(0, 0, 0, 0)
        name = QLabel("Noise level")
        name.setFont(font(10))
        row.addWidget(name)
        row.addWidget(self.slider, 1)
        row.addWidget(self.level_label)
        self.status = _label(10)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.heading)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.noise_row)
        layout.addWidget(self.status)
        self._frame: tuple | None = None
        self._synced = False
        self.set_dark(False)
        self.reset()

    def _on_level_changed(self, value: int) -> None:
        self._synced = True  # the person chose a level: later pictures do not move it
        _set_text(self.level_label, f"{value / 100:.2f}")
        self.optionChanged.emit("noise_level_view", value / 100)

    def show_snapshot(self, snapshot: Reconstructions) -> None:
        super().show_snapshot(snapshot)
        rows = [("input", finite_floats(snapshot.inputs))]
        denoising = snapshot.noise != "none"
        noisy = finite_floats(snapshot.noisy)
        if denoising and noisy.ndim >= 1 and len(noisy):
            rows.append(("noisy", noisy))
        rows.append(("rebuilt", finite_floats(snapshot.outputs)))
        n = min(min(len(a) if a.ndim >= 1 else 0 for _, a in rows), COLUMNS)
        self.noise_row.setVisible(denoising)
        if denoising:
            level = snapshot.noise_level if math.isfinite(snapshot.noise_level) else 0.0
            if not self._synced:
                self.slider.blockSignals(True)
                self.slider.setValue(round(100 * min(1.0, max(0.0, level))))
                self.slider.blockSignals(False)
            _set_text(self.level_label, f"{level:.2f} · {NOISE_WORDS.get(snapshot.noise, '')}")
        heading = f"Reconstructions — step {snapshot.step}"
        if not n:
            self.image.clear()
            self._place_labels([], 0, 0, ())
            _set_text(self.heading, heading + ": no examples to show yet")
            _set_text(self.status, "")
            return
        pictures = [[picture(a[k]) for k in range(n)] for _, a in rows]
        h = max(p.shape[0] for r in pictures for p in r)
        w = max(p.shape[1] for r in pictures for p in r)
        gap = max(1, round(0.15 * max(h, w)))
        mosaic = np.full((len(rows) * (h + gap) - gap, n * (w + gap) - gap), np.nan)
        for r, row in enumerate(pictures):
            for c, p in enumerate(row):
                y0, x0 = r * (h + gap), c * (w + gap)
                mosaic[y0:y0 + p.shape[0], x0:x0 + p.shape[1]] = p
        # the clean inputs' range: noise beyond it saturates instead of fading the digits
        clean = rows[0][1][:n]
        finite = clean[np.isfinite(clean)]
        if not finite.size:
            finite = mosaic[np.isfinite(mosaic)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        self.image.setImage(mosaic.astype(np.float32), autoLevels=False,
                            levels=(lo, hi if hi > lo else lo + 1.0))
        names = tuple(name for name, _ in rows)
        self._place_labels(snapshot.labels[:n], h + gap, w + gap, names)
        frame = (mosaic.shape, names)
        if frame != self._frame:  # the range moves only when the grid's layout does
            self._frame = frame
            self.view.setRange(xRange=(-LABEL_CELLS * w, mosaic.shape[1]),
                               yRange=(-0.6 * h, mosaic.shape[0]), padding=0.02)
        _set_text(self.heading, heading)
        status = f"Squared error of these {n} rebuilt against the clean inputs: " \
                 f"{snapshot.mse:.4f}"
        if math.isfinite(snapshot.noisy_mse):
            status += f"; of the noisy inputs: {snapshot.noisy_mse:.4f}"
        _set_text(self.status, status + ". One grey scale for every row, from the clean "
                  "inputs' darkest to lightest.")

    def _place_labels(self, labels, dy: int, dx: int, rows: tuple[str, ...]) -> None:
        for r, item in enumerate(self.row_labels):
            item.setVisible(r < len(rows))
            if r < len(rows):
                item.setText(rows[r])
                item.setPos(-0.15 * dx, r * dy + 0.45 * dy)
        for c, item in enumerate(self.column_labels):
            text = str(labels[c])[:8] if c < len(labels) else ""
            item.setVisible(bool(text))
            item.setText(text)
            item.setPos(c * dx + 0.45 * dx, -0.1 * dy)

    def reset(self) -> None:
        super().reset()
        self.image.clear()
        self._frame = None
        self._synced = False
        self._place_labels([], 0, 0, ())
        self.noise_row.setVisible(False)
        _set_text(self.heading, "Reconstructions — waiting for the first picture")
        _set_text(self.status, "")

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        text = colours(self.dark)["text"]
        self.graphics.setBackground(colours(self.dark)["background"])
        for item in (*self.row_labels, *self.column_labels):
            item.setColor(text)


@PANELS.register
class LatentPanel(Panel):
    """The test examples' latent codes in the plane, coloured by class."""

    name = "latent"
    title = "Latent space"
    kinds = frozenset({"latent"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = _label(12, centre=True)
        self.legend = QLabel()
        self.legend.setFont(font(10))
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.RichText)
        self.graphics = pg.PlotWidget()
        self.plot: pg.PlotItem = self.graphics.getPlotItem()
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).enableAutoSIPrefix(False)
        self.scatter = pg.ScatterPlotItem(size=7, pen=pg.mkPen("#333333", width=0.5))
        self.plot.addItem(self.scatter)
        self.status = _label(10)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.heading)
        layout.addWidget(self.legend)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.status)
        self._brushes: dict[int, object] = {}
        self._legend_key: tuple | None = None
        self._axes_key: tuple | None = None
        self.set_dark(False)
        self.reset()

    def show_snapshot(self, snapshot: LatentCodes) -> None:
        super().show_snapshot(snapshot)
        points = finite_floats(snapshot.points)
        points = points[:, :2] if points.ndim == 2 and points.shape[1] >= 2 else np.zeros((0, 2))
        labels = np.asarray(snapshot.labels).ravel()
        n = min(len(points), len(labels)) if len(labels) else len(points)
        points = points[:n]
        labels = labels[:n].astype(np.int64) if len(labels) else np.full(n, -1, np.int64)
        keep = np.isfinite(points).all(axis=1)
        k = len(snapshot.class_names)
        labels = np.where((labels >= 0) & ((labels < k) | (k == 0)), labels, -1)
        shown = labels[keep]
        self.scatter.setData(x=points[keep, 0], y=points[keep, 1],
                             brush=[self._brush(int(c)) for c in shown])
        self._set_legend(tuple(sorted({int(c) for c in shown if c >= 0})), snapshot.class_names)
        self._set_axes(snapshot)
        heading = f"Latent codes of the test set — step {snapshot.step}"
        if not keep.any():
            heading += ": none to show yet"
        _set_text(self.heading, heading)
        status = f"{int(keep.sum())} test examples"
        if math.isfinite(snapshot.knn_accuracy):
            status += (f" · the 5 nearest training codes name the right class for "
                       f"{100 * snapshot.knn_accuracy:.1f} % of them")
        _set_text(self.status, status)

    def _brush(self, c: int):
        if c not in self._brushes:
            self._brushes[c] = pg.mkBrush(class_colour(c) if c >= 0 else UNKNOWN_CLASS)
        return self._brushes[c]

    def _set_legend(self, present: tuple[int, ...], names: tuple[str, ...]) -> None:
        key = (present, names)
        if key == self._legend_key:
            return
        self._legend_key = key
        self.legend.setText("" if not present else "Class: " + " &nbsp; ".join(
            f'<span style="color:{class_colour(c)}; font-size:14pt">&#9679;</span>&nbsp;'
            f"{escape(str(names[c])[:14] if c < len(names) else c)}" for c in present[:20]))
        self.legend.setVisible(bool(present))

    def _set_axes(self, snap: LatentCodes) -> None:
        if snap.method == "pca":
            shares = [float(e) for e in tuple(snap.explained)[:2]] + [0.0, 0.0]
            axes = (f"main direction 1 of the {snap.latent}-number code "
                    f"({100 * shares[0]:.0f} % of variance)",
                    f"direction 2 ({100 * shares[1]:.0f} %)")
        elif snap.latent == 1:
            axes = ("the code (one number)", "nothing (one number)")
        else:
            axes = ("code, first number", "code, second number")
        if axes != self._axes_key:
            self._axes_key = axes
            self.plot.setLabel("bottom", axes[0])
            self.plot.setLabel("left", axes[1])

    def reset(self) -> None:
        super().reset()
        self.scatter.setData(x=[], y=[])
        self._set_legend((), ())
        _set_text(self.heading, "Latent codes — waiting for the first picture")
        _set_text(self.status, "Each point is one test example, placed by its code.")

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        self.graphics.setBackground(colours(self.dark)["background"])
        style_plot(self.plot, self.dark)


@PANELS.register
class AnomalyPanel(Panel):
    """Reconstruction errors of normal and anomalous test examples, a threshold, and the ROC."""

    name = "anomaly"
    title = "Anomaly detection"
    kinds = frozenset({"anomaly_scores"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = _label(12, centre=True)
        self.graphics = pg.GraphicsLayoutWidget()
        self.hist: pg.PlotItem = self.graphics.addPlot(row=0, col=0)
        self.roc: pg.PlotItem = self.graphics.addPlot(row=0, col=1)
        self.graphics.ci.layout.setColumnStretchFactor(0, 3)
        self.graphics.ci.layout.setColumnStretchFactor(1, 2)
        for plot in (self.hist, self.roc):
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.setMouseEnabled(x=False, y=False)
            plot.showGrid(x=True, y=True, alpha=0.15)
            for axis in ("left", "bottom"):
                plot.getAxis(axis).enableAutoSIPrefix(False)
        self.hist.setLabel("bottom", "reconstruction error")
        self.hist.setLabel("left", "test examples")
        self.normal_bars = pg.PlotDataItem(stepMode="center", fillLevel=0,
                                           pen=pg.mkPen(NORMAL, width=1.5),
                                           brush=pg.mkBrush(8, 119, 189, 90))
        self.anomaly_bars = pg.PlotDataItem(stepMode="center", fillLevel=0,
                                            pen=pg.mkPen(ANOMALY, width=1.5),
                                            brush=pg.mkBrush(214, 39, 40, 90))
        self.line = pg.InfiniteLine(angle=90, movable=True, pen=pg.mkPen("#222222", width=2,
                                                                         style=Qt.DashLine))
        self.line.sigPositionChanged.connect(self._on_line_moved)
        self.normal_bars.setZValue(2)  # the fewer normal examples stay in front
        for item in (self.normal_bars, self.anomaly_bars, self.line):
            self.hist.addItem(item)
        self.roc.setLabel("bottom", "false positive rate")
        self.roc.setLabel("left", "true positive rate")
        self.roc.setRange(xRange=(0, 1), yRange=(0, 1), padding=0.04)
        self.roc.setAspectLocked(True)
        self.chance = pg.PlotDataItem([0, 1], [0, 1], pen=pg.mkPen("#999999", style=Qt.DotLine))
        self.curve = pg.PlotDataItem(pen=pg.mkPen("#444444", width=2))
        self.point = pg.ScatterPlotItem(size=12, brush=pg.mkBrush(MARK),
                                        pen=pg.mkPen("#222222"))
        for item in (self.chance, self.curve, self.point):
            self.roc.addItem(item)
        self.slider = QSlider(Qt.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setToolTip("Examples whose error is above the threshold are flagged as "
                               "anomalies; this changes the picture only, not the training")
        self.slider.valueChanged.connect(self._on_slider)
        self.rates_label = _label(11)
        self.key = QLabel()
        self.key.setFont(font(10))
        self.key.setTextFormat(Qt.RichText)
        self.key.setWordWrap(True)
        row = QHBoxLayout()
        name = QLabel("Threshold")
        name.setFont(font(10))
        row.addWidget(name)
        row.addWidget(self.slider, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.heading)
        layout.addWidget(self.key)
        layout.addWidget(self.graphics, 1)
        layout.addLayout(row)
        layout.addWidget(self.rates_label)
        self.scores, self.anomalous = np.zeros(0), np.zeros(0, dtype=bool)
        self.span = (0.0, 1.0)
        self.threshold = math.nan
        self.rates = (math.nan, math.nan)
        self._chosen = False      # the person moved the threshold: keep theirs
        self._moving = False
        self.set_dark(False)
        self.reset()

    # --- what a person does ------------------------------------------------------------------

    def _on_slider(self, value: int) -> None:
        if self._moving:
            return
        lo, hi = self.span
        self._chosen = True
        self.set_threshold(lo + (hi - lo) * value / SLIDER_STEPS)

    def _on_line_moved(self) -> None:
        if not self._moving:
            self._chosen = True
            self.set_threshold(float(self.line.value()))

    def set_threshold(self, value: float) -> None:
        """Flag every error above ``value``; the line, the slider, the ROC point and the rates
        follow, with no round trip to the training."""
        self.threshold = float(value)
        self._moving = True
        try:
            if math.isfinite(self.threshold):
                self.line.setValue(self.threshold)
                lo, hi = self.span
                self.slider.setValue(round(SLIDER_STEPS * (self.threshold - lo) / (hi - lo))
                                     if hi > lo else 0)
        finally:
            self._moving = False
        self.rates = rates_at(self.scores, self.anomalous, self.threshold) \
            if len(self.scores) and math.isfinite(self.threshold) else (math.nan, math.nan)
        tpr, fpr = self.rates
        if math.isfinite(tpr) and math.isfinite(fpr):
            self.point.setData(x=[fpr], y=[tpr])
            text = (f"Threshold {self.threshold:.4g}: flags {100 * tpr:.0f} % of the anomalies "
                    f"(true positive rate) and {100 * fpr:.0f} % of the normal examples "
                    f"(false positive rate)")
        else:
            self.point.setData(x=[], y=[])
            text = "Needs normal and anomalous test examples with finite errors to set a " \
                   "threshold." if len(self.scores) else ""
        _set_text(self.rates_label, text)

    # --- the Panel contract ------------------------------------------------------------------

    def show_snapshot(self, snapshot: AnomalyScores) -> None:
        super().show_snapshot(snapshot)
        s, a = clean_scores(snapshot.scores, snapshot.anomalous)
        self.scores, self.anomalous = s, a
        heading = f"Anomaly scores of the test set — step {snapshot.step}"
        if math.isfinite(snapshot.auroc):
            heading += f" · AUROC {snapshot.auroc:.3f}"
        _set_text(self.heading, heading)
        self._set_key(snapshot)
        if not len(s):
            self.normal_bars.setData([], [])
            self.anomaly_bars.setData([], [])
            self.curve.setData([], [])
            self.line.hide()
            self.set_threshold(math.nan)
            _set_text(self.rates_label, "No reconstruction errors to show yet.")
            return
        lo, hi = float(s.min()), float(s.max())
        self.span = (lo, hi) if hi > lo else (lo - 0.5, lo + 0.5)
        edges = np.linspace(*self.span, 41)
        for item, part in ((self.normal_bars, ~a), (self.anomaly_bars, a)):
            counts = np.histogram(s[part], bins=edges)[0] if part.any() else np.zeros(40)
            item.setData(edges, counts.astype(np.float64))
        self.line.show()
        self._moving = True  # new bounds may move the line: that is no choice of the person's
        try:
            self.line.setBounds(self.span)
        finally:
            self._moving = False
        fprs, tprs = roc_curve(s, a)
        self.curve.setData(fprs, tprs)
        suggested = snapshot.threshold if math.isfinite(snapshot.threshold) \
            else float(np.median(s))
        self.set_threshold(self.threshold if self._chosen and math.isfinite(self.threshold)
                           else suggested)

    def _set_key(self, snap: AnomalyScores) -> None:
        normal = escape(", ".join(snap.normal_names) or "the trained classes")
        others = escape(", ".join(snap.anomaly_names[:10]) or "the other classes")
        text = (f'<span style="color:{NORMAL}; font-size:14pt">&#9632;</span>&nbsp;normal: '
                f'{normal} &nbsp; <span style="color:{ANOMALY}; font-size:14pt">&#9632;</span>'
                f"&nbsp;anomalies: {others}")
        if self.key.text() != text:
            self.key.setText(text)

    def reset(self) -> None:
        super().reset()
        self.scores, self.anomalous = np.zeros(0), np.zeros(0, dtype=bool)
        self._chosen = False
        self.normal_bars.setData([], [])
        self.anomaly_bars.setData([], [])
        self.curve.setData([], [])
        self.line.hide()
        self.set_threshold(math.nan)
        _set_text(self.heading, "Anomaly scores — waiting for the first picture")
        _set_text(self.rates_label, "Errors above the threshold are flagged as anomalies.")

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        self.graphics.setBackground(colours(self.dark)["background"])
        for plot in (self.hist, self.roc):
            style_plot(plot, self.dark)
        set_title(self.roc, "ROC curve", self.dark)
        set_title(self.hist, "Errors: normal and anomalous", self.dark)
        self.line.setPen(pg.mkPen(colours(self.dark)["text"], width=2, style=Qt.DashLine))
