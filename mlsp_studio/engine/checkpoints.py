"""Checkpoints as safetensors: tensors only, nothing is ever unpickled."""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from ..spec.errors import StudioError


class CheckpointError(StudioError):
    """A checkpoint is unreadable or does not fit the network."""


def save_checkpoint(module: torch.nn.Module, path: Path, slot: str = "model") -> Path:
    """Write the module's parameters and buffers; tensors are copied to CPU, contiguous."""
    tensors = {k: v.detach().to("cpu").contiguous().clone()
               for k, v in module.state_dict().items()}
    save_file(tensors, str(path), metadata={"format": "mlsp-studio", "slot": slot})
    return path


def load_checkpoint(module: torch.nn.Module, path: Path) -> None:
    """Load into ``module``, refusing a file whose tensors do not match, by name."""
    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointError(f"{Path(path).name} is not a readable checkpoint ({err})") from None
    expected = module.state_dict()
    missing = [k for k in expected if k not in tensors]
    extra = [k for k in tensors if k not in expected]
    wrong = [f"{k} {tuple(tensors[k].shape)} ≠ {tuple(v.shape)}" for k, v in expected.items()
             if k in tensors and tuple(tensors[k].shape) != tuple(v.shape)]
    if missing or extra or wrong:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing[:5]))
        if extra:
            parts.append("unexpected " + ", ".join(extra[:5]))
        if wrong:
            parts.append("wrong shape " + ", ".join(wrong[:5]))
        raise CheckpointError(f"{Path(path).name} does not fit this network: " + "; ".join(parts))
    module.load_state_dict(tensors)
