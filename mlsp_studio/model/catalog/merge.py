"""Blocks that join branches: Add and Multiply (same shapes) and Concat (along one axis)."""

from __future__ import annotations

from ...errors import ShapeError
from ..blocks import BlockSpec, Context, Shape, no_macs, p_int
from ..params import ParamSet


def merge_ports(params: dict) -> tuple[str, ...]:
    """``in1`` … ``inN`` for a merge block with ``inputs`` = N."""
    return tuple(f"in{i + 1}" for i in range(params.get("inputs", 2)))


def _same_shapes(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    first = in_shapes[0]
    for shape in in_shapes[1:]:
        if shape != first:
            raise ShapeError("needs inputs of the same shape")
    return first


def concat_axis(axis: int, rank: int) -> int:
    """The non-batch axis index ``axis`` (negative counts from the end) as 0 … rank-1."""
    return axis + rank if axis < 0 else axis


def _concat_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    first = in_shapes[0]
    rank = len(first)
    axis = concat_axis(params["axis"], rank)
    if not 0 <= axis < rank:
        raise ShapeError(f"needs inputs with an axis {params['axis']} to join along "
                         "(axes count from 0, not counting the batch)")
    total = 0
    for shape in in_shapes:
        if len(shape) != rank:
            raise ShapeError("needs inputs with the same number of axes")
        if any(a != b for i, (a, b) in enumerate(zip(shape, first, strict=True)) if i != axis):
            raise ShapeError(f"needs inputs that match on every axis except the one it joins "
                             f"along (axis {params['axis']})")
        total += shape[axis]
    return (*first[:axis], total, *first[axis + 1:])


def _pairwise_ops(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    return len(in_shapes) - 1  # one sum or product per input after the first


def _inputs_param():
    return p_int("inputs", 2, 2, 4, "how many branches it joins")


BLOCKS = (
    BlockSpec("Add", "Merge", "Adds its inputs value by value, as in a residual (skip) "
              "connection; all inputs must have the same shape.",
              ParamSet((_inputs_param(),)), _same_shapes, input_ports=merge_ports,
              family="merge", macs=no_macs, ops=_pairwise_ops),
    BlockSpec("Multiply", "Merge", "Multiplies its inputs value by value, e.g. to gate one "
              "branch by another; all inputs must have the same shape.",
              ParamSet((_inputs_param(),)), _same_shapes, input_ports=merge_ports,
              family="merge", macs=no_macs, ops=_pairwise_ops),
    BlockSpec("Concat", "Merge", "Joins its inputs side by side along one axis, by default "
              "the channels, as in U-Net skip connections.",
              ParamSet((_inputs_param(),
                        p_int("axis", 0, -1, 3, "axis to join along, not counting the batch: "
                              "0 is the channels (or features), -1 the last axis"))),
              _concat_shape, input_ports=merge_ports, family="merge", macs=no_macs),
)
