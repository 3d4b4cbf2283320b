"""Pooling over windows (max, average) and over the whole signal or image (global)."""

from __future__ import annotations

from ...errors import ShapeError
from ..blocks import BlockSpec, Context, Shape, no_macs, p_int
from ..params import ParamSet
from .conv import AXIS_NAMES, sliding_length, spatial_input


def _pool_shape(dims: int):
    def rule(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
        channels, *sizes = spatial_input(in_shapes, dims)
        k, p = params["kernel_size"], params["padding"]
        s = params["stride"] or k
        if p > k // 2:
            raise ShapeError(f"needs padding ({p}) of at most half the window size "
                             f"({k // 2} for a window of {k})", about_input=False)
        out = [sliding_length(n, k, s, p, 1, axis, what="window")
               for n, axis in zip(sizes, AXIS_NAMES[dims], strict=True)]
        return (channels, *out)
    return rule


def _global_shape(dims: int):
    def rule(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
        return (spatial_input(in_shapes, dims)[0],)
    return rule


def _pool_params() -> ParamSet:
    return ParamSet((
        p_int("kernel_size", 2, 1, 16, "size of the window each output summarises"),
        p_int("stride", 0, 0, 16, "step between windows; 0 means the same as kernel_size"),
        p_int("padding", 0, 0, 8, "values added on each side; at most half of kernel_size"),
    ))


def _pool(name: str, doc: str, dims: int) -> BlockSpec:
    # torch pools a signal as an image of height 1: a view before and after
    return BlockSpec(name, "Pooling", doc, _pool_params(), _pool_shape(dims), family="pool",
                     macs=no_macs, ops=lambda params, in_shapes, ctx: 3 if dims == 1 else 1)


def _global(name: str, doc: str, dims: int) -> BlockSpec:
    return BlockSpec(name, "Pooling", doc, ParamSet(()), _global_shape(dims),
                     family="global_pool", macs=no_macs)


BLOCKS = (
    _pool("MaxPool1d", "Shrinks a signal by keeping the largest value in each window.", 1),
    _pool("AvgPool1d", "Shrinks a signal by averaging the values in each window.", 1),
    _pool("MaxPool2d", "Shrinks an image by keeping the largest value in each window.", 2),
    _pool("AvgPool2d", "Shrinks an image by averaging the values in each window.", 2),
    _global("GlobalAvgPool1d", "Averages each channel over the whole signal, giving one "
            "number per channel.", 1),
    _global("GlobalMaxPool1d", "Keeps the largest value of each channel over the whole "
            "signal, giving one number per channel.", 1),
    _global("GlobalAvgPool2d", "Averages each channel over the whole image, giving one "
            "number per channel.", 2),
    _global("GlobalMaxPool2d", "Keeps the largest value of each channel over the whole "
            "image, giving one number per channel.", 2),
)
