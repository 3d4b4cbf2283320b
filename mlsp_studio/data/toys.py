"""The small 2-D classification toys (spiral, circles, xor, blobs, moons, ring) and the noisy
sine.

Each is drawn by a plain function of its settings and a random generator (``spiral_points``
and the rest), which an exported script copies as it stands, so the script makes the very
examples the studio makes from the same seed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .bundle import DataBundle, build_bundle, padded_extent, seed_streams


def spiral_points(n, classes, noise, rng):
    """Interleaved spiral arms, one per class, radius 0 to 1: points x (n, 2) and their arm
    y (n,), as many points on every arm, with Gaussian noise of std ``noise`` added."""
    y = np.arange(n) % classes                     # (n,) as many points in every class
    t = rng.uniform(0.05, 1.0, n)                  # distance from the centre
    angle = 5.0 * t + 2 * np.pi * y / classes      # each arm turns 5 radians
    x = t[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)  # (n, 2)
    x += rng.normal(0.0, noise, x.shape)
    return x, y


def circle_points(n, noise, rng):
    """A ring of radius 0.5 (class 1) inside a ring of radius 1 (class 0): x (n, 2), y (n,)."""
    y = np.arange(n) % 2                           # (n,) 0: outer ring, 1: inner ring
    angle = rng.uniform(0.0, 2 * np.pi, n)
    radius = np.where(y == 0, 1.0, 0.5)
    x = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)  # (n, 2)
    x += rng.normal(0.0, noise, x.shape)
    return x, y


def xor_points(n, noise, rng):
    """Uniform points x (n, 2) in [-1, 1]^2; y (n,) is 1 where the two coordinates have
    opposite signs."""
    x = rng.uniform(-1.0, 1.0, (n, 2))             # (n, 2)
    # a small gap around the axes, so the classes are separable without noise
    x += np.sign(x) * 0.05
    y = (x[:, 0] * x[:, 1] < 0).astype(np.int64)   # (n,) 1 where the signs differ
    x += rng.normal(0.0, noise, x.shape)
    return x, y


def circle_centres(k, radius, turn):
    """``k`` points (k, 2) spaced evenly on a circle of ``radius``, the first at the angle
    ``turn``."""
    angle = turn + 2 * np.pi * np.arange(k) / k
    return radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)


def cloud_points(n, centres, spread, rng):
    """Round Gaussian clouds (std ``spread``) around ``centres`` (k, 2): points x (n, 2) and
    the cloud y (n,) of each, as many points in every cloud."""
    y = np.arange(n) % len(centres)                # (n,) the cloud of each point
    x = centres[y] + rng.normal(0.0, spread, (n, 2))  # (n, 2)
    return x, y


def blob_points(n, classes, spread, rng):
    """Round clouds around ``classes`` centres spaced evenly on the unit circle, turned by a
    random angle: x (n, 2), y (n,)."""
    turn = rng.uniform(0.0, 2 * np.pi)
    return cloud_points(n, circle_centres(classes, 1.0, turn), spread, rng)


def moon_points(n, noise, rng):
    """Two interleaved half circles, centred on the origin: x (n, 2), y (n,) 0 for the upper
    moon, 1 for the lower."""
    y = np.arange(n) % 2                           # (n,) 0: upper moon, 1: lower moon
    angle = rng.uniform(0.0, np.pi, n)
    upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    lower = np.stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
    x = np.where(y[:, None] == 0, upper, lower) - np.array([0.5, 0.25])  # (n, 2)
    x += rng.normal(0.0, noise, x.shape)
    return x, y


def sine_points(n, frequency, noise, rng):
    """x (n, 1) uniform in [-pi, pi] and y = sin(frequency * x) + noise (n, 1); the noise
    variance ``noise**2`` is the smallest test error any model can reach."""
    x = rng.uniform(-np.pi, np.pi, (n, 1))                       # (n, 1)
    y = np.sin(frequency * x) + rng.normal(0.0, noise, (n, 1))   # (n, 1)
    return x, y


def _points_bundle(name: str, x: np.ndarray, y: np.ndarray, names: list[str],
                   options: dict[str, Any], split_rng: np.random.Generator) -> DataBundle:
    return build_bundle(name, "classification", "points2d", x, y, options, split_rng,
                        class_names=names, extent=padded_extent(x[:, 0], x[:, 1]))


def _point_maker(name: str, draw: Callable[..., tuple[np.ndarray, np.ndarray]],
                 settings: tuple[str, ...],
                 names: str | tuple[str, ...]) -> Callable[[dict[str, Any]], DataBundle]:
    """The maker of the 2-D toy ``name``: ``draw(n_samples, *settings, rng)`` from the
    first of the seed's two random streams, split with the second. ``names`` names the
    classes: a word is numbered, one name per class (``arm 1``, ``arm 2``, ...)."""

    def make(options: dict[str, Any]) -> DataBundle:
        rng, split_rng = seed_streams(options["data_seed"])
        x, y = draw(options["n_samples"], *(options[key] for key in settings), rng)
        classes = ([f"{names} {i + 1}" for i in range(options["classes"])]
                   if isinstance(names, str) else list(names))
        return _points_bundle(name, x, y, classes, options, split_rng)

    return make


make_spiral = _point_maker("spiral", spiral_points, ("classes", "noise"), "arm")
make_circles = _point_maker("circles", circle_points, ("noise",), ("outer ring", "inner ring"))
make_xor = _point_maker("xor", xor_points, ("noise",), ("same sign", "opposite signs"))
make_blobs = _point_maker("blobs", blob_points, ("classes", "spread"), "blob")
make_moons = _point_maker("moons", moon_points, ("noise",), ("upper moon", "lower moon"))


def make_ring(options: dict[str, Any]) -> DataBundle:
    """Gaussian clouds (standard deviation ``spread``) around ``modes`` centres spaced evenly
    on a circle of radius ``radius``; the class is the cloud. The mixture GANs and diffusion
    models learn to draw from: missing clouds show mode collapse at a glance."""
    rng, split_rng = seed_streams(options["data_seed"])
    k = options["modes"]
    centres = circle_centres(k, options["radius"], 0.0)
    x, y = cloud_points(options["n_samples"], centres, options["spread"], rng)
    bundle = _points_bundle("ring", x, y, [f"mode {i + 1}" for i in range(k)], options,
                            split_rng)
    bundle.extras["centres"] = centres.astype(np.float32)
    bundle.extras["spread"] = float(options["spread"])
    return bundle


def make_sine(options: dict[str, Any]) -> DataBundle:
    """y = sin(frequency * x) + noise for x uniform in [-pi, pi]; noise variance is noise**2."""
    rng, split_rng = seed_streams(options["data_seed"])
    frequency = options["frequency"]
    x, y = sine_points(options["n_samples"], frequency, options["noise"], rng)

    def truth(inputs: np.ndarray) -> np.ndarray:
        return np.sin(frequency * np.asarray(inputs, dtype=np.float64)).astype(np.float32)

    return build_bundle("sine", "regression", "scalar", x, y, options, split_rng, num_targets=1,
                        extent=padded_extent(x[:, 0], y[:, 0]), truth=truth)
