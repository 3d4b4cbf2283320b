"""The runs of this session: a list (name, what each started from and changes, seed, final
numbers) whose ticked runs are overlaid for a chosen metric; a run can be forked from one of
its checkpoints, and the comparison saved as a picture.

Every run the window trains is kept (a preset's variants, plain runs and forks alike). The
window files each run's project and checkpoints with it; this panel reads only what the
project's loss is, to name it and its unit, and never looks into the checkpoints.
"""

from __future__ import annotations

import PySide6  # noqa: F401  (before pyqtgraph, so pyqtgraph picks this binding)

# isort: split
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .base import PANELS, PlotPanel, Record, style_legend
from .curve_kit import (
    SET_NAMES,
    LossMeaning,
    MetricHistory,
    is_accuracy,
    metric_label,
    metric_words,
    value_text,
)

RUN_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
               "#17becf")
RUN_CAP = 1_000  # points kept per run and series
COLUMNS = ("Run", "From", "What differs", "Seed", "Final")
FINAL_SHOWN = 3  # final numbers shown in the list; the tooltip has them all


@dataclass
class Run:
    """One run's curves (bounded), where it came from, and its final numbers."""

    name: str
    parent: str = ""
    differs: list[str] = field(default_factory=list)
    seed: int | None = None
    series: dict[tuple[str, str], MetricHistory] = field(default_factory=dict)
    final: dict[str, float] = field(default_factory=dict)
    checkpoints: list[int] = field(default_factory=list)  # steps the window can fork from
    start_step: int = 0  # a fork continues its parent's step axis from the checkpoint
    project: Any = None  # the project it trained, and its weights at those steps: held
    weights: Any = None  # for the window (bounded there), never looked into here
    done: bool = False
    recording: str = ""  # the folder of its recording, to replay it on the timeline
    number: int = 0  # the window's number for the run (its weights are filed under it)
    loss_of: tuple[Any, LossMeaning | None] = field(default=(None, None), repr=False)

    def curve(self, metric: str) -> tuple[np.ndarray, np.ndarray] | None:
        found = self.curve_and_set(metric)
        return found[1] if found else None

    def curve_and_set(self, metric: str) -> tuple[str, tuple[np.ndarray, np.ndarray]] | None:
        """The split a metric's curve is drawn from (validation where the run has it, else the
        training set, else the training steps) and the curve."""
        for split in ("val", "train_eval", "train"):
            history = self.series.get((metric, split))
            if history is not None and history.n:
                return split, history.data()
        return None

    def loss(self) -> LossMeaning | None:
        """What the run's loss is and its unit, as its project's paradigm says."""
        if self.project is None:
            return None
        if self.loss_of[0] is not self.project:  # read once per project
            from ...model.metric_units import loss_meaning

            self.loss_of = (self.project, loss_meaning(self.project))
        return self.loss_of[1]


def has_recording(run: Run) -> bool:
    """Whether the run's recording is on disk (the window keeps the last runs' folders)."""
    return bool(run.recording) and (Path(run.recording) / "index.json").is_file()


def final_text(final: dict[str, float], limit: int = FINAL_SHOWN,
               loss: LossMeaning | None = None) -> str:
    """The test set's numbers first (accuracy, then loss), then the rest, in short words with
    the loss's unit: ``test set: accuracy 93.0%, loss 0.1 nats; unigram loss 1 nats``."""
    keys = sorted((k for k in final if not k.endswith("_params") and not k.startswith(
        ("train_", "val_", "best_"))),
        key=lambda k: (not k.startswith("test_"), not is_accuracy(k), "loss" not in k))
    words = {False: [], True: []}
    for key in keys[:limit]:
        metric = key.removeprefix("test_")
        words[key != metric].append(f"{metric_words(metric)} "
                                    f"{value_text(metric, final[key], loss)}")
    tested = f"test set: {', '.join(words[True])}" if words[True] else ""
    return "; ".join(part for part in (tested, ", ".join(words[False])) if part)


def final_tip(final: dict[str, float], loss: LossMeaning | None = None) -> str:
    """Every final number, a line each, with the set it was measured on."""
    from ...model.metric_units import split_final

    lines = []
    for key, value in final.items():
        where, metric, words = split_final(key)
        lines.append(f"{words}{f' ({where})' if where else ''}: {value_text(metric, value, loss)}")
    return "\n".join(lines)


