"""Where and how a run computes: its device, torch's threads, seeds, and torch's one-time
start-up costs paid early."""

from __future__ import annotations

import os
import random

import numpy as np
import torch

from ..errors import ProjectError


def resolve_device(name: str) -> torch.device:
    """``auto`` picks CUDA when a GPU answers, else the CPU; ``cuda`` without one is refused."""
    if name == "cuda" and not torch.cuda.is_available():
        raise ProjectError("the device is set to cuda, but this machine has no usable "
                           "NVIDIA GPU; use --device cpu or auto")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def default_threads() -> int:
    """Cores − 1 (at least 1): torch spinning on every core starves the rest of the process."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, cores - 1)


def warm_up() -> None:
    """Pay torch's one-time costs now (its first ``manual_seed`` alone imports the compiler
    stack, about a second): a window calls this while PyTorch loads, so Run starts at once."""
    torch.manual_seed(0)
    layer = torch.nn.Linear(4, 2)
    optimizer = torch.optim.Adam(layer.parameters())
    loss = torch.nn.functional.cross_entropy(layer(torch.zeros(3, 4)), torch.zeros(3).long())
    loss.backward()
    optimizer.step()


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
