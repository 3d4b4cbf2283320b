"""Torch modules for the skip blocks: Residual (x + f(x)) and Gated (sigmoid(g(x)) · x).

Submodules are named like the parts the blocks expand into on the canvas (``f.0``, ``f.1`` …
and ``g``), so an expanded network can take over the block's weights."""

from __future__ import annotations

import torch
from torch import nn

from ..model.blocks import BlockSpec, Context, Shape
from ..model.catalog.skip import residual_widths
from .builders import BUILDERS, _unknown

ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh, "silu": nn.SiLU}


def same_size_layer(shape: Shape, fan_in: int, fan_out: int, kernel: int) -> nn.Module:
    """Dense on features (F,), else a convolution padded to keep the length or picture."""
    dims = len(shape) - 1
    if dims == 0:
        return nn.Linear(fan_in, fan_out)
    conv = {1: nn.Conv1d, 2: nn.Conv2d}[dims]
    return conv(fan_in, fan_out, kernel, padding=kernel // 2)


class Residual(nn.Module):
    """output = x + f(x); f is layer, activation, layer … with the input's shape at its end."""

    def __init__(self, shape: Shape, layers: int, activation: str, hidden: int,
                 kernel: int) -> None:
        super().__init__()
        widths = residual_widths({"layers": layers, "hidden": hidden}, shape)
        parts: list[nn.Module] = []
        for i, (a, b) in enumerate(zip(widths, widths[1:], strict=False)):
            if i:
                parts.append(ACTIVATIONS[activation]())
            parts.append(same_size_layer(shape, a, b, kernel))
        self.f = nn.Sequential(*parts)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, *shape) -> (N, *shape)
        return x + self.f(x)


class Gated(nn.Module):
    """output = sigmoid(g(x)) · x, or · tanh(x): a learned gate between 0 and 1 per value."""

    def __init__(self, shape: Shape, activation: str, kernel: int) -> None:
        super().__init__()
        self.g = same_size_layer(shape, shape[0], shape[0], kernel)
        self.squash = activation == "tanh"

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, *shape) -> (N, *shape)
        value = torch.tanh(x) if self.squash else x
        return torch.sigmoid(self.g(x)) * value


def _build_skip(spec: BlockSpec, params: dict, in_shapes: list[Shape], ctx: Context) -> nn.Module:
    shape = tuple(in_shapes[0])
    kernel = params["kernel_size"] if len(shape) > 1 else 1
    if spec.type == "Residual":
        return Residual(shape, params["layers"], params["activation"], params["hidden"], kernel)
    if spec.type == "Gated":
        return Gated(shape, params["activation"], kernel)
    raise _unknown(spec)


BUILDERS.register("skip", _build_skip)
