"""Snapshots of word2vec: the word vectors projected to a plane, with a word's nearest words."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ...snapshots.kinds import Snapshot, register_snapshots


@dataclass(frozen=True)
class Embeddings(Snapshot):
    """Learned word (or token) vectors projected to 2-D by PCA.

    ``points`` is (n, 2), one row per entry of ``words``; ``groups`` names each word's group
    where the data has groups ("" otherwise); ``explained`` is the share of variance each of
    the two axes keeps. ``query`` is the chosen word and ``neighbours`` its nearest words by
    cosine similarity in the full space, as (word, similarity)."""

    kind: ClassVar[str] = "embeddings"
    label: str = ""
    words: tuple[str, ...] = ()
    points: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    groups: tuple[str, ...] = ()
    explained: tuple[float, float] = (0.0, 0.0)
    query: str = ""
    neighbours: tuple[tuple[str, float], ...] = ()


SNAPSHOTS: tuple[type[Snapshot], ...] = (Embeddings,)
OPTIONS: dict[str, str] = {
    "query_word": "the word whose nearest neighbours the projector lists (str)",
}

register_snapshots(SNAPSHOTS, OPTIONS)
