"""One figure comparing several runs (a preset's variants): their curves overlaid.

Each metric gets a subplot; each run one colour, its validation curve drawn strong and its
per-step training curve faint behind it, so the runs can be told apart at a glance.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from ..model.metric_units import LossMeaning, metric_label
from .canvas import new_figure, show_message
from .figures import Record, _collect, _decimate, _save

RUN_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
               "#17becf")
_MAX_POINTS = 800


def comparison_figure(runs: Sequence[tuple[str, Iterable[Record]]], path: Path,
                      title: str = "", loss: LossMeaning | None = None) -> Path:
    """Write the overlaid curves of ``runs`` — (name, metric records) pairs — to ``path``;
    ``loss`` says what their loss is, when it is the same for every run."""
    collected = [(name, _collect(r for r in records if r[1] != "final"))
                 for name, records in runs]
    metrics: list[str] = []
    for _, series in collected:
        metrics += [m for m in series if m not in metrics]
    metrics.sort(key=lambda m: m != "loss")
    ncols = 1 if len(metrics) <= 2 else 2
    nrows = max(1, math.ceil(len(metrics) / ncols))
    fig = new_figure(6.5, max(4.5, 2.4 * nrows))
    fig.suptitle(title or "Runs compared")
    if not metrics:
        show_message(fig.add_subplot(), "No metrics recorded")
        return _save(fig, path)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True).ravel()
    for ax, metric in zip(axes, metrics, strict=False):
        strong_sets, faint_drawn = set(), False
        for i, (name, series) in enumerate(collected):
            colour = RUN_COLOURS[i % len(RUN_COLOURS)]
            splits = series.get(metric, {})
            faint = splits.get("train")
            held = "val" if splits.get("val") is not None else "train_eval"
            strong = splits.get(held)
            if faint is not None and strong is not None:
                _line(ax, faint, colour, 0.8, 0.25, None)
                faint_drawn = True
            if strong is not None or faint is not None:
                strong_sets.add(held if strong is not None else "train")
                _line(ax, strong if strong is not None else faint, colour, 1.8, 1.0, name)
        ax.set_title(f"{metric_label(metric, loss)}\n{_sets_words(strong_sets, faint_drawn)}",
                     fontsize=9.5)
        ax.grid(True, alpha=0.3)
    for ax in axes[len(metrics):]:
        ax.set_visible(False)
    for ax in axes[max(0, len(metrics) - ncols):len(metrics)]:
        ax.xaxis.set_tick_params(labelbottom=True)
        ax.set_xlabel("step")
    handles: dict[str, object] = {}
    for ax in axes[:len(metrics)]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    fig.legend(list(handles.values()), list(handles), loc="outside lower center",
               ncols=min(4, max(1, len(handles))), fontsize=9, frameon=False)
    return _save(fig, path)


def _sets_words(strong: set[str], faint: bool) -> str:
    """Which set the strong lines were measured on (and the faint ones, if any), in words."""
    if strong <= {"train"}:
        return "training batches, each step"
    words = ("validation set" if strong <= {"val"} else "training set" if strong <= {"train_eval"}
             else "validation set (the training set where a run has none)")
    return f"{words} strong, training batches faint" if faint else words


def _line(ax, curve: tuple[np.ndarray, np.ndarray], colour: str, width: float, alpha: float,
          label: str | None) -> None:
    steps, values = curve
    values = np.where(np.isfinite(values), values, np.nan)
    if steps.size > _MAX_POINTS:
        steps, values, _, _ = _decimate(steps, values, _MAX_POINTS)
    marker = "o" if steps.size <= 2 else None
    ax.plot(steps, values, color=colour, linewidth=width, alpha=alpha, label=label,
            marker=marker, markersize=4)
