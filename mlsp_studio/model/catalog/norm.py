"""Normalisation: batch statistics per channel, or layer statistics over the last axis."""

from __future__ import annotations

from ...errors import ShapeError
from ..blocks import BlockSpec, Context, Shape, no_macs, p_bool, p_float
from ..params import ParamSet


def _batchnorm_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    shape = in_shapes[0]
    if not 1 <= len(shape) <= 3:
        raise ShapeError("needs features (N, F), a signal (N, C, L) or an image (N, C, H, W)")
    return shape


def _batchnorm_count(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    # A scale and a shift per channel; the running mean and variance are not learned.
    return 2 * in_shapes[0][0] if params["affine"] else 0


def _layernorm_shape(params: dict, in_shapes: list[Shape], ctx: Context) -> Shape:
    if len(in_shapes[0]) < 1:
        raise ShapeError("needs at least one feature axis, (N, F)")
    return in_shapes[0]


def _layernorm_count(params: dict, in_shapes: list[Shape], ctx: Context) -> int:
    return 2 * in_shapes[0][-1] if params["elementwise_affine"] else 0


BLOCKS = (
    BlockSpec("BatchNorm", "Normalization", "Rescales each channel to mean 0 and spread 1 using "
              "the statistics of the current batch, which steadies training.",
              ParamSet((
                  p_float("momentum", 0.1, 0.001, 1.0, "how fast the running statistics used "
                          "at test time follow each batch"),
                  p_float("eps", 1e-5, 1e-8, 0.1, "small number added to the variance so "
                          "nothing is divided by zero", log_scale=True),
                  p_bool("affine", True, "learn a scale and a shift per channel"),
              )),
              _batchnorm_shape, _batchnorm_count, family="norm", macs=no_macs,
              tensors=lambda params, in_shapes, ctx: 2 if params["affine"] else 0),
    BlockSpec("LayerNorm", "Normalization", "Rescales the last axis of each example to mean 0 "
              "and spread 1, as transformers do.",
              ParamSet((
                  p_float("eps", 1e-5, 1e-8, 0.1, "small number added to the variance so "
                          "nothing is divided by zero", log_scale=True),
                  p_bool("elementwise_affine", True, "learn a scale and a shift per feature"),
              )),
              _layernorm_shape, _layernorm_count, family="norm", macs=no_macs,
              tensors=lambda params, in_shapes, ctx: 2 if params["elementwise_affine"] else 0),
)
