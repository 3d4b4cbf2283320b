"""Snapshots of the encoder-decoder: where each written token looked in the source."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ...snapshots.kinds import Snapshot, register_snapshots


@dataclass(frozen=True)
class Alignment(Snapshot):
    """Encoder–decoder attention for one example while the decoder writes its own output.

    ``weights`` is (L_out, L_in): row i is where output token i looked in the source
    (averaged over heads). ``output_tokens`` is what the model wrote (greedy decoding),
    ``target_tokens`` what it should have written."""

    kind: ClassVar[str] = "alignment"
    animation: ClassVar[str] = "Alignment over training"
    index: int = 0
    weights: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    source_tokens: tuple[str, ...] = ()
    output_tokens: tuple[str, ...] = ()
    target_tokens: tuple[str, ...] = ()
    label: str = ""


SNAPSHOTS: tuple[type[Snapshot], ...] = (Alignment,)
OPTIONS: dict[str, str] = {}

register_snapshots(SNAPSHOTS, OPTIONS)
