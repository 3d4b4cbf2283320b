"""Snapshots of the training lab: how big each layer's weights and gradients are, how they
are spread, how many units have died or saturated, and what part of the input one chosen
unit sees (numpy only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from .base import PlaneGrid, Snapshot, register_snapshots

BINS = 30  # bars per histogram


@dataclass(frozen=True)
class LayerStats(Snapshot):
    """Every weighted layer of the network, input side first, on one training batch.

    ``labels`` names the L layers (e.g. "Dense 3"); ``weight_norms`` and ``grad_norms`` (L,)
    are the L2 norms of each layer's weight and of the loss's gradient with respect to it
    (the weights are not changed by measuring). ``weight_hist`` and ``grad_hist`` are (L, BINS)
    counts over the ranges ``weight_range`` and ``grad_range`` (L, 2). ``act_labels`` names the
    activation blocks; ``dead`` (A,) is the share of ReLU-like units that gave 0 for every
    example of the batch, ``saturated`` (A,) the share of sigmoid or tanh outputs within 2 % of
    their limits (NaN where it does not apply)."""

    kind: ClassVar[str] = "layer_stats"
    labels: tuple[str, ...] = ()
    weight_norms: np.ndarray = field(default_factory=lambda: np.zeros(0))
    grad_norms: np.ndarray = field(default_factory=lambda: np.zeros(0))
    weight_hist: np.ndarray = field(default_factory=lambda: np.zeros((0, BINS)))
    weight_range: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    grad_hist: np.ndarray = field(default_factory=lambda: np.zeros((0, BINS)))
    grad_range: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    act_labels: tuple[str, ...] = ()
    dead: np.ndarray = field(default_factory=lambda: np.zeros(0))
    saturated: np.ndarray = field(default_factory=lambda: np.zeros(0))


def histogram(values: np.ndarray, bins: int = BINS) -> tuple[np.ndarray, np.ndarray]:
    """Counts over the finite values' range, and that range; empty or constant data give a
    range one unit wide so a picture can still be drawn."""
    finite = values[np.isfinite(values)].astype(np.float64)
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    try:
        counts, _ = np.histogram(finite, bins=bins, range=(lo, hi))
    except ValueError:  # too narrow or too wide a range for its bins (weights that blew up)
        counts = np.zeros(bins)
    return counts.astype(np.float64), np.array([lo, hi])


@dataclass(frozen=True)
class ReceptiveField(Snapshot):
    """What one unit of a feature map sees of one test example.

    ``layers`` names the blocks a unit can be chosen in; ``layer`` is the chosen one, with
    ``channels`` channels over a map of ``map_size`` ((H, W) or (L,)); the unit is channel
    ``channel`` at ``position`` on that map. ``input`` (C, H, W) or (C, L) is test example
    ``index`` (class ``label``). ``effective`` ((H, W) or (L,)) is |d unit / d input| summed
    over the input channels and scaled to a largest value of 1: the effective receptive
    field. ``span`` (D, 2) holds, per input axis, the first and last input position with any
    influence on the unit (the theoretical receptive field, cut to the input); ``span_size``
    its full size per axis, padding included. ``from_layers`` says whether the span was worked
    out from the layers' kernels, strides and padding (else from where the gradient is not 0).
    ``causal`` is True when the span ends at the unit's own position on a signal: the unit
    sees only the present and the past."""

    kind: ClassVar[str] = "receptive_field"
    layers: tuple[str, ...] = ()
    layer: str = ""
    channel: int = 0
    channels: int = 0
    position: tuple[int, ...] = ()
    map_size: tuple[int, ...] = ()
    index: int = 0
    label: str = ""
    input: np.ndarray = field(default_factory=lambda: np.zeros((1, 0)))
    effective: np.ndarray = field(default_factory=lambda: np.zeros(0))
    span: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    span_size: tuple[int, ...] = ()
    from_layers: bool = True
    causal: bool = False


@dataclass(frozen=True)
class UnitPictures(PlaneGrid):
    """What each hidden unit of network ``slot`` responds to, block by block (``nodes``, the
    blocks' ids in the graph, with their ``labels`` and how many ``units`` each has in all;
    at most the first ``MAX_UNITS`` are pictured).

    On 2-D points (``style`` "plane"), ``maps[b]`` is (u, H, W): unit i's output over the
    plane, row r at ``ys[r]``, column c at ``xs[c]``. On pictures (``style`` "examples"),
    ``top[b]`` is (u, k): the test examples that excite unit i most, best first, as rows of
    ``pool`` ((M, H, W) grey or (M, H, W, 3) colour, scaled to [0, 1]), with its output on
    them in ``scores[b]`` (a channel's output is its mean over the map)."""

    kind: ClassVar[str] = "unit_pictures"
    slot: str = "model"
    style: str = "plane"
    nodes: tuple[int, ...] = ()
    labels: tuple[str, ...] = ()
    units: tuple[int, ...] = ()
    maps: tuple[np.ndarray, ...] = ()
    top: tuple[np.ndarray, ...] = ()
    scores: tuple[np.ndarray, ...] = ()
    pool: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0), np.float16))

    def pictured(self, block: int) -> int:
        """How many units of block number ``block`` (an index into ``nodes``) are pictured."""
        if self.style == "plane":
            return int(np.shape(self.maps[block])[0]) if block < len(self.maps) else 0
        return int(np.shape(self.top[block])[0]) if block < len(self.top) else 0


MAX_UNITS = 32  # units pictured per block


def span_words(snap: ReceptiveField) -> str:
    """One sentence: how much of the input the unit sees, e.g. "This unit sees 5×5 input
    pixels (of 8×8)."; the panel and the figure say the same."""
    if not snap.span_size or snap.span.shape[0] != len(snap.span_size):
        return "Choose a layer to see what its units see."
    sizes = [int(hi - lo + 1) for lo, hi in snap.span]
    whole = tuple(int(n) for n in np.shape(snap.effective))
    what = "pixels" if len(sizes) == 2 else "steps"
    text = f"This unit sees {'×'.join(map(str, sizes))} input {what}"
    text += f" (of {'×'.join(map(str, whole))})"
    if tuple(sizes) != tuple(snap.span_size):
        text += f"; with the padding its window is {'×'.join(map(str, snap.span_size))}"
    if snap.causal:
        text += "; only the present and the past, nothing after its own step"
    effect = np.asarray(snap.effective, dtype=np.float64)
    if not np.any(np.nan_to_num(effect) > 0):
        text += (". On this example no small change of the input moves it (it is 0 here, "
                 "e.g. a ReLU that is off): try another channel or place")
    return text + "."


SNAPSHOTS = (LayerStats, ReceptiveField, UnitPictures)
OPTIONS: dict[str, str] = {
    "rf_layer": "the receptive field panel: the block whose unit is shown, by label (str)",
    "rf_channel": "the receptive field panel: the unit's channel (int)",
    "rf_position": "the receptive field panel: the unit's place on its map, [y, x] on images "
                   "or [t] on signals; empty for the centre (list of int)",
}

register_snapshots(SNAPSHOTS, OPTIONS)
