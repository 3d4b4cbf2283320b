"""Snapshots of the normalizing-flow paradigm (2-D data): the learned density over the plane,
samples drawn from the flow over the data, and the Gaussian's grid carried back to the data
one coupling at a time. Numpy only; panels and figures share the helpers at the end."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ...snapshots.base import PlaneGrid
from ...snapshots.kinds import Snapshot, register_snapshots


@dataclass(frozen=True)
class FlowDensity(PlaneGrid):
    """The flow's density on a grid over the data's plane.

    ``log_density`` is (H, W): log p(x) in nats at row i = ``ys[i]``, column j = ``xs[j]``.
    ``data`` (n, 2) are held-out points. ``nll`` is the validation split's negative
    log-likelihood per example at this step (the curves' validation loss) and ``entropy`` the
    data's own (the best any model can do), both NaN when not known.
    """

    kind: ClassVar[str] = "flow_density"
    animation: ClassVar[str] = "The flow's density over training"
    log_density: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    data: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    nll: float = math.nan
    entropy: float = math.nan


@dataclass(frozen=True)
class FlowSamples(Snapshot):
    """``samples`` (n, 2): the flow's draws for a fixed batch of noise, the same at every step,
    over held-out data points ``data`` (m, 2)."""

    kind: ClassVar[str] = "flow_samples"
    animation: ClassVar[str] = "Samples from the flow over training"
    samples: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    data: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))


@dataclass(frozen=True)
class FlowLayers(Snapshot):
    """The plane of the Gaussian carried to the data through the couplings, undone one at a
    time (the way samples are drawn).

    ``lines`` is (S, L, P, 2): L grid lines of P points each at each of the S = couplings + 1
    stages; stage 0 is the Gaussian's own plane (z), stage S − 1 the data's plane, in the
    data's units; the stages between are in the model's units (the data standardised).
    ``points`` (S, n, 2) are fixed noise samples carried along the same way. ``data`` (m, 2)
    are held-out points, drawn at the last stage.
    """

    kind: ClassVar[str] = "flow_layers"
    lines: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0, 2)))
    points: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 2)))
    data: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))


SNAPSHOTS: tuple[type[Snapshot], ...] = (FlowDensity, FlowSamples, FlowLayers)
OPTIONS: dict[str, str] = {}


# --- what the panels and the figures draw alike (numpy only) --------------------------------

DATA_COLOUR = "#9a9a9a"       # held-out data points
SAMPLE_COLOUR = "#0877bd"     # the flow's samples
ROW_COLOUR = "#d6604d"        # grid lines that were horizontal in the Gaussian's plane
COLUMN_COLOUR = "#2166ac"     # ... and those that were vertical
DENSITY_COLOURS = ("#ffffff", "#fde0c5", "#f59322", "#a63603", "#3f0f00")   # 0 … the top


def finite_points(a: np.ndarray) -> np.ndarray:
    """The finite rows of an (n, 2) array; anything else gives an empty (0, 2)."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != 2:
        return np.zeros((0, 2))
    return a[np.isfinite(a).all(1)]


def points_extent(arrays: Sequence[np.ndarray], pad: float = 0.08, tail: float = 0.5
                  ) -> tuple[float, float, float, float] | None:
    """(x0, x1, y0, y1) around the finite (n, 2) ``arrays`` but their outer ``tail`` per cent
    on each side, widened by ``pad`` of its longer side; None when there is no point."""
    kept = [a for a in arrays if len(a)]
    if not kept:
        return None
    pts = np.concatenate(kept)
    lo, hi = np.percentile(pts, tail, axis=0), np.percentile(pts, 100 - tail, axis=0)
    pad = pad * max(float(max(hi - lo)), 1e-6)
    return lo[0] - pad, hi[0] + pad, lo[1] - pad, hi[1] + pad


def density_extent(snap: FlowDensity) -> tuple[float, float, float, float] | None:
    """(x0, x1, y0, y1) of the density grid, or None when there is no usable grid."""
    return snap.grid_extent(snap.log_density)


def density_picture(snap: FlowDensity) -> tuple[np.ndarray, float]:
    """(p(x) on the grid, with what is not finite as 0 and at most e^80 (it fits a float32);
    the colour scale's top): the top is the 99.5th percentile, so one sharp peak does not wash
    the rest out."""
    log_p = np.asarray(snap.log_density, dtype=np.float64)
    log_p = np.where(np.isnan(log_p), -np.inf, log_p)
    p = np.exp(np.clip(log_p, -np.inf, 80.0))
    top = float(np.percentile(p, 99.5)) if p.size else 0.0
    return p, top if top > 0 and math.isfinite(top) else 1.0


LOG_SPAN = 10.0   # nats of log-density the log picture spans below its top


def log_density_picture(snap: FlowDensity) -> tuple[np.ndarray, tuple[float, float]]:
    """(log p(x) on the grid, clipped into the colour scale's range; that range): the top is
    the largest finite value (at most 80), the bottom ``LOG_SPAN`` nats lower, so the leaks
    of density between the clouds show as well as the peaks."""
    log_p = np.asarray(snap.log_density, dtype=np.float64)
    finite = log_p[np.isfinite(log_p)]
    top = min(float(finite.max()), 80.0) if finite.size else 0.0
    bottom = top - LOG_SPAN
    shown = np.where(np.isnan(log_p), bottom, np.clip(log_p, bottom, top))
    return shown, (bottom, top)


def nll_words(snap: FlowDensity) -> str:
    """The validation NLL and how far it is from the best possible, in words ("" if
    unknown)."""
    if not math.isfinite(snap.nll):
        return ""
    words = f"validation NLL {snap.nll:.2f} nats"
    if math.isfinite(snap.entropy):
        words += f" (best possible {snap.entropy:.2f}, gap {snap.nll - snap.entropy:.2f})"
    return words


def layer_stages(snap: FlowLayers) -> int:
    """How many stages the snapshot holds that can be drawn (0 when its arrays disagree)."""
    lines, points = np.asarray(snap.lines), np.asarray(snap.points)
    if lines.ndim != 4 or lines.shape[-1] != 2 or lines.shape[0] == 0:
        return 0
    if points.size and (points.ndim != 3 or points.shape[0] != lines.shape[0]
                        or points.shape[-1] != 2):
        return 0
    return int(lines.shape[0])


def stage_words(stage: int, stages: int) -> str:
    """What stage ``stage`` of ``stages`` is, in words."""
    couplings = stages - 1
    if stage <= 0:
        return "the Gaussian's plane (z)"
    if stage >= couplings:
        return f"the data's plane (x), all {couplings} couplings undone"
    return f"{stage} of {couplings} couplings undone"


JUMP = 0.15   # a step along a grid line longer than this share of the view is not drawn


def stage_lines(snap: FlowLayers, stage: int) -> tuple[np.ndarray, np.ndarray]:
    """The grid lines of one stage as two polylines (x, y), NaN between lines (so one curve
    draws them all): the rows first, then the columns, each half its own colour. Where the
    flow tears two neighbouring points of a line far apart (across a gap between clouds, which
    it stretches to keep the density there low), the line is broken rather than drawn as a
    straight jump across the view."""
    lines = np.asarray(snap.lines, dtype=np.float64)[stage]
    lines = np.where(np.isfinite(lines), lines, np.nan)
    good = lines.reshape(-1, 2)
    good = good[np.isfinite(good).all(1)]
    span = (float(max(np.percentile(good, 99, axis=0) - np.percentile(good, 1, axis=0)))
            if len(good) else 0.0)
    half = len(lines) // 2
    out = []
    for part in (lines[:half], lines[half:]):
        if not len(part) or part.shape[1] == 0:
            out.append(np.zeros((0, 2)))
            continue
        padded = np.concatenate([part, np.full((len(part), 1, 2), np.nan)], axis=1)
        flat = padded.reshape(-1, 2)
        if span > 0:
            step = np.linalg.norm(np.diff(flat, axis=0), axis=1)
            torn = np.flatnonzero(step > JUMP * span) + 1
            flat = np.insert(flat, torn, np.nan, axis=0)
        out.append(flat)
    return out[0], out[1]


def stage_points(snap: FlowLayers, stage: int) -> np.ndarray:
    points = np.asarray(snap.points, dtype=np.float64)
    return finite_points(points[stage]) if points.ndim == 3 and len(points) else np.zeros((0, 2))


def stage_extent(snap: FlowLayers, stage: int) -> tuple[float, float, float, float]:
    """Limits that hold the stage's points and most of its lines (a line may run far off)."""
    a, b = stage_lines(snap, stage)
    pts = np.concatenate([a, b, stage_points(snap, stage)])
    if stage == layer_stages(snap) - 1:
        pts = np.concatenate([pts, finite_points(snap.data)])
    pts = pts[np.isfinite(pts).all(1)] if len(pts) else pts
    return points_extent([pts], tail=1.0) or (-3.0, 3.0, -3.0, 3.0)


def shown_stages(stages: int, count: int = 5) -> list[int]:
    """``count`` stages spread from the Gaussian (0) to the data (stages − 1)."""
    if stages <= 0:
        return []
    return sorted({int(round(v)) for v in np.linspace(0, stages - 1, min(count, stages))})


register_snapshots(SNAPSHOTS, OPTIONS)
