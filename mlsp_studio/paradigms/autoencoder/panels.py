"""Panels of the autoencoder paradigm: what it rebuilds (with a noise slider when it learns to
denoise), where it puts each example in its latent space, and how its reconstruction error
tells anomalies from normal examples (a threshold slider, local to the panel, and the ROC)."""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import math

import numpy as np
from PySide6.QtWidgets import QWidget

from ...gui.panels.base import (
    PANELS,
    Panel,
    dot_legend,
    label_axes,
    row_layout,
    slider,
    stack_layout,
    text_label,
)
from ...gui.panels.points_kit import ClassPointsPanel
from ...gui.panels.text_bits import escape
from ...snapshots.drawing import finite_floats
from ...snapshots.kinds import Reconstructions
from .panel_parts import ANOMALY, COLUMNS, NORMAL, ErrorPlots, PointPairs, ReconstructionGrid
from .panel_parts import set_text as _set_text
from .panel_parts import text_label as _label
from .snapshots import (
    AnomalyScores,
    LatentCodes,
    clean_scores,
    rates_at,
    roc_curve,
)

SLIDER_STEPS = 1000
NOISE_WORDS = {"gaussian": "jitter (standard deviation)", "masking": "share of pixels blanked",
               "salt_pepper": "share of pixels set to black or white"}


def _is_points(a: np.ndarray) -> bool:
    """2-D points, drawn as points: (n, 2) examples."""
    return a.ndim == 2 and a.shape[1] == 2


