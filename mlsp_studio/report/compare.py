"""One figure comparing several runs (a preset's variants): their curves overlaid.

Each metric gets a subplot; each run one colour, its validation curve drawn strong and its
per-step training curve faint behind it, so the runs can be told apart at a glance.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from .canvas import new_figure, show_message
from .figures import _METRIC_NAMES, Record, _collect, _decimate, _save

RUN_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
               "#17becf")
_MAX_POINTS = 800


def comparison_figure(runs: Sequence[tuple[str, Iterable[Record]]], path: Path,
                      title: str = "") -> Path:
    """Write the overlaid curves of ``runs`` — (name, metric records) pairs — to ``path``."""
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
        for i, (name, series) in enumerate(collected):
            colour = RUN_COLOURS[i % len(RUN_COLOURS)]
            splits = series.get(metric, {})
            faint = splits.get("train")
            strong = splits.get("val") or splits.get("train_eval")
            if faint is not None and strong is not None:
                _line(ax, faint, colour, 0.8, 0.25, None)
            if strong is not None or faint is not None:
                _line(ax, strong if strong is not None else faint, colour, 1.8, 1.0, name)
        label = _METRIC_NAMES.get(metric, metric.replace("_", " ").capitalize())
        ax.set_title(f"{label} (validation strong, training faint)", fontsize=9.5)
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


def _line(ax, curve: tuple[np.ndarray, np.ndarray], colour: str, width: float, alpha: float,
          label: str | None) -> None:
    steps, values = curve
    values = np.where(np.isfinite(values), values, np.nan)
    if steps.size > _MAX_POINTS:
        steps, values, _, _ = _decimate(steps, values, _MAX_POINTS)
    marker = "o" if steps.size <= 2 else None
    ax.plot(steps, values, color=colour, linewidth=width, alpha=alpha, label=label,
            marker=marker, markersize=4)
