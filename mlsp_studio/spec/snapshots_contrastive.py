"""Snapshots of the contrastive paradigms: view-by-view similarities, the learned codes in 2-D,
and image-to-signal retrieval."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from .snapshots import Snapshot


@dataclass(frozen=True)
class SimilarityMatrix(Snapshot):
    """Cosine similarities between two sets of codes of the same test examples.

    ``matrix`` is (n, n): row i is example i's first view (or image), column j example j's
    second view (or signal), so the diagonal holds the positive pairs. ``row_labels`` and
    ``col_labels`` are class indices (n,) of the rows and columns; ``class_names`` names them.
    ``row_title`` / ``col_title`` say what the rows and columns are ("first view", "image").
    """

    kind: ClassVar[str] = "similarity"
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    row_labels: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    col_labels: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    class_names: tuple[str, ...] = ()
    row_title: str = "first view"
    col_title: str = "second view"
    temperature: float = 1.0


@dataclass(frozen=True)
class ContrastiveEmbedding(Snapshot):
    """The test set's learned codes projected on their two main axes (PCA), by class.

    ``points`` is (n, 2); ``labels`` (n,) class indices (never used in training, only to
    colour); ``explained`` the share of variance each axis keeps; ``probe_accuracy`` the
    linear probe's test accuracy on the full codes (NaN when not measured); ``label`` says
    which codes these are (the input of the projection head, or the encoder's output).
    """

    kind: ClassVar[str] = "contrastive_embedding"
    points: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    labels: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    class_names: tuple[str, ...] = ()
    explained: tuple[float, float] = (0.0, 0.0)
    probe_accuracy: float = float("nan")
    label: str = ""


@dataclass(frozen=True)
class Retrieval(Snapshot):
    """Images as queries, signals as the gallery: which signal each image finds.

    ``matrix`` is (q, g) cosine similarities of q query images with g gallery signals;
    ``query_labels`` (q,) and ``gallery_labels`` (g,) are their classes; the found signal of
    a query is its row's largest value, right when its class is the query's.
    ``query_images`` (q, H, W) and ``gallery_signals`` (g, L) are the inputs themselves, for
    pictures. ``top1`` is the class-level top-1 retrieval over the whole test set (NaN when
    not measured).
    """

    kind: ClassVar[str] = "retrieval"
    matrix: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    query_labels: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    gallery_labels: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    class_names: tuple[str, ...] = ()
    query_images: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0)))
    gallery_signals: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    top1: float = float("nan")


SNAPSHOTS: tuple[type[Snapshot], ...] = (SimilarityMatrix, ContrastiveEmbedding, Retrieval)

OPTIONS: dict[str, str] = {
    "contrastive_draw": "a new value draws other test examples for the similarity and "
                        "retrieval matrices (int)",
}
