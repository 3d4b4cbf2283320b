"""Sequence blocks: Embedding, positional encoding, recurrent layers, attention pooling,
patch embedding and token selection. Shapes are (L, D): tokens along the first axis."""

from __future__ import annotations

import math

from ...errors import ShapeError
from ..blocks import BlockSpec, Context, Shape, a_view, no_macs, p_bool, p_choice, p_float, p_int
from ..params import ParamSet
from ..vocabulary import counted_specials

SEQUENCE = "a sequence (N, L, D), one row of D features per token"
GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}  # weight blocks per recurrent layer and direction
# values per step, layer and direction (in units of hidden) that PyTorch's CPU kernels keep
# for the backward pass: the state for a plain RNN, the gates and more for a GRU, and the
# larger work area of the oneDNN kernel for an LSTM
KEPT_PER_STEP = {"RNN": 1, "LSTM": 16, "GRU": 7}
# torch operations per time step, layer and direction on the CPU: a plain RNN and a GRU run
# their cell one step after another (the recurrent product, adding the input's part, the
# gates' sigmoids and tanh, their sums and products: 5 and 15 operations a step, each with
# its step back in the backward pass); an LSTM runs as one fused oneDNN operation over the
# whole sequence
OPS_PER_STEP = {"RNN": 5, "LSTM": 0, "GRU": 15}
# and once per layer and direction: the input's product for every step at once, the steps
# split apart and stacked again (RNN, GRU); the fused layer and its work area (LSTM)
OPS_PER_RUN = {"RNN": 6, "LSTM": 2, "GRU": 6}


def sequence_input(in_shapes: list[Shape]) -> Shape:
    """The single input as (L, D), after checking it is a sequence of feature vectors."""
    shape = in_shapes[0]
    if len(shape) != 2:
        raise ShapeError(f"needs {SEQUENCE}")
    return shape


# --- Embedding ------------------------------------------------------------------------------

def embedding_vocab(params: dict, ctx: Context) -> int:
    """How many different token ids the table has rows for (0 follows the data)."""
    vocab = params["vocab"] or ctx.vocab_size
    if vocab <= 0:
        raise ShapeError("does not know how many different tokens there are: set 'vocab' or "
                         "pick a dataset of tokens", about_input=False)
    if params["vocab"] and ctx.vocab_size > params["vocab"]:
        raise ShapeError(f"has rows for {params['vocab']} tokens but the data uses "
                         f"{counted_specials(ctx.vocab_size)}; set vocab to 0 to follow the "
                         "data",
                         about_input=False)
    return vocab


def _embedding_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    if len(in_shapes[0]) != 1:
        raise ShapeError("needs token ids (N, L), one whole number per position")
    embedding_vocab(params, ctx)
    return (in_shapes[0][0], params["dim"])


