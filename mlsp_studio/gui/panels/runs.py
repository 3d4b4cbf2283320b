"""Runs of this session side by side: one line per run for a chosen metric.

Every run the window trains is kept (a preset's variants, started with "Compare variants",
and plain runs alike) with its name and final test numbers; ticking runs in the list overlays
their curves — the validation curve where the run has one, else the per-step training curve.
"""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from .base import DARK, LIGHT, PANELS, Panel, Record, style_legend, style_plot
from .curves import MetricHistory, metric_label

RUN_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
               "#17becf")
RUN_CAP = 1_000  # points kept per run and series


@dataclass
class Run:
    """One run's curves (bounded) and its final numbers."""

    name: str
    series: dict[tuple[str, str], MetricHistory] = field(default_factory=dict)
    final: dict[str, float] = field(default_factory=dict)
    done: bool = False

    def curve(self, metric: str) -> tuple[np.ndarray, np.ndarray] | None:
        for split in ("val", "train_eval", "train"):
            history = self.series.get((metric, split))
            if history is not None and history.n:
                return history.data()
        return None


@PANELS.register
class RunsPanel(Panel):
    name = "runs"
    title = "Runs compared"
    wants_metrics = True

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs: list[Run] = []
        self._current: Run | None = None
        self._dirty = False
        self.items: dict[int, pg.PlotDataItem] = {}
        self.list = QListWidget(self)
        self.list.setToolTip("Tick the runs to overlay")
        self.list.itemChanged.connect(self._on_item_changed)
        self.metric_box = QComboBox(self)
        self.metric_box.setToolTip("Which metric the curves show")
        self.metric_box.currentTextChanged.connect(self._on_metric_changed)
        self.hint = QLabel("Runs you train appear here. Run → Compare variants trains each "
                           "variant of the preset in turn.", self)
        self.hint.setWordWrap(True)
        self.plot_widget = pg.PlotWidget(self)
        self.plot = self.plot_widget.getPlotItem()
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("bottom", "step")
        self.legend = self.plot.addLegend(offset=(-10, 10))
        side = QWidget(self)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(QLabel("Metric:", side))
        side_layout.addWidget(self.metric_box)
        side_layout.addWidget(self.list, 1)
        split = QSplitter(Qt.Horizontal, self)
        split.addWidget(side)
        split.addWidget(self.plot_widget)
        split.setStretchFactor(1, 1)
        split.setSizes([200, 500])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.hint)
        row = QHBoxLayout()
        row.addWidget(split)
        layout.addLayout(row, 1)
        self.set_dark(self.dark)

    # -- runs ----------------------------------------------------------------------------
    def begin_run(self, name: str) -> None:
        """Records that arrive from now on belong to a new run called ``name``."""
        self._current = Run(self._unique(name))
        self.runs.append(self._current)
        item = QListWidgetItem(self._current.name)
        item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
        item.setCheckState(Qt.Checked)
        self.list.blockSignals(True)
        self.list.addItem(item)
        self.list.blockSignals(False)
        self.hint.hide()
        self._dirty = True

    def end_run(self, final: dict[str, float]) -> None:
        """The current run finished with these final numbers."""
        run = self._current
        if run is None:
            return
        run.final, run.done = dict(final), True
        shown = [f"{k.removeprefix('test_').replace('_', ' ')} {v:.3g}"
                 for k, v in final.items() if k.startswith("test_") and k != "test_loss"]
        item = self.list.item(self.runs.index(run))
        if item is not None:
            item.setText(run.name + (f" — {', '.join(shown)}" if shown else ""))
        self._current = None
        self._dirty = True

    def clear_runs(self) -> None:
        """Forget every run (another project was opened)."""
        self.runs.clear()
        self._current = None
        self.list.clear()
        for item in self.items.values():
            self.plot.removeItem(item)
        self.items.clear()
        self.legend.clear()
        self.metric_box.clear()
        self.hint.show()

    def _unique(self, name: str) -> str:
        taken = {run.name for run in self.runs}
        if name not in taken:
            return name
        k = 2
        while f"{name} ({k})" in taken:
            k += 1
        return f"{name} ({k})"

    # -- the Panel contract --------------------------------------------------------------
    def relevant(self, kinds: set[str]) -> bool:
        """Shown once there is a run to compare, whatever the pictures."""
        return bool(self.runs)

    def add_metrics(self, records: Sequence[Record]) -> None:
        super().add_metrics(records)
        run = self._current
        if run is None:
            return
        groups: dict[tuple[str, str], tuple[list, list]] = {}
        for step, split, metric, value in records:
            if split == "final":
                continue
            group = groups.setdefault((str(metric), str(split)), ([], []))
            group[0].append(step)
            group[1].append(value)
        for key, (steps, values) in groups.items():
            history = run.series.get(key)
            if history is None:
                history = run.series[key] = MetricHistory(RUN_CAP)
                if self.metric_box.findText(key[0]) < 0:
                    self.metric_box.addItem(key[0])
            history.extend(np.asarray(steps, dtype=np.float64),
                           np.asarray(values, dtype=np.float64))
        self._dirty = self._dirty or bool(groups)

    def redraw(self) -> None:
        super().redraw()
        if not self._dirty or not self.isVisible():
            return
        self._dirty = False
        metric = self.metric_box.currentText() or "loss"
        self.plot.setTitle(metric_label(metric))
        self.legend.clear()
        for i, run in enumerate(self.runs):
            item = self.list.item(i)
            curve = run.curve(metric) if item is not None and item.checkState() == Qt.Checked \
                else None
            line = self.items.get(i)
            if curve is None:
                if line is not None:
                    line.setData([], [])
                continue
            if line is None:
                colour = RUN_COLOURS[i % len(RUN_COLOURS)]
                line = self.items[i] = self.plot.plot(pen=pg.mkPen(colour, width=2))
            line.setData(*curve)
            self.legend.addItem(line, run.name)
        style_legend(self.legend, self.dark)

    def reset(self) -> None:
        """A new run starts: the runs so far stay (that is what this panel is for)."""
        super().reset()

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        colours = DARK if dark else LIGHT
        self.plot_widget.setBackground(colours["background"])
        style_plot(self.plot, dark)
        style_legend(self.legend, dark)

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        self._dirty = True
        self.redraw()

    def _on_metric_changed(self, text: str) -> None:
        self._dirty = True
        self.redraw()
