"""Checkpoints as safetensors: tensors only, nothing is ever unpickled."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save

from ..errors import StudioError


class CheckpointError(StudioError):
    """A checkpoint is unreadable or does not fit the network."""


def save_checkpoint(module: torch.nn.Module, path: Path, slot: str = "model") -> Path:
    """Write the module's parameters and buffers; tensors are copied to CPU, contiguous."""
    tensors = {k: v.detach().to("cpu").contiguous().clone()
               for k, v in module.state_dict().items()}
    return write_tensors(tensors, path, slot)


def write_tensors(tensors: dict[str, torch.Tensor], path: Path, slot: str) -> Path:
    """Write ``tensors`` as safetensors whose bytes depend only on the tensors and the slot,
    so the same run written twice gives the same file (safetensors itself writes its
    metadata in no fixed order)."""
    data = save({k: v.contiguous() for k, v in tensors.items()},
                metadata={"format": "mlsp-studio", "slot": slot})
    Path(path).write_bytes(_ordered_header(data))
    return Path(path)


def _ordered_header(data: bytes) -> bytes:
    """The same file with its header's keys sorted, padded with spaces to the same length."""
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    text = json.dumps(header, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()
    if len(text) > length:  # never the case for JSON the same keys re-ordered; kept as it was
        return data
    return data[:8] + text.ljust(length, b" ") + data[8 + length:]


MAX_HEADER_BYTES = 4 * 1024 * 1024  # the header of a network the studio trains is far smaller
MAX_TENSORS = 20_000


def _check_header(path: Path) -> None:
    """Refuse a header too large or with too many tensors before safetensors parses it
    (each entry would become a tensor: 200,000 empty ones take seconds)."""
    with open(path, "rb") as handle:
        prefix = handle.read(8)
        if len(prefix) < 8:
            raise ValueError("the file is too short to hold a header")
        (length,) = struct.unpack("<Q", prefix)
        if length > MAX_HEADER_BYTES:
            raise ValueError(f"its header claims {length:,} bytes; a checkpoint's header "
                             f"is at most {MAX_HEADER_BYTES:,}")
        header = handle.read(length)
    if header.count(b'"data_offsets"') > MAX_TENSORS:
        raise ValueError(f"it names more than {MAX_TENSORS:,} tensors")


def load_checkpoint(module: torch.nn.Module, path: Path) -> None:
    """Load into ``module``, refusing a file whose tensors do not match, by name."""
    try:
        _check_header(Path(path))
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as err:
        raise CheckpointError(f"{Path(path).name} is not a readable checkpoint ({err})") from None
    load_state(module, tensors, Path(path).name)


def load_state(module: torch.nn.Module, tensors: dict[str, torch.Tensor], name: str) -> None:
    """Load a state dict into ``module``, refusing tensors that do not match, by name."""
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
        raise CheckpointError(f"{name} does not fit this network: " + "; ".join(parts))
    module.load_state_dict(tensors)
