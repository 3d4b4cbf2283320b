"""What every report figure shares: an Agg canvas, messages, axis limits and labels.

Figures are bare ``matplotlib.figure.Figure`` objects on their own ``FigureCanvasAgg``: no
pyplot, so no GUI backend is picked and no global figure list grows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

DPI = 110
WIDTH, HEIGHT = 6.0, 4.5


def new_figure(width: float = WIDTH, height: float = HEIGHT, layout: str | None = "constrained"
               ) -> Figure:
    """A figure on its own Agg canvas, outside pyplot's global state."""
    fig = Figure(figsize=(width, height), dpi=DPI, layout=layout)
    FigureCanvasAgg(fig)
    return fig


def show_message(ax: Axes, text: str) -> None:
    """Fill an axes with a sentence instead of a plot."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=11, color="#555555",
            transform=ax.transAxes, wrap=True)


def symmetric_limit(a: np.ndarray) -> float:
    """The largest finite magnitude in ``a``, for a colour scale centred at 0 (1 if none)."""
    finite = np.abs(a[np.isfinite(a)])
    m = float(finite.max()) if finite.size else 0.0
    return m if m > 0 else 1.0


def count_words(n: int, word: str) -> str:
    """``"1 filter"``, ``"3 filters"``."""
    return f"{n} {word}" + ("" if n == 1 else "s")


def padded_range(lo: float, hi: float) -> tuple[float, float]:
    """Axis limits a little wider than the data, never empty and never infinite."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return -1.0, 1.0
    if hi - lo <= 1e-12:
        return lo - 0.5, hi + 0.5
    pad = 0.03 * (hi - lo)
    return lo - pad, hi + pad


def frame_points(ax: Axes, points: np.ndarray, xlabel: str, ylabel: str) -> None:
    """Limits a little wider than the finite (n ≥ 1, 2) ``points``, the axes' names and a
    light grid."""
    ax.set_xlim(*padded_range(float(points[:, 0].min()), float(points[:, 0].max())))
    ax.set_ylim(*padded_range(float(points[:, 1].min()), float(points[:, 1].max())))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.25)


def variance_names(explained: Sequence[float]) -> tuple[str, str]:
    """The names of the axes of the plane of two main directions (PCA), with the share of the
    variance each keeps (``explained``, 0..1)."""
    ex = [float(e) for e in tuple(explained)[:2]] + [0.0, 0.0]
    return f"PC 1 ({100 * ex[0]:.0f} % of variance)", f"PC 2 ({100 * ex[1]:.0f} % of variance)"


def side_legend(ax: Axes, entries: Sequence[tuple[str, str]], title: str, size: float = 9,
                dot: float = 7, edge: str = "#333333", title_size: float | None = None) -> None:
    """A legend right of the axes: a dot of each ``(colour, label)`` of ``entries``."""
    handles = [Line2D([], [], marker="o", linestyle="", markersize=dot, markerfacecolor=colour,
                      markeredgecolor=edge, label=label) for colour, label in entries]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False,
              fontsize=size, title=title, title_fontsize=size if title_size is None
              else title_size)


def bare_axes(ax: Axes) -> None:
    """No ticks and a thin grey frame, for the many small panels of a grid."""
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.4)
        spine.set_color("#999999")


def nan_note(a: np.ndarray, sep: str = " — ") -> str:
    """A phrase to append to a label when ``a`` holds NaN, which is drawn as blank."""
    return f"{sep}some values are not a number (left blank)" if np.isnan(a).any() else ""
