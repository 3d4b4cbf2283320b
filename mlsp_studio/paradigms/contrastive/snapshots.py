"""Snapshots of the contrastive paradigms: view-by-view similarities, the learned codes in 2-D,
and image-to-signal retrieval."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ...snapshots.kinds import Snapshot, register_snapshots


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
    latest accuracy of a linear probe on the full codes (NaN when not measured) and
    ``probe_label`` which probe that is; ``label`` says which codes these are (the input of
    the projection head, or the encoder's output).
    """

    kind: ClassVar[str] = "contrastive_embedding"
    points: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    labels: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    class_names: tuple[str, ...] = ()
    explained: tuple[float, float] = (0.0, 0.0)
    probe_accuracy: float = float("nan")
    probe_label: str = "linear probe"
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


# --- what the panels and the figures both need: the snapshots made safe to draw ---------------

def clean_matrix(a: np.ndarray) -> np.ndarray:
    """A float 2-D copy with infinities as NaN; anything else becomes an empty (0, 0)."""
    m = np.asarray(a, dtype=np.float64)
    m = np.where(np.isfinite(m), m, np.nan)
    return m if m.ndim == 2 and m.size else np.zeros((0, 0))


def clean_labels(labels: np.ndarray, n: int) -> np.ndarray:
    """``n`` integer class indices, -1 where a label is missing or not a number."""
    raw = np.asarray(labels, dtype=np.float64).ravel()
    out = np.full(n, -1, dtype=np.int64)
    k = min(n, raw.size)
    good = np.isfinite(raw[:k]) & (raw[:k] >= 0)
    out[:k][good] = raw[:k][good].astype(np.int64)
    return out


def class_name(names: tuple[str, ...], k: int) -> str:
    """Class ``k`` in words: its name, its number, or "?" for no class."""
    if k < 0:
        return "?"
    return str(names[k])[:10] if k < len(names) else str(k)


def best_matches(matrix: np.ndarray) -> np.ndarray:
    """Each row's column of largest similarity, -1 for a row with no number in it."""
    if matrix.size == 0:
        return np.zeros(len(matrix), dtype=np.int64)
    filled = np.where(np.isnan(matrix), -np.inf, matrix)
    best = filled.argmax(axis=1)
    return np.where(np.isfinite(filled.max(axis=1)), best, -1)


def retrieval_picture(snap: Retrieval) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                np.ndarray, np.ndarray]:
    """(matrix, query labels, gallery labels, best column per row, whether it is right)."""
    m = clean_matrix(snap.matrix)
    rows, cols = m.shape
    q, g = clean_labels(snap.query_labels, rows), clean_labels(snap.gallery_labels, cols)
    best = best_matches(m)
    right = np.array([b >= 0 and q[i] >= 0 and g[b] == q[i] for i, b in enumerate(best)],
                     dtype=bool)
    return m, q, g, best, right


SNAPSHOTS: tuple[type[Snapshot], ...] = (SimilarityMatrix, ContrastiveEmbedding, Retrieval)

OPTIONS: dict[str, str] = {
    "contrastive_draw": "a new value draws other test examples for the similarity and "
                        "retrieval matrices (int)",
}

register_snapshots(SNAPSHOTS, OPTIONS)
