"""Headless PNG figures of a run: metric curves and one picture per snapshot.

Drawn with matplotlib's Agg canvas on a bare ``Figure`` (never pyplot, so no GUI backend is
chosen and nothing global changes), from numpy data only: this module imports neither torch
nor Qt, so ``mlsp-studio run`` on a server writes the same pictures the window shows.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from mlsp_studio.snapshots.kinds import Snapshot

from ..model.metric_units import SET_NAMES, LossMeaning, in_nats, metric_label
from ..model.plugins import load_role
from . import lab_drawings, math_drawings
from .canvas import DPI, new_figure, show_message
from .data_drawings import boundary_figure, confusion_figure, regression_figure
from .layer_drawings import feature_maps_figure, kernels_figure
from .sequence_drawings import (
    attention_figure,
    bptt_figure,
    patch_attention_figure,
    pooling_figure,
    recurrent_figure,
)

__all__ = ["FILE_NAMES", "curves_figure", "snapshot_figure", "write_figures"]

Record = tuple[int, str, str, float]

# One PNG per snapshot kind, named by kind.
FILE_NAMES = {
    "boundary": "boundary.png",
    "regression_fit": "regression_fit.png",
    "confusion": "confusion.png",
    "feature_maps": "feature_maps.png",
    "kernels": "kernels.png",
    "attention": "attention.png",
    "recurrent": "recurrent_states.png",
    "bptt": "gradient_through_time.png",
    "pooling": "attention_pooling.png",
    "patch_attention": "patch_attention.png",
}

_DRAWERS = {
    "boundary": boundary_figure,
    "regression_fit": regression_figure,
    "confusion": confusion_figure,
    "feature_maps": feature_maps_figure,
    "kernels": kernels_figure,
    "attention": attention_figure,
    "recurrent": recurrent_figure,
    "bptt": bptt_figure,
    "pooling": pooling_figure,
    "patch_attention": patch_attention_figure,
}

# The lab drawings and each paradigm folder's ``figures`` module say their own kinds and file
# names.
for _module in (lab_drawings, math_drawings, *load_role("figures")):
    for _kind, (_file, _drawer) in _module.FIGURES.items():
        if _kind in _DRAWERS:
            raise ValueError(f"two figure drawers for the snapshot kind {_kind!r}")
        FILE_NAMES[_kind], _DRAWERS[_kind] = _file, _drawer

_SPLIT_NAMES = SET_NAMES
_SPLIT_COLOURS = {"train": "#1f77b4", "train_eval": "#9467bd", "val": "#ff7f0e",
                  "test": "#2ca02c"}
_OTHER_COLOURS = ("#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
# A curve longer than this is drawn as bucket means inside a min-max band.
_MAX_DRAWN_POINTS = 1500


def curves_figure(records: Iterable[Record], path: Path, title: str = "",
                  log_loss: bool = True, loss: LossMeaning | None = None) -> Path:
    """Write one subplot per metric, one line per split, and return ``path``.

    Parameters
    ----------
    records
        ``(step, split, metric, value)`` tuples; split is ``"train"``, ``"val"`` or
        ``"test"``. Any order; NaN and infinite values leave a gap and are marked.
    path
        Where the PNG goes; missing folders are made.
    title
        Shown above the plots with the last step; "Training curves" when empty.
    log_loss
        Draw a loss metric on a log scale when its positive values span more than two
        decades.
    loss
        What the loss is and its unit (``model/metric_units.py``), named in the loss plot's
        title.
    """
    records = list(records)
    marks = [(step, f"{metric} → {value:g}") for step, split, metric, value in records
             if split == "change"]  # settings changed while training: dashed lines
    series = _collect(r for r in records if r[1] not in ("final", "change"))
    last_step = max((int(s.max()) for split in series.values() for s, _ in split.values()
                     if s.size), default=None)
    heading = title or "Training curves"
    if last_step is not None:
        heading = f"{heading} — step {last_step}"
    metrics = sorted(series, key=lambda m: m != "loss")  # loss first, the rest as they came
    ncols = 1 if len(metrics) <= 2 else 2
    nrows = max(1, math.ceil(len(metrics) / ncols))
    fig = new_figure(6.0, max(4.5, 2.2 * nrows))
    fig.suptitle(heading)
    if not metrics:
        show_message(fig.add_subplot(), "No metrics recorded yet")
        return _save(fig, path)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharex=True).ravel()
    for ax, metric in zip(axes[:len(metrics)], metrics, strict=True):
        _draw_metric(ax, metric, series[metric], log_loss, loss)
    for ax in axes[len(metrics):]:
        ax.set_visible(False)
    for k, ax in enumerate(axes[:len(metrics)]):
        for step, words in marks:
            ax.axvline(step, color="#777777", linestyle="--", linewidth=1)
            if k == 0:
                ax.annotate(words, (step, 1.0), xycoords=("data", "axes fraction"),
                            xytext=(3, -3), textcoords="offset points", va="top", fontsize=8,
                            color="#555555")
    # One legend for the splits, below the plots, so it never hides a curve.
    legend: dict[str, object] = {}
    for ax in axes[:len(metrics)]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    fig.legend(list(legend.values()), list(legend), loc="outside lower center",
               ncols=max(1, len(legend)), fontsize=9, frameon=False)
    for ax in axes[max(0, len(metrics) - ncols):len(metrics)]:
        ax.xaxis.set_tick_params(labelbottom=True)
        ax.set_xlabel("step")
    return _save(fig, path)


def snapshot_figure(snapshot: Snapshot, path: Path) -> Path:
    """Write the picture of one snapshot (chosen by its ``kind``) and return ``path``."""
    drawer = _DRAWERS.get(snapshot.kind)
    if drawer is None:
        raise ValueError(f"No figure for snapshots of kind {snapshot.kind!r}; "
                         f"known kinds: {', '.join(sorted(_DRAWERS))}")
    return _save(drawer(snapshot), path)


def write_figures(out_dir: Path, records: Iterable[Record],
                  snapshots: Iterable[Snapshot], loss: LossMeaning | None = None) -> list[Path]:
    """Write ``curves.png`` and one PNG per snapshot kind into ``out_dir``.

    When several snapshots share a kind the last one wins; kinds with no figure yet are
    skipped; ``loss`` says what the loss is. Returns the written paths, curves first.
    """
    out_dir = Path(out_dir)
    written = [curves_figure(records, out_dir / "curves.png", loss=loss)]
    latest: dict[str, Snapshot] = {}
    for snapshot in snapshots:
        if snapshot.kind in _DRAWERS:
            latest[snapshot.kind] = snapshot
    for kind, snapshot in latest.items():
        written.append(snapshot_figure(snapshot, out_dir / FILE_NAMES[kind]))
    return written


def _save(fig: Figure, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    with warnings.catch_warnings():
        # A layout that cannot shrink enough still gives a usable picture.
        warnings.simplefilter("ignore", UserWarning)
        fig.savefig(path, format="png", dpi=DPI)
    return path


def _collect(records: Iterable[Record]) -> dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Group records as metric -> split -> (steps, values), sorted by step."""
    raw: dict[str, dict[str, tuple[list[int], list[float]]]] = {}
    for step, split, metric, value in records:
        try:
            value = float(value)
        except (TypeError, ValueError):
            value = math.nan
        steps, values = raw.setdefault(str(metric), {}).setdefault(str(split), ([], []))
        steps.append(int(step))
        values.append(value)
    series: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {}
    for metric, splits in raw.items():
        series[metric] = {}
        for split, (steps, values) in splits.items():
            s = np.asarray(steps, dtype=np.int64)
            v = np.asarray(values, dtype=np.float64)
            order = np.argsort(s, kind="stable")
            series[metric][split] = (s[order], v[order])
    return series


