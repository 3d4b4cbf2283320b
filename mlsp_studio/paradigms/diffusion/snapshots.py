"""Snapshots of the diffusion paradigm: the forward (noising) process, the reverse trajectory
from noise to data, and 2-D samples over the data. All hold values in the model's own scale
(digits mapped to [−1, 1]; 2-D points centred and divided by their spread), where pure noise
is a standard normal."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ...snapshots.kinds import Snapshot, register_snapshots
from .settings import MAX_GUIDANCE

NO_CLASS = -1      # guidance_class: sample without a class (the unconditional model)
EACH_CLASS = -2    # guidance_class: every sample asks for another class, in turn


@dataclass(frozen=True)
class DiffusionForward(Snapshot):
    """What the forward process makes of a few fixed examples, for any step t.

    ``alpha_bar`` is (T + 1,): ᾱ_t for t = 0 … T with ᾱ_0 = 1 (the clean data). ``x0`` and
    ``noise`` are (n, *features) and fixed, so x_t = √ᾱ_t x0 + √(1 − ᾱ_t) noise can be worked
    out for any t where it is drawn, with no model. ``image_shape`` is (H, W) for pictures,
    () for points.
    """

    kind: ClassVar[str] = "diffusion_forward"
    alpha_bar: np.ndarray = field(default_factory=lambda: np.ones(1))
    x0: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    noise: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    image_shape: tuple[int, ...] = ()
    schedule: str = ""
    labels: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


@dataclass(frozen=True)
class Guided(Snapshot):
    """How samples were asked for (the trajectory's and the 2-D samples'): ``classes`` (n,)
    is the class each sample asked for (−1 none) among ``class_names``, ``guidance_class``
    and ``guidance`` the class and scale a person chose, ``conditional`` whether the model
    takes a class at all; ``note`` says in words what else there is to know."""

    classes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    class_names: tuple[str, ...] = ()
    guidance_class: int = NO_CLASS
    guidance: float = 0.0
    conditional: bool = False
    note: str = ""


@dataclass(frozen=True)
class DiffusionTrajectory(Guided):
    """The reverse process from pure noise (t = T) to samples (t = 0) with the current weights
    and fixed starting noise: ``frames`` is (K, n, *features) at the steps ``steps`` (K,)."""

    kind: ClassVar[str] = "diffusion_trajectory"
    animation: ClassVar[str] = "From noise to samples (the last trajectory, step by step)"
    animates_itself: ClassVar[bool] = True
    steps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    frames: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 2)))
    image_shape: tuple[int, ...] = ()
    sampler: str = "ddim"
    sample_steps: int = 0
    timesteps: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class DiffusionSamples(Guided):
    """2-D samples drawn by the current model (``samples`` (n, 2)) over held-out data points
    (``data`` (m, 2))."""

    kind: ClassVar[str] = "diffusion_samples"
    samples: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    data: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    data_labels: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def noised(alpha_bar: np.ndarray, x0: np.ndarray, noise: np.ndarray, t: int) -> np.ndarray:
    """x_t = √ᾱ_t x0 + √(1 − ᾱ_t) noise; t is clamped into 0 … T."""
    t = int(min(max(t, 0), len(alpha_bar) - 1))
    bar = float(alpha_bar[t]) if len(alpha_bar) else 1.0
    bar = min(max(bar, 0.0), 1.0) if math.isfinite(bar) else 1.0
    return math.sqrt(bar) * x0 + math.sqrt(1.0 - bar) * noise


def as_pictures(frames: np.ndarray, image_shape: tuple[int, ...]) -> np.ndarray:
    """Examples (…, *features) as pictures (…, H, W); an empty (0, 0, 0) array when they do
    not hold H·W values each or no picture shape is given."""
    a = np.asarray(frames, dtype=np.float64)
    if len(image_shape) != 2 or a.ndim < 2:
        return np.zeros((0, 0, 0))
    h, w = int(image_shape[0]), int(image_shape[1])
    lead = a.shape[:1] if a.ndim == 2 else a.shape[:2]
    if h * w == 0 or int(np.prod(a.shape[len(lead):])) != h * w:
        return np.zeros((0, 0, 0))
    return np.where(np.isfinite(a), a, np.nan).reshape(*lead, h, w)


def mosaic(pictures: np.ndarray, cols: int) -> np.ndarray:
    """(n, H, W) pictures in a grid of ``cols`` columns, one NaN (blank) pixel between them."""
    n = len(pictures)
    if n == 0 or pictures.ndim != 3:
        return np.full((1, 1), np.nan)
    h, w = pictures.shape[1:]
    cols = max(1, min(cols, n))
    rows = -(-n // cols)
    out = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), np.nan)
    for k in range(n):
        r, c = divmod(k, cols)
        out[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = pictures[k]
    return out


def shown_times(timesteps: int, count: int) -> list[int]:
    """``count`` steps spread from 0 (the data) to T (pure noise)."""
    return sorted({int(round(v)) for v in np.linspace(0, max(timesteps, 0), count)})


def class_words(asked: int, names: tuple[str, ...]) -> str:
    """What the samples were asked for, in words."""
    if asked == EACH_CLASS:
        return "every class in turn"
    if asked == NO_CLASS:
        return "no class"
    return f"class {names[asked]}" if 0 <= asked < len(names) else f"class {asked}"


def check_guidance_scale(value: Any) -> tuple[float | None, str]:
    """(the scale, "") for a usable guidance scale, else (None, why in words)."""
    try:
        scale = float(value)
    except (TypeError, ValueError):
        return None, f"the guidance scale must be a number from 0 to {MAX_GUIDANCE:g}"
    if not (math.isfinite(scale) and 0.0 <= scale <= MAX_GUIDANCE):
        return None, (f"the guidance scale must be between 0 and {MAX_GUIDANCE:g}, "
                      f"not {value}")
    return scale, ""


def check_guidance_class(value: Any, classes: int) -> tuple[int | None, str]:
    """(the class, "") for −2 (each in turn), −1 (none) or 0 … classes−1, else (None, why)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None, "the class to steer toward must be a whole number"
    if number in (NO_CLASS, EACH_CLASS) or 0 <= number < classes:
        return number, ""
    top = f"0 to {classes - 1}, " if classes else ""
    return None, (f"there is no class {number}: choose {top}-1 for no class or -2 for "
                  "every class in turn")


SNAPSHOTS: tuple[type[Snapshot], ...] = (DiffusionForward, DiffusionTrajectory,
                                         DiffusionSamples)
OPTIONS: dict[str, str] = {
    "guidance_class": "the class the diffusion samples are steered toward (int: 0 … classes−1, "
                      "-1 no class, -2 every class in turn)",
    "guidance_scale": f"classifier-free guidance scale of the live samples (float, 0 to "
                      f"{MAX_GUIDANCE:g})",
}

register_snapshots(SNAPSHOTS, OPTIONS)
