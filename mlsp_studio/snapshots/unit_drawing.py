"""The pictures of hidden units as colours (numpy only, for the window and the figures): a
unit's map over the plane (orange below 0, near white at 0, blue above, on a scale shared by
the block's units) or the test picture that excites it most; tiles laid out in a grid."""

from __future__ import annotations

import numpy as np

from .lab import UnitPictures

NEGATIVE = np.array([232, 119, 34], np.float32)   # orange
ZERO = np.array([250, 250, 250], np.float32)      # near white
POSITIVE = np.array([21, 101, 192], np.float32)   # blue
_T = np.linspace(-1.0, 1.0, 256, dtype=np.float32)[:, None]
# the colour of each of 256 steps from -1 to 1: a lookup, cheaper than blending every pixel
DIVERGING = np.where(_T < 0, ZERO + (NEGATIVE - ZERO) * -_T, ZERO + (POSITIVE - ZERO) * _T) \
    .round().astype(np.uint8)


def block_scale(snap: UnitPictures, block: int) -> float:
    """The largest |output| of block number ``block``'s pictured units over the plane: the
    colour scale's end (at least a millionth, so a dead layer still draws)."""
    values = np.asarray(snap.maps[block], np.float32)
    finite = values[np.isfinite(values)]
    return max(float(np.abs(finite).max()) if finite.size else 0.0, 1e-6)


def unit_rgb(snap: UnitPictures, block: int) -> np.ndarray:
    """(u, h, w, 3) uint8: each pictured unit of block number ``block`` as colours, row 0
    at the top (on the plane, the highest y)."""
    if snap.style == "plane":
        values = np.nan_to_num(np.asarray(snap.maps[block], np.float32))
        steps = (values * (127.5 / block_scale(snap, block)) + 127.5).clip(0, 255)
        return DIVERGING[steps.astype(np.uint8)][:, ::-1]
    return example_rgb(snap, np.asarray(snap.top[block])[:, 0])


def example_rgb(snap: UnitPictures, rows: np.ndarray) -> np.ndarray:
    """(n, h, w, 3) uint8: the pictures ``rows`` of the pool (grey ones as grey)."""
    pool = np.nan_to_num(np.asarray(snap.pool, np.float32))
    if pool.ndim < 3 or len(pool) == 0:
        return np.zeros((len(rows), 1, 1, 3), np.uint8)
    chosen = pool[np.clip(rows.astype(np.int64), 0, len(pool) - 1)]
    if chosen.ndim == 3:
        chosen = np.repeat(chosen[..., None], 3, axis=-1)
    return (np.clip(chosen, 0.0, 1.0) * 255.0).astype(np.uint8)


def tile_grid(rgb: np.ndarray, cols: int, gap: int = 2) -> np.ndarray:
    """The tiles (n, h, w, 3) in rows of ``cols``, ``gap`` pixels apart, as one RGBA image
    (the gaps transparent)."""
    n, h, w = rgb.shape[:3]
    cols = max(1, min(cols, n))
    rows = max(1, -(-n // cols))
    tiles = np.zeros((rows * cols, h + gap, w + gap, 4), np.uint8)
    tiles[:n, :h, :w, :3] = rgb
    tiles[:n, :h, :w, 3] = 255
    out = tiles.reshape(rows, cols, h + gap, w + gap, 4).transpose(0, 2, 1, 3, 4)
    out = out.reshape(rows * (h + gap), cols * (w + gap), 4)
    return np.ascontiguousarray(out[:-gap or None, :-gap or None])


def unit_words(snap: UnitPictures, block: int, unit: int) -> str:
    """One sentence about unit ``unit`` of block number ``block``."""
    label, total = snap.labels[block], snap.units[block]
    if snap.style == "plane":
        scale = block_scale(snap, block)
        return (f"{label}, unit {unit + 1} of {total}: its output over the plane of the data, "
                f"orange below 0, blue above (the colours end at ±{scale:.3g}).")
    score = float(np.asarray(snap.scores[block])[unit, 0])
    return (f"{label}, unit {unit + 1} of {total}: the test pictures that excite it most "
            f"(its output on the first: {score:.3g}).")
