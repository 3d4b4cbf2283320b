"""Training curves: one plot per metric, one line per split, from a bounded metric history;
a line above the plots says what the loss is, each title its unit, the legend which set each
line was measured on.

Records are only buffered when they arrive; ``redraw()`` (called at the window's cadence)
hands the arrays to the existing curve items with ``setData`` when something new came in.
"""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QScrollArea,
    QWidget,
)

from .base import (
    DARK,
    LIGHT,
    PANELS,
    Panel,
    Record,
    font,
    forget_range,
    nice_step,
    row_layout,
    set_text,
    set_title,
    stack_layout,
    steady_range,
    style_legend,
    style_plot,
    text_label,
)
from .curve_kit import (
    SET_NAMES,
    LossMeaning,
    MetricHistory,
    in_nats,
    is_accuracy,
    is_loss_like,
    metric_label,
)

PLOT_HEIGHT = 160  # pixels each plot keeps at least; more plots than fit scroll

SPLIT_NAMES = SET_NAMES
SPLIT_COLOURS = {"train": "#1f77b4", "train_eval": "#9467bd", "val": "#ff7f0e",
                 "test": "#2ca02c"}
_FEW_POINTS = 60  # sparse lines (validation, training set) get dots up to this many points


class LossAxis(pg.AxisItem):
    """A value axis whose log scale is labelled at 1, 2 and 5 times powers of ten (pyqtgraph
    labels every multiple 1…9 when under three decades are shown, and they overlap)."""

    def logTickValues(self, minVal: float, maxVal: float, size: float,  # noqa: N803
                      stdTicks: list) -> list:  # noqa: N803
        if maxVal - minVal >= 3:
            return super().logTickValues(minVal, maxVal, size, stdTicks)
        decades = range(math.floor(minVal), math.ceil(maxVal) + 1)
        levels = []
        for multiples in ((1,), (2, 5), (3, 4, 6, 7, 8, 9)):
            values = [d + math.log10(m) for d in decades for m in multiples]
            levels.append((None, [v for v in values if minVal <= v <= maxVal]))
        return levels