def _embedding_count(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    return embedding_vocab(params, ctx) * params["dim"]


# --- positional encoding --------------------------------------------------------------------

def _posenc_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    length, _ = sequence_input(in_shapes)
    limit = params["max_len"]
    if params["kind"] != "none" and length > limit:
        raise ShapeError(f"handles sequences up to {limit} tokens; this one has {length} — "
                         "raise max_len", about_input=False)
    return in_shapes[0]


def _posenc_count(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    return params["max_len"] * in_shapes[0][1] if params["kind"] == "learned" else 0


def _posenc_ops(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    # the sum; a learned table is cut to the sequence's length first
    return {"none": 0, "learned": 2}.get(params["kind"], 1)


def _posenc_tensors(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    return 1 if params["kind"] == "learned" else 0


def _one_tensor(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    return 1


# --- recurrent layers -----------------------------------------------------------------------

def _recurrent_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    length, _ = sequence_input(in_shapes)
    width = params["hidden"] * (2 if params["bidirectional"] else 1)
    return (length, width) if params["return_sequence"] else (width,)


def recurrent_count(cell: str, features: int, hidden: int, layers: int,
                    bidirectional: bool) -> int:
    """Learned numbers in torch's RNN/LSTM/GRU: per layer and direction, each gate has input
    weights, recurrent weights and two biases."""
    dirs = 2 if bidirectional else 1
    total = 0
    for layer in range(layers):
        fan_in = features if layer == 0 else hidden * dirs
        total += dirs * GATES[cell] * hidden * (fan_in + hidden + 2)
    return total


def _recurrent_counter(cell: str):
    def count(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
        return recurrent_count(cell, in_shapes[0][1], params["hidden"], params["layers"],
                               params["bidirectional"])
    return count


def _recurrent_macs(cell: str):
    def macs(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
        # at every step, each gate of each layer and direction multiplies the input and the
        # previous state by its weights
        length, features = in_shapes[0]
        hidden, dirs = params["hidden"], 2 if params["bidirectional"] else 1
        total = 0
        for layer in range(params["layers"]):
            fan_in = features if layer == 0 else hidden * dirs
            total += dirs * GATES[cell] * hidden * (fan_in + hidden)
        return length * total
    return macs


def _recurrent_kept(cell: str):
    def kept(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
        length = in_shapes[0][0]
        dirs = 2 if params["bidirectional"] else 1
        steps = length * params["layers"] * dirs * KEPT_PER_STEP[cell] * params["hidden"]
        final = 0 if params["return_sequence"] else math.prod(_recurrent_shape(params, in_shapes,
                                                                                ctx))
        return steps + final
    return kept


def _recurrent_ops(cell: str):
    def ops(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
        # every step of every layer and direction and each run's own; the two directions
        # joined, dropout between layers, the final state picked out (both directions' ends
        # joined when bidirectional)
        length, layers = in_shapes[0][0], params["layers"]
        both = params["bidirectional"]
        runs = layers * (2 if both else 1)
        ops = runs * (length * OPS_PER_STEP[cell] + OPS_PER_RUN[cell])
        ops += (layers if both else 0) + (layers - 1 if params["dropout"] > 0 else 0)
        if not params["return_sequence"]:
            ops += 5 if both else 2
        return ops
    return ops


def _recurrent_tensors(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    # per layer and direction: input weights, recurrent weights and their two biases
    return 4 * params["layers"] * (2 if params["bidirectional"] else 1)


GATE_BIAS = {cell: (p_float("gate_bias", 0.0, -10.0, 10.0, f"starting bias of the {gate}: "
                            "above 0 the layer at first keeps its state from step to step, "
                            "so it can learn to remember over long gaps; 0 leaves torch's "
                            "random start"),)
             for cell, gate in (("LSTM", "forget gate"), ("GRU", "update gate"))}


def _recurrent(cell: str, doc: str) -> BlockSpec:
    params = ParamSet((
        p_int("hidden", 64, 1, 4096, "size of the state carried from step to step"),
        p_int("layers", 1, 1, 8, "recurrent layers stacked on top of each other"),
        p_bool("bidirectional", False, "also read the sequence backwards and join both "
               "directions' states (twice the features)"),
        p_bool("return_sequence", True, "give the state at every step (L, hidden); off gives "
               "only the final state (hidden,)"),
        p_float("dropout", 0.0, 0.0, 0.9, "chance of dropping values between stacked layers "
                "while training"),
        *GATE_BIAS.get(cell, ()),
    ))
    return BlockSpec(cell, "Sequence", doc, params, _recurrent_shape, _recurrent_counter(cell),
                     family="recurrent", macs=_recurrent_macs(cell), kept=_recurrent_kept(cell),
                     ops=_recurrent_ops(cell), tensors=_recurrent_tensors)


# --- pooling, patches and token selection ---------------------------------------------------

def _pooling_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    return (sequence_input(in_shapes)[1],)


def _pooling_count(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    # score layer (D -> hidden, with bias) and the scoring vector v (hidden -> 1, no bias)
    return params["hidden"] * (in_shapes[0][1] + 2)


def _pooling_macs(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    # the score layer and the scoring vector on every token; the weighted sum of the tokens
    # is elementwise work
    length, features = in_shapes[0]
    return length * params["hidden"] * (features + 1)


def _pooling_ops(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    # the score layer on the tokens (a view, the product, a view back, the weights'
    # transpose), tanh, the scoring vector likewise, softmax, and the weighted sum
    return 14


def _pooling_kept(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    # the score layer before and after tanh, the scores and weights, the weighted tokens
    length, features = in_shapes[0]
    return 2 * length * params["hidden"] + 2 * length + length * features + features


def _patch_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    shape = in_shapes[0]
    if len(shape) != 3:
        raise ShapeError("needs an image (N, C, H, W)")
    _, height, width = shape
    p = params["patch"]
    if height % p or width % p:
        raise ShapeError(f"needs the height ({height}) and width ({width}) to be multiples of "
                         f"the patch size ({p})")
    tokens = (height // p) * (width // p) + (1 if params["class_token"] else 0)
    return (tokens, params["dim"])


def _patch_count(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    dim = params["dim"]
    conv = in_shapes[0][0] * params["patch"] ** 2 * dim + dim
    return conv + (dim if params["class_token"] else 0)


def _patch_macs(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    # one product of every pixel of a patch with every output feature, for each patch
    return math.prod(in_shapes[0]) * params["dim"]


def _patch_kept(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    # the tokens from the convolution, and the sequence with the class token
    return 2 * math.prod(_patch_shape(params, in_shapes, ctx))


def _patch_ops(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    # the convolution, flattening the patches, laying them out as tokens; the class token is
    # expanded over the batch and joined in front
    return 5 if params["class_token"] else 3


def _patch_tensors(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    return 3 if params["class_token"] else 2


def _take_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    length, features = sequence_input(in_shapes)
    index = params["index"]
    if not -length <= index < length:
        raise ShapeError(f"takes token {index}, but a sequence of {length} tokens has indices "
                         f"0 to {length - 1} (or -{length} to -1)", about_input=False)
    return (features,)


def _transpose_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    shape = in_shapes[0]
    if len(shape) != 2:
        raise ShapeError("needs exactly two axes besides the batch, (N, A, B)")
    return (shape[1], shape[0])


def _repeat_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    shape = in_shapes[0]
    if len(shape) != 1:
        raise ShapeError("needs one vector per example, (N, D)")
    return (params["times"], shape[0])


BLOCKS = (
    BlockSpec("Embedding", "Sequence", "Turns each token id into a learned vector: a table "
              "with one row of dim numbers per token, looked up by the id.",
              ParamSet((p_int("vocab", 0, 0, 1_000_000, "how many different token ids there "
                              "are; 0 follows the dataset"),
                        p_int("dim", 64, 1, 8192, "length of each token's vector"))),
              _embedding_shape, _embedding_count, family="embedding", macs=no_macs,
              tensors=_one_tensor),
    BlockSpec("PositionalEncoding", "Sequence", "Adds to each token a pattern that depends on "
              "its position, so later layers can tell the first token from the tenth.",
              ParamSet((p_choice("kind", "sinusoidal", ("sinusoidal", "learned", "none"),
                                 "sinusoidal: fixed waves of different speeds; learned: one "
                                 "trained vector per position; none: adds nothing"),
                        p_int("max_len", 512, 1, 100_000, "longest sequence it can handle"))),
              _posenc_shape, _posenc_count, family="posenc", macs=no_macs,
              ops=_posenc_ops, tensors=_posenc_tensors),
    _recurrent("RNN", "A simple recurrent layer: reads the sequence one step at a time and "
               "mixes each input into a state, h = tanh(W x + U h + b)."),
    _recurrent("LSTM", "A recurrent layer with a memory cell and gates that decide what to "
               "write, keep and show, so it can remember over long gaps."),
    _recurrent("GRU", "A recurrent layer with a reset and an update gate: a lighter cousin "
               "of the LSTM that also remembers over long gaps."),
    BlockSpec("AttentionPooling", "Sequence", "Sums a sequence into one vector, weighting "
              "each token by a learned score (softmax over the tokens), so it can focus on "
              "the tokens that matter.",
              ParamSet((p_int("hidden", 64, 1, 4096, "size of the small layer that scores "
                              "each token"),)),
              _pooling_shape, _pooling_count, family="attention_pool",
              macs=_pooling_macs, kept=_pooling_kept, ops=_pooling_ops,
              tensors=lambda params, in_shapes, ctx: 3),
    BlockSpec("PatchEmbedding", "Sequence", "Cuts an image into square patches and turns each "
              "into a vector, making a sequence of tokens as in a vision transformer.",
              ParamSet((p_int("patch", 4, 1, 64, "side of each square patch, in pixels"),
                        p_int("dim", 64, 1, 8192, "length of each patch's vector"),
                        p_bool("class_token", True, "put a learned extra token first, whose "
                               "output can summarise the image"))),
              _patch_shape, _patch_count, family="patch_embed",
              macs=_patch_macs, kept=_patch_kept, ops=_patch_ops, tensors=_patch_tensors,
              convs=lambda params, in_shapes, ctx: 1),
    BlockSpec("TakeToken", "Reshape", "Keeps one token of a sequence, e.g. the first "
              "(class) token or the last one.",
              ParamSet((p_int("index", 0, -100_000, 100_000, "which token: 0 is the first, "
                              "-1 the last"),)),
              _take_shape, family="token_select", macs=no_macs, kept=a_view),
    BlockSpec("Transpose", "Reshape", "Swaps the two axes of each example: (A, B) becomes "
              "(B, A), e.g. to run a Conv1d along a sequence of tokens.",
              # a view, but the next block copies it (a product or a convolution needs its rows
              # in order) and keeps the copy; so it keeps its output, as a block that works
              ParamSet(()), _transpose_shape, family="transpose", macs=no_macs),
    BlockSpec("RepeatVector", "Reshape", "Repeats one vector several times to make a "
              "sequence, e.g. to feed a summary to a recurrent decoder at every step.",
              ParamSet((p_int("times", 8, 1, 10_000, "length of the sequence it makes"),)),
              _repeat_shape, family="repeat", macs=no_macs,
              ops=lambda params, in_shapes, ctx: 2),  # a view with a new axis, expanded
)
