"""Blocks that change a shape without learning: Flatten, Reshape and Upsample."""

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
    p_choice,
    p_int,
    p_ints,
)
from ..params import ParamSet


def _flatten_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    if len(in_shapes[0]) < 1:
        raise ShapeError("needs at least one axis besides the batch")
    return (math.prod(in_shapes[0]),)


def resolve_reshape(target: tuple[int, ...], count: int) -> Shape:
    """``target`` with its one ``-1`` filled in so it holds ``count`` values."""
    if any(d == 0 or d < -1 for d in target):
        raise ShapeError("needs every entry of its shape to be a positive size or -1",
                         about_input=False)
    if list(target).count(-1) > 1:
        raise ShapeError("can have only one -1 in its shape", about_input=False)
    known = math.prod(d for d in target if d != -1)
    shown = format_shape(target)
    if -1 in target:
        if count % known:
            raise ShapeError(f"needs a number of values per example that is a multiple of "
                             f"{known} to make {shown}")
        return tuple(count // known if d == -1 else d for d in target)
    if count != known:
        raise ShapeError(f"needs {known} values per example to make {shown}")
    return tuple(target)


def _reshape_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    return resolve_reshape(tuple(params["shape"]), math.prod(in_shapes[0]))


def _upsample_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    shape = in_shapes[0]
    if len(shape) not in (2, 3):
        raise ShapeError("needs a signal (N, C, L) or an image (N, C, H, W)")
    return (shape[0], *(n * params["scale_factor"] for n in shape[1:]))


BLOCKS = (
    BlockSpec("Flatten", "Reshape", "Lays all values of each example out in one long row, "
              "e.g. to feed an image to a Dense layer.",
              ParamSet(()), _flatten_shape, family="reshape", macs=no_macs,
              kept=a_view, ops=lambda params, in_shapes, ctx: int(len(in_shapes[0]) > 1)),
    BlockSpec("Reshape", "Reshape", "Rearranges the values of each example into a new shape "
              "holding the same number of values.",
              ParamSet((p_ints("shape", (1, -1), -1, 1 << 20, min_length=1, max_length=4,
                               doc="new shape without the batch axis; one entry may be -1 "
                               "to fill in whatever is left"),)),
              _reshape_shape, family="reshape", macs=no_macs, kept=a_view),
    BlockSpec("Upsample", "Reshape", "Makes a signal or image larger by repeating or "
              "interpolating its values, with nothing to learn.",
              ParamSet((p_int("scale_factor", 2, 1, 8, "how many times larger each side gets"),
                        p_choice("mode", "nearest", ("nearest", "linear"),
                                 "nearest repeats values; linear blends neighbours "
                                 "(bilinear on images)"))),
              _upsample_shape, family="upsample", macs=no_macs),
)
