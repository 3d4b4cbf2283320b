"""Attention blocks: multi-head attention and the composite transformer and Conformer layers.

Sequences are (L, D): L steps (tokens) first, D features last. The composite layers can be
expanded on the canvas into the blocks they are made of (see ``model/composite.py``); SiLU, GLU
and Scale are the small parts a Conformer block needs for that, and useful on their own.
"""

from __future__ import annotations

from ...errors import ShapeError
from ..blocks import BlockSpec, Context, Shape, no_macs, p_bool, p_choice, p_float, p_int
from ..params import ParamSet, ParamSpec

SEQUENCE = "a sequence (N, L, D): steps first, features last"


def _sequence(shape: Shape, what: str = SEQUENCE) -> tuple[int, int]:
    if len(shape) != 2:
        raise ShapeError(f"needs {what}")
    return shape[0], shape[1]


def _check_heads(dim: int, heads: int) -> None:
    if dim % heads:
        raise ShapeError(f"needs its feature size ({dim}) to be a multiple of heads ({heads})")


def attention_ports(params: dict) -> tuple[str, ...]:
    """``("in",)`` for self-attention, ``("query", "context")`` for cross-attention."""
    return ("query", "context") if params.get("mode") == "cross" else ("in",)


def decoder_ports(params: dict) -> tuple[str, ...]:
    return ("in", "memory")


# --- shape rules and parameter counts -------------------------------------------------------

def _attention_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    steps, dim = _sequence(in_shapes[0])
    _check_heads(dim, params["heads"])
    if params["mode"] == "cross":
        keys, _ = _sequence(in_shapes[1], "a context sequence (N, Lk, Dk) to attend to")
        if params["causal"] and keys < steps:
            raise ShapeError(f"with causal on needs a context at least as long as the query "
                             f"({keys} steps is shorter than {steps})")
    return (steps, dim)


def attention_count(dim: int, context_dim: int | None = None) -> int:
    """Weights of one attention: query and output projections from D, key and value from Dk."""
    context_dim = dim if context_dim is None else context_dim
    return 2 * (dim * dim + dim) + 2 * (context_dim * dim + dim)


