"""Snapshots of the contrastive paradigms, made from codes already computed (torch in, numpy
out): the similarity matrix, the codes in 2-D, and image-to-signal retrieval."""

from __future__ import annotations

import numpy as np
import torch

from ..text_common import pca_2d
from .snapshots import ContrastiveEmbedding, Retrieval, SimilarityMatrix
from .train_info_nce import class_top1, cosine_matrix

SHOWN = 16          # examples in the similarity matrix
QUERIES = 10        # query images in the retrieval matrix
GALLERY_EXTRA = 10  # signals in its gallery besides the queries' own partners


def similarity(step: int, a: torch.Tensor, b: torch.Tensor, labels: np.ndarray,
               class_names: list[str], titles: tuple[str, str], temperature: float
               ) -> SimilarityMatrix:
    """Cosine similarities of ``a`` (rows) with ``b`` (columns), partners on the diagonal."""
    return SimilarityMatrix(step=step, matrix=cosine_matrix(a, b).cpu().numpy(),
                            row_labels=labels, col_labels=labels,
                            class_names=tuple(class_names), row_title=titles[0],
                            col_title=titles[1], temperature=float(temperature))


def embedding(step: int, codes: torch.Tensor, labels: np.ndarray, class_names: list[str],
              probe: float, probe_label: str, label: str) -> ContrastiveEmbedding:
    """The codes on their two main axes (PCA), with the latest probe accuracy."""
    points, explained = pca_2d(codes.cpu().numpy())
    return ContrastiveEmbedding(step=step, points=points, labels=labels,
                                class_names=tuple(class_names), explained=explained,
                                probe_accuracy=float(probe), probe_label=probe_label,
                                label=label)


def retrieval(step: int, images: torch.Tensor, signals: torch.Tensor, a: torch.Tensor,
              b: torch.Tensor, labels: np.ndarray, class_names: list[str], seed: int
              ) -> Retrieval:
    """Up to ``QUERIES`` test images (one per class where it can) against a gallery of their
    own signals and ``GALLERY_EXTRA`` other test signals, both sorted by class.

    ``a`` (n, D) and ``b`` (n, D) are the codes of every test image and signal; the top-1
    over the whole test set is measured on them too."""
    rng = np.random.default_rng(seed)
    n = len(labels)
    queries = _one_per_class(labels, QUERIES, rng)
    others = rng.permutation(np.setdiff1d(np.arange(n), queries))[:GALLERY_EXTRA]
    gallery = np.concatenate([queries, others])
    gallery = gallery[np.argsort(labels[gallery], kind="stable")]
    device = a.device
    q, g = (torch.from_numpy(i).to(device) for i in (queries, gallery))
    lab = torch.from_numpy(labels).to(device)
    top1 = class_top1(cosine_matrix(a, b), lab, lab) if n else float("nan")
    return Retrieval(step=step, matrix=cosine_matrix(a[q], b[g]).cpu().numpy(),
                     query_labels=labels[queries], gallery_labels=labels[gallery],
                     class_names=tuple(class_names),
                     query_images=_pictures(images[q]), gallery_signals=_traces(signals[g]),
                     top1=top1)


def _one_per_class(labels: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    picked = [int(rng.choice(np.flatnonzero(labels == c))) for c in np.unique(labels)][:count]
    rest = rng.permutation(np.setdiff1d(np.arange(len(labels)), picked))
    picked += rest[:max(0, count - len(picked))].tolist()
    picked_arr = np.array(picked, dtype=np.int64)
    return picked_arr[np.argsort(labels[picked_arr], kind="stable")]


def _pictures(x: torch.Tensor) -> np.ndarray:
    """Images (q, H, W) from (q, C, H, W) (the first channel); other inputs as flat rows."""
    x = x.float().cpu()
    return (x[:, 0] if x.dim() == 4 else x.reshape(len(x), 1, -1)).numpy()


def _traces(x: torch.Tensor) -> np.ndarray:
    """Signals (g, L) from (g, C, L) (the first channel) or any input, flattened."""
    x = x.float().cpu()
    return (x[:, 0] if x.dim() == 3 else x.reshape(len(x), -1)).numpy()
