"""What both contrastive paradigms share: feeding a network its inputs by name,
finding the representation before the projection head, and picking examples to show."""

from __future__ import annotations

import numpy as np
import torch

from ...errors import ProjectError
from ...model.graph import Graph

EVAL_TRAIN_SUBSET = 512   # training examples used for the train-split metrics
CHUNK = 1024              # rows per forward pass when encoding a whole split


def net_inputs(net: torch.nn.Module, split, idx: torch.Tensor | None = None
               ) -> tuple[torch.Tensor, ...]:
    """The tensors ``net`` takes, one per Input source in ``net.sources`` order: ``x`` is the
    split's inputs, any other source the split's extra input of that name."""
    out = []
    for source in getattr(net, "sources", ("x",)):
        if source == "x":
            tensor = split.x
        elif source in split.extra:
            tensor = split.extra[source]
        else:
            raise ProjectError(f"an Input block reads {source!r}, which this dataset does "
                               "not have")
        out.append(tensor if idx is None else tensor[idx])
    return tuple(out)


def flat(out: torch.Tensor | tuple) -> torch.Tensor:
    """A network's output as one vector per example (the first output if it has several)."""
    if isinstance(out, tuple):
        out = out[0]
    return out.flatten(1).float()


def representation_key(graph: Graph, types: dict[str, str]) -> tuple[str | None, str]:
    """The block whose output is the representation, and what it is in words.

    It is the input of the last ``ProjectionHead`` (the head only serves the loss; SimCLR
    found the codes before it carry more), or None for the network's own output."""
    heads = [node_id for node_id, node in graph.nodes.items()
             if node.type == "ProjectionHead" and f"n{node_id}" in types]
    if heads:
        feeding = [e.src for e in graph.inputs_of(max(heads))]
        if feeding:
            return f"n{feeding[0]}", "codes before the projection head"
    return None, "the encoder's output"


def encode(net: torch.nn.Module, inputs: tuple[torch.Tensor, ...], key: str | None = None
           ) -> torch.Tensor:
    """The output of block ``key`` (or of the network when None) for whole inputs, one
    vector per example (n, D), computed in chunks."""
    n = len(inputs[0])
    outs = []
    for start in range(0, n, CHUNK):
        part = tuple(t[start:start + CHUNK] for t in inputs)
        outs.append(flat(net(*part) if key is None else
                         net.forward_capture(*part, keys={key})[key]))
    return torch.cat(outs) if outs else torch.zeros(0, 1)


def balanced_examples(labels: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Up to ``count`` row indices drawn at random, classes taking turns, sorted by class
    (so a matrix of them has its classes in blocks)."""
    rng = np.random.default_rng(seed)
    by_class = [rng.permutation(np.flatnonzero(labels == c)).tolist()
                for c in np.unique(labels)]
    picked: list[int] = []
    while len(picked) < min(count, len(labels)):
        for rows in by_class:
            if rows and len(picked) < count:
                picked.append(rows.pop())
    picked_arr = np.array(picked, dtype=np.int64)
    return picked_arr[np.argsort(labels[picked_arr], kind="stable")]
