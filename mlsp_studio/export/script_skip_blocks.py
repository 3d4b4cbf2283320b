"""Script code for the skip blocks (Residual, Gated): plain torch layers, built in the same
order and with the same initialisation as ``nn/skip.py``, so a script seeded alike starts from
the same weights."""

from __future__ import annotations

from typing import Any

from ..model.blocks import BlockSpec, Shape
from ..model.catalog.skip import residual_widths

_ACTIVATIONS = {"relu": "nn.ReLU()", "gelu": "nn.GELU()", "tanh": "nn.Tanh()",
                "silu": "nn.SiLU()"}


def _layer(shape: Shape, fan_in: int, fan_out: int, kernel: int) -> str:
    """Dense on features, else a convolution padded to keep the size (as ``same_size_layer``)."""
    dims = len(shape) - 1
    if dims == 0:
        return f"nn.Linear({fan_in}, {fan_out})"
    return f"nn.Conv{dims}d({fan_in}, {fan_out}, {kernel}, padding={kernel // 2})"


def skip_block_code(spec: BlockSpec, params: dict[str, Any], attr: str, ins: list[str],
                    in_shapes: list[Shape]) -> tuple[str | None, str, str] | None:
    """One skip block as (module, forward expression, comment) like ``block_code``, or None
    for a block that is not one of them."""
    if spec.type not in ("Residual", "Gated"):
        return None
    x = ins[0] if ins else "x"
    shape = tuple(in_shapes[0])
    kernel = params["kernel_size"] if len(shape) > 1 else 1
    if spec.type == "Residual":
        widths = residual_widths(params, shape)
        layers = []
        for i, (a, b) in enumerate(zip(widths, widths[1:], strict=False)):
            if i:
                layers.append(_ACTIVATIONS[params["activation"]])
            layers.append(_layer(shape, a, b, kernel))
        return f"nn.Sequential({', '.join(layers)})", f"{x} + {attr}({x})", \
            "residual: the input plus a learned correction f(input)"
    value = f"torch.tanh({x})" if params["activation"] == "tanh" else x
    return _layer(shape, shape[0], shape[0], kernel), f"torch.sigmoid({attr}({x})) * {value}", \
        "gated: a learned gate between 0 and 1 times the input"