def _attention_count(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    dim = in_shapes[0][-1]
    return attention_count(dim, in_shapes[1][-1] if params["mode"] == "cross" else dim)


def attention_macs(steps: int, dim: int, keys: int, context_dim: int) -> int:
    """Multiply-adds of one attention: the four projections, then every query against every
    key (Lq·Lk·D) and the weights against the values (Lq·Lk·D), whatever the mask hides."""
    projections = 2 * steps * dim * dim + 2 * keys * context_dim * dim
    return projections + 2 * steps * keys * dim


def _context(params: dict, in_shapes: list[Shape]) -> Shape:
    return in_shapes[1] if params["mode"] == "cross" else in_shapes[0]


def _attention_macs(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    (steps, dim), (keys, context_dim) = in_shapes[0], _context(params, in_shapes)
    return attention_macs(steps, dim, keys, context_dim)


def _attention_kept(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    # queries, keys and values, the heads' output and the projected output; the fast path
    # keeps no matrix of weights
    (steps, dim), (keys, _) = in_shapes[0], _context(params, in_shapes)
    return 3 * steps * dim + 2 * keys * dim


def _feed_forward_count(dim: int, hidden: int) -> int:
    return dim * hidden + hidden + hidden * dim + dim


def _encoder_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    steps, dim = _sequence(in_shapes[0])
    _check_heads(dim, params["heads"])
    return (steps, dim)


def _encoder_count(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    dim = in_shapes[0][-1]
    return attention_count(dim) + _feed_forward_count(dim, params["ff"]) + 2 * 2 * dim


def _decoder_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    steps, dim = _sequence(in_shapes[0])
    _check_heads(dim, params["heads"])
    _sequence(in_shapes[1], "a memory sequence (N, Lm, Dm) from an encoder on its 'memory' input")
    return (steps, dim)


def _decoder_count(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    dim, memory = in_shapes[0][-1], in_shapes[1][-1]
    return (attention_count(dim) + attention_count(dim, memory)
            + _feed_forward_count(dim, params["ff"]) + 3 * 2 * dim)


def _conformer_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    if params["kernel_size"] % 2 == 0:
        raise ShapeError(f"needs an odd kernel_size so its convolution keeps the length "
                         f"({params['kernel_size']} is even)", about_input=False)
    return _encoder_shape(params, in_shapes, ctx)


def _conformer_count(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    dim, k = in_shapes[0][-1], params["kernel_size"]
    feed_forward = 2 * dim + _feed_forward_count(dim, params["ff_mult"] * dim)
    attention = 2 * dim + attention_count(dim)
    # LayerNorm, pointwise to 2D, depthwise (one filter per feature), BatchNorm, pointwise back
    conv = 2 * dim + (2 * dim * dim + 2 * dim) + (dim * k + dim) + 2 * dim + (dim * dim + dim)
    return 2 * feed_forward + attention + conv + 2 * dim


def _same(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    return in_shapes[0]


def _glu_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    shape = in_shapes[0]
    if len(shape) < 1 or shape[-1] % 2:
        raise ShapeError("needs an even number of features on its last axis, half values and "
                         "half gates")
    return (*shape[:-1], shape[-1] // 2)


# --- parameters -----------------------------------------------------------------------------

def _heads() -> ParamSpec:
    return p_int("heads", 4, 1, 64, "how many attention heads look at the sequence side by "
                 "side; the feature size must be a multiple of it")


def _dropout(default: float) -> ParamSpec:
    return p_float("dropout", default, 0.0, 0.9, "chance of dropping a value while training "
                   "(attention weights and each sub-layer's output)")


def _attention_ops(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    # four projections (a view, the product, a view back and the weights' transpose each),
    # the heads split apart and joined again, and the fused attention; with dropout while
    # training the attention runs as its separate steps (scores, scaling, softmax, dropout,
    # weighted sum) so that weights can be dropped
    return 25 + (20 if params["dropout"] > 0 else 0)


def _attention_draws(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    # dropout on the weights: one draw per query, key and head
    if params["dropout"] <= 0:
        return 0
    keys = in_shapes[1][0] if params["mode"] == "cross" else in_shapes[0][0]
    return params["heads"] * in_shapes[0][0] * keys


def _layer_params(causal: bool) -> ParamSet:
    return ParamSet((
        _heads(),
        p_int("ff", 128, 1, 16384, "width of the hidden layer of the feed-forward part"),
        _dropout(0.1),
        p_bool("causal", causal, "each step may look only at itself and earlier steps"
               + (" in its self-attention" if causal else "")),
        p_choice("activation", "relu", ("relu", "gelu"), "non-linearity of the feed-forward "
                 "part"),
        p_bool("norm_first", True, "LayerNorm before each sub-layer (steadier training); off "
               "normalises after adding each sub-layer's result to its input, as in the "
               "original transformer"),
    ))


BLOCKS = (
    BlockSpec("MultiHeadAttention", "Attention",
              "Each step builds a query, compares it with a key from every step, turns the "
              "scores into weights that sum to 1 (softmax) and takes the weighted sum of the "
              "steps' values. Several heads do this side by side. Self-attention looks within "
              "one sequence; cross-attention lets the query sequence look at a context "
              "sequence.",
              ParamSet((
                  _heads(),
                  p_choice("mode", "self", ("self", "cross"), "self: one input attends to "
                           "itself; cross: 'query' attends to 'context'"),
                  p_bool("causal", False, "each step may look only at itself and earlier "
                         "steps (for models that predict the next token)"),
                  _dropout(0.0),
              )),
              _attention_shape, _attention_count, input_ports=attention_ports,
              family="attention", macs=_attention_macs, kept=_attention_kept,
              ops=_attention_ops, tensors=lambda params, in_shapes, ctx: 8,
              draws=_attention_draws, heads=lambda params, in_shapes, ctx: params["heads"]),
    BlockSpec("TransformerEncoderLayer", "Attention",
              "One transformer encoder layer: self-attention, then a small two-layer network "
              "applied to each step. Each adds its result to its own input, with a LayerNorm "
              "before it (or after the sum). Keeps the shape (N, L, D); can be expanded into "
              "its parts.",
              _layer_params(causal=False), _encoder_shape, _encoder_count, family="attention"),
    BlockSpec("TransformerDecoderLayer", "Attention",
              "One transformer decoder layer: causal self-attention on its input, "
              "cross-attention on the encoder's output ('memory'), then a two-layer network "
              "applied to each step; each adds its result to its own input, with a "
              "LayerNorm. Can be expanded into its parts.",
              _layer_params(causal=True), _decoder_shape, _decoder_count,
              input_ports=decoder_ports, family="attention"),
    BlockSpec("ConformerBlock", "Attention",
              "The Conformer layer used in speech recognition: a half-step feed-forward part, "
              "self-attention, a convolution part that mixes neighbouring steps (pointwise, "
              "gated, then one filter per feature across time), another half-step "
              "feed-forward part and a final LayerNorm. Can be expanded into its parts.",
              ParamSet((
                  _heads(),
                  p_int("kernel_size", 15, 3, 63, "how many neighbouring steps its "
                        "convolution sees; odd, so the length stays the same"),
                  p_int("ff_mult", 4, 1, 8, "the feed-forward parts are this many times "
                        "wider than the features"),
                  _dropout(0.1),
              )),
              _conformer_shape, _conformer_count, family="attention"),
    BlockSpec("SiLU", "Activation", "x times sigmoid(x) (also called swish): a smooth ReLU "
              "that lets small negative values through.",
              ParamSet(()), _same, family="attention_part", macs=no_macs),
    BlockSpec("GLU", "Activation", "A gated linear unit: splits the last axis in two halves "
              "and multiplies the first by sigmoid of the second, so the features are "
              "halved.",
              ParamSet(()), _glu_shape, family="attention_part", macs=no_macs),
    BlockSpec("Scale", "Core", "Multiplies every value by a fixed number, e.g. 0.5 for the "
              "Conformer's half-step feed-forward parts.",
              ParamSet((p_float("factor", 0.5, -100.0, 100.0, "the number to multiply by"),)),
              _same, family="attention_part", macs=no_macs),
)

COMPOSITE_TYPES = ("TransformerEncoderLayer", "TransformerDecoderLayer", "ConformerBlock")