@PANELS.register
class CurvesPanel(Panel):
    """Loss and quality metrics over the steps of a run, one line per data split."""

    name = "curves"
    row = "top"
    title = "Training curves"
    kinds = frozenset()
    wants_metrics = True

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history: dict[tuple[str, str], MetricHistory] = {}
        self.curves: dict[tuple[str, str], pg.PlotDataItem] = {}
        self.plots: dict[str, pg.PlotItem] = {}
        self._changed: set[tuple[str, str]] = set()
        self._new_marks: list[tuple[float, str]] = []   # (step, words) not drawn yet
        self._marks: list[tuple[pg.PlotItem, pg.InfiniteLine]] = []
        self._dirty = False
        self._steps_right = 0.0
        self.loss: LossMeaning | None = None  # what the run's loss is, when it says

        self.log_box = QCheckBox("Log scale for loss")
        self.log_box.setFont(font())
        self.log_box.setToolTip("Show losses and errors on a logarithmic axis, where a slow "
                                "late decrease is easier to see")
        self.log_box.toggled.connect(self._on_log_toggled)
        self.warning = text_label()
        self.loss_words = text_label()  # what the loss is, in words (a run says)
        self.loss_words.setToolTip("What the loss measures and its unit, as the run's "
                                   "paradigm computes it")
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.ci.setSpacing(4)
        # One legend for all plots, above them, so it never hides a curve.
        self.legend = pg.LegendItem(colCount=4, labelTextSize="10pt")
        self.graphics.addItem(self.legend, row=0, col=0)
        self.graphics.ci.layout.setRowStretchFactor(0, 0)
        self._in_legend: set[str] = set()
        # many metrics (a GAN's losses and scores) keep a readable height and scroll
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.NoFrame)
        self.scroll.setWidget(self.graphics)
        stack_layout(self, row_layout(self.log_box, 16, (self.loss_words, 1), stretch=False),
                     self.warning, (self.scroll, 1))
        self.warning.hide()
        self._plot_for("loss")  # always there, always on top
        self.set_dark(False)

    # --- the Panel contract ------------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        """True when records arrived that are not drawn yet."""
        return self._dirty

    def point_count(self) -> int:
        """How many points the curves show now (what a person sees, after redraw)."""
        return sum(len(curve.xData) for curve in self.curves.values()
                   if curve.xData is not None)

    step_offset = 0  # a run that goes on from an opened run's weights is drawn after it
    until: float | None = None  # a recorded run on the timeline: drawn up to this step

    def show_until(self, step: float | None) -> None:
        """Draw the curves only up to ``step`` (None: all of them), keeping the history and
        the axes (which span the whole run): the timeline of a recorded run moves this."""
        self.until = step
        self._changed.update(self.history)
        self._dirty = True

    def _shown(self, key: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.history[key].data()
        if self.until is None:
            return x, y
        end = int(np.searchsorted(x, self.until, side="right"))
        return x[:end], y[:end]

    def add_metrics(self, records: Sequence[Record]) -> None:
        super().add_metrics(records)
        if self.step_offset:
            records = [(step + self.step_offset, *rest) for step, *rest in records]
        groups: dict[tuple[str, str], tuple[list, list]] = {}
        for step, split, metric, value in records:
            if split == "final":
                continue  # end-of-run numbers (few-shot accuracy, …): the status line has them
            if split == "change":  # a setting changed while training: a line across the plots
                self._new_marks.append((float(step), f"{metric} → {value:g}"))
                self._dirty = True
                continue
            key = (str(metric), str(split))
            group = groups.setdefault(key, ([], []))
            group[0].append(step)
            group[1].append(value)
        for key, (steps, values) in groups.items():
            history = self.history.get(key)
            if history is None:
                history = self.history[key] = MetricHistory()
            history.extend(np.asarray(steps, dtype=np.float64), _floats(values))
            self._changed.add(key)
        self._dirty = self._dirty or bool(groups)

    def redraw(self) -> None:
        super().redraw()
        if not self._dirty or not self.isVisible():
            return  # still dirty: drawn when next asked while shown
        for key in sorted(self._changed, key=_draw_order):
            x, y = self._shown(key)
            curve = self.curves.get(key) or self._curve_for(*key)
            if key[1] in ("val", "train_eval"):
                want = "o" if x.size <= _FEW_POINTS else None
                if curve.opts["symbol"] != want:
                    curve.setSymbol(want)
            curve.setData(x, y)
        self._draw_marks()
        self._grow_steps_axis()
        for metric in {m for m, _ in self._changed}:
            self._steady_values_axis(metric)
            self._update_title(metric)
        self._update_warning()
        self._changed.clear()
        self._dirty = False

    def start_run(self, project) -> None:
        super().start_run(project)
        from ...model.metric_units import loss_meaning

        self.set_loss(loss_meaning(project))

    def set_loss(self, loss: LossMeaning | None) -> None:
        """Name what the loss is and its unit on the plots (None: the words are not known)."""
        self.loss = loss
        set_text(self.loss_words, f"Loss: {loss}" if loss is not None else "")
        for metric in self.plots:
            self._label_values_axis(metric)
            self._update_title(metric)

    def reset(self) -> None:
        super().reset()
        self.loss, self.step_offset, self.until = None, 0, None
        set_text(self.loss_words, "")
        for (metric, _), curve in self.curves.items():
            self.plots[metric].removeItem(curve)
        for metric in [m for m in self.plots if m != "loss"]:
            self.graphics.removeItem(self.plots.pop(metric))
        for plot, line in self._marks:
            plot.removeItem(line)
        self._marks.clear()
        self._new_marks.clear()
        self.legend.clear()
        self._in_legend.clear()
        self.curves.clear()
        self.history.clear()
        self._changed.clear()
        self._dirty = False
        self._steps_right = 0.0
        forget_range(self.plots["loss"])
        self._fit_height()
        self._label_values_axis("loss")
        self._update_title("loss")
        self._update_warning()

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        colours = DARK if dark else LIGHT
        self.graphics.setBackground(colours["background"])
        for metric, plot in self.plots.items():
            style_plot(plot, dark)
            self._update_title(metric)
        style_legend(self.legend, dark)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.redraw()

    # --- items, made once each ---------------------------------------------------------------

    def _fit_height(self) -> None:
        """Room for every plot at a readable height (two at least); the panel scrolls."""
        self.graphics.setMinimumHeight(PLOT_HEIGHT * max(2, len(self.plots)) + 40)

    def _draw_marks(self) -> None:
        """A dashed line with words at each step where a setting changed, on every plot."""
        colour = (DARK if self.dark else LIGHT)["muted"]
        for step, words in self._new_marks:
            for metric, plot in self.plots.items():
                line = pg.InfiniteLine(pos=step, angle=90, movable=False,
                                       pen=pg.mkPen(colour, width=1, style=Qt.DashLine),
                                       label=words if metric == "loss" else None,
                                       labelOpts={"position": 0.9, "color": colour})
                plot.addItem(line, ignoreBounds=True)
                self._marks.append((plot, line))
        self._new_marks.clear()

    def _grow_steps_axis(self) -> None:
        """The step axis grows in 1-2-5 jumps, so it is re-rendered now and then, not on
        every frame as it would be if it followed the last step exactly."""
        last = max((h.data()[0][-1] for h in self.history.values() if h.data()[0].size),
                   default=0.0)
        loss = self.plots["loss"]
        if last <= self._steps_right and last > 0.25 * self._steps_right:
            return
        right = nice_step(max(10.0, last * 1.15))
        self._steps_right = right
        loss.enableAutoRange(x=False)
        loss.setXRange(0, right, padding=0.02)

    def _steady_values_axis(self, metric: str) -> None:
        """The value axis moves in steps — whole decades on a log scale, 1-2-5 steps on a
        linear one — so its labels are drawn again now and then, not on every frame."""
        plot = self.plots[metric]
        values = [h.data()[1] for (m, _), h in self.history.items() if m == metric]
        values = np.concatenate(values) if values else np.zeros(0)
        if plot.getAxis("left").logMode:
            with np.errstate(divide="ignore", invalid="ignore"):
                steady_range(plot, np.log10(values[values > 0]), decades=True)
        else:
            steady_range(plot, values)

    def _plot_for(self, metric: str) -> pg.PlotItem:
        plot = self.plots.get(metric)
        if plot is not None:
            return plot
        plot = self.graphics.addPlot(row=len(self.plots) + 1, col=0,
                                     axisItems={"left": LossAxis("left")})
        plot.setDownsampling(auto=True, mode="peak")
        plot.setClipToView(True)
        plot.showGrid(x=True, y=True, alpha=0.25)
        plot.setLabel("bottom", "step")
        plot.setMenuEnabled(False)
        if "loss" in self.plots:
            plot.setXLink(self.plots["loss"])
        if is_loss_like(metric) and self.log_box.isChecked():
            plot.setLogMode(y=True)
        self.plots[metric] = plot
        self._fit_height()
        style_plot(plot, self.dark)
        self._label_values_axis(metric)
        self._update_title(metric)
        return plot

    def _curve_for(self, metric: str, split: str) -> pg.PlotDataItem:
        plot = self._plot_for(metric)
        colour = SPLIT_COLOURS.get(split, "#7f7f7f")
        name = SPLIT_NAMES.get(split, split)
        if split == "test":  # evaluated rarely, often once: a marker, not a line
            curve = pg.PlotDataItem(pen=None, symbol="o", symbolSize=11,
                                    symbolBrush=colour, symbolPen=pg.mkPen("#222222"))
        else:
            width, alpha = {"train": (1.0, 110), "train_eval": (2.0, 255),
                            "val": (3.0, 255)}.get(split, (1.5, 255))
            curve = pg.PlotDataItem(pen=pg.mkPen(f"{colour}{alpha:02x}", width=width),
                                    symbol=None, symbolBrush=colour, symbolPen=None,
                                    symbolSize=6, connect="finite")
        curve.setZValue({"train": 0, "train_eval": 1, "val": 2, "test": 3}.get(split, 1))
        plot.addItem(curve)
        self.curves[(metric, split)] = curve
        if split not in self._in_legend:
            self._in_legend.add(split)
            self.legend.addItem(curve, name)
        return curve

    # --- words -------------------------------------------------------------------------------

    def _label_values_axis(self, metric: str) -> None:
        """The unit beside the values, where the numbers have one (nats, bits)."""
        plot = self.plots.get(metric)
        if plot is None:
            return
        unit = "bits" if metric == "bits_per_char" else "nats" if in_nats(metric, self.loss) else ""
        axis = plot.getAxis("left")
        if axis.labelText != unit:
            plot.setLabel("left", unit or None)
            axis.showLabel(bool(unit))

    def _update_title(self, metric: str) -> None:
        plot = self.plots.get(metric)
        if plot is None:
            return
        text = metric_label(metric, self.loss, brief=True)
        if is_loss_like(metric) and self.log_box.isChecked():
            text += " (log scale)"
        for split in ("val", "train_eval", "train"):
            if (metric, split) not in self.history:
                continue
            _, values = self._shown((metric, split))
            if values.size:
                text += f" — latest {SPLIT_NAMES[split]}: {_number(metric, values[-1])}"
                break
        set_title(plot, text, self.dark)

    def _update_warning(self) -> None:
        bad = [(h.first_bad_step, key) for key, h in self.history.items()
               if h.first_bad_step is not None]
        if not bad:
            self.warning.hide()
            return
        step, (metric, split) = min(bad)
        self.warning.setText(
            f"{metric_label(metric, self.loss)}, {SPLIT_NAMES.get(split, split)}: not a number "
            f"from step {step:.0f}. Training has diverged; a smaller learning rate often helps.")
        self.warning.setStyleSheet("color: #d62728; font-weight: bold;")
        self.warning.show()

    def _on_log_toggled(self, on: bool) -> None:
        for metric, plot in self.plots.items():
            if is_loss_like(metric):
                plot.setLogMode(y=on)
                forget_range(plot)
                self._steady_values_axis(metric)
                self._update_title(metric)


def _draw_order(key: tuple[str, str]) -> tuple[bool, int]:
    order = list(SPLIT_NAMES)
    return key[0] != "loss", order.index(key[1]) if key[1] in order else len(order)


def _floats(values: list) -> np.ndarray:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        out = []
        for v in values:
            try:
                out.append(float(v))
            except (TypeError, ValueError):
                out.append(math.nan)
        return np.asarray(out, dtype=np.float64)


def _number(metric: str, value: float) -> str:
    if not math.isfinite(value):
        return "not a number"
    if is_accuracy(metric) and 0.0 <= value <= 1.0:
        return f"{100.0 * value:.1f}%"
    return f"{value:.4g}"