@PANELS.register
class RunsPanel(PlotPanel):
    name = "runs"
    row = "top"
    title = "Runs compared"
    wants_metrics = True
    max_fps = 10.0  # a comparison: its curves need not move at every frame
    forkRequested = Signal(int)  # the index of the run to fork
    saveRequested = Signal(int)  # the index of the run whose weights to save
    saveFolderRequested = Signal(int)  # the index of the run to write as a run folder
    replayRequested = Signal(int)  # the index of the run to replay on the timeline

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runs: list[Run] = []
        self._current: Run | None = None
        self._dirty = False
        self.items: dict[int, pg.PlotDataItem] = {}
        self.tree = QTreeWidget(self)
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SingleSelection)
        self.tree.setToolTip("Tick the runs to overlay; right-click a run to fork it, save its "
                             "weights or the whole run, or replay it")
        self.tree.setContextMenuPolicy(Qt.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._on_context_menu)
        self.tree.itemChanged.connect(self._on_item_changed)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        for column, width in enumerate((150, 130, 190, 45)):
            self.tree.setColumnWidth(column, width)
        self.metric_box = QComboBox(self)
        self.metric_box.setToolTip("Which metric the curves show")
        self.metric_box.currentTextChanged.connect(self._on_metric_changed)
        self.fork_button = QPushButton("Fork…", self)
        self.fork_button.setToolTip("Train again from one of the selected run's checkpoints, "
                                    "with the settings the project has now")
        self.fork_button.clicked.connect(self._on_fork_clicked)
        self.save_button = QPushButton("Save figure…", self)
        self.save_button.setToolTip("Save the ticked runs' curves as a PNG or SVG picture")
        self.save_button.clicked.connect(self._on_save_clicked)
        self.hint = QLabel("Runs you train appear here. Run → Compare variants trains each "
                           "variant of the preset in turn.", self)
        self.hint.setWordWrap(True)
        self.graphics = pg.PlotWidget(self)
        self.plot = self.graphics.getPlotItem()
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.setLabel("bottom", "step")
        self.legend = self.plot.addLegend(offset=(-10, 10))
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Metric:", self))
        bar.addWidget(self.metric_box, 1)
        bar.addWidget(self.fork_button)
        bar.addWidget(self.save_button)
        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(bar)
        top_layout.addWidget(self.tree, 1)
        split = QSplitter(Qt.Vertical, self)
        split.addWidget(top)
        # the plot in a plain widget: the picture export renders widgets, not graphics views
        self.plot_box = QWidget(self)
        box_layout = QVBoxLayout(self.plot_box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        box_layout.addWidget(self.graphics)
        split.addWidget(self.plot_box)
        split.setStretchFactor(1, 1)
        split.setSizes([170, 330])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.hint)
        layout.addWidget(split, 1)
        self._update_buttons()
        self.set_dark(self.dark)

    # -- runs ----------------------------------------------------------------------------
    def begin_run(self, name: str, parent: str = "", differs: Sequence[str] = (),
                  seed: int | None = None, start_step: int = 0) -> Run:
        """Records that arrive from now on belong to a new run called ``name``; a fork's
        steps are drawn after ``start_step``, where its parent's checkpoint was."""
        self._current = Run(self._unique(name), parent, list(differs), seed,
                            start_step=start_step)
        self.runs.append(self._current)
        item = QTreeWidgetItem([self._current.name, parent or "—",
                                "; ".join(differs) or "—",
                                "" if seed is None else str(seed), "training…"])
        item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
        item.setCheckState(0, Qt.Checked)
        item.setToolTip(2, "\n".join(differs) or "nothing differs")
        self.tree.blockSignals(True)
        self.tree.addTopLevelItem(item)
        self.tree.blockSignals(False)
        self._fit_columns()
        self.hint.hide()
        self._dirty = True
        self._update_buttons()
        return self._current

    def end_run(self, final: dict[str, float], checkpoints: Sequence[int] = (),
                note: str = "") -> None:
        """The current run finished with these final numbers and checkpoint steps; ``note``
        says how it ended when that was not by finishing (stopped, its process lost)."""
        run = self._current
        if run is None:
            return
        run.final, run.done, run.checkpoints = dict(final), True, list(checkpoints)
        item = self.tree.topLevelItem(self.runs.index(run))
        if item is not None:
            item.setText(4, note or final_text(run.final, loss=run.loss()) or "—")
            self._fit_columns()
            item.setToolTip(4, final_tip(run.final, run.loss()) or note)
        self._current = None
        self._dirty = True
        self._update_buttons()

    def note_current(self, text: str) -> None:
        """Say how the current run stands while it has not ended (paused at step 40)."""
        if self._current is not None:
            item = self.tree.topLevelItem(self.runs.index(self._current))
            if item is not None and item.text(4) != text:
                item.setText(4, text)

    def item(self, index: int) -> QTreeWidgetItem | None:
        return self.tree.topLevelItem(index)

    def selected_index(self) -> int | None:
        items = self.tree.selectedItems()
        return self.tree.indexOfTopLevelItem(items[0]) if items else None

    def clear_runs(self) -> None:
        """Forget every run (another project was opened)."""
        self.runs.clear()
        self._current = None
        self.tree.clear()
        for item in self.items.values():
            self.plot.removeItem(item)
        self.items.clear()
        self.legend.clear()
        self.metric_box.clear()
        self.hint.show()
        self._update_buttons()

    def save_figure(self, path: Path) -> Path:
        """The overlaid curves of the ticked runs as a PNG or SVG picture."""
        from ..panel_export import save_widget_picture

        self._dirty = True
        self.redraw()
        return save_widget_picture(self.plot_box, Path(path))

    def _unique(self, name: str) -> str:
        taken = {run.name for run in self.runs}
        if name not in taken:
            return name
        k = 2
        while f"{name} ({k})" in taken:
            k += 1
        return f"{name} ({k})"

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        # a run added while the panel was a narrow or hidden tab was fitted to little room
        QTimer.singleShot(0, self, self._fit_columns)

    def _fit_columns(self) -> None:
        """Wide enough for the names and phrases, but never one column taking the panel (what
        differs is cut first: its tooltip has it all, and how each run ended stays in sight)."""
        room = max(400, self.tree.viewport().width())
        for column in range(len(COLUMNS) - 1):
            self.tree.resizeColumnToContents(column)
            widest = min(200, room // 4) if COLUMNS[column] == "What differs" else \
                min(260, room // 5)
            self.tree.setColumnWidth(column, min(self.tree.columnWidth(column) + 10, widest))

    def _update_buttons(self) -> None:
        index = self.selected_index()
        ok = index is not None and self.runs[index].done
        self.fork_button.setEnabled(ok)
        self.save_button.setEnabled(bool(self.runs))

    def _on_fork_clicked(self) -> None:
        index = self.selected_index()
        if index is not None:
            self.forkRequested.emit(index)

    def _on_context_menu(self, pos: QPoint) -> None:
        item = self.tree.itemAt(pos)
        if item is None:
            return
        index = self.tree.indexOfTopLevelItem(item)
        menu = QMenu(self)
        action = menu.addAction("Fork from a checkpoint…")
        action.setEnabled(self.runs[index].done)
        save = menu.addAction("Save weights…")
        save.setEnabled(self.runs[index].done and bool(self.runs[index].weights))
        folder = menu.addAction("Save as a run folder…")
        folder.setEnabled(self.runs[index].done and bool(self.runs[index].weights))
        replay = menu.addAction("Replay on the timeline")
        replay.setEnabled(self.runs[index].done and has_recording(self.runs[index]))
        chosen = menu.exec(self.tree.viewport().mapToGlobal(pos))
        if chosen is folder:
            self.saveFolderRequested.emit(index)
        elif chosen is replay:
            self.replayRequested.emit(index)
        elif chosen is action:
            self.forkRequested.emit(index)
        elif chosen is save:
            self.saveRequested.emit(index)

    def _on_save_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the comparison", "runs.png",
                                              "Pictures (*.png *.svg)")
        if not path:
            return
        if Path(path).suffix.lower() not in (".png", ".svg"):
            path += ".png"
        try:
            self.save_figure(Path(path))
        except (OSError, ValueError) as err:
            self.hint.setText(f"The figure was not saved: {err}")
            self.hint.show()

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
            history.extend(np.asarray(steps, dtype=np.float64) + run.start_step,
                           np.asarray(values, dtype=np.float64))
        self._dirty = self._dirty or bool(groups)

    def redraw(self) -> None:
        super().redraw()
        if not self._dirty or not self.isVisible():
            return
        self._dirty = False
        metric = self.metric_box.currentText() or "loss"
        self.legend.clear()
        shown_sets, losses = [], {}
        for i, run in enumerate(self.runs):
            item = self.tree.topLevelItem(i)
            found = run.curve_and_set(metric) if item is not None \
                and item.checkState(0) == Qt.Checked else None
            line = self.items.get(i)
            if found is None:
                if line is not None:
                    line.setData([], [])
                continue
            if line is None:
                colour = RUN_COLOURS[i % len(RUN_COLOURS)]
                line = self.items[i] = self.plot.plot(pen=pg.mkPen(colour, width=2))
            line.setData(*found[1])
            self.legend.addItem(line, run.name)
            shown_sets.append(found[0])
            loss = run.loss()
            losses[str(loss) if loss else ""] = loss
        self.plot.setTitle(comparison_title(metric, shown_sets, losses))
        style_legend(self.legend, self.dark)

    def reset(self) -> None:
        """A new run starts: the runs so far stay (that is what this panel is for)."""
        super().reset()

    def set_dark(self, dark: bool) -> None:
        super().set_dark(dark)
        style_legend(self.legend, dark)

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        self._dirty = True
        self.redraw()

    def _on_metric_changed(self, text: str) -> None:
        self._dirty = True
        self.redraw()


def comparison_title(metric: str, sets: Sequence[str],
                     losses: dict[str, LossMeaning | None]) -> str:
    """The metric in words, with what the loss is (when every run's is the same) and the set
    the curves were measured on."""
    same = next(iter(losses.values())) if len(losses) == 1 else None
    text = metric_label(metric, same)
    if metric == "loss" and len(losses) > 1:
        text += " (what it measures differs between these runs)"
    kinds = [k for k in ("val", "train_eval", "train") if k in sets]
    if kinds:
        text += " — " + "; ".join(
            f"{SET_NAMES[k]}{'' if k == 'train' else ' set'}" for k in kinds)
        if len(kinds) > 1:
            text += " (each run's first of these)"
    return text
