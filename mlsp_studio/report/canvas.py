"""What every report figure shares: an Agg canvas, messages, axis limits and labels.

Figures are bare ``matplotlib.figure.Figure`` objects on their own ``FigureCanvasAgg``: no
pyplot, so no GUI backend is picked and no global figure list grows.
"""

from __future__ import annotations

import math

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

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
