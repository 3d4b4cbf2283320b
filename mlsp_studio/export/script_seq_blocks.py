"""Script code for the sequence blocks: plain ``nn`` layers, and a few small classes and
functions written into the script when a network uses them (positional encoding, attention
pooling, patches, the recurrent layers' helpers).

Those are the studio's own, copied from ``nn/sequence.py`` as they are written there, so a
script builds its parameters in the same order and with the same initialisation, and a script
seeded alike starts from the same weights.
"""

from __future__ import annotations

from typing import Any

from ..model.blocks import BlockSpec, Shape
from .source_copy import source_of

RECURRENT = ("RNN", "LSTM", "GRU")

SEQUENCE = "mlsp_studio.nn.sequence"
POSITIONAL_ENCODING = source_of(SEQUENCE, "sinusoid_table", "PositionalEncoding")
LAST_STATE = source_of(SEQUENCE, "last_state")
OPEN_GATE = source_of(SEQUENCE, "open_gate")
ATTENTION_POOLING = source_of(SEQUENCE, "AttentionPooling")
PATCH_EMBEDDING = source_of(SEQUENCE, "PatchEmbedding")


def seq_helpers(blocks: list[tuple[str, dict[str, Any]]]) -> str:
    """The helper classes and functions a network of ``(type, params)`` blocks needs, as text
    to put before its class (empty when it needs none)."""
    needed = []
    for kind, params in blocks:
        if kind == "PositionalEncoding" and params["kind"] != "none":
            needed.append(POSITIONAL_ENCODING)
        elif kind in RECURRENT and params["bidirectional"] and not params["return_sequence"]:
            needed.append(LAST_STATE)
        elif kind == "AttentionPooling":
            needed.append(ATTENTION_POOLING)
        elif kind == "PatchEmbedding":
            needed.append(PATCH_EMBEDDING)
        if kind in RECURRENT and params.get("gate_bias"):
            needed.append(OPEN_GATE)
    order = (POSITIONAL_ENCODING, LAST_STATE, OPEN_GATE, ATTENTION_POOLING, PATCH_EMBEDDING)
    return "".join(text + "\n\n" for text in order if text in needed)


def seq_block_code(spec: BlockSpec, params: dict[str, Any], attr: str, ins: list[str],
                   in_shapes: list[Shape], out_shape: Shape,
                   count: int) -> tuple[str | None, str | None, str] | None:
    """One sequence block as (module, forward expression, comment) like ``block_code``, or
    None for a block that is not a sequence block. ``count`` is its number of parameters."""
    kind = spec.type
    shape = in_shapes[0] if in_shapes else ()
    x = ins[0] if ins else "x"
    if kind == "Embedding":
        vocab = params["vocab"] or count // params["dim"]  # 0 follows the data
        return _call("nn.Embedding", vocab, params["dim"]), f"{attr}({x}.long())", \
            "each token id picks one learned row of the table"
    if kind == "PositionalEncoding":
        if params["kind"] == "none":
            return None, None, ""
        return _call("PositionalEncoding", params["kind"], params["max_len"], shape[-1]), \
            f"{attr}({x})", ""
    if kind in RECURRENT:
        return _recurrent(kind, params, attr, x, shape)
    if kind == "AttentionPooling":
        return _call("AttentionPooling", shape[-1], params["hidden"]), f"{attr}({x})", ""
    if kind == "PatchEmbedding":
        return _call("PatchEmbedding", shape[0], params["patch"], params["dim"],
                     class_token=params["class_token"]), f"{attr}({x})", ""
    if kind == "TakeToken":
        return None, f"{x}[:, {params['index']}]", ""
    if kind == "Transpose":
        return None, f"{x}.transpose(1, 2)", ""
    if kind == "RepeatVector":
        return None, f"{x}.unsqueeze(1).repeat(1, {params['times']}, 1)", \
            "the same vector at every step"
    return None


def _recurrent(kind: str, params: dict[str, Any], attr: str, x: str,
               shape: Shape) -> tuple[str, str, str]:
    layers, hidden = params["layers"], params["hidden"]
    dropout = params["dropout"] if layers > 1 else 0.0
    module = _call(f"nn.{kind}", shape[-1], hidden, num_layers=None if layers == 1 else layers,
                   batch_first=True, bidirectional=params["bidirectional"] or None,
                   dropout=dropout or None)
    if params.get("gate_bias"):
        module = f"open_gate({module}, {params['gate_bias']!r})"
    outputs = f"{attr}({x})[0]"  # every step's state; [1] would be the final (h, c)
    if params["return_sequence"]:
        return module, outputs, ""
    if params["bidirectional"]:
        return module, f"last_state({outputs}, {hidden})", \
            "forward direction after the last step, backward after the first"
    return module, f"{outputs}[:, -1]", "the state after the last step"


def _call(name: str, *args: Any, **kwargs: Any) -> str:
    words = [_lit(a) for a in args] + [f"{k}={_lit(v)}" for k, v in kwargs.items()
                                       if v is not None]
    return f"{name}({', '.join(words)})"


def _lit(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)