@PANELS.register
class ReconstructionPanel(Panel):
    """Test examples as the encoder got them and as the decoder rebuilt them."""

    name = "reconstructions"
    title = "Reconstructions"
    kinds = frozenset({"reconstructions"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = _label(12, centre=True)
        self.grid = ReconstructionGrid()
        self.pairs = PointPairs()
        self.pairs.hide()
        self.slider = slider("How much noise the picture puts on the inputs; the network keeps "
                             "training with its own setting", self._on_level_changed, top=100)
        self.level_label = _label(10)
        self.level_label.setMinimumWidth(210)
        self.noise_row = QWidget()
        row = row_layout(text_label(10, wrap=False, text="Noise level"), (self.slider, 1),
                         self.level_label, stretch=False)
        row.setContentsMargins(0, 0, 0, 0)
        self.noise_row.setLayout(row)
        self.status = _label(10)
        stack_layout(self, self.heading, (self.grid, 1), (self.pairs, 1), self.noise_row,
                     self.status, margin=4)
        self._synced = False
        self._noise = "none"
        self.set_dark(False)
        self.reset()

    def _on_level_changed(self, value: int) -> None:
        self._synced = True  # the person chose a level: later pictures do not move it
        _set_text(self.level_label, f"{value / 100:.2f} · {NOISE_WORDS.get(self._noise, '')}")
        self.optionChanged.emit("noise_level_view", value / 100)

    def show_snapshot(self, snapshot: Reconstructions) -> None:
        super().show_snapshot(snapshot)
        rows = [("input", finite_floats(snapshot.inputs))]
        denoising = snapshot.noise != "none"
        noisy = finite_floats(snapshot.noisy)
        if denoising and noisy.ndim >= 1 and len(noisy):
            rows.append(("noisy", noisy))
        rows.append(("rebuilt", finite_floats(snapshot.outputs)))
        n = min(len(a) if a.ndim >= 1 else 0 for _, a in rows)
        self._show_noise(snapshot)
        heading = f"Reconstructions — step {snapshot.step}"
        points = _is_points(rows[0][1]) and _is_points(rows[-1][1])
        self.pairs.setVisible(points)
        self.grid.setVisible(not points)
        if not n:
            self.grid.wipe()
            self.pairs.wipe()
            _set_text(self.heading, heading + ": no examples to show yet")
            _set_text(self.status, "")
            return
        if points:
            self.pairs.draw(rows[0][1], noisy if denoising else np.zeros((0, 2)), rows[-1][1])
            scale = "Grey: the inputs; orange: rebuilt, joined to its input"
            scale += "; olive: the noisy inputs." if denoising else "."
        else:
            n = min(n, COLUMNS)
            self.grid.draw(rows, snapshot.labels, n)
            scale = "One grey scale for every row, from the clean inputs' darkest to lightest."
        _set_text(self.heading, heading)
        status = f"Squared error of these {n} rebuilt against the clean inputs: " \
                 f"{snapshot.mse:.4f}"
        if math.isfinite(snapshot.noisy_mse):
            status += f"; of the noisy inputs: {snapshot.noisy_mse:.4f}"
        _set_text(self.status, f"{status}. {scale}")

    def _show_noise(self, snapshot: Reconstructions) -> None:
        denoising = snapshot.noise != "none"
        self.noise_row.setVisible(denoising)
        self._noise = snapshot.noise
        if denoising:
            level = snapshot.noise_level if math.isfinite(snapshot.noise_level) else 0.0
            if not self._synced:
                self.slider.blockSignals(True)
                self.slider.setValue(round(100 * min(1.0, max(0.0, level))))
                self.slider.blockSignals(False)
            shown = self.slider.value() / 100 if self._synced else level
            _set_text(self.level_label, f"{shown:.2f} · {NOISE_WORDS.get(snapshot.noise, '')}")

    def reset(self) -> None:
        super().reset()
        self.grid.wipe()
        self.pairs.wipe()
        self._synced = False
        self.noise_row.setVisible(False)
        _set_text(self.heading, "Reconstructions — waiting for the first picture")
        _set_text(self.status, "")

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        self.grid.set_dark(self.dark)
        self.pairs.set_dark(self.dark)


@PANELS.register
class LatentPanel(ClassPointsPanel):
    """The test examples' latent codes in the plane, coloured by class."""

    name = "latent"
    title = "Latent space"
    kinds = frozenset({"latent"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.status = _label(10)
        stack_layout(self, self.heading, self.legend, (self.graphics, 1), self.status, margin=4)
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
        self.show_points(points[keep], shown)
        self._name_classes(sorted({int(c) for c in shown if c >= 0}), snapshot.class_names)
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

    def _name_classes(self, present: list[int], names: tuple[str, ...]) -> None:
        self.name_classes((c, str(names[c])[:14] if c < len(names) else str(c))
                          for c in present)
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
        label_axes(self.plot, *axes)

    def reset(self) -> None:
        super().reset()
        self.clear_points()
        self.legend.setVisible(False)
        _set_text(self.heading, "Latent codes — waiting for the first picture")
        _set_text(self.status, "Each point is one test example, placed by its code.")


@PANELS.register
class AnomalyPanel(Panel):
    """Reconstruction errors of normal and anomalous test examples, a threshold, and the ROC."""

    name = "anomaly"
    title = "Anomaly detection"
    kinds = frozenset({"anomaly_scores"})

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heading = _label(12, centre=True)
        self.graphics = ErrorPlots()
        g = self.graphics  # its items, named here as the panel uses them
        self.hist, self.roc, self.line, self.curve, self.point = g.hist, g.roc, g.line, \
            g.curve, g.point
        self.normal_bars, self.anomaly_bars = g.normal_bars, g.anomaly_bars
        self.line.sigPositionChanged.connect(self._on_line_moved)
        self.slider = slider("Examples whose error is above the threshold are flagged as "
                             "anomalies; this changes the picture only, not the training",
                             self._on_slider, top=SLIDER_STEPS)
        self.rates_label = _label(11)
        self.key = text_label(10, rich=True)
        row = row_layout(text_label(10, wrap=False, text="Threshold"), (self.slider, 1),
                         stretch=False)
        stack_layout(self, self.heading, self.key, (self.graphics, 1), row, self.rates_label,
                     margin=4)
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
        _set_text(self.key, dot_legend(((NORMAL, f"normal: {normal}"),
                                        (ANOMALY, f"anomalies: {others}")), sign="&#9632;"))

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
        self.graphics.set_dark(self.dark)