def _split_order(splits: Sequence[str]) -> list[str]:
    known = [s for s in _SPLIT_NAMES if s in splits]
    return known + [s for s in splits if s not in _SPLIT_NAMES]


def _draw_metric(ax, metric: str, splits: dict[str, tuple[np.ndarray, np.ndarray]],
                 log_loss: bool, loss: LossMeaning | None = None) -> None:
    others = iter(_OTHER_COLOURS * 4)
    finite_values = []
    warned = 0
    for split in _split_order(list(splits)):
        steps, values = splits[split]
        colour = _SPLIT_COLOURS.get(split) or next(others, "#444444")
        name = _SPLIT_NAMES.get(split, split)
        bad = ~np.isfinite(values)
        values = np.where(bad, np.nan, values)
        finite_values.append(values[~bad])
        if steps.size > _MAX_DRAWN_POINTS:
            x, mean, low, high = _decimate(steps, values, _MAX_DRAWN_POINTS)
            ax.fill_between(x, low, high, color=colour, alpha=0.2, linewidth=0)
            ax.plot(x, mean, color=colour, linewidth=1.4, label=name)
        else:
            marker = "o" if steps.size <= 60 else None
            ax.plot(steps, values, color=colour, linewidth=1.4, marker=marker,
                    markersize=6 if steps.size <= 2 else 3.5, label=name)
        if bad.any():
            first = int(steps[np.argmax(bad)])
            ax.axvline(first, color=colour, linestyle=":", linewidth=1.2)
            ax.text(0.98, 0.04 + 0.09 * warned, f"{name}: not a number from step {first}",
                    transform=ax.transAxes, ha="right", va="bottom", fontsize=7.5,
                    color=colour, in_layout=False,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})
            warned += 1
    label = metric_label(metric, loss)
    finite = np.concatenate(finite_values) if finite_values else np.zeros(0)
    is_loss = metric == "loss" or metric.endswith("_loss")
    if (log_loss and is_loss and finite.size and finite.min() > 0
            and finite.max() / finite.min() > 100.0):
        ax.set_yscale("log")
        label += " (log scale)"
    ax.set_title(label, fontsize=10)
    unit = "nats" if in_nats(metric, loss) else "bits" if metric == "bits_per_char" else ""
    if unit:
        ax.set_ylabel(unit, fontsize=9)
    ax.grid(True, alpha=0.3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # steps are whole numbers


def _decimate(steps: np.ndarray, values: np.ndarray,
              max_points: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Bucket a long curve into at most ``max_points`` (step, mean, min, max) rows."""
    n = steps.size
    bucket = -(-n // max_points)
    rows = -(-n // bucket)
    pad = rows * bucket - n
    s = np.concatenate([steps.astype(np.float64), np.full(pad, np.nan)]).reshape(rows, bucket)
    v = np.concatenate([values, np.full(pad, np.nan)]).reshape(rows, bucket)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN buckets give NaN, a gap
        return (np.nanmean(s, axis=1), np.nanmean(v, axis=1), np.nanmin(v, axis=1),
                np.nanmax(v, axis=1))
