"""Generative blocks: time and class embeddings and the residual block of a diffusion denoiser,
gradient reversal for adversarial training, and the projection head of contrastive learning."""

from __future__ import annotations

import math

from ...errors import ShapeError
from ..blocks import (
    BlockSpec,
    Context,
    Shape,
    a_view,
    format_shape,
    no_macs,
    p_bool,
    p_float,
    p_int,
)
from ..params import ParamSet

ONE_NUMBER = "one number per example, (N, 1)"


def _dense(fan_in: int, fan_out: int) -> int:
    """Learned numbers of a Dense layer with a bias."""
    return fan_in * fan_out + fan_out


def group_count(channels: int, groups: int) -> int:
    """The groups a group norm over ``channels`` uses: ``groups`` when it divides the channels,
    else the largest number below it that does (1 always does)."""
    return next(g for g in range(min(groups, channels), 0, -1) if channels % g == 0)


# --- TimeEmbedding --------------------------------------------------------------------------

def _one_number(in_shapes: list[Shape], what: str) -> None:
    if tuple(in_shapes[0]) != (1,):
        raise ShapeError(f"needs {what}: {ONE_NUMBER}")


def _time_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    _one_number(in_shapes, "the time step")
    return (params["dim"],)


def _time_count(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    # sinusoidal features (dim, fixed) -> Dense(hidden) -> SiLU -> Dense(dim)
    return _dense(params["dim"], params["hidden"]) + _dense(params["hidden"], params["dim"])


def _time_macs(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    return 2 * params["dim"] * params["hidden"]


def _time_kept(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    # the waves, the middle layer before and after SiLU, the output
    return 2 * params["dim"] + 2 * params["hidden"]


# --- ConditionEmbedding ---------------------------------------------------------------------

def condition_classes(params: dict, ctx: Context) -> int:
    """How many classes the table has rows for (0 follows the data); one more row, the last,
    stands for 'no condition'."""
    classes = params["classes"] or ctx.num_classes
    if classes <= 0:
        raise ShapeError("does not know how many classes there are: set 'classes' or pick a "
                         "dataset with classes", about_input=False)
    return classes


def _condition_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    _one_number(in_shapes, "the class")
    condition_classes(params, ctx)
    return (params["dim"],)


def _condition_count(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    return (condition_classes(params, ctx) + 1) * params["dim"]


# --- ResBlock -------------------------------------------------------------------------------

RES_INPUT = "an image (N, C, H, W), a signal (N, C, L) or features (N, F)"


def res_ports(params: dict) -> tuple[str, ...]:
    """("in", "cond") when the block is conditioned, else ("in",)."""
    return ("in", "cond") if params.get("conditioned", True) else ("in",)


def _res_widths(params: dict, in_shapes: list[Shape]) -> tuple[int, int]:
    """(input channels, output channels) after checking both inputs."""
    shape = tuple(in_shapes[0])
    if not 1 <= len(shape) <= 3:
        raise ShapeError(f"needs {RES_INPUT} at its in input")
    if params["conditioned"]:
        cond = tuple(in_shapes[1])
        if len(cond) != 1:
            raise ShapeError(f"needs a vector (N, D) at its cond input, got {format_shape(cond)}",
                             about_input=False)
    return shape[0], params["channels"] or shape[0]


def _res_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    _, width = _res_widths(params, in_shapes)
    return (width, *in_shapes[0][1:])


def _res_count(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    c_in, c_out = _res_widths(params, in_shapes)
    taps = {1: 1, 2: 3, 3: 9}[len(in_shapes[0])]  # Dense, 3-tap Conv1d or 3x3 Conv2d
    total = 2 * c_in + (c_in * taps * c_out + c_out)          # norm, first layer
    total += 2 * c_out + (c_out * taps * c_out + c_out)       # norm, second layer
    if params["conditioned"]:
        total += _dense(in_shapes[1][0], c_out)               # projection of cond
    if c_in != c_out:
        total += _dense(c_in, c_out)                          # 1x1 skip
    return total


def _res_macs(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    c_in, c_out = _res_widths(params, in_shapes)
    spatial = in_shapes[0][1:]
    positions, taps = math.prod(spatial), 3 ** len(spatial)
    total = positions * taps * (c_in * c_out + c_out * c_out)   # the two layers
    if params["conditioned"]:
        total += in_shapes[1][0] * c_out                          # projection of cond
    if c_in != c_out:
        total += positions * c_in * c_out                         # 1x1 skip
    return total


def _res_ops(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    # norm, SiLU, layer, norm, SiLU, layer and the sum; the condition's projection, its
    # reshape and sum; the skip's 1x1 layer; a dense layer on vectors takes 2 operations
    c_in, c_out = _res_widths(params, in_shapes)
    layers = 2 + (c_in != c_out)
    ops = 7 + (c_in != c_out) + (4 if params["conditioned"] else 0)
    return ops + (layers if len(in_shapes[0]) == 1 else 0)


def _res_convs(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    # the two layers and the skip's are convolutions on signals and images
    if len(in_shapes[0]) == 1:
        return 0
    c_in, c_out = _res_widths(params, in_shapes)
    return 2 + (c_in != c_out)


def _res_tensors(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    c_in, c_out = _res_widths(params, in_shapes)
    return 8 + 2 * params["conditioned"] + 2 * (c_in != c_out)


def _res_kept(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    # per position: the first norm and SiLU of the input, then six steps at the output's
    # width (layer, norm, plus the condition, SiLU, layer, sum) and the skip when it has one
    c_in, c_out = _res_widths(params, in_shapes)
    positions = math.prod(in_shapes[0][1:])
    return positions * (2 * c_in + 6 * c_out + (c_out if c_in != c_out else 0))


# --- ProjectionHead -------------------------------------------------------------------------

def _projection_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    if len(in_shapes[0]) != 1:
        raise ShapeError("needs one vector per example, (N, F)")
    return (params["out"],)


def _projection_count(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    return _dense(in_shapes[0][0], params["hidden"]) + _dense(params["hidden"], params["out"])


def _projection_macs(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    return in_shapes[0][0] * params["hidden"] + params["hidden"] * params["out"]


def _projection_kept(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    return 2 * params["hidden"] + params["out"]


def _same(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    return in_shapes[0]


BLOCKS = (
    BlockSpec("TimeEmbedding", "Generative", "Turns a diffusion time step t into a vector: "
              "sine and cosine waves of t at many speeds, then Dense, SiLU, Dense.",
              ParamSet((p_int("dim", 32, 2, 8192, "length of the vector it gives (also the "
                              "number of waves; an odd length ends on a 0)"),
                        p_int("hidden", 64, 1, 8192, "size of the layer between the waves and "
                              "the output"))),
              _time_shape, _time_count, family="time_embed", macs=_time_macs,
              kept=_time_kept, ops=lambda params, in_shapes, ctx: 10,  # the waves, the network
              tensors=lambda params, in_shapes, ctx: 4),
    BlockSpec("ConditionEmbedding", "Generative", "Turns a class id into a learned vector; "
              "an id below 0 or past the last class picks an extra row meaning 'no class'.",
              ParamSet((p_int("dim", 32, 1, 8192, "length of each class's vector"),
                        p_int("classes", 0, 0, 100_000, "how many classes there are; 0 follows "
                              "the dataset"))),
              _condition_shape, _condition_count, family="cond_embed", macs=no_macs,
              tensors=lambda params, in_shapes, ctx: 1),
    BlockSpec("ResBlock", "Generative", "A residual block of a diffusion denoiser: norm, SiLU, "
              "3-wide convolution (Dense for vectors), norm, plus the condition, SiLU, "
              "convolution, plus the input.",
              ParamSet((p_int("channels", 0, 0, 4096, "channels (or features) it gives; 0 keeps "
                              "those of its input"),
                        p_bool("conditioned", True, "add a learned projection of the cond "
                               "input (a time or class vector) to every channel"),
                        p_int("groups", 8, 1, 512, "channel groups of the group norm; when the "
                              "channels are not a multiple of it, the largest smaller number "
                              "that divides them"))),
              _res_shape, _res_count, input_ports=res_ports, family="resblock",
              macs=_res_macs, kept=_res_kept, ops=_res_ops, tensors=_res_tensors,
              convs=_res_convs),
    BlockSpec("GradientReversal", "Generative", "Passes values on unchanged, but turns the "
              "gradient around (times -scale) on the way back, so the layers before it learn "
              "to fool the layers after it.",
              ParamSet((p_float("scale", 1.0, 0.0, 100.0, "how strongly the reversed "
                                "gradient is scaled"),)),
              _same, family="grad_reverse", macs=no_macs, kept=a_view),
    BlockSpec("ProjectionHead", "Generative", "A small two-layer network (Dense, ReLU, Dense) "
              "that maps an encoder's features into the space where a contrastive loss "
              "compares them.",
              ParamSet((p_int("hidden", 128, 1, 8192, "size of the middle layer"),
                        p_int("out", 64, 1, 8192, "length of the vector it gives"))),
              _projection_shape, _projection_count, family="projection_head",
              macs=_projection_macs, kept=_projection_kept,
              ops=lambda params, in_shapes, ctx: 5, tensors=lambda params, in_shapes, ctx: 4),
)
