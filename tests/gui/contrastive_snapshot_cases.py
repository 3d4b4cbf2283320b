"""Contrastive snapshots for the panel tests, made with numpy only (no torch).

``CONTRASTIVE_ORDINARY[kind](seed)`` is a realistic snapshot whose shapes do not depend on the
seed; ``CONTRASTIVE_SNAPSHOTS[kind]()`` lists an ordinary one first, then degenerate ones.
"""

from __future__ import annotations

import numpy as np

import mlsp_studio.snapshots.kinds  # noqa: F401  (first: it loads the paradigms' snapshots)
from mlsp_studio.paradigms.contrastive.snapshots import (
    ContrastiveEmbedding,
    Retrieval,
    SimilarityMatrix,
)

NAN = np.nan
DIGITS = tuple(str(d) for d in range(10))


def _codes(rng: np.random.Generator, labels: np.ndarray, spread: float = 0.4) -> np.ndarray:
    centres = rng.normal(size=(10, 8))
    codes = centres[labels] + spread * rng.normal(size=(len(labels), 8))
    return codes / np.linalg.norm(codes, axis=1, keepdims=True)


def similarity(seed: int = 0, n: int = 16) -> SimilarityMatrix:
    rng = np.random.default_rng(seed)
    labels = np.sort(np.arange(n) % 10)
    a = _codes(rng, labels)
    b = a + 0.2 * rng.normal(size=a.shape)
    b /= np.linalg.norm(b, axis=1, keepdims=True)
    return SimilarityMatrix(step=10 * seed, matrix=a @ b.T, row_labels=labels,
                            col_labels=labels, class_names=DIGITS, temperature=0.2)


def embedding(seed: int = 0, n: int = 200) -> ContrastiveEmbedding:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    return ContrastiveEmbedding(step=10 * seed, points=_codes(rng, labels)[:, :2],
                                labels=labels, class_names=DIGITS, explained=(0.3, 0.2),
                                probe_accuracy=0.9 + 0.001 * seed,
                                label="codes before the projection head")


def retrieval(seed: int = 0, queries: int = 10, gallery: int = 20) -> Retrieval:
    rng = np.random.default_rng(seed)
    q = np.arange(queries) % 10
    g = np.sort(rng.integers(0, 10, gallery))
    g[:queries] = np.sort(q)  # every digit has its signal in the gallery
    g = np.sort(g)
    a, b = _codes(rng, q), _codes(rng, g)
    signals = np.sin(np.linspace(0, 20, 64)[None, :] * (1 + g[:, None] / 5))
    return Retrieval(step=10 * seed, matrix=a @ b.T, query_labels=q, gallery_labels=g,
                     class_names=DIGITS, query_images=rng.random((queries, 8, 8)),
                     gallery_signals=signals, top1=0.9)


CONTRASTIVE_SNAPSHOTS = {
    "similarity": lambda: [
        similarity(),
        SimilarityMatrix(step=1),
        SimilarityMatrix(step=2, matrix=np.array([[1.0]]), row_labels=np.array([3]),
                         col_labels=np.array([3])),
        SimilarityMatrix(step=3, matrix=np.full((4, 4), NAN), row_labels=np.array([0, 1]),
                         col_labels=np.array([NAN, 2, 3, 99]), class_names=("a",)),
        SimilarityMatrix(step=4, matrix=np.array([[1.0, np.inf, -2.0], [0.5, -np.inf, 0.0]]),
                         row_labels=np.array([1, 2]), col_labels=np.array([-1, 0, 1])),
        SimilarityMatrix(step=5, matrix=np.ones(5)),
        similarity(n=60),
    ],
    "contrastive_embedding": lambda: [
        embedding(),
        ContrastiveEmbedding(step=1),
        ContrastiveEmbedding(step=2, points=np.zeros((1, 2)), labels=np.array([0])),
        ContrastiveEmbedding(step=3, points=np.array([[NAN, 1.0], [np.inf, 2.0], [1.0, 1.0]]),
                             labels=np.array([NAN, 40, -3]), probe_accuracy=NAN),
        ContrastiveEmbedding(step=4, points=np.ones((3, 1)), labels=np.zeros(3)),
        ContrastiveEmbedding(step=5, points=np.ones((5, 2)), labels=np.zeros(2),
                             explained=(NAN, 2.0)),
    ],
    "retrieval": lambda: [
        retrieval(),
        Retrieval(step=1),
        Retrieval(step=2, matrix=np.array([[0.3]]), query_labels=np.array([1]),
                  gallery_labels=np.array([2]), top1=NAN),
        Retrieval(step=3, matrix=np.full((3, 4), NAN), query_labels=np.array([0, 1, 2]),
                  gallery_labels=np.array([0, 1])),
        Retrieval(step=4, matrix=np.array([[NAN, 0.2], [np.inf, -np.inf]]),
                  query_labels=np.array([NAN, 1]), gallery_labels=np.array([1, 1]),
                  query_images=np.full((2, 8, 8), NAN), gallery_signals=np.zeros((2, 0))),
        Retrieval(step=5, matrix=np.ones(3), query_images=np.zeros(3)),
    ],
}

CONTRASTIVE_ORDINARY = {
    "similarity": similarity,
    "contrastive_embedding": embedding,
    "retrieval": retrieval,
}
