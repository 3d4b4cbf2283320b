"""The parts of the skip blocks, for :mod:`.composite`: a Residual block is its layers with
activations between them and an Add; a Gated block is a layer, a Sigmoid and a Multiply.

Parts are named after the torch module's submodules (``f.0``, ``f.2`` …, ``g``), so the
block's weights can be copied into them."""

from __future__ import annotations

from typing import Any

from .blocks import Shape
from .catalog.skip import ACTIVATION_BLOCKS, residual_widths


def _layer(shape: Shape, width: int, kernel: int) -> tuple[str, dict[str, Any]]:
    """Dense on features, else a convolution padded to keep the size (as ``nn/skip.py``)."""
    dims = len(shape) - 1
    if dims == 0:
        return "Dense", {"units": width}
    return f"Conv{dims}d", {"out_channels": width, "kernel_size": kernel, "padding": kernel // 2}


def _kernel(params: dict[str, Any], shape: Shape) -> int:
    return params["kernel_size"] if len(shape) > 1 else 1


def residual_parts(b: Any, params: dict[str, Any], shape: Shape) -> Any:
    """input + f(input): f's layers beside the main path, then an Add."""
    kernel, h = _kernel(params, shape), "@in"
    for i, width in enumerate(residual_widths(params, shape)[1:]):
        if i:
            h = b.add(f"f.{2 * i - 1}", ACTIVATION_BLOCKS[params["activation"]], {}, h)
        h = b.add(f"f.{2 * i}", *_layer(shape, width, kernel), h)
    return b.done(b.residual("add", "@in", h))


def gated_parts(b: Any, params: dict[str, Any], shape: Shape) -> Any:
    """sigmoid(g(input)) times the input (or its tanh)."""
    gate = b.add("g", *_layer(shape, shape[0], _kernel(params, shape)), "@in")
    gate = b.add("gate", "Sigmoid", {}, gate)
    value = b.add("squash", "Tanh", {}, "@in") if params["activation"] == "tanh" else "@in"
    return b.done(b.add("multiply", "Multiply", {}, gate, value, branch=False))


SKIP_EXPANDERS = {"Residual": residual_parts, "Gated": gated_parts}
