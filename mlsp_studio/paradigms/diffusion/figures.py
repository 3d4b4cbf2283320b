"""Figures of the diffusion paradigm: the forward process at a few steps, the reverse
trajectory from noise to samples, and 2-D samples over the data.

Each ``*_figure`` takes a snapshot and returns a figure; none raises on empty or non-finite
data: it draws what it can and says in words what is missing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ...report.canvas import bare_axes, new_figure, padded_range, show_message
from ...snapshots.drawing import class_colour, finite_floats
from .snapshots import (
    DiffusionForward,
    DiffusionSamples,
    DiffusionTrajectory,
    as_pictures,
    class_words,
    mosaic,
    noised,
    shown_times,
)

FORWARD_COLUMNS = 6
STRIP_COLUMNS = 4        # the 16 pictures of one trajectory step in a 4 × 4 grid
DATA_GREY = "#bbbbbb"
SAMPLE_COLOUR = "#0877bd"


def _limits(points: list[np.ndarray]) -> tuple[tuple[float, float], tuple[float, float]]:
    """The same square-ish limits for every 2-D panel, covering the finite points."""
    kept = [p.reshape(-1, 2) for p in points if p.size and p.shape[-1] == 2]
    pts = np.concatenate(kept) if kept else None
    if pts is None or not np.isfinite(pts).all(1).any():
        return (-3.0, 3.0), (-3.0, 3.0)
    good = pts[np.isfinite(pts).all(1)]
    lo, hi = np.percentile(good, 0.5, axis=0), np.percentile(good, 99.5, axis=0)
    return padded_range(lo[0], hi[0]), padded_range(lo[1], hi[1])


def _dots(ax: Axes, points: np.ndarray, colours: str | list[str], limits: tuple,
          size: float = 2) -> None:
    """2-D points as dots within ``limits`` (from ``_limits``), a unit as long across as up."""
    ax.scatter(points[:, 0], points[:, 1], s=size, c=colours, linewidths=0)
    ax.set_xlim(*limits[0])
    ax.set_ylim(*limits[1])
    ax.set_aspect("equal")


def forward_figure(snap: DiffusionForward) -> Figure:
    """x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε at a few steps from the data (t = 0) to noise (t = T)."""
    T = len(snap.alpha_bar) - 1
    times = shown_times(T, FORWARD_COLUMNS)
    x0, noise = finite_floats(snap.x0), finite_floats(snap.noise)
    pictures = as_pictures(x0, snap.image_shape)
    rows = min(len(pictures), 8) if len(pictures) else 1
    fig = new_figure(1.5 * len(times) + 0.8, 1.3 * rows + 1.6 if len(pictures) else 3.4)
    fig.suptitle(f"Forward process ({snap.schedule or 'schedule'} schedule, T = {T}) — "
                 "noise added to fixed examples")
    if T < 1 or x0.size == 0 or x0.shape != noise.shape:
        show_message(fig.add_subplot(), "No examples to noise yet")
        return fig
    frames = [noised(snap.alpha_bar, x0, noise, t) for t in times]
    axes = fig.subplots(rows, len(times), squeeze=False)
    if len(pictures):
        for c, (t, frame) in enumerate(zip(times, frames, strict=True)):
            pics = as_pictures(frame, snap.image_shape)
            for r in range(rows):
                ax = axes[r, c]
                ax.imshow(pics[r], cmap="gray_r", vmin=-1, vmax=1, interpolation="nearest")
                bare_axes(ax)
            bar = float(snap.alpha_bar[t])
            axes[0, c].set_title(f"t = {t}\nsignal {np.sqrt(max(bar, 0.0)):.2f}", fontsize=9)
        return fig
    if x0.ndim != 2 or x0.shape[1] != 2:
        show_message(axes[0, 0], "These examples are neither pictures nor 2-D points")
        return fig
    limits = _limits([frames[0], frames[-1]])
    labels = np.asarray(snap.labels)
    colours = ([class_colour(int(k)) for k in labels] if len(labels) == len(x0)
               else SAMPLE_COLOUR)
    for c, (t, frame) in enumerate(zip(times, frames, strict=True)):
        ax = axes[0, c]
        _dots(ax, frame, colours, limits)
        bare_axes(ax)
        ax.set_title(f"t = {t}", fontsize=9)
    return fig


def trajectory_figure(snap: DiffusionTrajectory) -> Figure:
    """The samples at evenly spaced steps of the reverse process, noise (left) to data."""
    frames = finite_floats(snap.frames)
    steps = np.asarray(snap.steps)
    k = min(len(frames), len(steps)) if frames.ndim >= 2 else 0
    pictures = as_pictures(frames[:k], snap.image_shape) if k else np.zeros((0, 0, 0))
    fig = new_figure(1.7 * max(k, 4) + 0.6, 2.6 if k else 3.0)
    sampler = (f"DDIM, {snap.sample_steps} steps" if snap.sampler == "ddim"
               else f"DDPM, all {snap.timesteps} steps")
    guide = (f" · {class_words(snap.guidance_class, snap.class_names)}, guidance "
             f"{snap.guidance:g}" if snap.conditional else "")
    fig.suptitle(f"From noise to samples — step {snap.step} · {sampler}{guide}")
    if not k:
        show_message(fig.add_subplot(), snap.note or "No samples yet")
        return fig
    axes = fig.subplots(1, k, squeeze=False)[0]
    points = frames.ndim == 3 and frames.shape[2] == 2 and not len(pictures)
    limits = _limits([frames[0], frames[k - 1]]) if points else ((0, 1), (0, 1))
    for i in range(k):
        ax = axes[i]
        if len(pictures):
            ax.imshow(mosaic(pictures[i], STRIP_COLUMNS), cmap="gray_r", vmin=-1, vmax=1,
                      interpolation="nearest")
        elif points:
            _dots(ax, frames[i], SAMPLE_COLOUR, limits)
        bare_axes(ax)
        ax.set_title(f"t = {int(steps[i])}", fontsize=9)
    return fig


def samples_figure(snap: DiffusionSamples) -> Figure:
    """Samples (blue) drawn over held-out data points (grey)."""
    samples = finite_floats(snap.samples)
    data = finite_floats(snap.data)
    fig = new_figure(5.0, 5.0)
    guide = (f" · {class_words(snap.guidance_class, snap.class_names)}, guidance "
             f"{snap.guidance:g}" if snap.conditional else "")
    ax = fig.add_subplot()
    ax.set_title(f"Samples over the data — step {snap.step}{guide}", fontsize=10)
    good = [a for a in (samples, data) if a.ndim == 2 and a.shape[1:] == (2,) and len(a)]
    if not good:
        show_message(ax, "No samples or data points to show yet")
        return fig
    if data.ndim == 2 and len(data) and data.shape[1] == 2:
        ax.scatter(data[:, 0], data[:, 1], s=4, c=DATA_GREY, linewidths=0,
                   label="held-out data")
    if samples.ndim == 2 and len(samples) and samples.shape[1] == 2:
        ax.scatter(samples[:, 0], samples[:, 1], s=4, c=SAMPLE_COLOUR, linewidths=0,
                   label="samples")
    xlim, ylim = _limits(good)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_xlabel("x1 (scaled)")
    ax.set_ylabel("x2 (scaled)")
    ax.legend(loc="center", fontsize=8, markerscale=3)
    return fig


FIGURES = {
    "diffusion_forward": ("diffusion_forward.png", forward_figure),
    "diffusion_trajectory": ("diffusion_trajectory.png", trajectory_figure),
    "diffusion_samples": ("diffusion_samples.png", samples_figure),
}


def trajectory_step_figure(snap: DiffusionTrajectory, i: int) -> Figure:
    """Step ``i`` of the reverse process, larger than in the strip but drawn the same way:
    pictures in grey from -1 to 1, or 2-D points within limits shared by every step."""
    frames = finite_floats(snap.frames)
    k = min(len(frames), len(np.asarray(snap.steps))) if frames.ndim >= 2 else 0
    pictures = as_pictures(frames[:k], snap.image_shape) if k else np.zeros((0, 0, 0))
    fig = new_figure(4.8, 5.0)
    sampler = (f"DDIM, {snap.sample_steps} steps" if snap.sampler == "ddim"
               else f"DDPM, all {snap.timesteps} steps")
    guide = (f"\n{class_words(snap.guidance_class, snap.class_names)}, guidance "
             f"{snap.guidance:g}" if snap.conditional else "")
    fig.suptitle(f"From noise to samples — step {snap.step}\n{sampler}{guide}", fontsize=11)
    ax = fig.add_subplot()
    points = frames.ndim == 3 and frames.shape[2] == 2 and not len(pictures)
    if not 0 <= i < k or not (len(pictures) or points):
        show_message(ax, snap.note or "No samples yet")
        return fig
    if len(pictures):
        ax.imshow(mosaic(pictures[i], STRIP_COLUMNS), cmap="gray_r", vmin=-1, vmax=1,
                  interpolation="nearest")
    else:
        _dots(ax, frames[i], SAMPLE_COLOUR, _limits([frames[0], frames[k - 1]]), size=4)
    bare_axes(ax)
    return fig


def trajectory_gif(snap: DiffusionTrajectory, path: Path) -> Path:
    """The reverse diffusion of one snapshot, a frame per kept step from noise (t = T) to
    the samples (t = 0)."""
    from ...report.animation import render_frames, save_gif  # it loads this module's kinds

    steps = np.asarray(snap.steps).ravel()
    frames = np.asarray(snap.frames)
    count = min(len(steps), len(frames)) if frames.ndim >= 2 else 0
    if count == 0:  # nothing sampled yet: one frame that says so
        return save_gif(render_frames([0], lambda i: trajectory_step_figure(snap, i),
                                      ["no trajectory yet"]), path)
    captions = [f"t = {int(t)}" + (" (pure noise)" if i == 0 else
                                   " (the samples)" if int(t) == 0 else "")
                for i, t in enumerate(steps[:count])]
    pictures = render_frames(list(range(count)), lambda i: trajectory_step_figure(snap, i),
                             captions)
    return save_gif(pictures, path)


# the trajectory is an animation by itself, written from the last snapshot
ANIMATIONS = {DiffusionTrajectory.kind: trajectory_gif}
