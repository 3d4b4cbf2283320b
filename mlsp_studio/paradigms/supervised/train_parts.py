"""The step pieces of supervised learning: the loss, the accuracy and the network's outputs
over many examples in bounded chunks.

The exported script copies these definitions from this file (``export/source_copy.py``), so
what the studio computes and what the script computes are the same text. Keep them plain: no
import from the studio, only ``torch`` and ``F`` on their own arguments.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def supervised_loss(out, target, classify):
    """Cross-entropy for classes, mean squared error for numbers. With one class per token
    (out (B, L, classes), target (B, L)) every position is an example of its own."""
    if classify:
        if out.dim() == 2:
            return F.cross_entropy(out, target)
        return F.cross_entropy(out.reshape(-1, out.shape[-1]), target.reshape(-1))
    return F.mse_loss(out, target if target.shape == out.shape else target.view(out.shape))


def accuracy(out, target):
    """The share of examples (or tokens) whose highest class score is the right class."""
    return (out.argmax(-1) == target).float().mean().item()


def predict(model, x, size=4096):
    """The model's outputs for x, at most size examples at a time (bounded memory)."""
    if len(x) <= size:
        return model(x)
    return torch.cat([model(x[i:i + size]) for i in range(0, len(x), size)])
