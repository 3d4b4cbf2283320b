"""The small 2-D classification toys (spiral, circles, xor, blobs, moons) and the noisy sine."""

from __future__ import annotations

from typing import Any

import numpy as np

from .bundle import DataBundle, build_bundle, padded_extent, seed_streams


def _points_bundle(name: str, x: np.ndarray, y: np.ndarray, names: list[str],
                   options: dict[str, Any], split_rng: np.random.Generator) -> DataBundle:
    return build_bundle(name, "classification", "points2d", x, y, options, split_rng,
                        class_names=names, extent=padded_extent(x[:, 0], x[:, 1]))


def _balanced_labels(n: int, classes: int) -> np.ndarray:
    return np.arange(n) % classes


def make_spiral(options: dict[str, Any]) -> DataBundle:
    """Interleaved spiral arms, one per class, radius 0 to 1."""
    rng, split_rng = seed_streams(options["seed"])
    n, k = options["n_samples"], options["classes"]
    y = _balanced_labels(n, k)
    t = rng.uniform(0.05, 1.0, n)
    angle = 5.0 * t + 2 * np.pi * y / k
    x = t[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    x += rng.normal(0.0, options["noise"], x.shape)
    return _points_bundle("spiral", x, y, [f"arm {i + 1}" for i in range(k)], options, split_rng)


def make_circles(options: dict[str, Any]) -> DataBundle:
    """A ring of radius 0.5 (class 1) inside a ring of radius 1 (class 0)."""
    rng, split_rng = seed_streams(options["seed"])
    n = options["n_samples"]
    y = _balanced_labels(n, 2)
    angle = rng.uniform(0.0, 2 * np.pi, n)
    radius = np.where(y == 0, 1.0, 0.5)
    x = radius[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    x += rng.normal(0.0, options["noise"], x.shape)
    return _points_bundle("circles", x, y, ["outer ring", "inner ring"], options, split_rng)


def make_xor(options: dict[str, Any]) -> DataBundle:
    """Uniform points in [-1, 1]^2, class 1 where x and y have opposite signs."""
    rng, split_rng = seed_streams(options["seed"])
    n = options["n_samples"]
    x = rng.uniform(-1.0, 1.0, (n, 2))
    # keep a small gap around the axes so the classes are separable without noise
    x += np.sign(x) * 0.05
    y = (x[:, 0] * x[:, 1] < 0).astype(np.int64)
    x += rng.normal(0.0, options["noise"], x.shape)
    return _points_bundle("xor", x, y, ["same sign", "opposite signs"], options, split_rng)


def make_blobs(options: dict[str, Any]) -> DataBundle:
    """Gaussian clouds around centres spaced evenly on the unit circle."""
    rng, split_rng = seed_streams(options["seed"])
    n, k = options["n_samples"], options["classes"]
    y = _balanced_labels(n, k)
    turn = rng.uniform(0.0, 2 * np.pi)
    angle = turn + 2 * np.pi * np.arange(k) / k
    centres = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    x = centres[y] + rng.normal(0.0, options["spread"], (n, 2))
    return _points_bundle("blobs", x, y, [f"blob {i + 1}" for i in range(k)], options, split_rng)


def make_moons(options: dict[str, Any]) -> DataBundle:
    """Two interleaved half circles, centred on the origin."""
    rng, split_rng = seed_streams(options["seed"])
    n = options["n_samples"]
    y = _balanced_labels(n, 2)
    angle = rng.uniform(0.0, np.pi, n)
    upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    lower = np.stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
    x = np.where(y[:, None] == 0, upper, lower) - np.array([0.5, 0.25])
    x += rng.normal(0.0, options["noise"], x.shape)
    return _points_bundle("moons", x, y, ["upper moon", "lower moon"], options, split_rng)


def make_ring(options: dict[str, Any]) -> DataBundle:
    """Gaussian clouds (standard deviation ``spread``) around ``modes`` centres spaced evenly
    on a circle of radius ``radius``; the class is the cloud. The mixture GANs and diffusion
    models learn to draw from: missing clouds show mode collapse at a glance."""
    rng, split_rng = seed_streams(options["seed"])
    n, k = options["n_samples"], options["modes"]
    y = _balanced_labels(n, k)
    angle = 2 * np.pi * np.arange(k) / k
    centres = options["radius"] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    x = centres[y] + rng.normal(0.0, options["spread"], (n, 2))
    bundle = _points_bundle("ring", x, y, [f"mode {i + 1}" for i in range(k)], options,
                            split_rng)
    bundle.extras["centres"] = centres.astype(np.float32)
    bundle.extras["spread"] = float(options["spread"])
    return bundle


def make_sine(options: dict[str, Any]) -> DataBundle:
    """y = sin(frequency * x) + noise for x uniform in [-pi, pi]; noise variance is noise**2."""
    rng, split_rng = seed_streams(options["seed"])
    n, frequency = options["n_samples"], options["frequency"]
    x = rng.uniform(-np.pi, np.pi, (n, 1))
    y = np.sin(frequency * x) + rng.normal(0.0, options["noise"], (n, 1))

    def truth(inputs: np.ndarray) -> np.ndarray:
        return np.sin(frequency * np.asarray(inputs, dtype=np.float64)).astype(np.float32)

    return build_bundle("sine", "regression", "scalar", x, y, options, split_rng, num_targets=1,
                        extent=padded_extent(x[:, 0], y[:, 0]), truth=truth)
