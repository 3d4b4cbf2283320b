"""Convolutions over signals (N, C, L) and images (N, C, H, W), and their transposes."""

from __future__ import annotations

import math

from ...errors import ShapeError
from ..blocks import BlockSpec, Context, Shape, p_bool, p_int
from ..params import ParamSet

AXIS_NAMES = {1: ("length",), 2: ("height", "width")}
RANK_TEXT = {1: "a 3-D input (N, C, L), a signal with C channels",
             2: "a 4-D input (N, C, H, W), an image with C channels"}


def spatial_input(in_shapes: list[Shape], dims: int) -> Shape:
    """The single input as (C, *spatial), after checking it has ``dims`` spatial axes."""
    shape = in_shapes[0]
    if len(shape) != dims + 1:
        raise ShapeError(f"needs {RANK_TEXT[dims]}")
    return shape


def sliding_length(size: int, kernel: int, stride: int, padding: int, dilation: int,
                   axis: str, what: str = "kernel") -> int:
    """How many positions a window of ``kernel`` taps fits in ``size`` padded by ``padding``."""
    span = dilation * (kernel - 1) + 1
    padded = size + 2 * padding
    if padded < span:
        spread = f"{span} wide with its dilation" if dilation > 1 else f"{span} wide"
        raise ShapeError(f"makes the {axis} 0: the {what} ({spread}) is larger than the "
                         f"padded input ({padded})")
    return (padded - span) // stride + 1


def _check_groups(in_channels: int, out_channels: int, groups: int) -> None:
    both = f"needs groups ({groups}) to divide both its input channels and out_channels"
    if out_channels % groups:
        raise ShapeError(f"{both} ({out_channels} is not a multiple of {groups})",
                         about_input=False)
    if in_channels % groups:
        raise ShapeError(f"{both} ({out_channels})")


def _conv_shape(dims: int):
    def rule(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
        channels, *sizes = spatial_input(in_shapes, dims)
        _check_groups(channels, params["out_channels"], params["groups"])
        k, s, d = params["kernel_size"], params["stride"], params["dilation"]
        if params.get("causal"):
            # Left padding of d*(k-1) keeps every output step from seeing the future.
            out = [(sizes[0] - 1) // s + 1]
        else:
            out = [sliding_length(n, k, s, params["padding"], d, axis)
                   for n, axis in zip(sizes, AXIS_NAMES[dims], strict=True)]
        return (params["out_channels"], *out)
    return rule


def _conv_count(dims: int):
    def count(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
        per_group = in_shapes[0][0] // params["groups"]
        weights = params["out_channels"] * per_group * params["kernel_size"] ** dims
        return weights + (params["out_channels"] if params["bias"] else 0)
    return count


def conv_macs(out_shape: Shape, in_channels: int, kernel: int, groups: int = 1) -> int:
    """Multiply-adds of a convolution giving ``out_shape`` (C_out, *positions): every output
    value is a sum over a window of ``kernel`` taps per axis and the channels of its group."""
    out_channels, *positions = out_shape
    taps = kernel ** len(positions)
    return math.prod(positions) * out_channels * (in_channels // groups) * taps


def _conv_macs(dims: int):
    shape_rule = _conv_shape(dims)

    def macs(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
        out = shape_rule(params, in_shapes, ctx)
        return conv_macs(out, in_shapes[0][0], params["kernel_size"], params["groups"])
    return macs


def _transpose_shape(dims: int):
    def rule(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
        _, *sizes = spatial_input(in_shapes, dims)
        k, s, p, op = (params["kernel_size"], params["stride"], params["padding"],
                       params["output_padding"])
        if op >= s:
            raise ShapeError(f"needs output_padding ({op}) smaller than stride ({s})",
                             about_input=False)
        out = []
        for n, axis in zip(sizes, AXIS_NAMES[dims], strict=True):
            size = (n - 1) * s - 2 * p + (k - 1) + op + 1
            if size < 1:
                raise ShapeError(f"makes the {axis} {max(size, 0)}: its padding ({p}) trims "
                                 "more than the layer produces")
            out.append(size)
        return (params["out_channels"], *out)
    return rule


def _transpose_count(dims: int):
    def count(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
        weights = in_shapes[0][0] * params["out_channels"] * params["kernel_size"] ** dims
        return weights + (params["out_channels"] if params["bias"] else 0)
    return count


def _transpose_macs(dims: int):
    def macs(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
        # each input value is spread over kernel taps of every output channel
        channels, *positions = in_shapes[0]
        taps = params["kernel_size"] ** dims
        return math.prod(positions) * channels * params["out_channels"] * taps
    return macs


def _conv_ops(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    return 2 if params.get("causal") else 1  # a causal one pads on the left first


def one_conv(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    return 1


def conv_tensors(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    """The filters, and the bias when it has one."""
    return 2 if params["bias"] else 1


def _conv_params(causal: bool) -> ParamSet:
    specs = [
        p_int("out_channels", 16, 1, 4096, "number of filters, one output channel each"),
        p_int("kernel_size", 3, 1, 63, "width of each filter (square on images)"),
        p_int("stride", 1, 1, 16, "step between filter positions; 2 halves the size"),
        p_int("padding", 1, 0, 32, "zeros added on each side of the input"),
        p_int("dilation", 1, 1, 32, "spacing between filter taps; larger sees further"),
        p_int("groups", 1, 1, 4096, "split the channels into this many independent groups; "
              "equal to the input channels for a depthwise convolution"),
        p_bool("bias", True, "add a learned bias per output channel"),
    ]
    if causal:
        specs.append(p_bool("causal", False, "only look at the present and the past: pads on "
                            "the left and ignores padding"))
    return ParamSet(tuple(specs))


def _transpose_params() -> ParamSet:
    return ParamSet((
        p_int("out_channels", 16, 1, 4096, "number of output channels"),
        p_int("kernel_size", 2, 1, 63, "width of each filter (square on images)"),
        p_int("stride", 2, 1, 16, "how much larger the output gets; 2 doubles the size"),
        p_int("padding", 0, 0, 32, "how much to trim from each side of the output"),
        p_int("output_padding", 0, 0, 15, "extra size added on one side to reach an exact "
              "size; must be smaller than stride"),
        p_bool("bias", True, "add a learned bias per output channel"),
    ))


BLOCKS = (
    BlockSpec("Conv1d", "Convolution", "Slides small learned filters along a signal, each "
              "filter making one output channel.",
              _conv_params(causal=True), _conv_shape(1), _conv_count(1), family="conv",
              macs=_conv_macs(1), ops=_conv_ops, tensors=conv_tensors, convs=one_conv),
    BlockSpec("Conv2d", "Convolution", "Slides small learned filters over an image, each "
              "filter making one output channel.",
              _conv_params(causal=False), _conv_shape(2), _conv_count(2), family="conv",
              macs=_conv_macs(2), ops=_conv_ops, tensors=conv_tensors, convs=one_conv),
    BlockSpec("ConvTranspose1d", "Convolution", "Makes a signal longer by spreading each input "
              "step over several output steps with learned filters.",
              _transpose_params(), _transpose_shape(1), _transpose_count(1),
              family="conv_transpose", macs=_transpose_macs(1), tensors=conv_tensors,
              convs=one_conv),
    BlockSpec("ConvTranspose2d", "Convolution", "Makes an image larger by spreading each pixel "
              "over several output pixels with learned filters.",
              _transpose_params(), _transpose_shape(2), _transpose_count(2),
              family="conv_transpose", macs=_transpose_macs(2), tensors=conv_tensors,
              convs=one_conv),
)
