"""Snapshots of the masked language model: its guesses for the blanks of a sentence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ...snapshots.kinds import Snapshot, register_snapshots


@dataclass(frozen=True)
class FillMask(Snapshot):
    """A masked language model's guesses for the blanks of one sentence.

    ``tokens`` is the sentence as the model saw it (with the mask token at ``masked``
    positions); ``predictions`` has one tuple of (token, probability) per masked position,
    most likely first; ``truth`` the hidden tokens where known (else empty)."""

    kind: ClassVar[str] = "fill_mask"
    tokens: tuple[str, ...] = ()
    masked: tuple[int, ...] = ()
    predictions: tuple[tuple[tuple[str, float], ...], ...] = ()
    truth: tuple[str, ...] = ()
    note: str = ""


SNAPSHOTS: tuple[type[Snapshot], ...] = (FillMask,)
OPTIONS: dict[str, str] = {
    "mask_text": "the fill-in-the-blank sentence, blanks written as [MASK] or _ (str)",
}

register_snapshots(SNAPSHOTS, OPTIONS)
