"""Script code for the attention blocks, and the classes written into the script when a
network uses them (multi-head attention, the transformer layers, the Conformer block).

Those classes are the studio's own, copied from ``nn/attention.py`` as they are written there,
so a script builds its parameters in the same order and with the same initialisation, and a
script seeded alike starts from the same weights. They take the fast path,
``F.scaled_dot_product_attention``.
"""

from __future__ import annotations

from typing import Any

from ..model.blocks import BlockSpec, Shape
from .source_copy import source_of

ATTENTION = "mlsp_studio.nn.attention"
MULTI_HEAD_ATTENTION = source_of(ATTENTION, "causal_mask", "MultiHeadAttention")
ACTIVATION = source_of(ATTENTION, "activation_layer")
ENCODER_LAYER = source_of(ATTENTION, "TransformerEncoderLayer")
DECODER_LAYER = source_of(ATTENTION, "TransformerDecoderLayer")
CONFORMER = source_of(ATTENTION, "ConformerFeedForward", "ConformerConvolution", "ConformerBlock")

WIDTH = 100                # the script's longest line
CONTINUATION = " " * 12    # a call's arguments on the lines after it, inside __init__
INIT = 8 + len(" = ")     # what comes before a module on its line in __init__, less its name

NEEDS = {
    "MultiHeadAttention": (MULTI_HEAD_ATTENTION,),
    "TransformerEncoderLayer": (MULTI_HEAD_ATTENTION, ACTIVATION, ENCODER_LAYER),
    "TransformerDecoderLayer": (MULTI_HEAD_ATTENTION, ACTIVATION, DECODER_LAYER),
    "ConformerBlock": (MULTI_HEAD_ATTENTION, CONFORMER),
}
ORDER = (MULTI_HEAD_ATTENTION, ACTIVATION, ENCODER_LAYER, DECODER_LAYER, CONFORMER)


def attention_helpers(blocks: list[tuple[str, dict[str, Any]]]) -> str:
    """The classes a network of ``(type, params)`` blocks needs, as text to put before its
    class (empty when it uses no attention block)."""
    needed = {text for kind, _ in blocks for text in NEEDS.get(kind, ())}
    return "".join(text + "\n\n" for text in ORDER if text in needed)


def attention_block_code(spec: BlockSpec, params: dict[str, Any], attr: str, ins: list[str],
                         in_shapes: list[Shape]) -> tuple[str | None, str, str] | None:
    """One attention block as (module, forward expression, comment) like ``block_code``, or
    None for a block that is not one of them."""
    kind = spec.type
    x = ins[0] if ins else "x"
    dim = in_shapes[0][-1] if in_shapes else 0
    start = INIT + len(attr)
    if kind == "MultiHeadAttention":
        cross = params["mode"] == "cross"
        module = _call(kind, dim, params["heads"], start=start, mode="cross" if cross else None,
                       causal=_unless(params["causal"], False),
                       dropout=_unless(params["dropout"], 0.0),
                       context_dim=in_shapes[1][-1] if cross else None)
        return module, f"{attr}({', '.join(ins)})", "cross-attention" if cross else ""
    if kind in ("TransformerEncoderLayer", "TransformerDecoderLayer"):
        decoder = kind == "TransformerDecoderLayer"
        module = _call(kind, dim, params["heads"], params["ff"], start=start,
                       dropout=_unless(params["dropout"], 0.1),
                       causal=_unless(params["causal"], decoder),
                       activation=_unless(params["activation"], "relu"),
                       norm_first=_unless(params["norm_first"], True),
                       memory_dim=in_shapes[1][-1] if decoder else None)
        return module, f"{attr}({', '.join(ins)})", ""
    if kind == "ConformerBlock":
        return _call(kind, dim, params["heads"], start=start,
                     kernel_size=_unless(params["kernel_size"], 15),
                     ff_mult=_unless(params["ff_mult"], 4),
                     dropout=_unless(params["dropout"], 0.1)), f"{attr}({x})", ""
    if kind == "SiLU":
        return None, f"F.silu({x})", ""
    if kind == "GLU":
        return None, f"F.glu({x}, dim=-1)", ""
    if kind == "Scale":
        return None, f"{params['factor']!r} * {x}", ""
    return None


def _unless(value: Any, default: Any) -> Any:
    """``value``, or None (left out of the call) when it is the helper's default anyway."""
    return None if value == default else value


def _call(name: str, *args: Any, start: int = 0, **kwargs: Any) -> str:
    """``name(args, key=value …)``; its arguments go on the next line(s) when the call would
    end past the script's width, starting at column ``start``."""
    words = [_lit(a) for a in args] + [f"{k}={_lit(v)}" for k, v in kwargs.items()
                                       if v is not None]
    line = f"{name}({', '.join(words)})"
    if start + len(line) <= WIDTH:
        return line
    lines, current = [f"{name}("], CONTINUATION
    for i, word in enumerate(words):
        piece = word + ("," if i < len(words) - 1 else ")")
        if current.strip() and len(current) + len(piece) > WIDTH:
            lines.append(current.rstrip())
            current = CONTINUATION
        current += piece + " "
    return "\n".join([*lines, current.rstrip()])


def _lit(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)
