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


def check_precision(precision: str, device: torch.device) -> None:
    """Refuse, in a sentence, a precision that would not help on ``device``: bfloat16 only
    pays on a GPU that computes in it; float32 is right everywhere."""
    if precision not in ("float32", "bf16"):
        raise ProjectError(f"the precision {precision!r} is not one the studio knows; use "
                           "float32 or bf16")
    if precision == "bf16" and device.type != "cuda":
        raise ProjectError("bf16 helps only on a GPU that computes in bfloat16; on the CPU "
                           "it would be slower and less exact, so train in float32 here")
    if precision == "bf16" and not torch.cuda.is_bf16_supported():
        raise ProjectError("this GPU does not compute in bfloat16 (it needs an NVIDIA "
                           "Ampere or later); train in float32")


def cores() -> int:
    """The CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_threads() -> int:
    """Cores − 1 (at least 1): torch spinning on every core starves the rest of the process."""
    return max(1, cores() - 1)


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
